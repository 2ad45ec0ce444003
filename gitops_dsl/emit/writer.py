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
from pathlib import Path

import attrs

MANIFEST = ".gitops-dsl-manifest"
_MANIFEST_HEAD = "# gitops-dsl: files this compiler owns in this folder (sha256, path). Do not edit.\n"


class ContainmentError(ValueError):
    """An output path would leave the output folder (an internal invariant, not a user error)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_path(rel: str) -> None:
    parts = rel.split("/")
    if (not rel or rel.startswith("/") or "\\" in rel or "\0" in rel
            or any(p in ("", ".", "..") for p in parts)):
        raise ContainmentError(f"output path {rel!r} is not a plain relative path")


def safe_join(out: Path, rel: str) -> Path:
    check_path(rel)
    target = out.joinpath(*rel.split("/"))
    real_out = os.path.realpath(out)
    real_parent = os.path.realpath(target.parent)
    if real_parent != real_out and not real_parent.startswith(real_out + os.sep):
        raise ContainmentError(f"output path {rel!r} resolves outside {out}")
    return target


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    lines = [f"{sha256(files[p])}  {p}\n" for p in sorted(files)]
    return (_MANIFEST_HEAD + "".join(lines)).encode("utf-8")


def read_manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    owned: dict[str, str] = {}
    try:
        text = path.read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return owned
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        try:
            check_path(rel)
        except ContainmentError:
            continue  # a tampered manifest never makes us touch a path outside the folder
        owned[rel] = digest
    return owned


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


@attrs.frozen
class Plan:
    write: tuple          # paths to (re)write
    delete: tuple         # owned paths no longer produced
    unchanged: int
    conflicts: tuple      # foreign files in the way (path)
    hand_edited: tuple    # owned files whose bytes differ from what we last wrote
    manifest: bytes


def plan(out: Path, files: dict[str, bytes]) -> Plan:
    owned = read_manifest(out)
    write, conflicts, hand_edited = [], [], []
    unchanged = 0
    for rel in sorted(files):
        target = safe_join(out, rel)
        current = _read(target)
        if current == files[rel]:
            unchanged += 1
            continue
        if target.is_dir() or (current is not None and rel not in owned):
            conflicts.append(rel)
            continue
        if current is not None and sha256(current) != owned[rel]:
            hand_edited.append(rel)
        write.append(rel)
    delete = []
    for rel in sorted(set(owned) - set(files)):
        target = safe_join(out, rel)
        current = _read(target)
        if current is None:
            continue
        if sha256(current) != owned[rel]:
            hand_edited.append(rel)
        delete.append(rel)
    return Plan(tuple(write), tuple(delete), unchanged, tuple(conflicts), tuple(sorted(hand_edited)),
                manifest_bytes(files))


def apply(out: Path, files: dict[str, bytes], the_plan: Plan) -> None:
    """Carry out a plan without conflicts. Each file is replaced atomically (temp + rename)."""
    if the_plan.conflicts:
        raise ValueError("a plan with conflicts cannot be applied")
    out.mkdir(parents=True, exist_ok=True)
    for rel in the_plan.write:
        _atomic_write(safe_join(out, rel), files[rel])
    for rel in the_plan.delete:
        target = safe_join(out, rel)
        target.unlink()
        _prune_empty_dirs(out, target.parent)
    manifest = out / MANIFEST
    if _read(manifest) != the_plan.manifest:
        _atomic_write(manifest, the_plan.manifest)


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.gitops-dsl-tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


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
    missing: tuple
    changed: tuple        # (path, short unified diff)
    extra: tuple          # owned files that a compile would remove
    hand_edited: tuple
    conflicts: tuple
    manifest_stale: bool

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.conflicts
                    or self.manifest_stale)


def check(out: Path, files: dict[str, bytes], diff_lines: int = 20) -> CheckReport:
    """Compare the output folder with a fresh compile, without writing anything."""
    the_plan = plan(out, files)
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
    return CheckReport(tuple(missing), tuple(changed), the_plan.delete, the_plan.hand_edited,
                       the_plan.conflicts, stale)


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
