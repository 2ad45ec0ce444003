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
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import GitopsDslError
from ..files import MANIFEST, atomic_write
from .journal import (
    JOURNAL,
    STAGED_FOLDERS,
    STAGING,
    InterruptedWrite,
    interrupted,
    recover,
    roll_forward,
    signed_journal,
    staged_name,
    staged_path,
)
from .manifest import Entry, manifest_bytes, read_manifest_as_written, remember, sha256, untouched_since
from .paths import check_path, join_inside, read_if_file, safe_join


class WriteFailed(GitopsDslError, RuntimeError):
    """An I/O error while writing; the message says in which state the folder was left."""


#: bounds of a path gitops-dsl reads or writes (its own are a few segments deep): a path from
#: a manifest or a bundle - untrusted input - beyond them is refused, never walked


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


@attrs.frozen
class Plan:
    write: tuple[str, ...]          # paths to (re)write
    delete: tuple[str, ...]         # owned paths no longer produced
    unchanged: int
    conflicts: tuple[str, ...]      # foreign files in the way (path)
    hand_edited: tuple[str, ...]    # owned files whose bytes differ from what we last wrote
    manifest: bytes
    recovered: str | None = None   # what recover() did to an interrupted write first
    kept: tuple[str, ...] = ()      # owned paths no longer produced but changed since: left in place


def _key(files: Mapping[str, bytes], rel: str) -> str:
    key = getattr(files, "key", None)
    return key(rel) if key is not None else sha256(files[rel])


def plan(out: Path, files: Mapping[str, bytes], *, trust_mtimes: bool = True, manifest: str = MANIFEST) -> Plan:
    """What a write would do. `files` maps paths to bytes; a `Files` mapping also gives input
    keys, so a file whose key and bytes on disk match the manifest is not even serialized. With
    `trust_mtimes`, a file older than the manifest with the recorded size is not even read, and
    a file reused from the last compile (`Files.reused`, checked untouched while compiling)
    not even looked at; `check` never trusts them and reads every file."""
    owned, written_at, _, as_written = read_manifest_as_written(out, manifest, digest=False)
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
    prepare = getattr(files, "prepare", None)
    if prepare is not None:
        prepare(owned)   # the keys, and the bytes the loop below writes, on two cores
    for rel in fresh:
        before = last(rel)
        target = join_inside(base, rel, real)
        key = _key(files, rel)
        if (trust_mtimes and before is not None and before[1] == key
                and untouched_since(target, before[2], written_at)):
            made[rel] = before          # same inputs, not modified since the last compile
            unchanged += 1
            continue
        blocker = _file_in_the_way(base, rel, folders)
        # a file in a folder that does not exist does not exist either (nor does a folder in
        # its place): no need to look
        unseen = blocker is not None or _missing_folder(rel, folders)
        current = None if unseen else read_if_file(target)
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
        target = join_inside(base, rel, real)
        current = read_if_file(target)
        if current is None:
            continue
        if sha256(current) != owned[rel][0]:
            # the manifest is untrusted input too: a file whose bytes are not what gitops-dsl
            # wrote (a hand edit, or a foreign file named by a tampered manifest) is never deleted
            kept.append(rel)
            continue
        delete.append(rel)
    new_manifest = manifest_bytes(entries, as_written, made.keys() if same else None)
    remember(out / manifest, new_manifest, entries, True)
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
    new_manifest = read_if_file(manifest) != the_plan.manifest
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
            _write_new(staged_name(join_inside(base, rel, real)), files[rel])
        if new_folders:
            _stage_folders(base, new_folders, files)
        if new_manifest:
            _write_new(staged_path(manifest), the_plan.manifest)
        journal = ([f"write {rel}" for rel in in_place] + [f"move {folder}" for folder in new_folders]
                   + [f"delete {rel}" for rel in the_plan.delete]
                   + ([f"write {manifest_name}"] if new_manifest else []))
        atomic_write(out / JOURNAL, signed_journal(out, journal))
    except OSError as exc:
        try:
            recover(out)              # no journal yet: undo the staging, the tree stays old
        except OSError:
            pass
        raise WriteFailed(f"writing into {out} failed before anything was replaced "
                          f"({exc.strerror or exc}): it is unchanged") from None
    try:
        roll_forward(out, journal)
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


def _write_new(path: str | Path, data: bytes) -> None:
    """Create `path` with `data` (exclusively: a link planted there is never followed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        os.unlink(path)        # a leftover of an interrupted run (recover removes them too)
        fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@attrs.frozen
class CheckReport:
    missing: tuple[str, ...]
    changed: tuple[tuple[str, str], ...]   # (path, short unified diff)
    extra: tuple[str, ...]          # owned files that a compile would remove
    hand_edited: tuple[str, ...]
    conflicts: tuple[str, ...]
    manifest_stale: bool
    #: files no compile wrote that Argo CD reads all the same, with what to say of each
    #: (`unowned.foreign_files`: where Argo CD applies every file, in a chart folder it wrote)
    foreign: tuple[tuple[str, str], ...] = ()
    #: generated files that git ignores where they are: never committed, so never read by
    #: Argo CD, although the folder holds them
    ignored: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.conflicts
                    or self.manifest_stale or self.foreign or self.ignored)


def check(out: Path, files: Mapping[str, bytes], diff_lines: int = 20) -> CheckReport:
    """Compare the output folder with a fresh compile, without writing anything."""
    if interrupted(out):
        raise InterruptedWrite(f"{out} holds an interrupted compile (a journal or staging list): "
                               "run `gitops-dsl compile` to finish or undo it")
    the_plan = plan(out, files, trust_mtimes=False)
    missing, changed = [], []
    for rel in the_plan.write:
        current = read_if_file(safe_join(out, rel))
        if current is None:
            missing.append(rel)
        else:
            changed.append((rel, short_diff(rel, current, files[rel], diff_lines)))
    for rel in the_plan.conflicts:
        changed.append((rel, short_diff(rel, read_if_file(safe_join(out, rel)) or b"", files[rel],
                                        diff_lines)))
    stale = read_if_file(out / MANIFEST) != the_plan.manifest
    from .unowned import chart_roots, foreign_files
    foreign = foreign_files(out, files.keys() | set(the_plan.delete),
                            charts=chart_roots(files.keys()))
    return CheckReport(tuple(missing), tuple(changed), the_plan.delete, the_plan.hand_edited,
                       the_plan.conflicts, stale, tuple(foreign))


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
