"""Edits of the versions file that a full compile in memory checks before anything is written:
`set-image`, `set-chart` and `promote`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from .api import Result, compile, resolved_apps
from .diagnostics import has_errors
from .errors import NotFound
from .load import load, versions_path
from .model.charts import HelmChart
from .naming import UnknownName
from .versions.file import FIELDS, EditError, set_pin

#: one pin to set: (service, field, value, environment or None for every environment)
PinEdit = tuple[str, str, str, "str | None"]


@attrs.frozen
class VersionEdit:
    """A versions-file change checked by a full compile in memory before anything is written."""

    path: Path
    old_text: str
    new_text: str
    result: Result


def edit_versions(platforms_dir: str | Path, edits: Iterable[PinEdit], *, root: str | Path | None = None,
                  severity: dict[str, str] | None = None, allow: dict[str, str] | None = None
                  ) -> VersionEdit:
    """Apply `edits` - (service, field, value, env or None) - to the versions file of the platform
    that has the service, and compile with the edited text in memory. Raises LookupError for an
    unknown service; the caller writes `new_text` only when `result.ok`."""
    loaded = load(Path(platforms_dir))
    if has_errors(loaded.diagnostics):
        return VersionEdit(Path(), "", "", Result(platforms=loaded.platforms,
                                                   diagnostics=loaded.diagnostics))
    edits = list(edits)
    owner = None
    for platform in loaded.platforms:
        if any(s.name == edits[0][0] for s in platform.services):
            owner = platform
    if owner is None:
        raise UnknownName("service", edits[0][0], (s.name for p in loaded.platforms for s in p.services))
    path = versions_path(owner)
    # raw text: line endings and a BOM are kept as they are (set_pin keeps them too)
    old_text = path.read_bytes().decode("utf-8") if path.exists() else ""
    envs = {e.name for e in owner.environments}
    text = old_text
    by_name = {s.name: s for s in owner.services}
    for service, field, value, env in edits:
        if env is not None and env not in envs:
            raise UnknownName("environment", env, envs)
        declared = by_name.get(service)
        layers: list[Any] = [declared] + ([declared.per_env[env]] if declared and env in declared.per_env else
                               list(declared.per_env.values()) if declared else [])
        layers += list(declared.per_zone.values()) if declared else []
        if declared is not None and field == "image" and not any(
                getattr(layer, "image", None) is not None for layer in layers):
            raise NotFound(f"{service} has no Image(...): an image pin would change nothing "
                              "(its chart's own values say which image runs; set it there with "
                              "values=..., or give the service an image)")
        if declared is not None and field == "chart" and not any(
                isinstance(getattr(layer, "chart", None), HelmChart) for layer in layers):
            raise NotFound(f"{service} has no HelmChart(...): a chart version pin would change "
                              "nothing")
        try:
            text = set_pin(text, service, field, value, env)
        except EditError as exc:
            raise NotFound(f"{path}: {exc}") from None
    result = compile(platforms_dir, root=root, severity=severity, allow=allow,
                     versions_text={path: text})
    if result.ok:
        _refuse_dead_pins(result, edits)
    return VersionEdit(path, old_text, text, result)


def _refuse_dead_pins(result: Result, edits: Sequence[PinEdit]) -> None:
    """A pin for an environment the service does not run in changes nothing that Argo CD
    deploys: refused (LookupError), so that nothing is written."""
    runs: dict[str, set[str]] = {}
    for app in resolved_apps(result):
        runs.setdefault(app.service.name, set()).add(app.env.name)
    for service, _, _, env in edits:
        if env is not None and env not in runs.get(service, set()):
            where = ", ".join(sorted(runs.get(service, ()))) or "no environment"
            raise NotFound(f"{service} does not run in environment {env!r} (it runs in "
                              f"{where}): a pin there would change nothing; nothing written")


def promotion_edits(result: Result, service: str | None, source: str, target: str) -> list[PinEdit]:
    """The pins of `source` copied to `target`, for one service or (None) every service whose
    pins differ between the two environments."""
    edits: list[PinEdit] = []
    runs = {(a.service.name, a.env.name) for a in resolved_apps(result)}
    for platform, pins in zip(result.platforms, result.versions):
        for s in platform.services:
            if service is not None and s.name != service:
                continue
            if service is None and (s.name, target) not in runs:
                continue      # --all: a service that does not run there has nothing to promote
            for field in FIELDS:
                a, b = pins.pin(s.name, source, field), pins.pin(s.name, target, field)
                if a is not None and (b is None or a.value != b.value):
                    edits.append((s.name, field, a.value, target))
    return edits
