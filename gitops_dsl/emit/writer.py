"""Write a serialized tree into the output folder, all or nothing, touching only owned files.

- A compile with errors never gets here: everything is rendered and checked in memory first.
- Only files whose bytes changed are written (temp file + rename each); a no-op compile writes
  nothing at all.
- Owned files that are no longer produced are removed; files the compiler never wrote are never
  touched, and a foreign file in the way of an output path stops the compile before any write.
- The manifest of owned files and their hashes is written last, so an interrupted run is
  detected, and hand edits of generated files are reported.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import shutil
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

import attrs

from .. import untrusted
from ..files import MANIFEST, atomic_write

#: a manifest entry: the sha256 of a file's bytes, its input key, its size
Entry = tuple[str, str, int]
_MANIFEST_HEAD = "# gitops-dsl: files this compiler owns in this folder (sha256, path). Do not edit.\n"


class WriteFailed(RuntimeError):
    """An I/O error while writing; the message says in which state the folder was left."""


class InterruptedWrite(RuntimeError):
    """The output folder holds a write that was interrupted (compile repairs it)."""


class ContainmentError(ValueError):
    """An output path would leave the output folder (an internal invariant, not a user error)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_PLAIN_PATH = re.compile(r"^(?!\.\.?(/|$))[^/\\\0]+(/(?!\.\.?(/|$))[^/\\\0]+)*$")


#: bounds of a path gitops-dsl reads or writes (its own are a few segments deep): a path from
#: a manifest or a bundle - untrusted input - beyond them is refused, never walked
MAX_SEGMENTS, MAX_PATH, MAX_NAME = 64, 1024, 255


def check_path(rel: str) -> None:
    """A plain relative path: no leading '/', no empty, '.' or '..' segment, no '\\' or NUL;
    at most MAX_SEGMENTS segments, MAX_PATH characters and MAX_NAME bytes a segment."""
    if not _PLAIN_PATH.match(rel):
        raise ContainmentError(f"output path {rel!r} is not a plain relative path")
    if not _bounded(rel):
        raise ContainmentError(f"output path {rel[:80]!r}... is longer or deeper than any path "
                               f"gitops-dsl writes ({MAX_SEGMENTS} segments, {MAX_PATH} characters)")


def _bounded(rel: str) -> bool:
    return (len(rel) <= MAX_PATH and rel.count("/") < MAX_SEGMENTS
            and all(len(part.encode("utf-8", "surrogateescape")) <= MAX_NAME
                    for part in rel.split("/")))


def safe_join(out: Path, rel: str, _real: dict[str, Any] | None = None) -> Path:
    """out/rel, refusing any path that is not plain or whose folder resolves (through a symlink)
    outside `out`. `_real` caches resolved folders across the files of one run."""
    return Path(_safe_join(str(out), rel, {} if _real is None else _real))


def _safe_join(out: str, rel: str, cache: dict[str, Any]) -> str:
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
    owned, mtime, _, _ = _read_manifest_as_written(out, name, digest=False)
    return owned, mtime


