"""Which inputs a running compile reads: the files it opens, the folders it lists, the paths it
asks about and the environment variables it looks up (a Python audit hook sees the platform's own
`open()` and imports too). `fingerprint` keeps what was recorded; gitops-dsl's own bookkeeping
reads inside `unrecorded()`.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
import sysconfig
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from .files import MANIFEST

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
CACHE_DIR = ".gitops-dsl-cache"      # in the output folder, ignored by git (see fingerprint.GITIGNORE)


def ignored_roots() -> tuple[str, ...]:
    """Folders whose files are not inputs of a platform: Python's own library and installed
    packages (gitops-dsl's version and source are in the tool key instead)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE,
             *(sysconfig.get_paths().get(k, "") for k in ("stdlib", "platstdlib", "purelib",
                                                            "platlib"))}
    return tuple(sorted(os.path.join(os.path.realpath(r), "") for r in roots if r))


@attrs.define
class Recorder:
    """The files, listings and path kinds one compile observed, with each file's stat at the
    time it was read (a file that changes while the compile runs makes the record unusable)."""

    files: dict[str, tuple[int, int, bool] | None] = attrs.field(factory=dict)
    listings: set[str] = attrs.field(factory=set)
    kinds: set[str] = attrs.field(factory=set)
    ignored: tuple[str, ...] = attrs.field(factory=ignored_roots)
    #: what was read after the platform was loaded: ("file" | "listing" | "kind", path)
    later: set[tuple[str, str]] = attrs.field(factory=set)
    loaded: bool = False   # set once the platform is loaded (see api.compile)
    #: environment variables read: name -> digest of the value (None: not set)
    environ: dict[str, str | None] = attrs.field(factory=dict)
    whole_environ: bool = False   # the whole environment was read (listed, copied)
    #: why this compile cannot be replayed (it ran a program, used the network)
    unrepeatable: str | None = None
    root: str | None = None       # the repository whose stamp is kept (see `repository_stamp`)
    #: its listing when the compile started
    repository: dict[str, tuple[int, ...]] | None = None

    def wants(self, path: str) -> bool:
        return not path.startswith(self.ignored) and not path.startswith(("/proc/", "/sys/"))

    def file(self, path: str, later: bool = True) -> None:
        path = os.path.abspath(path)
        if path.endswith(".pyc"):
            return   # bytecode stands for its source, which is recorded with the module
        if path not in self.files and self.wants(path):
            seen = stat_of(path)
            if seen is None or seen[2]:   # devices (/dev/null, /dev/urandom) are not inputs
                self.files[path] = seen
        if later and self.loaded and path in self.files:
            self.later.add(("file", path))

    def listing(self, path: str) -> None:
        path = os.path.abspath(path)
        if self.wants(path):
            self.listings.add(path)
            if self.loaded:
                self.later.add(("listing", path))

    def kind(self, path: str) -> None:
        path = os.path.abspath(path)
        if self.wants(path):
            self.kinds.add(path)
            if self.loaded:
                self.later.add(("kind", path))


_active: Recorder | None = None
_hooked = False

#: audit events of a compile whose outcome depends on more than its files and environment
_UNREPEATABLE = {
    "subprocess.Popen": "ran a program", "os.system": "ran a program", "os.exec": "ran a program",
    "os.posix_spawn": "ran a program", "os.spawn": "ran a program",
    "socket.connect": "used the network", "socket.getaddrinfo": "used the network",
    "urllib.Request": "used the network",
}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = _active
    if recorder is None:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(path, (str, bytes, os.PathLike)) and _reads(mode, flags):
            recorder.file(os.fsdecode(path))
    elif event in ("os.listdir", "os.scandir"):
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)):
            recorder.listing(os.fsdecode(path) or ".")
    elif event in _UNREPEATABLE and recorder.unrepeatable is None:
        recorder.unrepeatable = f"the platform {_UNREPEATABLE[event]} ({event})"


def value_digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(
        value.encode("utf-8", "surrogateescape")).hexdigest()


def environ_digest() -> str:
    h = hashlib.sha256()
    for name, value in sorted(os.environ.items()):
        h.update(f"{name}={value}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class _ObservedEnviron(os._Environ):  # type: ignore[type-arg]
    """os.environ while a compile is recorded: the same variables (it shares their storage), and
    every read is noted by the active recording."""

    def __init__(self, real: Any) -> None:
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue,
                         real.decodevalue)

    def __getitem__(self, key: str) -> str:
        try:
            value: str = super().__getitem__(key)
        except KeyError:
            _noted(key, None)
            raise
        _noted(key, value)
        return value

    def __iter__(self) -> Iterator[str]:
        if _active is not None:
            _active.whole_environ = True
        return super().__iter__()

    def __len__(self) -> int:
        if _active is not None:
            _active.whole_environ = True
        return super().__len__()


def _noted(name: str, value: str | None) -> None:
    if _active is not None and isinstance(name, str) and name not in _active.environ:
        _active.environ[name] = value_digest(value)


_SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", ".gitops-dsl", CACHE_DIR, "__pycache__"})


def repository_listing(root: str, ignored: tuple[str, ...] = ()) -> dict[str, tuple[int, ...]]:
    """path -> (mode, size, modification time) of every file of the repository at `root`, and
    path -> () for every folder: what a platform can observe without opening anything. Left
    out: version control's folders, gitops-dsl's own (charts, renders, caches), output folders
    (a folder holding a gitops-dsl manifest), virtual environments and `ignored` folders (a
    folder's own times change with what is written into it, so only its name is kept)."""
    found: dict[str, tuple[int, ...]] = {}
    pending = [os.path.join(root, "")]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            found[folder] = (-1, exc.errno or 0)
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            path = entry.path
            if stat.S_ISDIR(info.st_mode):
                inside = os.path.join(path, "")
                if (entry.name in _SKIPPED_FOLDERS or os.path.lexists(inside + MANIFEST)
                        or os.path.lexists(inside + "pyvenv.cfg") or inside.startswith(ignored)):
                    continue   # version control, gitops-dsl's own, an output folder, a virtual
                    # environment, Python's own
                found[inside] = ()
                pending.append(inside)
                continue
            found[path] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def repository_stamp(listing: dict[str, tuple[int, ...]], digested: Collection[str]) -> str:
    """The digest of a repository listing; the files in `digested` (recorded by the digest of
    their bytes) only by name and kind: touching them changes nothing."""
    h = hashlib.sha256()
    for path, seen in sorted(listing.items()):
        if path in digested and len(seen) == 3:
            seen = (stat.S_IFMT(seen[0]),)
        h.update(f"{path}\0{seen}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _reads(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str):
        return not any(c in mode for c in "wax+")
    return isinstance(flags, int) and flags & os.O_ACCMODE == os.O_RDONLY


@contextmanager
def recording(root: Path | None = None) -> Iterator[Recorder]:
    """Record what the code inside reads (one recording at a time per process), with the stamp
    of the repository at `root` as it is when the code starts."""
    global _active, _hooked
    if not _hooked:
        sys.addaudithook(_audit)   # hooks cannot be removed: it does nothing outside a recording
        _hooked = True
    recorder, previous = Recorder(), _active
    if root is not None:
        recorder.root = str(Path(root).resolve())
        recorder.repository = repository_listing(recorder.root, recorder.ignored)
    real = os.environ
    # the same variables, every read noted (not a copy: nothing is cleared or replaced)
    os.environ = _ObservedEnviron(real)  # noqa: B003
    _active = recorder
    try:
        yield recorder
    finally:
        _active = previous
        os.environ = real  # noqa: B003


@contextmanager
def unrecorded() -> Iterator[None]:
    """Reads inside are not inputs of the running compile (gitops-dsl's own bookkeeping)."""
    global _active
    previous = _active
    _active = None
    try:
        yield
    finally:
        _active = previous


def loaded() -> None:
    """The platform is loaded: what the running compile reads from now on is read by the checks
    and render (Record.later)."""
    if _active is not None:
        _active.loaded = True


def is_dir(path: Path) -> bool:
    """Path.is_dir(), recorded as an input of the running compile."""
    if _active is not None:
        _active.kind(str(path))
    return path.is_dir()


def is_file(path: Path) -> bool:
    """Path.is_file(), recorded as an input of the running compile."""
    if _active is not None:
        _active.kind(str(path))
    return path.is_file()


def observe(path: Path | str) -> None:
    """A file a program the compile runs reads (git reads its ignore rules), recorded as an input
    of the running compile as if the compile had read it: its change, appearance or removal
    makes the record stale, so the compile does not replay. For a rule that runs on every
    compile that does not replay (one not per service, whose findings no unit keeps): it is not
    an input read after loading, so it does not stop the reuse of units."""
    if _active is not None:
        _active.file(str(path), later=False)


def module_sources(modules: list[Any]) -> None:
    """The source files of modules a platform imported (their bytecode may have been read
    instead of the source)."""
    if _active is None:
        return
    for module in modules:
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
        if isinstance(origin, str) and os.path.isabs(origin):
            _active.file(origin)


def stat_of(path: str) -> tuple[int, int, bool] | None:
    """(size, modification time, whether it is a regular file), None when there is nothing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)


def file_digest(path: str) -> str:
    """sha256 of a file's bytes, or what stands in its place (a FIFO or a device is never
    read: opened without blocking, it is told by its kind)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable {exc.errno}"
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return "folder"
        if not stat.S_ISREG(mode):
            return f"special {stat.S_IFMT(mode)}"
        with open(fd, "rb", closefd=False) as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable {exc.errno}"
    finally:
        os.close(fd)


def folder_names(path: str) -> list[str] | str:
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:
        return "file"
    except OSError as exc:
        return f"unreadable {exc.errno}"


def path_kind(path: str) -> str:
    if os.path.isdir(path):
        return "folder"
    return "file" if os.path.isfile(path) else "missing"
