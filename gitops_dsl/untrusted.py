"""Reading a file gitops-dsl does not own (a versions file, an imported tree, a chart lock, a
Kustomize file, a public key): a regular file, of bounded size, or a clear error.

`open()` on a FIFO waits for a writer that never comes, and `/dev/zero` or `/dev/urandom` never
end; a file of gigabytes exhausts memory before any parser sees it. `read` opens without
blocking, asks the opened file (not the path: no race with a swap) what it is, and reads at most
`limit` bytes.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import GitopsDslError

#: the default bound: far above any file the tool reads (the versions file of 5000 services is
#: 400 KB), far below what exhausts memory
LIMIT = 64 * 1024 * 1024


class UnreadableInput(GitopsDslError, OSError):
    """Not a regular file, or larger than the tool reads."""


def read(path: str | Path, limit: int = LIMIT) -> bytes:
    """The bytes of the regular file at `path` (links followed), at most `limit` of them.
    Raises FileNotFoundError (and other OSErrors) as `open` would, and UnreadableInput for a
    FIFO, a device, a socket or a folder, and for a file larger than `limit`."""
    return read_with_stat(path, limit)[0]


def read_with_stat(path: str | Path, limit: int = LIMIT) -> tuple[bytes, os.stat_result]:
    """`read`, with the stat of the very file read (taken on the open file, before reading)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput(f"{path} is {_kind(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise UnreadableInput(f"{path} is {info.st_size} bytes: more than the {limit} this "
                                  "tool reads from such a file")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnreadableInput(f"{path} grew past the {limit} bytes this tool reads")
        return b"".join(chunks), info
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int = LIMIT) -> str:
    """`read`, decoded as UTF-8 (UnicodeDecodeError as `Path.read_text` raises it)."""
    return read(path, limit).decode("utf-8")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
