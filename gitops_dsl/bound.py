"""Files of the output folder's cache that only gitops-dsl on this machine can have written.

Some of what a compile keeps for the next one is read back with `marshal` (compiled code, a
parsed manifest): fast, and fit only for bytes this tool wrote itself. Each such file is
authenticated by a tag beside it (`<name>.tag`): an HMAC whose key is the file's identity on this
machine - device, inode and change time to the nanosecond, which only the kernel sets - and a
salt naming what it holds. A file that arrives any other way (committed to git, unpacked from a
tarball, copied with its times, rewritten in place after it was tagged) is a new inode or a new
change time: its tag cannot match and `read` returns None, as if there were no file.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path


def tag(info: os.stat_result, data: bytes, salt: str) -> str:
    identity = f"{info.st_dev}:{info.st_ino}:{info.st_ctime_ns}:{info.st_size}:{salt}".encode()
    return hmac.new(identity, data, hashlib.sha256).hexdigest()


def _tag_path(path: Path) -> Path:
    return path.with_name(path.name + ".tag")


def write(path: Path, data: bytes, salt: str) -> None:
    """Write `data` to `path` with its tag (a file that cannot be written is not kept)."""
    from .emit.writer import atomic_write
    try:
        _tag_path(path).unlink(missing_ok=True)
        atomic_write(path, data)
        # the tag binds the bytes to the file as it is after the rename that made it
        atomic_write(_tag_path(path), tag(os.stat(path), data, salt).encode())
    except OSError:
        return


def read(path: Path, salt: str) -> bytes | None:
    """The bytes of `path` when its tag says this machine's gitops-dsl wrote them, else None."""
    from .fingerprint import unrecorded
    with unrecorded():   # the compile's own cache, not an input of the platform
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with open(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
            expected = _tag_path(path).read_text("ascii").strip()
        except (OSError, ValueError):
            return None
    if stat.S_ISREG(info.st_mode) and hmac.compare_digest(expected, tag(info, data, salt)):
        return data
    return None
