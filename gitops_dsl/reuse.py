"""What one compile takes from the last one's units (see `incremental`), platform by platform.

`Reuse` is the one object the pipeline is handed for it: the checks ask it, once the rules that
look at every service have run, which services and Applications need no checking again
(`checked`), render skips the Application and values files it reuses (`skipped`), and `made`
collects this compile's units for the next compile. The keys hash what each service is made of
(`Keys`; a child process hashes a large platform while this one resolves it), its environments
and what resolve made of it.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import operator
import pickle
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

import attrs

from .diagnostics import Location
from .forked import Forked
from .incremental import (
    AppId,
    Previous,
    Record,
    Taken,
    Unit,
    UnitKeys,
    findings,
    new_units,
    record_name,
)
from .recorder import unrecorded
from .render.names import values_file

if TYPE_CHECKING:
    from .checks import Checked, Reused
    from .emit.manifest import Entry
    from .emit.tree import Document
    from .model import Platform, Service
    from .resolve import Resolved
    from .versions.file import Versions


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

    def units(self, resolved: Resolved) -> UnitKeys | None:
        """The keys of a platform's units, or None when the platform cannot be keyed."""
        platform = resolved.platform
        own = self._collect(platform, resolved.versions)
        if len(resolved.services) != len(platform.services):
            self.refused = f"platform {platform.name}: two services share a name"
            return None
        if isinstance(own, str):
            self.refused = own
            return None
        # the platform layer: every field but the services, and of the environments only what
        # tells them apart (each Application's key holds its own environment whole)
        layer = tuple((f.name, getattr(platform, f.name)) for f in attrs.fields(type(platform))
                      if f.name not in ("services", "environments"))
        shape = tuple((e.name, e.zone.name, e.cluster.name) for e in platform.environments)
        try:
            with unrecorded():
                common = self._hash(self._salt, layer, shape, resolved.waves, resolved.zones)
                envs = {name: self._hash(common, tuple(e for e in platform.environments
                                                        if e.name == name))
                        for name in dict.fromkeys(e.name for e in platform.environments)}
        except (Uncacheable, pickle.PicklingError, TypeError, RecursionError) as exc:
            self.refused = self._refusal(platform, exc)
            return None
        # an Application: what its service is made of, its environment, and what resolve made
        # of it that depends on other services (tuples of strings, numbers and None: their repr
        # says exactly what they hold)
        made: dict[str, list[tuple[str, bytes]]] = {}
        for app in resolved.apps:
            made.setdefault(app.service.name, []).append((app.env.name, repr((
                app.env.name, app.zone.name, app.name, app.file_name, app.renaming_to, app.wave,
                app.wave_name, app.depends_on, app.namespace,
                app.release_name)).encode("utf-8", "surrogatepass")))
        return UnitKeys(common, own, envs, made)

    def close(self) -> None:
        """Wait for the children of platforms never keyed (a compile that stopped early)."""
        for pending in self._pending.values():
            pending.close()
        self._pending.clear()


_FORK_FROM_SERVICES = 1000   # below, forking costs more than hashing in place


