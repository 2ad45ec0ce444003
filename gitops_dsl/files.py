"""File utilities below every stage: atomic replacement of one file, and the names of
gitops-dsl's own bookkeeping files in an output folder."""
from __future__ import annotations

import os
from pathlib import Path

#: the manifest of an output folder: the files gitops-dsl owns there (see emit.writer)
MANIFEST = ".gitops-dsl-manifest"


def atomic_write(target: Path, data: bytes) -> None:
    """Replace one file atomically: a temp file beside it, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.gitops-dsl-tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_in_place(path: Path, data: bytes) -> None:
    """Replace a file the user owns (the versions file): atomically, through a symbolic link to
    the file it points at, keeping its permission bits."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    tmp = target.with_name(f".{target.name}.gitops-dsl-tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     mode if mode is not None else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