def _read_manifest_as_written(out: Path, name: str = MANIFEST, *, digest: bool = True) -> tuple[
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
    _remember(path, data, owned, ours)
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
        if known == data and ours:   # only what `manifest_bytes` wrote (see _read_manifest_as_written)
            bound.write(out / CACHE_DIR / _PARSE, marshal.dumps((digest, owned)), _PARSE_SALT)
            return


#: the last manifests read or planned, per folder (diff and no-op read one twice; a compile
#: reads the old one, plans the new one, then reads the new one back)
#: with whether `manifest_bytes` made the bytes (from these very entries)
_PARSED: dict[str, list[tuple[bytes, dict[str, Entry], bool]]] = {}


def _remember(path: Path, data: bytes, owned: dict[str, Entry], ours: bool) -> None:
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
    plain = _PLAIN_PATH.match
    found = _ENTRY.findall(text)
    if len(found) < text.count("\n") - 1:
        found = [*found, *earlier_entries(text)]
    for digest, key, size, rel in found:
        # a tampered manifest never makes us touch a path outside the folder; most paths are
        # plain at a glance (no segment starts with a dot, no empty one, no backslash or NUL)
        whole = "/" + rel
        if not _bounded(rel):
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
    data = _read(out / name)
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
    current = _read(out / name)
    if current is None or sha256(current) != manifest_sha256:
        return None
    owned, written_at = read_manifest_view(out, name)
    base = str(out) + os.sep
    for rel, (_, _, size) in owned.items():
        if not _untouched_since(base + rel, size, written_at):
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
        if _untouched_since(path, size, written_at):
            continue
        current = _read(path)
        if current is None or sha256(current) != digest:
            return False
        newest, verified = max(newest, os.stat(path).st_mtime_ns), True
    if verified:
        stamp = max(time.time_ns(), newest + 1)
        os.utime(out / name, ns=(stamp, stamp))
    return True


def _untouched_since(path: str, size: int, written_at: int) -> bool:
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


def _file_in_the_way(base: str, rel: str, cache: dict[str, Any]) -> str | None:
    """A parent of `rel` that exists as something other than a folder (a file named like a
    generated folder), as a path relative to the output folder; None when there is none."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        state = cache.get(folder)
        if state is None:
            path = os.path.join(base, folder)
            state = cache[folder] = ("missing" if not os.path.lexists(path) else
                                     "dir" if os.path.isdir(path) else "other")
        if state == "missing":
            return None
        if state == "other":
            return folder
    return None


def _read(path: str | Path) -> bytes | None:
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


@attrs.frozen
class Plan:
    write: tuple[Any, ...]          # paths to (re)write
    delete: tuple[Any, ...]         # owned paths no longer produced
    unchanged: int
    conflicts: tuple[Any, ...]      # foreign files in the way (path)
    hand_edited: tuple[Any, ...]    # owned files whose bytes differ from what we last wrote
    manifest: bytes
    recovered: str | None = None   # what recover() did to an interrupted write first
    kept: tuple[Any, ...] = ()      # owned paths no longer produced but changed since: left in place


def _key(files: Mapping[str, bytes], rel: str) -> str:
    key = getattr(files, "key", None)
    return key(rel) if key is not None else sha256(files[rel])


def plan(out: Path, files: Mapping[str, bytes], *, trust_mtimes: bool = True, manifest: str = MANIFEST) -> Plan:
    """What a write would do. `files` maps paths to bytes; a `Files` mapping also gives input
    keys, so a file whose key and bytes on disk match the manifest is not even serialized. With
    `trust_mtimes`, a file older than the manifest with the recorded size is not even read, and
    a file reused from the last compile (`Files.reused`, checked untouched while compiling)
    not even looked at; `check` never trusts them and reads every file."""
    owned, written_at, _, as_written = _read_manifest_as_written(out, manifest, digest=False)
    verified: Mapping[str, Entry] = getattr(files, "reused", {}) if trust_mtimes else {}
    real: dict[str, Any] = {}
    folders: dict[str, Any] = {}
    base = str(out)
    write, conflicts, hand_edited = [], [], []
    last = owned.get
    # reused files (most of them, after a one-service change), when the manifest still has
    # the entries this compile reused (and they were checked untouched since): told in C
    same = verified if verified.items() <= owned.items() else {
        rel: entry for rel, entry in verified.items() if last(rel) == entry}
    ordered = files if hasattr(files, "reused") else sorted(files)   # Files are sorted
    fresh = [rel for rel in ordered if rel not in same] if same else ordered
    made: dict[str, Entry] = {}
    unchanged = len(same)
    for rel in fresh:
        before = last(rel)
        target = _safe_join(base, rel, real)
        key = _key(files, rel)
        if (trust_mtimes and before is not None and before[1] == key
                and _untouched_since(target, before[2], written_at)):
            made[rel] = before          # same inputs, not modified since the last compile
            unchanged += 1
            continue
        blocker = _file_in_the_way(base, rel, folders)
        # a file in a folder that does not exist does not exist either (nor does a folder in
        # its place): no need to look
        unseen = blocker is not None or _missing_folder(rel, folders)
        current = None if unseen else _read(target)
        if (before is not None and before[1] == key and current is not None
                and sha256(current) == before[0]):
            made[rel] = before          # same inputs, same bytes on disk: nothing to do
            unchanged += 1
            continue
        data = files[rel]
        made[rel] = (sha256(data), key, len(data))
        if current == data:
            unchanged += 1
            continue
        if (current is not None and before is None) or (current is None and not unseen
                                                        and os.path.isdir(target)):
            conflicts.append(rel)
            continue
        if blocker is not None:
            if blocker not in conflicts:
                conflicts.append(blocker)
            continue
        if current is not None and before is not None and sha256(current) != before[0]:
            hand_edited.append(rel)
        write.append(rel)
    # in path order (a manifest made afresh sorts them: sorted input sorts fastest): the last
    # manifest's entries with the new ones when they name the same paths (in C), else made so
    if (same and as_written is not None and len(same) + len(made) == len(owned)
            and all(rel in owned for rel in made)):
        entries = dict(as_written[1])
        entries.update(made)
    else:
        entries = {rel: same.get(rel) or made[rel] for rel in ordered} if same else made
    delete, kept = [], []
    for rel in sorted(owned.keys() - entries.keys()):
        target = _safe_join(base, rel, real)
        current = _read(target)
        if current is None:
            continue
        if sha256(current) != owned[rel][0]:
            # the manifest is untrusted input too: a file whose bytes are not what gitops-dsl
            # wrote (a hand edit, or a foreign file named by a tampered manifest) is never deleted
            kept.append(rel)
            continue
        delete.append(rel)
    new_manifest = manifest_bytes(entries, as_written, made.keys() if same else None)
    _remember(out / manifest, new_manifest, entries, True)
    return Plan(tuple(write), tuple(delete), unchanged, tuple(conflicts), tuple(sorted(hand_edited)),
                new_manifest, kept=tuple(kept))


def _missing_folder(rel: str, folders: dict[str, Any]) -> bool:
    """Whether `_file_in_the_way` found a folder of `rel` missing (its cache says so)."""
    parent = rel.rpartition("/")[0]
    while parent:
        state = folders.get(parent)
        if state == "missing":
            return True
        if state == "dir":
            return False
        parent = parent.rpartition("/")[0]
    return False


JOURNAL = ".gitops-dsl-journal"
STAGING = ".gitops-dsl-staging"
STAGED_FOLDERS = ".gitops-dsl-staging.d"   # new folders, built whole and moved in by one rename
_STAGED_SUFFIX = ".gitops-dsl-new"


def _staged(target: Path) -> Path:
    return target.with_name(f".{target.name}{_STAGED_SUFFIX}")


def _new_folder(base: str, rel: str, exists: dict[str, bool]) -> str | None:
    """The top-most folder of `rel` that does not exist yet (relative), or None."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        known = exists.get(folder)
        if known is None:
            known = exists[folder] = os.path.isdir(os.path.join(base, folder))
        if not known:
            return folder
    return None


def apply(out: Path, files: Mapping[str, bytes], the_plan: Plan, *, manifest_name: str = MANIFEST
          ) -> None:
    """Carry out a plan without conflicts, so that a kill at any moment leaves the folder old,
    new, or repairable (see `recover`):

    1. the list of what is about to be staged is written (STAGING); then a file in a folder that
       exists is written beside its target (created exclusively: a planted link is never
       followed), and a file in a folder that does not exist yet into that folder built whole
       under STAGED_FOLDERS (a cold build writes each file once, with no rename per file);
    2. the journal (JOURNAL) is written atomically: the commit point;
    3. staged files are renamed into place, staged folders moved in (one rename each), deleted
       files removed, the manifest replaced, and the journal and staging list removed.

    A kill before 2 leaves the old tree and staged leftovers that `recover` removes; a kill
    after 2 leaves a journal that `recover` carries out (roll forward)."""
    if the_plan.conflicts:
        raise ValueError("a plan with conflicts cannot be applied")
    recover(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / manifest_name
    writes = list(the_plan.write)
    new_manifest = _read(manifest) != the_plan.manifest
    if not writes and not the_plan.delete and not new_manifest:
        return
    base = str(out)
    exists: dict[str, bool] = {}
    in_place: list[str] = []
    new_folders: dict[str, list[str]] = {}
    for rel in writes:
        folder = _new_folder(base, rel, exists)
        if folder is None:
            in_place.append(rel)
        else:
            new_folders.setdefault(folder, []).append(rel)
    real: dict[str, Any] = {}
    listing = ([f"stage {rel}" for rel in in_place] + ([f"stage {manifest_name}"] if new_manifest else [])
               + [f"folder {folder}" for folder in new_folders])
    try:
        atomic_write(out / STAGING, ("\n".join(listing) + "\n").encode("utf-8"))
        for rel in in_place:
            _write_new(_staged(safe_join(out, rel, real)), files[rel])
        if new_folders:
            _stage_folders(base, new_folders, files)
        if new_manifest:
            _write_new(_staged(manifest), the_plan.manifest)
        journal = ([f"write {rel}" for rel in in_place] + [f"move {folder}" for folder in new_folders]
                   + [f"delete {rel}" for rel in the_plan.delete]
                   + ([f"write {manifest_name}"] if new_manifest else []))
        atomic_write(out / JOURNAL, _signed_journal(out, journal))
    except OSError as exc:
        try:
            recover(out)              # no journal yet: undo the staging, the tree stays old
        except OSError:
            pass
        raise WriteFailed(f"writing into {out} failed before anything was replaced "
                          f"({exc.strerror or exc}): it is unchanged") from None
    try:
        _roll_forward(out, journal)
    except OSError as exc:
        raise WriteFailed(f"writing into {out} stopped halfway ({exc.strerror or exc}); its journal "
                          "is kept: run `gitops-dsl compile` again to finish it") from None


def _stage_folders(base: str, new_folders: dict[str, list[str]], files: Mapping[str, bytes]) -> None:
    """Write the files of new folders under STAGED_FOLDERS (a fresh folder of our own: each file
    is created once, each folder made once)."""
    stage = os.path.join(base, STAGED_FOLDERS)
    os.mkdir(stage)
    made: set[str] = set()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for rels in new_folders.values():
        for rel in rels:
            check_path(rel)
            folder = rel.rpartition("/")[0]
            if folder not in made:
                os.makedirs(os.path.join(stage, folder), exist_ok=True)
                made.add(folder)
            fd = os.open(os.path.join(stage, rel), flags, 0o644)
            try:
                view = memoryview(files[rel])
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)


def _write_new(path: Path, data: bytes) -> None:
    try:
        path.unlink()          # a leftover of an interrupted run (recover removes them too)
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o644), "wb") as handle:
        handle.write(data)


