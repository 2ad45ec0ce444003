"""The journal of a write: what an interrupted write was doing, signed so that only this user's
gitops-dsl can have written it, and the recovery that rolls it forward."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import GitopsDslError
from .paths import (
    ContainmentError,
    check_path,
    join_inside,
    prune_empty_dirs,
    read_if_file,
    safe_join,
)


class InterruptedWrite(GitopsDslError, RuntimeError):
    """The output folder holds a write that was interrupted (compile repairs it)."""


JOURNAL = ".gitops-dsl-journal"


STAGING = ".gitops-dsl-staging"


STAGED_FOLDERS = ".gitops-dsl-staging.d"   # new folders, built whole and moved in by one rename


_STAGED_SUFFIX = ".gitops-dsl-new"


def staged_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{_STAGED_SUFFIX}")


def staged_name(target: str) -> str:
    """`staged_path` of a path as text (a write of 5000 files makes no Path objects)."""
    folder, _, name = target.rpartition(os.sep)
    return f"{folder}{os.sep}.{name}{_STAGED_SUFFIX}"


def roll_forward(out: Path, journal: list[str]) -> None:
    real: dict[str, Any] = {}
    stage = out / STAGED_FOLDERS
    base = str(out)
    for line in journal:
        action, _, rel = line.partition(" ")
        if action == "write":
            written = (os.path.join(base, rel) if rel.startswith(".gitops-dsl-manifest")
                       else join_inside(base, rel, real))
            try:
                os.replace(staged_name(written), written)
            except FileNotFoundError:
                pass   # moved in already (a journal rolled forward again)
            continue
        target = out / rel if rel.startswith(".gitops-dsl-manifest") else safe_join(out, rel, real)
        if action == "move":
            staged_folder = stage / rel
            if staged_folder.is_dir() and not staged_folder.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(staged_folder, target)
        elif action == "delete" and (target.exists() or target.is_symlink()):
            target.unlink()
            prune_empty_dirs(out, target.parent)
    _remove_stage(out)
    for name in (JOURNAL, STAGING):
        try:
            (out / name).unlink()
        except FileNotFoundError:
            pass


def _remove_stage(out: Path) -> int:
    """Remove STAGED_FOLDERS (our own folder; a link planted in its place is removed, never
    followed). Returns how many files it held."""
    stage = out / STAGED_FOLDERS
    if stage.is_symlink():
        stage.unlink()
        return 0
    if not stage.is_dir():
        return 0
    count = sum(len(names) for _, _, names in os.walk(stage))
    shutil.rmtree(stage)
    return count


def recover(out: Path) -> str | None:
    """Finish or undo an interrupted write: with a journal, carry it out (the new tree); with
    only a staging list, remove what was staged (the old tree). Says what it did, or None."""
    from ..recorder import CACHE_DIR
    journal_path, staging_path = out / JOURNAL, out / STAGING
    # a killed atomic write of these lists, or of a record in the output folder's cache (the
    # caller holds the folder's lock: nothing else is writing there)
    for folder in (out, out / CACHE_DIR):
        try:
            for leftover in folder.glob(".*.gitops-dsl-tmp-*"):
                leftover.unlink()
        except OSError:
            pass
    journal = read_if_file(journal_path)
    if journal is not None:
        lines = _journal_lines(out, journal)
        if lines is None:
            # committed, copied, planted: not a write this tool started here. Carried out, it
            # would delete and replace files of the folder; it is removed, and nothing else
            journal_path.unlink()
            return (f"{JOURNAL} was not written by gitops-dsl in this folder (committed or "
                    "copied?): removed without carrying it out")
        entries = [line for line in lines
                   if line.partition(" ")[0] in ("write", "move", "delete")
                   and _plain(line.partition(" ")[2])]
        roll_forward(out, entries)
        return (f"an interrupted compile was completed from its journal ({len(entries)} "
                "operation(s)): the tree is the new one")
    staging = read_if_file(staging_path)
    if staging is not None:
        removed = 0
        for line in staging.decode("utf-8", "replace").splitlines():
            rel = line.partition(" ")[2]
            if not _plain(rel):
                continue
            staged = staged_path(out / rel)
            if staged.is_file() and not staged.is_symlink():
                staged.unlink()
                removed += 1
        removed += _remove_stage(out)
        staging_path.unlink()
        return (f"an interrupted compile was undone ({removed} staged file(s) removed): the tree "
                "is the old one")
    if _remove_stage(out):   # a leftover without its list (never left by a write of ours)
        return "staged files without a staging list were removed: the tree is the old one"
    return None


def _journal_salt(out: Path) -> str:
    # the folder it was written in: a journal carried to another folder or checkout is not one
    return f"gitops-dsl journal {os.path.realpath(out)}"


def signed_journal(out: Path, lines: list[str]) -> bytes:
    """The journal's bytes: its operations after a first line holding their tag (see `bound`),
    so that only a journal this user's gitops-dsl wrote in this very folder is carried out."""
    from .. import bound
    body = ("\n".join(lines) + "\n").encode("utf-8")
    return f"tag {bound.tag(body, _journal_salt(out)) or 'none'}\n".encode() + body


def _journal_lines(out: Path, data: bytes) -> list[str] | None:
    """The operations of a journal whose tag verifies, else None."""
    import hmac

    from .. import bound
    head, _, body = data.partition(b"\n")
    expected = bound.tag(body, _journal_salt(out))
    if expected is None or not hmac.compare_digest(head, f"tag {expected}".encode()):
        return None
    return body.decode("utf-8", "replace").splitlines()


def _plain(rel: str) -> bool:
    try:
        check_path(rel)
    except ContainmentError:
        return False
    return True


def interrupted(out: Path) -> bool:
    """Whether a write was interrupted (a journal or staging list is left)."""
    return (out / JOURNAL).exists() or (out / STAGING).exists()
