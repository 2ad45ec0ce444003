"""The render stage: resolved platform -> {output path: Document}, in memory, no IO but reading
the standard chart shipped in the package."""
from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..argo import to_data
from ..emit.tree import Document, Tree
from ..resolve import platform_in_zone
from . import names
from .apps import application_data
from .bootstrap import bootstrap_documents
from .overview import render_overview
from .projects import render_project
from .roots import render_root, root_groups
from .values import values_documents

if TYPE_CHECKING:
    from ..diagnostics import Suppressed
    from ..resolve import Resolved

PROJECT_WAVE = -1  # AppProjects before the roots (wave 0) in the zone Application


def _source_of(obj: Any, root: str | None,
               _cache: dict[tuple[str, str | None], str] = {}) -> str | None:  # noqa: B006
    location = getattr(obj, "location", None)
    if location is None:
        return None
    key = (location.file, root)
    source = _cache.get(key)
    if source is None:
        path = location.file
        source = os.path.basename(path)
        if root and os.path.isabs(path):
            rel = os.path.relpath(path, root)
            if not rel.startswith(".."):
                source = rel.replace(os.sep, "/")
        if len(_cache) < 10_000:
            _cache[key] = source
    return source


def standard_chart_files() -> dict[str, bytes]:
    """The standard chart's files, relative to the chart folder, read from the package."""
    base = resources.files("gitops_dsl") / "data" / "charts" / "service"
    files: dict[str, bytes] = {}
    stack = [(base, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():
                stack.append((entry, f"{prefix}{entry.name}/"))
            else:
                files[prefix + entry.name] = entry.read_bytes()
    return files


def _placeholder(reader: str, what: str) -> str:
    return (f"Argo CD Application `{reader}` reads this folder: {what}. The folder is written "
            "even when it holds nothing else, because an Application whose path does not exist "
            "fails (\"app path does not exist\") and prunes nothing. Argo CD reads only `.yaml`, "
            "`.yml` and `.json` files here, so this file is not applied.\n")


def render(resolved: Resolved, root: str | None = None, suppressed: Sequence[Suppressed] = (),
           skip: frozenset[tuple[str, str]] = frozenset(),
           skip_values: frozenset[tuple[str, str]] = frozenset()) -> Tree:
    """Every output document of one resolved platform, but the Application files of the
    Applications in `skip` and the values files of those in `skip_values` (by service and
    environment names; reused from the last compile: see `incremental`; the service layer's
    values file is written when the values of one Application that reads it are). Those
    documents have their Service as origin; no other document has."""
    platform = resolved.platform
    platform_src = _source_of(platform, root)
    tree: Tree = {}

    def put(path: str, data: Any, origin: object, fmt: Literal["yaml", "text", "raw"] = "yaml") -> None:
        tree[path] = Document(data, fmt, _source_of(origin, root) or platform_src, origin)

    checkout = Path(root) if root else None
    inputs: dict[tuple[str, str, str], set[str] | None] = {}
    own = ([a for a in resolved.apps if (a.service.name, a.env.name) not in skip] if skip
           else resolved.apps)
    for app in own:
        put(names.app_file(app), application_data(app, checkout, inputs), app.service)
    own = ([a for a in resolved.apps if (a.service.name, a.env.name) not in skip_values]
           if skip_values else resolved.apps)
    for path, data, app in values_documents(own):
        put(path, data, app.service)
    projects = {p.name: p for p in platform.projects}
    for zone in resolved.zones:
        zone_apps = [a for a in resolved.apps if a.zone.name == zone.name]
        for name in sorted({a.project for a in zone_apps if a.project in projects}):
            used = [a for a in zone_apps if a.project == name]
            put(names.project_file(zone, name),
                to_data(render_project(projects[name], zone, used, PROJECT_WAVE)), projects[name])
        seen_by_zone = platform_in_zone(platform, zone)
        for envs in root_groups(platform, zone, resolved.environments):
            put(names.root_file(zone, envs[0]), to_data(render_root(seen_by_zone, zone, envs)),
                envs[0])
            for env in envs:
                put(names.placeholder(names.apps_dir(zone, env)),
                    _placeholder(names.root_name(platform, env), "its environment's Applications"),
                    env, "text")
        # the zone app reads both folders: they exist while it does, even when empty
        for folder, what in ((names.projects_dir(zone), "the zone's AppProjects"),
                             (names.roots_dir(zone), "the roots of the zone's environments")):
            put(names.placeholder(folder), _placeholder(names.zone_app_name(platform, zone), what),
                platform, "text")
        for path, data in bootstrap_documents(seen_by_zone, zone).items():
            put(path, data, platform)
    if any(a.chart.consumes_config for a in resolved.apps):
        for rel, content in standard_chart_files().items():
            tree[f"{names.chart_dir()}/{rel}"] = Document(content, "raw")
    tree["README.md"] = Document(render_overview(resolved, suppressed, root), "text", platform_src,
                                 platform)
    return tree
