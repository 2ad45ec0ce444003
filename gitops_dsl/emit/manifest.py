"""The manifest of an output folder: which files gitops-dsl owns there (sha256, input key, size,
path), read in today's format and every earlier one, and kept parsed in the folder's cache."""
from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

from .. import untrusted
from ..files import MANIFEST
from .journal import STAGED_FOLDERS, interrupted
from .paths import PLAIN_PATH, bounded, read_if_file

#: a manifest entry: the sha256 of a file's bytes, its input key, its size
Entry = tuple[str, str, int]


_MANIFEST_HEAD = "# gitops-dsl: files this compiler owns in this folder (sha256, path). Do not edit.\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(entries: dict[str, Entry],
                   last: tuple[bytes, dict[str, Entry]] | None = None,
                   fresh: Collection[str] | None = None) -> bytes:
    """The manifest: one line per owned file - sha256 of its bytes, its input key, its size,
    its path. Everything in it follows from the output alone, so it is as deterministic as the
    files it lists. `last`: the manifest this one replaces, as its bytes and entries, when this
    function wrote those bytes: its lines are kept where the entries are the same (a one-service
    change formats a few lines instead of 44,000). `fresh`: the only paths whose entries may
    differ from `last`'s (every other entry is `last`'s own), so that the others need no
    comparing."""
    if last is not None:
        patched = _patched(entries, *last, fresh)
        if patched is not None:
            return patched
    lines = [f"{e[0]}  {e[1]}  {e[2]}  {p}\n" for p, e in sorted(entries.items())]
    return (_MANIFEST_HEAD + "".join(lines)).encode("utf-8")


def _patched(entries: dict[str, Entry], data: bytes, owned: dict[str, Entry],
             fresh: Collection[str] | None = None) -> bytes | None:
    """The manifest of `entries` made from `data`, the manifest of `owned` that `manifest_bytes`
    wrote, by replacing the lines of the entries that changed, when both name the same paths
    and few changed; None otherwise."""
    if len(entries) != len(owned) or not data.startswith(_MANIFEST_HEAD.encode("utf-8")):
        return None
    last = owned.get
    changed = [path for path in (entries if fresh is None else set(fresh))
               if entries[path] != last(path)]
    if not changed:
        return data
    if len(changed) > _PATCHED_AT_MOST or any(path not in owned for path in changed):
        return None   # many lines to find, or as many paths with one new (so one gone)
    # each old line is in `data` once: the whole line, after the newline that ends the last
    spans = []
    for path in changed:
        old, new = owned[path], entries[path]
        line = f"\n{old[0]}  {old[1]}  {old[2]}  {path}\n".encode()
        at = data.find(line)
        if at < 0:
            return None
        spans.append((at + 1, at + len(line) - 1, f"{new[0]}  {new[1]}  {new[2]}  {path}"))
    parts, start = [], 0
    for begin, end, text in sorted(spans):
        parts += [data[start:begin], text.encode("utf-8")]
        start = end
    parts.append(data[start:])
    return b"".join(parts)


#: more changed lines than this and the manifest is made afresh (each is searched for)
_PATCHED_AT_MOST = 64


def read_manifest(out: Path, name: str = MANIFEST) -> dict[str, Entry]:
    """path -> (sha256, input key, size) of the files the last compile wrote."""
    owned, _ = read_manifest_view(out, name)
    return dict(owned)


def owned_files(out: Path, name: str = MANIFEST) -> dict[str, bytes]:
    """The bytes of every file the last compile wrote into `out` (what `diff` compares with)."""
    files = {}
    for rel in read_manifest(out, name):
        try:
            files[rel] = (out / rel).read_bytes()
        except OSError:
            continue
    return files


def read_manifest_view(out: Path, name: str = MANIFEST) -> tuple[Mapping[str, Entry], int]:
    """The manifest's entries (this process's own parse: not to be changed) and its
    modification time (ns; -1 when there is none)."""
    owned, mtime, _, _ = read_manifest_as_written(out, name, digest=False)
    return owned, mtime


