"""The repository's folders as Argo CD's repo server has them: without the files git ignores.

The repo server renders from its own checkout of the revision (argo-cd
`reposerver/repository/repository.go` `runRepoOperation`, `checkoutRevision`: a fetch and a
checkout, then `git clean -ffdx` in `util/git/client.go` Checkout), and a file git ignores is
never committed, so that checkout does not hold it: a template or value file kept out of
git in a chart folder, or `charts/*.tgz` fetched by a local `helm dependency update` and ignored,
is rendered here only if it would be rendered there. A chart folder holding such files is
rendered from a copy without them (Helm loads a chart folder whole: helm
`pkg/chart/loader/directory.go` LoadDir); a directory of manifests is read without them, and a
Kustomize folder that reaches one is an error, as the repo server's kustomize build fails on it.
Outside a Git working tree nothing is known to be ignored.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..argo.links import committed_files


def committed_test(root: Path) -> Callable[[Path], bool]:
    """Whether a file of the repository at `root` is or would be committed (every file, outside
    a Git working tree)."""
    listed = committed_files(root)
    if listed is None:
        return lambda path: True
    base = os.path.abspath(root)
    return lambda path: os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/") in listed


def uncommitted(folder: Path, root: Path) -> list[str]:
    """The files under `folder` (in the repository at `root`) that git ignores, relative to
    `root`, sorted; none outside a Git working tree."""
    listed = committed_files(root)
    if listed is None:
        return []
    base = os.path.realpath(root)
    found: list[str] = []
    for current, folders, names in os.walk(os.path.realpath(folder)):
        folders[:] = [f for f in folders if f != ".git"]
        rel = os.path.relpath(current, base).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        found.extend(f"{prefix}{name}" for name in names if f"{prefix}{name}" not in listed)
    return sorted(found)


def skip_uncommitted(root: Path) -> Callable[[str, list[str]], set[str]]:
    """A `shutil.copytree` ignore function leaving out what git ignores in the repository at
    `root` (files, and folders none of whose files are committed)."""
    listed = committed_files(root)
    if listed is None:
        return lambda current, names: set()
    folders = {parent for path in listed.listed for parent in _parents(path)}
    folders.update(listed.submodules)
    base = os.path.realpath(root)

    def skip(current: str, names: list[str]) -> set[str]:
        rel = os.path.relpath(os.path.realpath(current), base).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            return set()   # (not a folder of the repository: a cached chart)
        prefix = "" if rel == "." else f"{rel}/"
        return {name for name in names
                if f"{prefix}{name}" not in listed and f"{prefix}{name}" not in folders}
    return skip


def _parents(path: str) -> Iterator[str]:
    parts = path.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


@contextlib.contextmanager
def committed_folders(folders: Iterable[Path], root: Path) -> Iterator[dict[str, Path]]:
    """Each of `folders` (of the repository at `root`) that holds files git ignores -> a
    temporary copy without them, at the same path under the copy's root; removed on leaving."""
    inside = root.resolve()
    holding = sorted({f for f in folders if f.is_dir() and f.resolve().is_relative_to(inside)
                      and uncommitted(f, root)})
    if not holding:
        yield {}
        return
    skip = skip_uncommitted(root)
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-committed-") as into:
        views = {}
        for folder in holding:
            copy = Path(into) / os.path.relpath(folder.resolve(), inside)
            shutil.copytree(folder, copy, symlinks=True, ignore=skip)
            views[str(folder)] = copy
        yield views
