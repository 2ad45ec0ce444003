"""GD405: the GitPath folders of the gitops repository, and their value files, as Argo CD's
checkout of it holds them."""
from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model.charts import GitPath
from ..recorder import is_dir, is_file
from .registry import Finding, builtin

if TYPE_CHECKING:
    from .registry import CheckContext


@builtin("GD405", summary="a GitPath in the gitops repository does not exist",
         bad='GitPath("charts/growbin-backend") after the chart was deleted',
         good="a folder that exists in this checkout")
def missing_git_path(ctx: CheckContext) -> Iterator[Finding]:
    """A chart or manifests folder in this repository must exist in this checkout, or Argo CD
    fails to render the Application (every value file of a reference tree pointed at deleted
    charts); so must the value files a chart folder's Applications name. A folder or value file
    that git ignores is not committed, so Argo CD's checkout does not have it either. A folder
    read as plain manifests must not be one Argo CD reads as something else: one holding a
    kustomization, or, read one level deep with nothing else set (a source that names no tool:
    Argo CD discovers it), a Chart.yaml."""
    seen = set()
    ignored = _ignored_in_chart_folders(ctx)
    for app in ctx.resolved.apps:
        chart = app.chart
        if isinstance(chart, GitPath) and chart.repo is None and chart.path not in seen:
            seen.add(chart.path)
            if ctx.root is not None and not is_dir(ctx.root / chart.path):
                yield Finding(f"{app.service.name}: GitPath {chart.path!r} is not a folder in this "
                              f"repository ({ctx.root})", "paths are relative to the repository root",
                              chart.location, app.service.name, app.service)
            elif ctx.root is not None and _nothing_committed(ctx.root, chart.path, ignored):
                # git keeps files, not folders: Argo CD's repo server then fails with "app path
                # does not exist" (util/app/path/path.go, the path checked before any render)
                yield Finding(f"{app.service.name}: GitPath {chart.path!r} holds no file git "
                              "would commit (it is empty, or git ignores every file in it): "
                              "Argo CD's checkout of the repository does not have the folder",
                              "add the folder's files (change the .gitignore rule that ignores "
                              "them)", chart.location, app.service.name, app.service)
            elif ctx.root is not None:
                yield from _missing_value_files(ctx, chart, ignored or frozenset())
                yield from _read_as_another_tool(ctx.root, app, chart)


def _read_as_another_tool(root: Path, app: Any, chart: GitPath) -> Iterator[Finding]:
    """A folder whose files make Argo CD read it otherwise than the platform says: a Kustomize
    folder without a kustomization; plain manifests beside a kustomization, or, when the source
    names no tool (a one-level folder with nothing else set: render/apps.py directory_block,
    argo/source_type.py), beside a `*Chart.yaml`, which Argo CD's discovery makes a Helm chart
    (util/app/discovery/discovery.go)."""
    from ..render.apps import directory_block
    has_kustomization = any(is_file(root / chart.path / n) for n in
                            ("kustomization.yaml", "kustomization.yml", "Kustomization"))
    if chart.tool == "kustomize" and not has_kustomization:
        yield Finding(f"{app.service.name}: GitPath {chart.path!r} has tool='kustomize' but "
                      "no kustomization.yaml", "add one, or use tool='directory'",
                      chart.location, app.service.name, app.service)
    elif chart.tool == "directory" and has_kustomization:
        # a directory source applies kustomization.yaml as an object nobody serves
        yield Finding(f"{app.service.name}: GitPath {chart.path!r} holds a "
                      "kustomization.yaml but is read as plain manifests",
                      "use tool='kustomize'", chart.location, app.service.name, app.service)
    elif chart.tool == "directory" and directory_block(chart) is None and any(
            p.name.endswith("Chart.yaml") and p.is_file() for p in (root / chart.path).iterdir()):
        yield Finding(f"{app.service.name}: GitPath {chart.path!r} holds a Chart.yaml: as plain "
                      "manifests with nothing set (recurse=False) its source names no tool, and "
                      "Argo CD renders the folder as a Helm chart",
                      "use tool='helm', or set recurse=True or include= so the source says it is "
                      "plain manifests", chart.location, app.service.name, app.service)


def _missing_value_files(ctx: CheckContext, chart: GitPath,
                         ignored: frozenset[str]) -> Iterator[Finding]:
    """A chart folder's own value files, in each environment that reads them: Argo CD fails to
    generate the manifests for a missing one (unless helm.ignoreMissingValueFiles), and one git
    ignores is missing from its checkout."""
    from ..render.apps import chart_value_files
    assert ctx.root is not None
    for app in ctx.resolved.apps:
        if app.chart is not chart and app.chart != chart:
            continue
        if app.helm is not None and app.helm.ignore_missing_value_files:
            continue
        for name in chart_value_files(app):
            if not is_file(ctx.root / chart.path / name):
                yield Finding(f"{app.name}: value file {name!r} is not a file of the chart folder "
                              f"{chart.path!r}: Argo CD fails to generate the manifests",
                              "add the file, fix the name, or HelmOptions("
                              "ignore_missing_value_files=True)", chart.location, app.service.name,
                              app.service)
            elif posixpath.normpath(f"{chart.path}/{name}") in ignored:
                yield Finding(f"{app.name}: value file {name!r} of the chart folder {chart.path!r} "
                              "is a file git ignores: Argo CD's checkout of the repository does not "
                              "have it, and fails to generate the manifests",
                              "commit it (change the .gitignore rule that ignores it), or move its "
                              "values into the platform", chart.location, app.service.name,
                              app.service)


def _ignored_in_chart_folders(ctx: CheckContext) -> frozenset[str] | None:
    """The files git ignores in the repository's GitPath folders (repository paths): never
    committed, so not in the checkout Argo CD's repo server renders from (`checkoutRevision`
    cleans untracked files away). None outside a Git work tree. What decides it is an input of
    the compile: the .gitignore files are the repository's, the rest is recorded here."""
    if ctx.root is None:
        return None
    paths = sorted({a.chart.path for a in ctx.resolved.apps
                    if isinstance(a.chart, GitPath) and a.chart.repo is None})
    if not paths:
        return None
    from ..argo.links import ignored_under
    from ..recorder import observe, unrecorded
    with unrecorded():
        ignored, decided_by = ignored_under(ctx.root, paths)
    for path in decided_by:
        observe(path)
    return ignored


def _nothing_committed(root: Path, folder: str, ignored: frozenset[str] | None) -> bool:
    """Whether, in a Git work tree, a folder holds no file that git does not ignore (so none a
    commit can hold)."""
    if ignored is None:
        return False   # (not a Git work tree: what will be committed is not known)
    from ..argo.links import submodule_paths
    from ..recorder import unrecorded
    with unrecorded():   # (its files and .gitmodules are in the repository stamp)
        if any(s == folder or s.startswith(f"{folder}/") or folder.startswith(f"{s}/")
               for s in submodule_paths(root)):
            return False   # (a submodule's files: the repo server checks it out with the revision)
        files = [os.path.relpath(os.path.join(where, name), root).replace(os.sep, "/")
                 for where, _, names in os.walk(root / folder) for name in names]
    return all(f in ignored for f in files)
