"""Paths inside the output folder: plain relative paths only, never through a link out of it;
reading a file that may be missing, and removing emptied folders."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .. import untrusted
from ..errors import GitopsDslError

MAX_SEGMENTS, MAX_PATH, MAX_NAME = 64, 1024, 255


class ContainmentError(GitopsDslError, ValueError):
    """An output path would leave the output folder (an internal invariant, not a user error)."""


PLAIN_PATH = re.compile(r"^(?!\.\.?(/|$))[^/\\\0]+(/(?!\.\.?(/|$))[^/\\\0]+)*$")


def check_path(rel: str) -> None:
    """A plain relative path: no leading '/', no empty, '.' or '..' segment, no '\\' or NUL;
    at most MAX_SEGMENTS segments, MAX_PATH characters and MAX_NAME bytes a segment."""
    if not PLAIN_PATH.match(rel):
        raise ContainmentError(f"output path {rel!r} is not a plain relative path")
    if not bounded(rel):
        raise ContainmentError(f"output path {rel[:80]!r}... is longer or deeper than any path "
                               f"gitops-dsl writes ({MAX_SEGMENTS} segments, {MAX_PATH} characters)")


def bounded(rel: str) -> bool:
    return (len(rel) <= MAX_PATH and rel.count("/") < MAX_SEGMENTS
            and all(len(part.encode("utf-8", "surrogateescape")) <= MAX_NAME
                    for part in rel.split("/")))


def safe_join(out: Path, rel: str, _real: dict[str, Any] | None = None) -> Path:
    """out/rel, refusing any path that is not plain or whose folder resolves (through a symlink)
    outside `out`. `_real` caches resolved folders across the files of one run."""
    return Path(join_inside(str(out), rel, {} if _real is None else _real))


def join_inside(out: str, rel: str, cache: dict[str, Any]) -> str:
    check_path(rel)
    target = out + os.sep + rel.replace("/", os.sep)
    real_out = cache.get(out)
    if real_out is None:
        real_out = cache[out] = os.path.realpath(out)
    real_parent = _real_folder(out, os.path.dirname(target), cache)
    if real_parent != real_out and not real_parent.startswith(real_out + os.sep):
        raise ContainmentError(f"output path {rel!r} resolves outside {out}")
    return target


def _real_folder(out: str, folder: str, cache: dict[str, Any]) -> str:
    """realpath(folder), one lstat per folder, built on the resolved parent. The output folder
    itself may be a link; a folder inside it may not: a file is never read or written through a
    link (committed to a checkout, `api -> .git` would have `publish` write into git's own
    data; `api -> ../../elsewhere` outside it)."""
    real = cache.get(folder)
    if real is None:
        parent, name = os.path.split(folder)
        if folder == out or not name:
            real = os.path.realpath(folder)
        else:
            candidate = os.path.join(_real_folder(out, parent, cache), name)
            if os.path.islink(candidate):
                raise ContainmentError(
                    f"{os.path.relpath(folder, out)} in {out} is a symbolic link: gitops-dsl never "
                    "reads or writes a file through one; replace it with a folder")
            real = candidate
        cache[folder] = real
    return real


def read_if_file(path: str | Path) -> bytes | None:
    """A file's bytes (None when there is none). What is not a regular file - a FIFO or a
    device planted where a generated file or the manifest goes - is refused, never waited on
    (untrusted.UnreadableInput)."""
    try:
        return untrusted.read(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except untrusted.UnreadableInput:
        if os.path.isdir(path):
            return None   # a folder where a file goes: a conflict, told by the plan
        raise


def prune_empty_dirs(out: Path, folder: Path) -> None:
    """Remove folders emptied by deleting owned files, up to (not including) the output folder."""
    out = out.resolve()
    folder = folder.resolve()
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
