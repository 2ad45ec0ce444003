"""Reuse, service by service, what the last compile made: a one-service change renders, checks
and writes one service.

Each service of a platform is a unit: its Application and values files and the findings of the
rules that look at one service at a time (`Rule.per_service`). A unit's key hashes everything
those depend on:

- the Service object with everything in it (overlays, values, images, secrets, charts...),
  pickled with every field, locations as the file, line and column diagnostics show (not the
  offset of the call in the module's bytecode, which an edit of another service moves): editing
  one service of a module leaves the keys of the others as they were; an object many services
  hold (a Wave, a SyncPolicy) stands in each of their keys as the digest of its content, pickled
  once;
- its pins in the versions file (value, line and column);
- what resolve made of it that depends on other services (wave, dependencies) and its names;
- the platform layer: every Platform field but the services, the environments, zones and waves,
  the settings (severity, allow), the repository root, and their locations.

Anything the pickler does not know for plain data or gitops-dsl's own classes (a user's class or
function among the values) makes the platform uncacheable: everything is compiled.

A compile may reuse a unit only when the last compile's input record shows that nothing read
after loading changed (chart folders and files the checks and render read: `Record.later`), the
output folder is as that compile left it (its manifest, no interrupted write), the unit's key is
the same, and each of its files is untouched since. Its files are then neither rendered, nor
serialized, nor read: the manifest keeps their entries. The record lives in the output folder
beside the input record, written after a successful write (JSON: the folder is untrusted input,
never unpickled).
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import operator
import os
import pickle
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

import attrs

from .diagnostics import Diagnostic, Location, as_record, from_record
from .forked import Forked
from .recorder import unrecorded

if TYPE_CHECKING:
    from .checks import Checked
    from .emit.tree import Document
    from .model import Platform, Service
    from .resolve import Resolved
    from .versions.file import Versions

UNITS = "units.json"     # in the output folder's cache (recorder.CACHE_DIR)
_SALT = "gitops-dsl units "
_FORMAT = 3


class Uncacheable(Exception):
    """Something in the platform has no content the key can see."""


_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}   # an attrs class -> its fields' values


class _Columns:
    """`Location.column` of many locations, walking the position table of each code object once
    as the locations come (mostly in the order of their calls: services in declaration order)
    instead of from its start for each."""

    def __init__(self) -> None:
        # object.__hash__(code) -> (code, its positions from `at` on, at, last index, its position)
        self._walks: dict[int, tuple[CodeType, Iterator[Any], int, int, Any]] = {}

    def of(self, location: Location) -> int:
        call = location.call
        if call is None:
            return location.column
        code, lasti = call
        index = lasti // 2
        walk = self._walks.get(object.__hash__(code))
        if walk is not None and walk[0] is code and walk[3] == index:
            return location.column_at(walk[4])
        if walk is None or walk[0] is not code or walk[2] > index:
            walk = (code, iter(code.co_positions()), 0, -1, None)
        positions, at = walk[1], walk[2]
        position = next(itertools.islice(positions, index - at, None), None)
        self._walks[object.__hash__(code)] = (code, positions, index + 1, index, position)
        return location.column_at(position)


class _KeyPickler(pickle.Pickler):
    """Pickles the model, every field of every attrs object (repr=False and eq=False ones too),
    refusing anything that is neither plain data nor gitops-dsl's own; a location is the file,
    line and column diagnostics show."""

    def __init__(self, buffer: io.BytesIO, columns: _Columns,
                 shared: dict[int, tuple[Any, str]] | None = None) -> None:
        super().__init__(buffer, protocol=5)
        self.columns = columns
        self.shared = shared

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if cls in _SHARED and self.shared is not None:
            # an object many services hold (every service of a wave holds that Wave): by the
            # digest of its content, pickled once instead of once per service
            known = self.shared.get(object.__hash__(obj))
            if known is None or known[0] is not obj:
                buffer = io.BytesIO()
                _KeyPickler(buffer, self.columns).dump(obj)
                known = self.shared[object.__hash__(obj)] = (
                    obj, hashlib.blake2b(buffer.getvalue(), digest_size=16).hexdigest())
            return (_named, (cls.__module__, cls.__qualname__, known[1]))
        fields = _FIELDS.get(cls)
        if fields is not None:
            # the fields as state: pickle remembers the object before it writes them, so a
            # cycle (a wave's series holds the wave) refers back instead of recursing
            return (_named, (cls.__module__, cls.__qualname__), fields(obj))
        if cls is Location:
            # where diagnostics say the object was made: file, line and column (not the offset
            # of the call in the bytecode: an edit of another service in the module moves it)
            return (Location, (obj.file, obj.line, self.columns.of(obj)))
        if cls is FunctionType:
            if obj is _named:
                return NotImplemented
            # a policy's function (Rule.func), by name: the findings of rules a team wrote are
            # never reused, and gitops-dsl's own are in the tool key
            return (_named, (obj.__module__, obj.__qualname__))
        if isinstance(obj, type):   # a class (an enum's too), by name: gitops-dsl's own are in
            # the tool key
            if obj.__module__.startswith("gitops_dsl.") or obj.__module__ == "builtins":
                return NotImplemented
            raise Uncacheable(f"class {obj.__qualname__}")
        if not cls.__module__.startswith("gitops_dsl."):
            raise Uncacheable(f"{cls.__qualname__} object")
        if not attrs.has(cls):
            return NotImplemented   # gitops-dsl's enums and functions, by name
        names = [f.name for f in attrs.fields(cls)]
        getter = operator.attrgetter(*names) if names else (lambda _: ())
        fields = _FIELDS[cls] = (getter if len(names) != 1 else lambda o: (getter(o),))
        return (_named, (cls.__module__, cls.__qualname__), fields(obj))


def _named(module: str, name: str, *content: Any) -> None:
    """What a function or an object's class stands for in a key (keys are never unpickled)."""