def read_manifest_as_written(out: Path, name: str = MANIFEST, *, digest: bool = True) -> tuple[
        Mapping[str, Entry], int, str | None, tuple[bytes, dict[str, Entry]] | None]:
    """The manifest's entries (this process's own parse, kept for the next reader: not to be
    changed), its modification time, the sha256 of its bytes (when asked for, or computed
    anyway) and - when `manifest_bytes` wrote those bytes - the bytes with their entries (see
    `manifest_bytes`)."""
    path = out / name
    try:
        data, info = untrusted.read_with_stat(path)
        mtime = info.st_mtime_ns
    except (FileNotFoundError, NotADirectoryError):
        return {}, -1, None, None
    except untrusted.UnreadableInput:
        if os.path.isdir(path):
            return {}, -1, None, None
        raise
    for known, owned, ours in _PARSED.get(str(path), ()):
        if known == data:
            return (owned, mtime, sha256(data) if digest else None,
                    (data, owned) if ours else None)
    data_digest = sha256(data) if digest or name == MANIFEST else None
    kept = _kept_parse(out, name, data_digest) if data_digest is not None else None
    if kept is not None:
        owned, ours = kept, True    # kept parses are of manifests `manifest_bytes` wrote
    else:
        try:
            owned, ours = parse_manifest(data.decode("utf-8")), False
        except UnicodeDecodeError:
            return {}, -1, None, None
    remember(path, data, owned, ours)
    return owned, mtime, data_digest, (data, owned) if ours else None


#: the last compile's manifest as parsed, in the output folder's cache (see `bound`): parsing
#: the manifest of 44,000 files takes 0.1 s, reading it back 0.02 s
_PARSE = "manifest.bin"


_PARSE_SALT = "gitops-dsl parsed manifest 3"


def _kept_parse(out: Path, name: str, digest: str) -> dict[str, Entry] | None:
    """The kept parse of the manifest whose bytes have the sha256 `digest`."""
    import marshal

    from .. import bound
    from ..recorder import CACHE_DIR
    if name != MANIFEST:
        return None
    kept = bound.read(out / CACHE_DIR / _PARSE, _PARSE_SALT)
    if kept is None:
        return None
    try:
        kept_digest, owned = marshal.loads(kept)
    except (EOFError, ValueError, TypeError):
        return None
    if kept_digest != digest or type(owned) is not dict:
        return None
    return owned


def keep_parse(out: Path, data: bytes, digest: str) -> None:
    """Keep the manifest now in `out` (its bytes `data`, their sha256 `digest`), as parsed, for
    the next compile (after a write)."""
    import marshal

    from .. import bound
    from ..recorder import CACHE_DIR
    for known, owned, ours in _PARSED.get(str(out / MANIFEST), ()):
        if known == data and ours:   # only what `manifest_bytes` wrote (see read_manifest_as_written)
            bound.write(out / CACHE_DIR / _PARSE, marshal.dumps((digest, owned)), _PARSE_SALT)
            return


#: the last manifests read or planned, per folder (diff and no-op read one twice; a compile
#: reads the old one, plans the new one, then reads the new one back)
#: with whether `manifest_bytes` made the bytes (from these very entries)
_PARSED: dict[str, list[tuple[bytes, dict[str, Entry], bool]]] = {}


def remember(path: Path, data: bytes, owned: dict[str, Entry], ours: bool) -> None:
    recent = [(data, owned, ours), *_PARSED.get(str(path), ())][:2]
    _PARSED.clear()
    _PARSED[str(path)] = recent


def manifest_entries(out: Path, data: bytes, name: str = MANIFEST) -> dict[str, Entry]:
    """The entries of the manifest bytes `data` of the output folder `out` (as a revision holds
    them, say): as this process or the kept parse has them when they are of these very bytes (a
    folder compiled from that revision), else parsed."""
    for known, owned, _ in _PARSED.get(str(out / name), ()):
        if known == data:
            return dict(owned)
    kept = _kept_parse(out, name, sha256(data)) if name == MANIFEST else None
    if kept is not None:
        return dict(kept)
    return parse_manifest(data.decode("utf-8", "replace"))


def parse_manifest(text: str) -> dict[str, Entry]:
    """path -> (sha256, input key, size): a manifest's entries; lines that are not entries, or
    name a path that is not plain, are skipped. The lines of earlier gitops-dsl's manifests are
    entries too (see `earlier_entries`)."""
    owned: dict[str, Entry] = {}
    plain = PLAIN_PATH.match
    found = _ENTRY.findall(text)
    if len(found) < text.count("\n") - 1:
        found = [*found, *earlier_entries(text)]
    for digest, key, size, rel in found:
        # a tampered manifest never makes us touch a path outside the folder; most paths are
        # plain at a glance (no segment starts with a dot, no empty one, no backslash or NUL)
        whole = "/" + rel
        if not bounded(rel):
            continue
        if ("/." not in whole and "//" not in whole and not whole.endswith("/") and "\\" not in rel
                and "\0" not in rel) or plain(rel):
            owned[rel] = (digest, key, int(size))
    return owned


