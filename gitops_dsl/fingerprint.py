"""What a compile read, so that the next compile knows, without running the platform, that
nothing it depends on changed.

A compile is a function of the files it reads: the platform's modules (and whatever they import
or open), the versions files, the chart and Kustomize folders of the repository that checks and
render look at, the project's settings, and gitops-dsl itself. While a compile runs, every file
it opens and every folder it lists is recorded (a Python audit hook sees the platform's own
`open()` and imports too), and the few places that only ask whether a path is a file or a folder
record that answer (`is_dir`, `is_file` below). After a successful write, the record - each
file's sha256, each folder's names, each answer - is kept in the output folder, with the
diagnostics the compile printed.

The next compile re-reads those files (content hashes, not modification times: an edit within the
same clock tick, or one that keeps the size, is still seen), re-lists those folders, asks the
same questions, and checks that the output folder is as that compile left it (no journal, every
owned file untouched since the manifest). When all of that holds, the compile is a no-op by
proof: it prints what the last compile printed and writes nothing. Anything else - including any
doubt - is a full compile.

The record also says which inputs were read after the platform was loaded (by the checks and
render: chart folders, Kustomize files, paths asked about). When only inputs read while loading
changed - the platform's modules, the versions file - the per-service outputs of the last compile
can be reused by key (see `incremental`); when any later input changed, nothing is reused.

A platform can also observe what it never opens: `os.path.exists`, `Path.is_file`, `os.stat`
raise no audit event. So the record also keeps a stamp of the repository (every file's and
folder's name, kind, size and modification time, outside `.git`, gitops-dsl's own folders,
output folders and virtual environments), taken before the compile and checked again after it:
a file that appears, disappears or changes anywhere in the repository means a full compile. The
environment variables the compile read are kept too (by digest: their values may be secrets),
each absent or with its value; a compile that read the whole environment keeps a digest of all
of it. A compile that starts a program or opens a network connection keeps no record at all:
what those return cannot be known without doing them again.

What the record still cannot see: the clock, and files outside the repository that the platform
only asks about without opening them. A platform whose output depends on those compiles with
`--no-cache` (or GITOPS_DSL_NO_CACHE=1).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import sysconfig
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ._version import __version__

CACHE_DIR = ".gitops-dsl-cache"      # in the output folder, ignored by git (see GITIGNORE)
_RECORD = "inputs.json"
_SALT = "gitops-dsl input record "
_FORMAT = 3
GITIGNORE = (b"# Written by gitops-dsl: its cache of the last compile's inputs is local to this "
             b"checkout,\n# and what a write leaves while it runs (its journal) is never committed.\n/"
             + CACHE_DIR.encode() + b"/\n/.gitops-dsl-journal\n/.gitops-dsl-staging\n"
             b"/.gitops-dsl-staging.d/\n*.gitops-dsl-new\n")

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _ignored_roots() -> tuple[str, ...]:
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
    ignored: tuple[str, ...] = attrs.field(factory=_ignored_roots)
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

    def file(self, path: str) -> None:
        path = os.path.abspath(path)
        if path.endswith(".pyc"):
            return   # bytecode stands for its source, which is recorded with the module
        if path not in self.files and self.wants(path):
            seen = _stat(path)
            if seen is None or seen[2]:   # devices (/dev/null, /dev/urandom) are not inputs
                self.files[path] = seen
        if self.loaded and path in self.files:
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


def _value_digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(
        value.encode("utf-8", "surrogateescape")).hexdigest()


def _environ_digest() -> str:
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
        _active.environ[name] = _value_digest(value)


_SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", ".gitops-dsl", CACHE_DIR, "__pycache__"})


def repository_listing(root: str, ignored: tuple[str, ...] = ()) -> dict[str, tuple[int, ...]]:
    """path -> (mode, size, modification time) of every file of the repository at `root`, and
    path -> () for every folder: what a platform can observe without opening anything. Left
    out: version control's folders, gitops-dsl's own (charts, renders, caches), output folders
    (a folder holding a gitops-dsl manifest), virtual environments and `ignored` folders (a
    folder's own times change with what is written into it, so only its name is kept)."""
    from .emit.writer import MANIFEST
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


def _stat(path: str) -> tuple[int, int, bool] | None:
    """(size, modification time, whether it is a regular file), None when there is nothing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)


def _digest(path: str) -> str:
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


def _names(path: str) -> list[str] | str:
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:
        return "file"
    except OSError as exc:
        return f"unreadable {exc.errno}"


def _kind(path: str) -> str:
    if os.path.isdir(path):
        return "folder"
    return "file" if os.path.isfile(path) else "missing"


def tool_key(settings: Any) -> str:
    """gitops-dsl itself and how it runs: its version, its source files (size and time: an
    edited checkout of gitops-dsl is another compiler), Python, PyYAML, the module path, and
    the settings of the compile."""
    h = hashlib.sha256(f"{_FORMAT} {__version__} {sys.version} {sys.path!r} "
                       f"{os.environ.get('PYTHONPATH')!r} {settings!r}".encode())
    import yaml
    h.update(f"{yaml.__version__} {getattr(yaml, '__with_libyaml__', False)}".encode())
    for folder, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            info = os.stat(os.path.join(folder, name))
            h.update(f"{folder}/{name} {info.st_size} {info.st_mtime_ns}\n".encode())
    return h.hexdigest()


@attrs.frozen
class Record:
    """What a compile read, as values (with the compile's printed outcome)."""

    tool: str
    files: dict[str, str]
    listings: dict[str, Any]
    kinds: dict[str, str]
    outcome: dict[str, Any]
    #: the inputs read after the platform was loaded, as [kind, path] pairs
    later: tuple[tuple[str, str], ...] = ()
    #: environment variables read (name -> digest of the value, None when unset); "*": the
    #: digest of the whole environment, when it was read whole
    environ: dict[str, str | None] = attrs.field(factory=dict)
    root: str | None = None
    stamp: str | None = None      # repository_stamp(root) after the compile

    def current(self) -> bool:
        """Whether every recorded input still reads the same (a record that does not make sense
        - it lives in the output folder, where anyone may edit it - is not current)."""
        try:
            return (all(_digest(p) == d for p, d in self.files.items())
                    and all(_names(p) == n for p, n in self.listings.items())
                    and all(_kind(p) == k for p, k in self.kinds.items())
                    and self._environ_current()
                    and (self.root is None or self.stamp == repository_stamp(
                        repository_listing(self.root, _ignored_roots()), self.files)))
        except (TypeError, ValueError, OSError):
            return False

    def _environ_current(self) -> bool:
        for name, digest in self.environ.items():
            now = _environ_digest() if name == "*" else _value_digest(os.environ.get(name))
            if now != digest:
                return False
        return True

    def later_current(self) -> bool:
        """Whether every input read after loading (by the checks and render) still reads the
        same: then what the last compile made of each service can be reused by key."""
        checks = {"file": (self.files, _digest), "listing": (self.listings, _names),
                  "kind": (self.kinds, _kind)}
        try:
            for kind, path in self.later:
                values, read = checks[kind]
                if read(path) != values[path]:
                    return False
        except (TypeError, ValueError, OSError, KeyError):
            return False
        return True


def finish(recorder: Recorder, tool: str, outcome: dict[str, Any],
           carried: Record | None = None) -> Record | None:
    """The record of a finished compile, or None when an input changed while it ran. `carried`
    is the record of the compile whose per-service work this one reused: its later inputs (the
    chart folders of services not rendered again) stay inputs."""
    if recorder.unrepeatable is not None:
        return None
    files = {}
    for path, seen in sorted(recorder.files.items()):
        files[path] = _digest(path)
        if _stat(path) != seen:
            return None
    listing = None
    if recorder.root is not None:
        listing = repository_listing(recorder.root, recorder.ignored)
        if listing != recorder.repository:
            return None   # the repository changed while the compile ran
    environ = dict(recorder.environ)
    if recorder.whole_environ:
        environ["*"] = _environ_digest()
    listings = {p: _names(p) for p in sorted(recorder.listings)}
    kinds = {p: _kind(p) for p in sorted(recorder.kinds)}
    later = set(recorder.later)
    if carried is not None:
        # verified current before this compile ran (Record.later_current)
        tables: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
            "file": (files, carried.files), "listing": (listings, carried.listings),
            "kind": (kinds, carried.kinds)}
        for kind, path in carried.later:
            mine, theirs = tables[kind]
            mine.setdefault(path, theirs[path])
            later.add((kind, path))
    # (after the carried inputs join: the stamp leaves out the times of every file whose bytes
    # the record hashes, as `Record.current` does)
    stamp = repository_stamp(listing, files) if listing is not None else None
    return Record(tool, dict(sorted(files.items())), dict(sorted(listings.items())),
                  dict(sorted(kinds.items())), outcome, tuple(sorted(later)),
                  dict(sorted(environ.items())), recorder.root, stamp)


def save(out: Path, record: Record) -> None:
    """Keep the record in the output folder (after the manifest: see `load`)."""
    from . import bound
    data = {"format": _FORMAT, "tool": record.tool, "files": record.files,
            "listings": record.listings, "kinds": record.kinds, "outcome": record.outcome,
            "later": [list(item) for item in record.later], "environ": record.environ,
            "root": record.root, "stamp": record.stamp}
    text = json.dumps(data, sort_keys=True).encode()
    path = out / CACHE_DIR / _RECORD
    if bound.read(path, _SALT + record.tool) == text:
        return   # the same record: the folder stays untouched
    bound.write(path, text, _SALT + record.tool)


def forget(out: Path) -> None:
    from . import bound
    bound.forget(out / CACHE_DIR / _RECORD)


def current(out: Path, tool: str) -> Record | None:
    """The record of the last compile into `out` when nothing it read changed since and the
    folder is exactly as it left it: then the folder is what a compile would write now."""
    from .emit.writer import intact
    if not out.is_dir():
        return None
    record = load(out, tool)
    if record is None or not record.current():
        return None
    outcome = record.outcome
    if not (isinstance(outcome.get("manifest"), str) and isinstance(outcome.get("files"), int)
            and isinstance(outcome.get("diagnostics"), list)):
        return None
    if intact(out, outcome["manifest"]) != outcome["files"]:
        return None
    return record


def load(out: Path, tool: str) -> Record | None:
    """The record of the last compile into `out`, when it was made by this very tool."""
    from . import bound
    kept = bound.read(out / CACHE_DIR / _RECORD, _SALT + tool)
    if kept is None:
        return None   # none, or not written by this user's gitops-dsl (see `bound`)
    try:
        data = json.loads(kept)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("tool") != tool:
        return None
    try:
        return Record(tool, dict(data["files"]), dict(data["listings"]), dict(data["kinds"]),
                      dict(data["outcome"]), tuple((str(k), str(p)) for k, p in data["later"]),
                      dict(data["environ"]), data["root"], data["stamp"])
    except (KeyError, TypeError, ValueError):
        return None