def _shared_classes() -> frozenset[type]:
    from .model import SyncPolicy, Wave
    return frozenset({Wave, SyncPolicy})


#: classes whose objects services share (see `_KeyPickler.reducer_override`)
_SHARED = _shared_classes()


class Keys:
    """The unit keys of one compile."""

    def __init__(self, root: Path | None, settings: Any) -> None:
        self._salt = repr((str(root), settings)).encode()
        self._columns = _Columns()
        self.refused: str | None = None   # why a platform could not be keyed
        self._pending: dict[int, Forked] = {}   # id(platform) -> its services being hashed
        # one pickler for every hash, its memo cleared between them (each hash stands alone)
        self._buffer = io.BytesIO()
        self._shared: dict[int, tuple[Any, str]] = {}   # see _KeyPickler.reducer_override
        self._pickler = _KeyPickler(self._buffer, self._columns, self._shared)

    def _hash(self, *parts: Any) -> str:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._pickler.clear_memo()
        self._pickler.dump(parts)
        return hashlib.blake2b(buffer.getbuffer(), digest_size=16).hexdigest()

    def start(self, platform: Platform, versions: Versions) -> None:
        """Begin hashing what each service of `platform` is made of in a child process, while
        this one resolves the platform (see `forked`); `units` collects the hashes."""
        if len(platform.services) >= _FORK_FROM_SERVICES:
            self._pending[id(platform)] = Forked(
                lambda: json.dumps(self._services(platform, versions)).encode())

    def _services(self, platform: Platform, versions: Versions | None) -> dict[str, str] | str:
        """Service name -> hash of the Service with everything in it and its pins; or why the
        platform cannot be keyed."""
        services: dict[str, Service] = {}
        for service in platform.services:
            services.setdefault(service.name, service)   # as resolve takes them
        pins: dict[str, list[Any]] = {}
        if versions is not None:
            for (name, field), pin in versions.service_pins.items():
                pins.setdefault(name, []).append((field, pin))
            for (name, env, field), pin in versions.env_pins.items():
                pins.setdefault(name, []).append((env, field, pin))
        try:
            with unrecorded():   # the files read here (sources, a versions file) were read by load
                return {name: self._hash(service, pins.get(name, ()))
                        for name, service in services.items()}
        except (Uncacheable, pickle.PicklingError, TypeError, RecursionError) as exc:
            return self._refusal(platform, exc)

    @staticmethod
    def _refusal(platform: Platform, exc: Exception) -> str:
        return (f"platform {platform.name} holds a {exc}, whose content the reuse keys cannot see"
                if isinstance(exc, Uncacheable)
                else f"platform {platform.name}: {type(exc).__name__}: {exc}")

    def _collect(self, platform: Platform, versions: Versions | None) -> dict[str, str] | str:
        pending = self._pending.pop(id(platform), None)
        answer = pending.result() if pending is not None else None
        if answer is not None:
            try:
                found = json.loads(answer)
            except ValueError:
                found = None
            if isinstance(found, (dict, str)):
                return found
        return self._services(platform, versions)

    def units(self, resolved: Resolved) -> dict[str, str] | None:
        """service name -> unit key, or None when the platform cannot be keyed."""
        platform = resolved.platform
        own = self._collect(platform, resolved.versions)
        if len(resolved.services) != len(platform.services):
            self.refused = f"platform {platform.name}: two services share a name"
            return None
        if isinstance(own, str):
            self.refused = own
            return None
        layer = tuple((f.name, getattr(platform, f.name)) for f in attrs.fields(type(platform))
                      if f.name != "services")
        made: dict[str, list[Any]] = {}
        for app in resolved.apps:
            made.setdefault(app.service.name, []).append(
                (app.env.name, app.zone.name, app.name, app.file_name, app.renaming_to,
                 app.wave, app.wave_name, app.depends_on, app.namespace, app.release_name))
        try:
            with unrecorded():
                common = self._hash(self._salt, layer, resolved.waves, resolved.zones)
        except (Uncacheable, pickle.PicklingError, TypeError, RecursionError) as exc:
            self.refused = self._refusal(platform, exc)
            return None
        # what the service is made of, what the platform layer is, and what resolve made of it
        # that depends on other services (tuples of strings, numbers and None: their repr says
        # exactly what they hold)
        keys = {}
        for name in resolved.services:
            h = hashlib.blake2b(f"{common}\0{own[name]}\0".encode(), digest_size=16)
            h.update(repr(made.get(name, ())).encode("utf-8", "surrogatepass"))
            keys[name] = h.hexdigest()
        return keys

    def close(self) -> None:
        """Wait for the children of platforms never keyed (a compile that stopped early)."""
        for pending in self._pending.values():
            pending.close()
        self._pending.clear()


