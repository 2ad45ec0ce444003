"""Symbolic links Argo CD's repo server refuses.

Before it renders anything from a Git repository (or a Helm chart, or an OCI artifact), the repo
server walks the whole checkout and refuses it when a symbolic link is absolute, or when its
target - followed one path segment at a time, without resolving other links - ever leaves the
checkout (argo-cd `util/app/path/path.go`: `CheckOutOfBoundsSymlinks`, `CheckSymlinkOutOfBound`,
`CheckPathOutOfBound`; called from `reposerver/repository/repository.go` unless the server runs
with `--allow-oob-symlinks`). Every Application reading that repository then fails to sync.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Collection, Sequence
from pathlib import Path


def leaves(base: str, link: str, target: str) -> bool:
    """Whether the link at `link` (under `base`) with `target` is out of bounds, as Argo CD
    decides it: absolute, or a segment of its target that steps above `base`."""
    if os.path.isabs(target):
        return True
    current = os.path.dirname(link)
    for part in target.split(os.sep):
        current = os.path.normpath(os.path.join(current, part))
        rel = os.path.relpath(current, base)
        if rel == ".." or rel.startswith(".." + os.sep):
            return True
    return False


def out_of_bounds_links(base: Path, skip: Collection[str] = (".git",),
                        skip_holding: str | None = None) -> list[str]:
    """The links under `base` that Argo CD refuses, as paths relative to `base` (sorted); the
    folders named in `skip`, virtual environments and the folders holding a file named
    `skip_holding` are not walked."""
    root = os.path.abspath(base)
    found = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                try:
                    target = os.readlink(entry.path)
                except OSError:
                    continue
                if leaves(root, entry.path, target):
                    found.append(os.path.relpath(entry.path, root).replace(os.sep, "/"))
            elif (entry.is_dir(follow_symlinks=False) and entry.name not in skip
                  and not os.path.lexists(os.path.join(entry.path, "pyvenv.cfg"))
                  and not (skip_holding and os.path.lexists(os.path.join(entry.path,
                                                                         skip_holding)))):
                pending.append(entry.path)
    return sorted(found)


def repository_links(root: Path, skip_holding: str | None = None) -> list[str] | None:
    """The links Argo CD refuses among the files of the Git working tree at `root`: what is
    committed or would be (tracked, and untracked but not ignored: an ignored link - a virtual
    environment's interpreter, a build result - never reaches Argo CD). Folders holding a file
    named `skip_holding` (output folders) are left out. None outside a Git working tree, where
    what will be committed cannot be known."""
    listed = _git_files(root)
    if listed is None:
        return None
    base = os.path.abspath(root)
    outputs = tuple(path[:-len(skip_holding)] for path in listed
                    if skip_holding and (path == skip_holding or path.endswith("/" + skip_holding)))
    found = []
    for rel in listed:
        if outputs and rel.startswith(outputs):
            continue
        path = os.path.join(base, rel)
        if os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:
                continue
            if leaves(base, path, target):
                found.append(rel)
    return sorted(found)


class Committed:
    """The files of a Git work tree that are or would be committed (tracked, and untracked but
    not ignored), by path relative to its root: what a checkout of the commit holds, so what the
    repo server renders from. It fetches the repository, checks the revision out, updates its
    submodules, then removes every untracked file (`reposerver/repository/repository.go`
    `runRepoOperation`, `checkoutRevision`; `util/git/client.go` Checkout: `git submodule update`
    when `.gitmodules` exists, then `git clean -ffdx`, with the repo server's default of
    submodules enabled), so a file inside a submodule counts as committed too."""

    def __init__(self, root: Path, listed: frozenset[str]) -> None:
        self.listed = listed
        self.submodules = submodule_paths(root) if ".gitmodules" in listed else ()

    def __contains__(self, path: object) -> bool:
        return path in self.listed or (isinstance(path, str) and any(
            path.startswith(f"{folder}/") for folder in self.submodules))


def submodule_paths(root: Path) -> tuple[str, ...]:
    """The `path = ...` entries of the work tree's `.gitmodules`."""
    try:
        text = (root / ".gitmodules").read_text("utf-8", "replace")
    except OSError:
        return ()
    return tuple(line.split("=", 1)[1].strip().strip("/") for line in text.splitlines()
                 if line.strip().startswith("path") and "=" in line)


def committed_files(root: Path) -> Committed | None:
    """What a commit of the Git work tree at `root` holds (`Committed`); None outside a Git work
    tree. Remembered for the last repository asked about until `forget_refused_links` (one
    `git ls-files` per render of a tree)."""
    key = str(root)
    if key not in _LISTED:
        _LISTED.clear()
        listed = _git_files(root)
        _LISTED[key] = Committed(root, listed) if listed is not None else None
    return _LISTED[key]


def _git_files(root: Path) -> frozenset[str] | None:
    try:
        run = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if run.returncode != 0:
        return None
    return frozenset(p for p in run.stdout.decode("utf-8", "surrogateescape").split("\0") if p)


def ignore_rules(root: Path) -> list[Path]:
    """The files besides the work tree's own `.gitignore` files whose content decides what git
    ignores in the work tree at `root`: the repository's config and `info/exclude`, the user's
    and the system's config, and the excludes file they name (`core.excludesFile`, by default
    `$XDG_CONFIG_HOME/git/ignore`). None of them need exist. [] outside a Git work tree."""
    return _git_dir_and_rules(root)[1]


def git_discovery(root: Path) -> list[Path]:
    """Where git looks for a repository holding `root`: the `HEAD` of a `.git` in it or in a
    folder above it (`git init` writes one; one appearing makes `root` part of a work tree)."""
    here = Path(os.path.abspath(root))
    return [folder / ".git" / "HEAD" for folder in (here, *here.parents)]


def _git_dir_and_rules(root: Path) -> tuple[Path | None, list[Path]]:
    try:
        where = subprocess.run(["git", "-C", str(root), "rev-parse", "--absolute-git-dir"],
                               capture_output=True, text=True, timeout=60, check=False)
        named = subprocess.run(["git", "-C", str(root), "config", "--get", "core.excludesFile"],
                               capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None, []
    if where.returncode != 0 or not where.stdout.strip():
        return None, []
    git_dir = Path(where.stdout.strip())
    home = Path(os.path.expanduser("~"))   # (never raises: without HOME, the user database)
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    excludes = (Path(os.path.expanduser(named.stdout.strip())) if named.stdout.strip()
                else config_home / "git" / "ignore")
    return git_dir, [git_dir / "config", git_dir / "info" / "exclude", home / ".gitconfig",
                     config_home / "git" / "config", Path("/etc/gitconfig"), excludes]


def ignored_under(root: Path, paths: Collection[str]
                  ) -> tuple[frozenset[str] | None, list[Path]]:
    """The untracked files git ignores under `paths` (relative to the work tree at `root`), and
    the files outside the work tree that decided it (`ignore_rules`; and git's index when a
    file under `paths` matches an ignore rule: then tracking or untracking it, which only the
    index shows, changes the answer). Outside a Git work tree: None, decided by the absence of
    a `.git` in `root` and each folder above it (`git_discovery`)."""
    git_dir, rules = _git_dir_and_rules(root)
    if git_dir is None:
        return None, git_discovery(root)
    try:
        run = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-t", "--cached",
                              "--others", "--ignored", "--exclude-standard", "--",
                              *(p or "." for p in paths)], capture_output=True, timeout=60,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset(), rules
    if run.returncode != 0:
        return frozenset(), rules
    # each entry is "<tag> <path>": "?" an untracked file, any other tag a tracked one
    entries = [e for e in run.stdout.decode("utf-8", "surrogateescape").split("\0") if e]
    ignored = frozenset(e[2:] for e in entries if e.startswith("? "))
    return ignored, rules + ([git_dir / "index"] if entries else [])


def not_ignored(root: Path, found: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (path, what) pairs of `found` (paths relative to `root`, with /) whose file git does
    not ignore in the work tree at `root`: one it ignores is never committed, so Argo CD never
    reads it (an editor's or a file manager's file such as `.DS_Store`). Every pair outside a
    Git work tree. Git is asked only when there is something to ask about."""
    ignored = set(ignored_paths(root, {rel for rel, _ in found}))
    return [(rel, what) for rel, what in found if rel not in ignored]


def ignored_paths(root: Path, paths: Collection[str], *, root_itself: bool = True) -> list[str]:
    """Those of `paths` (relative to the work tree at `root`, with /) that git ignores and does
    not track, sorted: never committed, so never in the checkout Argo CD reads, however often
    they are written. None of them outside a Git work tree; every one where git ignores `root`
    whole, or none with `root_itself` False (an output folder kept out of git on purpose:
    `publish` carries its files to the repositories Argo CD reads). Git lists what it ignores
    under the paths' folders (a folder it ignores whole as one entry), or under `root` when they
    are in many folders: about 0.1 s for 44,000 files on tmpfs (`git check-ignore` took 0.65 ms
    a path)."""
    wanted = set(paths)
    if not wanted:
        return []
    # each path's folder (a file at the top: itself), so that git walks only those
    where = sorted({p.rsplit("/", 1)[0] if "/" in p else p for p in wanted})
    try:
        run = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--others", "--ignored",
                              "--exclude-standard", "--directory", "--",
                              *(where if len(where) <= 100 else ["."])],
                             capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if run.returncode != 0:
        return []   # (not a work tree)
    listed = [p for p in run.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    if "./" in listed:   # `root` itself is ignored whole
        return sorted(wanted) if root_itself else []
    whole = tuple(p for p in listed if p.endswith("/"))   # folders git ignores whole
    files = set(listed)
    return sorted(p for p in wanted if p in files or (whole and p.startswith(whole)))


#: the refused links of the last repository asked about (one walk per command)
_LAST: dict[str, list[str] | None] = {}
#: the committed files of the last repository asked about
_LISTED: dict[str, Committed | None] = {}


def refused_links(root: Path) -> list[str]:
    """The links Argo CD's repo server would refuse in the repository at `root` (which a chart
    folder is read from): in a Git working tree what is or would be committed, else every file
    (virtual environments and output folders left out). Remembered for the last repository."""
    from ..files import MANIFEST
    key = str(root)
    if key not in _LAST:
        _LAST.clear()
        _LAST[key] = repository_links(root, skip_holding=MANIFEST)
        if _LAST[key] is None:
            _LAST[key] = out_of_bounds_links(root, skip_holding=MANIFEST)
    return _LAST[key] or []


def forget_refused_links() -> None:
    """Walk the repository again at the next `refused_links` or `committed_files` (a new
    command)."""
    _LAST.clear()
    _LISTED.clear()
