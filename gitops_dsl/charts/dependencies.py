"""Dependencies of the repository's own chart folders that are not vendored in `charts/`.

Argo CD's repo server renders such a folder anyway: `helm template` fails with a missing
dependency, the repo server runs `helm dependency build` and renders again
(reposerver/repository/repository.go `helmTemplate`: `helm.IsMissingDependencyErr`,
`runHelmBuild`). gitops-dsl does the same offline: `charts pull` locks and caches each missing
dependency with the other external charts (at the version the folder's `Chart.lock` records,
else the version `Chart.yaml` asks for), and `manifests`/`preflight` render a temporary copy of
the folder with the cached archives in its `charts/`. A `file://` dependency is copied from the
repository. Without the Helm engine, or with a dependency not cached, the folder is not rendered
and says why: nothing is rendered without a dependency Argo CD would include.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .. import untrusted
from .committed import committed_folders, skip_uncommitted
from .lock import ChartRef, Entry, lookup

__all__ = ["chart_folders", "declares_dependencies", "dependency_refs", "missing", "vendored"]


def missing(helm: Any, chart_dir: Path) -> list[dict[str, Any]]:
    """The dependencies `helm template` would report missing from `charts/` (Helm's own check:
    a name found in Chart.yaml and not in charts/)."""
    if not (chart_dir / "Chart.yaml").is_file():
        return []
    try:
        listed = helm.dependency_list(str(chart_dir))
    except helm.HelmError:
        return []   # a Chart.yaml Helm cannot read: the render says so
    return [d for d in listed if d.get("status") == "missing"]


def _locked_versions(chart_dir: Path) -> dict[str, str]:
    """name -> version of the folder's Chart.lock (what `helm dependency build` installs)."""
    try:
        data = yaml.safe_load(untrusted.read_text(chart_dir / "Chart.lock"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    entries = data.get("dependencies") if isinstance(data, dict) else None
    return {str(d["name"]): str(d["version"]) for d in entries or ()
            if isinstance(d, dict) and d.get("name") and d.get("version")}


def _ref(dependency: Mapping[str, Any], locked: Mapping[str, str]) -> ChartRef | None:
    repository = str(dependency.get("repository") or "")
    if not repository or repository.startswith(("file://", "@", "alias:")):
        return None   # local, or a repository named in Helm's own configuration
    name = str(dependency["name"])
    version = locked.get(name) or str(dependency.get("version") or "")
    return ChartRef(repository.removeprefix("oci://").rstrip("/"), name, version)


def declares_dependencies(chart_dir: Path) -> bool:
    """Whether a chart folder's Chart.yaml (or a v1 chart's requirements.yaml) names any
    dependency: only then is Helm asked which are missing."""
    for name in ("Chart.yaml", "requirements.yaml"):
        try:
            if b"dependencies" in (chart_dir / name).read_bytes():
                return True
        except OSError:
            continue
    return False


def chart_folders(apps: Any, root: Path) -> list[Path]:
    """The repository's own chart folders that Applications render with Helm and that name
    dependencies."""
    from ..model.charts import GitPath
    folders = sorted({root / a.chart.path for a in apps
                      if isinstance(a.chart, GitPath) and a.chart.tool == "helm"
                      and a.chart.repo is None})
    return [f for f in folders if f.is_dir() and declares_dependencies(f)]


def dependency_refs(helm: Any, chart_dirs: list[Path], root: Path) -> list[ChartRef]:
    """The external charts that the folders' missing dependencies are, to lock and cache:
    missing from the folders as committed (an archive in `charts/` that git ignores is not in
    Argo CD's checkout, so its repo server builds it: charts/committed.py)."""
    from ..argo.links import forget_refused_links
    forget_refused_links()   # (what git ignores now)
    refs = set()
    with committed_folders(chart_dirs, root) as views:
        for chart_dir in chart_dirs:
            view = views.get(str(chart_dir), chart_dir)
            dependencies = missing(helm, view)
            locked = _locked_versions(view) if dependencies else {}
            for dependency in dependencies:
                ref = _ref(dependency, locked)
                if ref is not None:
                    refs.add(ref)
    return sorted(refs)


@contextlib.contextmanager
def vendored(helm: Any, chart_dir: Path, root: Path, lock: Mapping[ChartRef, Entry] | None,
             cache: Path | None, origin: Path | None = None
             ) -> Iterator[tuple[Path | None, str | None]]:
    """`chart_dir` as Argo CD renders it: itself when nothing is missing, else a temporary copy
    with every missing dependency in `charts/` - or (None, why not). `origin`: where the folder
    is in the repository at `root` when `chart_dir` is a copy of it (charts/committed.py); a
    `file://` dependency is relative to it, and copied without the files git ignores."""
    dependencies = missing(helm, chart_dir)
    if not dependencies:
        yield chart_dir, None
        return
    locked = _locked_versions(chart_dir)
    sources: list[tuple[str, Path]] = []
    local_folders: set[Path] = set()   # the file:// ones: folders of the repository
    for dependency in dependencies:
        repository = str(dependency.get("repository") or "")
        name = str(dependency["name"])
        if repository.startswith("file://"):
            local = ((origin or chart_dir) / repository.removeprefix("file://")).resolve()
            if not local.is_relative_to(root.resolve()) or not (local / "Chart.yaml").is_file():
                yield None, (f"dependency {name} ({repository}) is not a chart folder of this "
                             "repository")
                return
            sources.append((name, local))
            local_folders.add(local)
            continue
        ref = _ref(dependency, locked)
        if ref is None:
            yield None, (f"dependency {name} comes from {repository!r}, a repository named in "
                         "Helm's own configuration: give its URL in Chart.yaml")
            return
        if lock is None or cache is None:
            yield None, (f"dependency {ref.display()} is not vendored in charts/ and there is no "
                         "chart cache: run `gitops-dsl charts pull`")
            return
        found = lookup(ref, dict(lock), cache)
        if found.path is None:
            yield None, (f"{chart_dir.name} does not vendor a dependency that Argo CD's repo "
                         f"server builds: {found.missing or found.corrupt}")
            return
        sources.append((name, found.path))
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-deps-") as folder:
        copy = Path(folder) / chart_dir.name
        shutil.copytree(chart_dir, copy, symlinks=True)
        (copy / "charts").mkdir(exist_ok=True)
        for name, source in sources:
            if source.is_dir():
                shutil.copytree(source, copy / "charts" / name, symlinks=True,
                                ignore=skip_uncommitted(root) if source in local_folders
                                else None)
            else:
                shutil.copyfile(source, copy / "charts" / f"{name}-{source.stem}.tgz")
        yield copy, None