_FORK_FROM_SERVICES = 1000   # below, forking costs more than hashing in place


@attrs.frozen
class Unit:
    """What one compile made of one service: its key, its files, its per-service findings
    (after severity and allow: `kept` are reported, `suppressed` listed in the overview)."""

    key: str
    paths: tuple[str, ...]
    kept: tuple[Diagnostic, ...]
    suppressed: tuple[Any, ...]   # checks.Suppressed


def unit_name(platform: str, service: str) -> str:
    return f"{platform}/{service}"


class _Touched:
    """Which owned files were modified since the manifest: one stat per file (44,000 at 5000
    services x 3 environments), made by a child process while the platform runs (see `forked`)."""

    def __init__(self, base: str, owned: Mapping[str, tuple[str, str, int]], written_at: int) -> None:
        self.base, self.owned, self.written_at = base, owned, written_at
        self._answer: set[str] | None = None
        self._child = (Forked(lambda: b"\0".join(p.encode("utf-8", "surrogateescape")
                                                 for p in sorted(self._touched())))
                       if len(owned) >= _FORK_FROM else None)

    def _touched(self) -> set[str]:
        from .emit.writer import _untouched_since
        return {path for path, (_, _, size) in self.owned.items()
                if not _untouched_since(self.base + path, size, self.written_at)}

    def paths(self) -> set[str]:
        """The owned files modified since the manifest."""
        if self._answer is None:
            found = self._child.result() if self._child is not None else None
            self._answer = (self._touched() if found is None else
                            {p.decode("utf-8", "surrogateescape") for p in found.split(b"\0") if p})
        return self._answer

    def __contains__(self, path: str) -> bool:
        return path in self.paths()

    def close(self) -> None:
        if self._child is not None:
            self._child.close()


_FORK_FROM = 2000    # owned files; below, a child costs more than the stats it saves


