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
import sys
from pathlib import Path
from typing import Any

import attrs

from ._version import __version__
from .recorder import (
    CACHE_DIR,
    Recorder,
    environ_digest,
    file_digest,
    folder_names,
    ignored_roots,
    path_kind,
    repository_listing,
    repository_stamp,
    stat_of,
    value_digest,
)

_RECORD = "inputs.json"
_SALT = "gitops-dsl input record "
_FORMAT = 3
GITIGNORE = (b"# Written by gitops-dsl: its cache of the last compile's inputs is local to this "
             b"checkout,\n# and what a write leaves while it runs (its journal) is never committed.\n/"
             + CACHE_DIR.encode() + b"/\n/.gitops-dsl-journal\n/.gitops-dsl-staging\n"
             b"/.gitops-dsl-staging.d/\n*.gitops-dsl-new\n")

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def tool_key(settings: Any) -> str:
    """gitops-dsl itself and how it runs: its version, its source files (size and time: an
    edited checkout of gitops-dsl is another compiler), Python, PyYAML's files (its version,
    and whether its C half is there), the module path, and the settings of the compile."""
    h = hashlib.sha256(f"{_FORMAT} {__version__} {sys.version} {sys.path!r} "
                       f"{os.environ.get('PYTHONPATH')!r} {settings!r}".encode())
    _stamp_folder(h, _PACKAGE)
    # PyYAML told by its files, not imported: a compile that replays never loads it
    import importlib.util
    spec = importlib.util.find_spec("yaml")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        _stamp_folder(h, folder)
    return h.hexdigest()


def _stamp_folder(h: Any, top: str) -> None:
    """The names, sizes and times of the files under `top` (bytecode left out) into `h`."""
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            info = os.stat(os.path.join(folder, name))
            h.update(f"{folder}/{name} {info.st_size} {info.st_mtime_ns}\n".encode())


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
            return (all(file_digest(p) == d for p, d in self.files.items())
                    and all(folder_names(p) == n for p, n in self.listings.items())
                    and all(path_kind(p) == k for p, k in self.kinds.items())
                    and self._environ_current()
                    and (self.root is None or self.stamp == repository_stamp(
                        repository_listing(self.root, ignored_roots()), self.files)))
        except (TypeError, ValueError, OSError):
            return False

    def _environ_current(self) -> bool:
        for name, digest in self.environ.items():
            now = environ_digest() if name == "*" else value_digest(os.environ.get(name))
            if now != digest:
                return False
        return True

    def later_current(self) -> bool:
        """Whether every input read after loading (by the checks and render) still reads the
        same: then what the last compile made of each service can be reused by key."""
        checks = {"file": (self.files, file_digest), "listing": (self.listings, folder_names),
                  "kind": (self.kinds, path_kind)}
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
        files[path] = file_digest(path)
        if stat_of(path) != seen:
            return None
    listing = None
    if recorder.root is not None:
        listing = repository_listing(recorder.root, recorder.ignored)
        if listing != recorder.repository:
            return None   # the repository changed while the compile ran
    environ = dict(recorder.environ)
    if recorder.whole_environ:
        environ["*"] = environ_digest()
    listings = {p: folder_names(p) for p in sorted(recorder.listings)}
    kinds = {p: path_kind(p) for p in sorted(recorder.kinds)}
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
    from .emit.manifest import intact
    if not out.is_dir():
        return None
    record = load_record(out, tool)
    if record is None or not record.current():
        return None
    outcome = record.outcome
    if not (isinstance(outcome.get("manifest"), str) and isinstance(outcome.get("files"), int)
            and isinstance(outcome.get("diagnostics"), list)):
        return None
    if intact(out, outcome["manifest"]) != outcome["files"]:
        return None
    return record


def load_record(out: Path, tool: str) -> Record | None:
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
