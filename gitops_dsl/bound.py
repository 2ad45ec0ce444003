"""Files of the output folder's cache that only gitops-dsl, run by this user on this machine,
can have written.

Everything a compile keeps for the next one (compiled code, a parsed manifest, the input record,
the per-service units) and every render `preflight` and `manifests` keep is read back only when
its tag says this tool wrote it. The tag (`<name>.tag` beside the file) is an HMAC of the bytes
and a salt naming what they hold, keyed with a secret: 32 random bytes created on first use in
the user's cache folder (`$XDG_CACHE_HOME/gitops-dsl/key`, else `~/.cache/gitops-dsl/key`),
readable by the user alone. Nothing public - the file's stat fields, the tool key printed in a
record - enters the key, so whoever can write the output folder (a pull request that commits
it, a restored CI cache, another user) cannot make a tag this machine accepts: their file is
read as if there were none.

When the secret cannot be made or read (no writable cache folder), no cache file is read or
written: every compile and render is a full one.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

_KEY_BYTES = 32
_key_cache: dict[str, bytes | None] = {}


def key_path() -> Path:
    """Where this user's secret lives."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gitops-dsl" / "key"


def _secret() -> bytes | None:
    """This user's secret, made on first use (None when it can be neither read nor made)."""
    path = key_path()
    known = _key_cache.get(str(path), b"")
    if known != b"":
        return known
    from .recorder import unrecorded
    with unrecorded():   # not an input of the platform
        found = _read_secret(path)
        if found is None:
            found = _make_secret(path)
    _key_cache[str(path)] = found
    return found


def _read_secret(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read(_KEY_BYTES + 1)
    if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid()
            or info.st_mode & 0o077 or len(data) != _KEY_BYTES):
        return None   # not ours alone: a key others can read or write keys nothing
    return data


def _make_secret(path: Path) -> bytes | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except FileExistsError:
        return _read_secret(path)   # another process made it first
    except OSError:
        return None
    secret = os.urandom(_KEY_BYTES)
    try:
        with open(fd, "wb") as handle:
            handle.write(secret)
    except OSError:
        return None
    return _read_secret(path)


def tag(data: bytes, salt: str) -> str | None:
    """The tag of `data` kept as `salt` (None: no secret on this machine)."""
    secret = _secret()
    if secret is None:
        return None
    mac = hmac.new(secret, salt.encode("utf-8", "surrogateescape") + b"\0", hashlib.sha256)
    mac.update(data)
    return mac.hexdigest()


def _tag_path(path: Path) -> Path:
    return path.with_name(path.name + ".tag")


def write(path: Path, data: bytes, salt: str) -> None:
    """Write `data` to `path` with its tag (a file that cannot be written is not kept)."""
    from .files import atomic_write
    mark = tag(data, salt)
    try:
        _tag_path(path).unlink(missing_ok=True)
        if mark is None:
            path.unlink(missing_ok=True)
            return
        atomic_write(path, data)
        atomic_write(_tag_path(path), mark.encode())
    except OSError:
        return


def read(path: Path, salt: str) -> bytes | None:
    """The bytes of `path` when its tag says this user's gitops-dsl wrote them as `salt`,
    else None."""
    from .recorder import unrecorded
    with unrecorded():   # the compile's own cache, not an input of the platform
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with open(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
            expected = _tag_path(path).read_text("ascii").strip()
        except (OSError, ValueError):
            return None
    mark = tag(data, salt)
    if stat.S_ISREG(info.st_mode) and mark is not None and hmac.compare_digest(expected, mark):
        return data
    return None


def forget(path: Path) -> None:
    """Remove a kept file and its tag."""
    for each in (_tag_path(path), path):
        try:
            each.unlink()
        except OSError:
            pass