@attrs.frozen
class Previous:
    """The units of the last compile into `out`, with that compile's manifest."""

    out: Path
    units: dict[str, Unit]
    owned: Mapping[str, tuple[str, str, int]]   # the manifest: path -> (sha256, input key, size)
    written_at: int
    #: the owned files modified since the manifest
    touched: _Touched = attrs.field(eq=False, repr=False)

    def reusable_units(self, keys: Mapping[str, str]) -> dict[str, Unit]:
        """Of the units named (name -> key now), those to reuse: with that key, and each of their
        files as that compile wrote it (owned, untouched since: told for all of them at once)."""
        candidates = {name: unit for name, key in keys.items()
                      if (unit := self.units.get(name)) is not None and unit.key == key}
        paths = {path for unit in candidates.values() for path in unit.paths}
        bad = (paths - self.owned.keys()) | (paths & self.touched.paths())
        if not bad:
            return candidates
        return {name: unit for name, unit in candidates.items() if bad.isdisjoint(unit.paths)}

    def read(self, path: str, verify: bool = True) -> bytes:
        """A reused file's bytes, as the manifest records them (`verify`: by their digest)."""
        from .emit.writer import WriteFailed, sha256
        try:
            data = (self.out / path).read_bytes()
        except OSError:
            data = None
        if data is None or (verify and sha256(data) != self.owned[path][0]):
            raise WriteFailed(f"{self.out / path} changed while compiling: run the compile again")
        return data


def load(out: Path, tool: str) -> Previous | None:
    """The last compile's units, when they belong to the manifest now in `out` (made by this
    very tool) and no write was interrupted since."""
    from . import bound
    from .emit.writer import STAGED_FOLDERS, _read_manifest_as_written, interrupted
    from .recorder import CACHE_DIR
    kept = bound.read(out / CACHE_DIR / UNITS, _SALT + tool)
    if kept is None:
        return None   # none, or not written by this user's gitops-dsl (see `bound`)
    try:
        data = json.loads(kept)
        owned, written_at, manifest, _ = _read_manifest_as_written(out)
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("tool") != tool
            or manifest is None or data.get("manifest") != manifest or interrupted(out)
            or (out / STAGED_FOLDERS).exists()):
        return None
    from .diagnostics import Suppressed
    try:
        units = {}
        for name, u in data["units"].items():
            paths = u["paths"]
            if type(u["key"]) is not str or not set(map(type, paths)) <= {str}:
                return None
            kept, suppressed = u["kept"], u["suppressed"]
            units[name] = Unit(u["key"], tuple(paths),
                               tuple(from_record(d) for d in kept) if kept else (),
                               tuple(Suppressed(from_record(d), str(reason), str(where))
                                     for d, reason, where in suppressed) if suppressed else ())
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None   # edited by hand: compile everything
    return Previous(out, units, owned, written_at, _Touched(str(out) + os.sep, owned, written_at))


def save(out: Path, units: Mapping[str, Unit], tool: str, manifest_sha256: str) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    data: dict[str, Any] = {"format": _FORMAT, "tool": tool, "manifest": manifest_sha256, "units": {
        name: {"key": u.key, "paths": list(u.paths), "kept": [as_record(d) for d in u.kept],
               "suppressed": [[as_record(s.diagnostic), s.reason, s.where] for s in u.suppressed]}
        for name, u in sorted(units.items())}}
    bound.write(out / CACHE_DIR / UNITS, json.dumps(data, separators=(",", ":")).encode(),
                _SALT + tool)


def forget(out: Path) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    bound.forget(out / CACHE_DIR / UNITS)


def new_units(platform: str, keys: Mapping[str, str], reused: Mapping[str, Unit],
              rendered: Mapping[str, Document], checked: Checked) -> dict[str, Unit] | None:
    """Every unit of one platform after a compile: reused ones as they were, the others made of
    the files this compile rendered for them (a Service is the origin of its own documents and
    of no other) and their findings (None when the findings could not be told apart by
    service)."""
    from .model.service import Service
    if checked.by_service is None:
        return None
    paths: dict[str, list[str]] = {}
    for path, document in rendered.items():
        if isinstance(document.origin, Service):
            paths.setdefault(document.origin.name, []).append(path)
    units = {}
    for service, key in keys.items():
        name = unit_name(platform, service)
        if service in reused:
            units[name] = reused[service]
            continue
        found = checked.by_service.get(service)
        if found is None:
            return None
        units[name] = Unit(key, tuple(sorted(paths.get(service, ()))), found.diagnostics,
                           found.suppressed)
    return units