_ENTRY = re.compile(r"^([0-9a-f]{64})  ([^ \n]*)  ([0-9]+)  ([^\n]+)$", re.MULTILINE)


#: the lines of the manifests earlier versions wrote: "sha256  input key  path" (0.1's later
#: builds) and "sha256  path" (its first)
_KEYED_ENTRY = re.compile(r"([0-9a-f]{64})  ([0-9a-f]{32})  ([^\n]+)")


_FIRST_ENTRY = re.compile(r"([0-9a-f]{64})  ([^\n]+)")


def earlier_format(out: Path, name: str = MANIFEST) -> int:
    """How many entries of the manifest in `out` an earlier gitops-dsl wrote (in a format of
    its own)."""
    if name == MANIFEST:
        try:
            if read_manifest_as_written(out, name, digest=False)[3] is not None:
                return 0   # bytes today's gitops-dsl wrote (its kept parse says so)
        except untrusted.UnreadableInput:
            pass
    data = read_if_file(out / name)
    if data is None:
        return 0
    text = data.decode("utf-8", "replace")
    if len(_ENTRY.findall(text)) >= text.count("\n") - 1:
        return 0
    return len(earlier_entries(text))


def earlier_entries(text: str) -> list[tuple[str, str, str, str]]:
    """The entries of the lines of `text` written in an earlier manifest format, as
    (sha256, input key, size, path) with no key and size -1: no shortcut trusts them (the file
    is read and compared with its sha256), and the next write states them in today's format."""
    found = []
    for line in text.splitlines():
        if _ENTRY.fullmatch(line):
            continue
        keyed = _KEYED_ENTRY.fullmatch(line)
        if keyed is not None:
            found.append((keyed[1], "", "-1", keyed[3]))
            continue
        first = _FIRST_ENTRY.fullmatch(line)
        if first is not None and "  " not in first[2]:   # (a mangled line of today's format)
            found.append((first[1], "", "-1", first[2]))
    return found


def intact(out: Path, manifest_sha256: str, name: str = MANIFEST) -> int | None:
    """How many files the output folder owns, when it is exactly as the compile that wrote this
    manifest left it: that manifest, no interrupted write, every owned file of the recorded size
    and untouched since. None otherwise."""
    if interrupted(out) or (out / STAGED_FOLDERS).exists():
        return None
    current = read_if_file(out / name)
    if current is None or sha256(current) != manifest_sha256:
        return None
    owned, written_at = read_manifest_view(out, name)
    base = str(out) + os.sep
    for rel, (_, _, size) in owned.items():
        if not untouched_since(base + rel, size, written_at):
            return None
    return len(owned)


def settle(out: Path, name: str = MANIFEST, *, trusted: Mapping[str, Any] | None = None) -> bool:
    """After a write: when owned files are newer than the manifest but hold exactly the bytes it
    records (a fresh `git clone` or checkout writes them in any order), re-read them and make the
    manifest the newest file again, so that `intact` can trust modification times. Touches
    nothing when a file differs. Returns whether the folder is settled. `trusted` files were
    found older than the last manifest by this very compile (reused: see `incremental`), so
    older than this one."""
    owned, written_at = read_manifest_view(out, name)
    if written_at < 0:
        return False
    base = str(out) + os.sep
    newest, verified = written_at, False
    for rel in owned.keys() - trusted.keys() if trusted else owned:
        digest, _, size = owned[rel]
        path = base + rel
        if untouched_since(path, size, written_at):
            continue
        current = read_if_file(path)
        if current is None or sha256(current) != digest:
            return False
        newest, verified = max(newest, os.stat(path).st_mtime_ns), True
    if verified:
        stamp = max(time.time_ns(), newest + 1)
        os.utime(out / name, ns=(stamp, stamp))
    return True


def untouched_since(path: str, size: int, written_at: int) -> bool:
    """True when a file has the size the manifest records and was last modified strictly before
    the manifest was written (the manifest is written after every file, so any later edit -
    by hand, by an editor, by git - shows as a newer modification time, and is then read)."""
    if written_at < 0:
        return False
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_size == size and info.st_mtime_ns < written_at and S_ISREG(info.st_mode)
