"""Every repository path an Application's manifests depend on: what its
`argocd.argoproj.io/manifest-generate-paths` annotation must list.

With that annotation, Argo CD reuses the cached manifests of a new commit when none of the
listed paths changed (reposerver UpdateRevisionForPaths -> updateCachedRevision; argocd-facts
16 and 19). A path left out is an input whose change Argo CD never sees: the Application goes
silently stale. So the list is all or nothing: when an input cannot be listed - it lives in
another repository, outside this checkout, or behind a remote Kustomize or Helm reference - the
annotation is not written at all and Argo CD refreshes the Application on every commit.

This module reads chart and Kustomize folders of the checkout (read only): the one place in
the render stage that looks at the disk beyond the package's own files.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from .. import untrusted
from ..recorder import is_dir, is_file

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# kustomization fields that name files or folders (kustomize api/types/kustomization.go)
_LIST_FIELDS = ("resources", "components", "bases", "crds", "patchesStrategicMerge",
                "generators", "transformers", "validators", "configurations")
_ITEM_PATH_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")
_MAX_FILE = 1024 * 1024


class Unlistable(Exception):
    """An input that a path list in this repository cannot name; `remote` is the reference
    when it is one to another repository or a URL."""

    def __init__(self, message: str, remote: str | None = None) -> None:
        super().__init__(message)
        self.remote = remote


def _is_remote(ref: str) -> bool:
    return "://" in ref or ref.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/"))


def _inside(repo_path: str) -> str:
    """A normalized repository path; one that climbs out of the repository is unlistable."""
    path = posixpath.normpath(repo_path)
    if path == ".." or path.startswith("../") or posixpath.isabs(path):
        raise Unlistable(f"{repo_path} is outside the repository")
    return "" if path == "." else path


def _read_yaml(path: Path) -> Any:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise Unlistable(f"{path} is too large to read")
        return yaml.load(untrusted.read(path, _MAX_FILE),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise Unlistable(f"{path}: {exc}") from None
    except RecursionError:
        raise Unlistable(f"{path}: YAML nested deeper than the parser follows") from None


def _kustomization(root: Path, folder: str) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = root / folder / name if folder else root / name
        if is_file(candidate):
            return candidate
    return None


def _kustomize_refs(data: Any) -> list[str]:
    if not isinstance(data, dict):
        raise Unlistable("a kustomization that is not a mapping")
    refs: list[str] = []
    for field in _LIST_FIELDS:
        for item in data.get(field) or ():
            if isinstance(item, str):
                refs.append(item)
    for field in _ITEM_PATH_FIELDS:
        for item in data.get(field) or ():
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                refs.append(item["path"])
    for field in _GENERATOR_FIELDS:
        for item in data.get(field) or ():
            if not isinstance(item, dict):
                continue
            for entry in [*(item.get("files") or ()), *(item.get("envs") or ()),
                          *([item["env"]] if isinstance(item.get("env"), str) else [])]:
                if isinstance(entry, str):
                    refs.append(entry.split("=", 1)[-1])   # "key=path" names a file too
    if data.get("helmCharts") or data.get("helmGlobals"):
        raise Unlistable("a kustomization that inflates Helm charts from a chart repository")
    return refs


def _reach(root: Path, folder: str, references: Callable[[str], Iterable[str]], *,
           every_file: bool = False) -> set[str]:
    """`folder` and every folder or file that `references(current)` names from it, followed
    recursively through folders (a file outside the folder it was named from is kept as is;
    with `every_file`, every file named, and no folder folded into another)."""
    found: set[str] = set()
    pending = [_inside(folder)]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        for target in references(current):
            if is_dir(root / target):
                pending.append(target)
            elif every_file or not target.startswith(current + "/"):
                found.add(target)   # a file outside the folder (a shared patch, ../base/x.yaml)
    return found if every_file else _outermost(found)


def _kustomize_references(root: Path, current: str, skip_remote: bool) -> tuple[Path | None, list[str]]:
    """The kustomization of the folder `current` and the repository paths it names."""
    kustomization = _kustomization(root, current)
    if kustomization is None:
        return None, []
    out = []
    for ref in _kustomize_refs(_read_yaml(kustomization)):
        if _is_remote(ref):
            if skip_remote:
                continue
            raise Unlistable(f"{current}: remote reference {ref}", remote=ref)
        out.append(_inside(posixpath.join(current, ref)))
    return kustomization, out


def kustomize_inputs(root: Path, folder: str, *, skip_remote: bool = False) -> set[str]:
    """The folder of a kustomization and every file or folder it reaches, followed recursively.
    A remote reference raises Unlistable, or with `skip_remote` is left out (it is read from its
    own repository, not from this one)."""
    return _reach(root, folder, lambda current: _kustomize_references(root, current, skip_remote)[1])


def kustomize_files(root: Path, folder: str, *, skip_remote: bool = True) -> set[str]:
    """Every file of this repository the kustomization of `folder` reads: the kustomization
    files, and the files they name, followed recursively through folders. A remote reference
    (read from elsewhere) is left out, or without `skip_remote` raises Unlistable."""
    def references(current: str) -> list[str]:
        kustomization, named = _kustomize_references(root, current, skip_remote)
        return [] if kustomization is None else [posixpath.join(current, kustomization.name), *named]
    return {p for p in _reach(root, folder, references, every_file=True) if not is_dir(root / p)}


def helm_inputs(root: Path, folder: str) -> set[str]:
    """A chart folder and every `file://` dependency it reaches, followed recursively."""
    def references(current: str) -> list[str]:
        chart = root / current / "Chart.yaml"
        if not is_file(chart):
            return []
        data = _read_yaml(chart)
        out = []
        for dependency in (data.get("dependencies") or ()) if isinstance(data, dict) else ():
            repository = dependency.get("repository", "") if isinstance(dependency, dict) else ""
            if isinstance(repository, str) and repository.startswith("file://"):
                out.append(_inside(posixpath.join(current, repository[len("file://"):])))
        return out
    return _reach(root, folder, references)


def _outermost(paths: set[str]) -> set[str]:
    """Paths without those inside another listed folder (Argo CD matches by prefix)."""
    kept: set[str] = set()
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.add(path)
    return kept
