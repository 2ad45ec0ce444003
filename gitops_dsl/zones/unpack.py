"""Unpacking a verified bundle into checkouts: all or nothing, never backwards without saying so.

- Every file is first written next to its target (exclusively created: a planted symlink is
  never followed), then swapped in; any failure - a full disk, a file or folder in the way -
  puts back what was there and removes what was staged, so the checkout is exactly as it was.
- What was unpacked is recorded in the checkout (`.gitops-dsl-unpacked-<zone>`: source commit,
  its sequence in the source history, when): an older bundle is refused unless the operator
  says why (`--allow-downgrade REASON`), and the reason is recorded too.
"""
from __future__ import annotations

import datetime
import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..emit.paths import prune_empty_dirs, safe_join
from ..emit.writer import Plan
from ..errors import GitopsDslError
from ..files import atomic_write

if TYPE_CHECKING:
    from .bundle import Provenance

class UnpackError(GitopsDslError, RuntimeError):
    """The checkout was left as it was; the message says why."""


RECORD_HEAD = "# gitops-dsl: the bundles unpacked here for one zone, newest last. Do not edit.\n"


def record_name(zone: str) -> str:
    return f".gitops-dsl-unpacked-{zone}"


@attrs.frozen
class Unpacked:
    commit: str
    sequence: int
    time: str


def last_unpacked(checkout: Path, zone: str) -> Unpacked | None:
    """The last entry of the record, or None. A record that cannot be read is an error: the
    downgrade check must not silently pass."""
    path = checkout / record_name(zone)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnpackError(f"{path}: cannot read the unpack record ({exc})") from None
    entries = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    if not entries:
        return None
    last = entries[-1]
    if len(last) < 4 or not last[1].isdigit():
        raise UnpackError(f"{path}: the unpack record's last line is malformed; restore it from git")
    return Unpacked(last[0], int(last[1]), last[2])


def downgrade_problem(previous: Unpacked | None, provenance: Provenance) -> str | None:
    if previous is None:
        return None
    if provenance.sequence < previous.sequence:
        return (f"this bundle is older than what was unpacked last: source commit "
                f"{provenance.commit[:12]} (#{provenance.sequence}) after {previous.commit[:12]} "
                f"(#{previous.sequence}, unpacked {previous.time})")
    if provenance.sequence == previous.sequence and provenance.commit != previous.commit:
        return (f"this bundle's source commit {provenance.commit[:12]} is not the one unpacked last "
                f"({previous.commit[:12]}) although both are #{provenance.sequence} of their history")
    return None


def record(checkout: Path, zone: str, provenance: Provenance, downgrade: str | None) -> None:
    path = checkout / record_name(zone)
    try:
        old = path.read_text("utf-8")
    except FileNotFoundError:
        old = RECORD_HEAD
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{provenance.commit} {provenance.sequence} {now} source-time={provenance.time}"
    if downgrade:
        line += " downgrade: " + " ".join(downgrade.split())
    atomic_write(path, (old + line + "\n").encode("utf-8"))


def apply_all_or_nothing(out: Path, files: dict[str, bytes], the_plan: Plan, *,
                         manifest_name: str) -> None:
    """Carry out a plan so that on any failure the folder is exactly as it was."""
    if the_plan.conflicts:
        raise UnpackError("a plan with conflicts cannot be applied")
    staged: list[tuple[Path, Path]] = []
    backups: dict[Path, bytes | None] = {}
    made_dirs: list[Path] = []
    real: dict[str, Any] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        targets = [(safe_join(out, rel, real), files[rel]) for rel in the_plan.write]
        targets.append((out / manifest_name, the_plan.manifest))
        for target, data in targets:
            missing = []
            folder = target.parent
            while not folder.exists():
                missing.append(folder)
                folder = folder.parent
            for folder in reversed(missing):
                folder.mkdir()
                made_dirs.append(folder)
            tmp = target.with_name(f".{target.name}.gitops-dsl-new-{os.getpid()}")
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(tmp, flags, 0o644)
            staged.append((target, tmp))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        for target, tmp in staged:
            backups[target] = _read_or_none(target)
            os.replace(tmp, target)
        for rel in the_plan.delete:
            target = safe_join(out, rel, real)
            backups[target] = _read_or_none(target)
            target.unlink()
    except OSError as exc:
        _roll_back(staged, backups, made_dirs)
        what = "the disk is full" if exc.errno == errno.ENOSPC else str(exc)
        raise UnpackError(f"writing into {out} failed ({what}); it was put back as it was") from None
    for rel in the_plan.delete:
        prune_empty_dirs(out, safe_join(out, rel, real).parent)


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _roll_back(staged: list[tuple[Path, Path]], backups: dict[Path, bytes | None],
               made_dirs: list[Path]) -> None:
    for target, old in backups.items():
        try:
            if old is None:
                target.unlink(missing_ok=True)
            else:
                atomic_write(target, old)
        except OSError:
            pass
    for _, tmp in staged:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    for folder in reversed(made_dirs):
        try:
            folder.rmdir()
        except OSError:
            pass