class Reuse:
    """The reuse of one compile: `previous` is the last compile's units (None: nothing to take,
    but make units for the next compile), `root` and `settings` go into every key."""

    def __init__(self, root: Path | None, settings: Any, previous: Previous | None) -> None:
        self.keys = Keys(root, settings)
        self.previous = previous
        #: what this compile made of each service (None once a platform could not be keyed)
        self.made: dict[str, Record] | None = {}
        #: output path -> manifest entry, of the reused services' files
        self.paths: dict[str, Entry] = {}
        self.apps: set[str] = set()    # the names of the Applications whose files are reused
        self.reused = 0                # Applications reused
        self.compiled = 0              # Applications compiled
        # id(resolved) -> its unit keys, and what of it is reused
        self._platforms: dict[int, tuple[UnitKeys | None, Taken]] = {}

    @property
    def refused(self) -> str | None:
        """Why a platform's services could not be keyed (then it is compiled whole)."""
        return self.keys.refused

    def start(self, platform: Platform, versions: Versions) -> None:
        """Begin keying a platform's services (see Keys.start)."""
        self.keys.start(platform, versions)

    def close(self) -> None:
        self.keys.close()

    def checked(self, resolved: Resolved) -> Reused:
        """What the last compile found about each service and Application whose unit is
        reusable; asked by the checks once the rules over every service have run."""
        from .checks import Reused
        keys = self.keys.units(resolved)
        taken = Taken()
        if keys is not None and self.previous is not None:
            try:
                taken = _taken(resolved, keys, self.previous)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                taken = Taken()   # a record not as this gitops-dsl writes them: take nothing
        self.compiled += len(resolved.apps)
        name_of = {(a.service.name, a.env.name): a.name for a in resolved.apps}
        if taken.apps or taken.values:
            assert self.previous is not None
            # the service layer's values file, which every Application of its service in that
            # zone lists: rendered again when the values of one of them are
            again = {values_file(a.service.name, zone=a.values_zone) for a in resolved.apps
                     if (a.service.name, a.env.name) not in taken.values}
            wanted: set[str] = set()
            for part in (taken.apps, taken.values):
                for unit in part.values():
                    wanted.update(unit[1])
            wanted -= again
            owned = self.previous.owned
            if wanted <= owned.keys():   # (always, for units of this manifest)
                # in the manifest's order (sorted): Files sorts them with the rendered paths
                self.paths.update({p: e for p, e in owned.items() if p in wanted})
                self.apps.update(name_of[app] for app in taken.apps)
            else:
                taken = Taken()
        self._platforms[id(resolved)] = (keys, taken)
        self.reused += len(taken.apps)
        return Reused({n: findings(u) for n, u in taken.services.items()},
                      {name_of[app]: findings(u) for app, u in taken.apps.items()})

    def skipped(self, resolved: Resolved) -> tuple[frozenset[AppId], frozenset[AppId]]:
        """The Applications of `resolved` whose Application files render does not render again,
        and those whose values files it does not (by service and environment)."""
        found = self._platforms.get(id(resolved))
        if found is None:
            return frozenset(), frozenset()
        return frozenset(found[1].apps), frozenset(found[1].values)

    def rendered(self, resolved: Resolved, documents: Mapping[str, Document],
                 checked: Checked) -> None:
        """Make the units of a platform from what render made of it."""
        keys, taken = self._platforms.get(id(resolved), (None, Taken()))
        these = (new_units(resolved, keys, taken, documents, checked)
                 if keys is not None else None)
        self.made = None if these is None or self.made is None else {**self.made, **these}

    def read(self, path: str, verify: bool = True) -> bytes:
        """The bytes of a reused file, as the last compile wrote it (see Previous.read)."""
        assert self.previous is not None
        return self.previous.read(path, verify)


def _taken(resolved: Resolved, keys: UnitKeys, previous: Previous) -> Taken:
    """The units of a platform to reuse: those whose keys are the last compile's (all of a
    service's when its digest is) and whose files are as that compile wrote them."""
    from .checks import whole_services
    whole = whole_services(resolved)
    if whole is None:
        return Taken()   # findings that cannot be told apart: nothing is reused
    platform, last = resolved.platform.name, previous.records
    services: dict[str, Unit] = {}
    apps: dict[AppId, Unit] = {}
    values: dict[AppId, Unit] = {}
    records: dict[str, Record] = {}
    for service, key in keys.services.items():
        record = last.get(record_name(platform, service))
        if record is None:
            continue
        digest, own, envs = record
        if digest == keys.digests[service]:   # every unit of the service as it was
            records[service] = record
            services[service] = own
            for env, (unit, values_unit) in envs.items():
                apps[service, env] = unit
                values[service, env] = values_unit
            continue
        if own[0] == key:
            services[service] = own
        for env, (unit, values_unit) in envs.items():
            now = keys.app((service, env))
            if now is not None and unit[0] == now[0]:
                apps[service, env] = unit
            if now is not None and values_unit[0] == now[1]:
                values[service, env] = values_unit
    touched = previous.touched.paths()
    if touched:   # (rarely: a hand edit) their units are made again
        for part in (apps, values):
            for at, unit in list(part.items()):
                if not touched.isdisjoint(unit[1]):
                    del part[at]
                    records.pop(at[0], None)
    # a service whose findings about its Applications are filed under it: reused with all its
    # Applications, or not at all
    for service in whole:
        own_apps = keys.apps_of(service)
        if service not in services or not all(at in apps for at in own_apps):
            services.pop(service, None)
            records.pop(service, None)
            for at in own_apps:
                apps.pop(at, None)
    return Taken(services, apps, values, records)
