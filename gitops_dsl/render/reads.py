"""What a diff of the compiled trees cannot see: the chart folders of this repository that
Applications read (`GitPath` charts: a Helm chart and its `file://` dependencies, a Kustomize
folder and everything it reaches, plain manifests). An edit of `values.yaml` or a template there
changes what Argo CD applies for every Application that reads the folder, while every compiled
file stays the same; this module finds those edits and names the Applications they affect."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..model.charts import GitPath
from ..render.inputs import Unlistable, helm_inputs, kustomize_inputs

if TYPE_CHECKING:
    from ..resolve import App


@attrs.frozen
class InputChange:
    """A chart folder (or a file it reaches) whose files differ between the two revisions."""

    path: str                                 # repository path, relative to the checkout root
    files: tuple[tuple[str, str], ...]        # (repository path, "added" | "removed" | "changed")
    apps: tuple[str, ...]                     # the Applications that read it
    #: what changes in the resources Argo CD applies, per Application (review/rendered.py)
    resources: tuple[Any, ...] = ()
    note: str = ""                            # why resources could not be compared, if so


def chart_inputs(apps: Sequence[App], root: Path) -> dict[str, set[str]]:
    """Repository path (a folder or a file) -> the Applications whose chart reads it, for the
    charts read from the checkout at `root` (the platform's gitops repository)."""
    from ..argo.globs import normalize_git_url

    found: dict[str, set[str]] = {}
    listed: dict[tuple[str, str], set[str]] = {}
    for app in apps:
        chart = app.chart
        if not isinstance(chart, GitPath) or normalize_git_url(
                (chart.repo or app.platform.gitops_repo).url) != normalize_git_url(
                app.platform.gitops_repo.url):
            continue
        key = (chart.tool, chart.path)
        if key not in listed:
            try:
                if chart.tool == "helm":
                    listed[key] = helm_inputs(root, chart.path)
                elif chart.tool == "kustomize":
                    listed[key] = kustomize_inputs(root, chart.path, skip_remote=True)
                else:
                    listed[key] = {chart.path.strip("/")}
            except Unlistable:
                listed[key] = {chart.path.strip("/")}
        for path in listed[key]:
            found.setdefault(path, set()).add(app.name)
    return found


def working_files(root: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """The files under each path of the working tree, by repository path (links not followed)."""
    out: dict[str, bytes] = {}
    for path in paths:
        base = root / path
        if base.is_file() and not base.is_symlink():
            out[path] = base.read_bytes()
            continue
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            for name in names:
                full = Path(folder) / name
                if full.is_file() and not full.is_symlink():
                    out[full.relative_to(root).as_posix()] = full.read_bytes()
    return out


def input_changes(inputs: Mapping[str, set[str]], old: Mapping[str, bytes],
                  new: Mapping[str, bytes]) -> list[InputChange]:
    """Each input whose files differ, with the Applications that read it."""
    changes = []
    for path in sorted(inputs):
        def under(files: Mapping[str, bytes], path: str = path) -> set[str]:
            return {f for f in files if f == path or f.startswith(path + "/")}
        files = []
        for name in sorted(under(old) | under(new)):
            if name not in old:
                files.append((name, "added"))
            elif name not in new:
                files.append((name, "removed"))
            elif old[name] != new[name]:
                files.append((name, "changed"))
        if files:
            changes.append(InputChange(path, tuple(files), tuple(sorted(inputs[path]))))
    return changes