def _roll_forward(out: Path, journal: list[str]) -> None:
    real: dict[str, Any] = {}
    stage = out / STAGED_FOLDERS
    for line in journal:
        action, _, rel = line.partition(" ")
        target = out / rel if rel.startswith(".gitops-dsl-manifest") else safe_join(out, rel, real)
        if action == "write":
            staged = _staged(target)
            if staged.exists():
                os.replace(staged, target)
        elif action == "move":
            staged_folder = stage / rel
            if staged_folder.is_dir() and not staged_folder.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(staged_folder, target)
        elif action == "delete" and (target.exists() or target.is_symlink()):
            target.unlink()
            _prune_empty_dirs(out, target.parent)
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
    journal = _read(journal_path)
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
        _roll_forward(out, entries)
        return (f"an interrupted compile was completed from its journal ({len(entries)} "
                "operation(s)): the tree is the new one")
    staging = _read(staging_path)
    if staging is not None:
        removed = 0
        for line in staging.decode("utf-8", "replace").splitlines():
            rel = line.partition(" ")[2]
            if not _plain(rel):
                continue
            staged = _staged(out / rel)
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


def _signed_journal(out: Path, lines: list[str]) -> bytes:
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


def _prune_empty_dirs(out: Path, folder: Path) -> None:
    """Remove folders emptied by deleting owned files, up to (not including) the output folder."""
    out = out.resolve()
    folder = folder.resolve()
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


