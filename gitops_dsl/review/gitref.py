"""Compile the platform as it was at a git revision, in a temporary folder (`git archive`, so
the repository and its working tree are not touched)."""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GitopsDslError

if TYPE_CHECKING:
    from ..api import Result


class GitError(GitopsDslError, RuntimeError):
    pass


def run_git(root: Path, *args: str) -> bytes:
    run = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if run.returncode != 0:
        raise GitError(run.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return run.stdout


def compile_at(ref: str, root: Path, platforms: Path,
               **settings: Any) -> tuple[Result, dict[str, bytes], str]:
    """The compile result of `platforms` (inside the repository at `root`) as of `ref`, its
    files and the commit `ref` names."""
    from ..api import compile as compile_platforms

    top = Path(run_git(root, "rev-parse", "--show-toplevel").decode().strip())
    commit = run_git(root, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    archive = run_git(top, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-ref-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter=_confined)
        base = Path(folder)
        old_root = base / root.resolve().relative_to(top.resolve())
        old_platforms = base / platforms.resolve().relative_to(top.resolve())
        result = compile_platforms(old_platforms, root=old_root, **settings)
        files = {path: result.files[path] for path in result.files}  # serialize while it exists
    return result, files, commit


def _confined(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's "data" filter, skipping what it refuses instead of stopping: a link committed
    with an absolute target, or one that leaves the tree, is not written (the commit compiles as
    if it were missing) - it is never followed out of the tree, and never a traceback."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


#: where a pull request's base comes from, in order: origin's HEAD (the branch it names), then
#: these branches, remote or local
_DEFAULT_BRANCHES = ("refs/remotes/origin/main", "refs/remotes/origin/master", "refs/heads/main",
                     "refs/heads/master")


def default_base(root: Path) -> str:
    """The merge base of HEAD with the repository's default branch (origin's HEAD, else main or
    master, remote or local): what a pull request of this branch is compared with."""
    try:   # which of them exist, in one git run
        listing = run_git(root, "for-each-ref", "--format=%(refname) %(symref)",
                       "refs/remotes/origin/HEAD", *_DEFAULT_BRANCHES).decode()
    except GitError:
        raise GitError(f"{root} is not in a git repository: `diff` compares with the merge base of "
                       "the default branch; give --against build (the output folder) or "
                       "--against REF") from None
    found: dict[str, str] = {}   # ref -> the ref it points at, if symbolic
    for line in listing.splitlines():
        ref, _, target = line.partition(" ")
        found[ref] = target
    candidates = [found["refs/remotes/origin/HEAD"]] if found.get("refs/remotes/origin/HEAD") else []
    # (by exact name: for-each-ref's patterns also list the refs below a name)
    candidates += [ref for ref in _DEFAULT_BRANCHES if ref in found]
    for branch in candidates:
        try:
            return run_git(root, "merge-base", "HEAD", branch).decode().strip()
        except GitError:
            continue   # no common history with this one
    raise GitError("no default branch (main or master, or origin's HEAD) to compare with: give "
                   "--against REF")


def files_at(ref: str, root: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """The files under `paths` (relative to `root`) as of `ref`, by path relative to `root`;
    paths that did not exist then are simply absent."""
    if not paths:
        return {}
    top = Path(run_git(root, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    commit = run_git(root, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    listed = run_git(top, "ls-tree", "-r", "--name-only", "-z", commit, "--",
                  *(prefix + p for p in paths)).decode().split("\0")
    wanted = [name for name in listed if name]
    if not wanted:
        return {}
    archive = run_git(top, "archive", "--format=tar", commit, "--", *wanted)
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for info in tar:
            member = tar.extractfile(info) if info.isfile() else None
            if member is not None:
                out[info.name[len(prefix):]] = member.read()
    return out