@attrs.frozen
class CheckReport:
    missing: tuple[Any, ...]
    changed: tuple[Any, ...]        # (path, short unified diff)
    extra: tuple[Any, ...]          # owned files that a compile would remove
    hand_edited: tuple[Any, ...]
    conflicts: tuple[Any, ...]
    manifest_stale: bool
    unowned: tuple[str, ...] = ()   # files no compile wrote where Argo CD applies every file

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.conflicts
                    or self.manifest_stale or self.unowned)


def check(out: Path, files: Mapping[str, bytes], diff_lines: int = 20) -> CheckReport:
    """Compare the output folder with a fresh compile, without writing anything."""
    if interrupted(out):
        raise InterruptedWrite(f"{out} holds an interrupted compile (a journal or staging list): "
                               "run `gitops-dsl compile` to finish or undo it")
    the_plan = plan(out, files, trust_mtimes=False)
    missing, changed = [], []
    for rel in the_plan.write:
        current = _read(safe_join(out, rel))
        if current is None:
            missing.append(rel)
        else:
            changed.append((rel, short_diff(rel, current, files[rel], diff_lines)))
    for rel in the_plan.conflicts:
        changed.append((rel, short_diff(rel, _read(safe_join(out, rel)) or b"", files[rel],
                                        diff_lines)))
    stale = _read(out / MANIFEST) != the_plan.manifest
    from .unowned import unowned_in_applied_folders
    unowned = unowned_in_applied_folders(out, files.keys() | set(the_plan.delete))
    return CheckReport(tuple(missing), tuple(changed), the_plan.delete, the_plan.hand_edited,
                       the_plan.conflicts, stale, tuple(unowned))


def short_diff(rel: str, old: bytes, new: bytes, limit: int) -> str:
    try:
        a = old.decode("utf-8").splitlines(keepends=True)
        b = new.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return "    (binary content differs)\n"
    lines = list(difflib.unified_diff(a, b, f"{rel} (on disk)", f"{rel} (compiled)", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more diff lines\n"]
    return "".join("    " + (line if line.endswith("\n") else line + "\n") for line in lines)
