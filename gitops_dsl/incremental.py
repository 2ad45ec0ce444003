"""Reuse, unit by unit, what the last compile made: a one-service change renders, checks and
writes one service's files, a change to one environment that environment's Applications.

A platform's units are each service (the findings of the per-service rules, `Rule.per_service`,
that name the service), each of its Applications (its Application file and the findings that
name it) and each Application's values files. Their keys (made in `reuse.Keys`) hash everything
those depend on:

- every key: the Service object with everything in it (overlays, values, images, secrets,
  charts...), pickled with every field, locations as the file, line and column diagnostics show
  (not the offset of the call in the module's bytecode, which an edit of another service moves):
  editing one service of a module leaves the keys of the others as they were; an object many
  services hold (a Wave, a SyncPolicy) stands in each of their keys as the digest of its
  content, pickled once; the service's pins in the versions file (value, line and column); the
  platform layer: every Platform field but the services, the zones and waves, the settings
  (severity, allow), the repository root, and of the environments their names, zones and
  clusters;
- an Application's and its values' keys: what resolve made of it that depends on other services
  (wave, dependencies) and its names, namespace and release;
- an Application's key: its Environment whole. Its values files read of the environment only its
  name (see `reuse.Keys.units`).

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
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .checks import Checked, whole_services
from .diagnostics import Suppressed, as_record, from_record
from .forked import Forked

if TYPE_CHECKING:
    from .emit.tree import Document
    from .resolve import App, Resolved

UNITS = "units.json"     # in the output folder's cache (recorder.CACHE_DIR)
_SALT = "gitops-dsl units "
_FORMAT = 6


#: a unit as kept, as JSON gives it back: [key, paths] or [key, paths, kept, suppressed] (its
#: findings after severity and allow, as records: `kept` are reported, `suppressed` listed in
#: the overview; most units have none). Lists, not objects: a compile at 5000 services x 3
#: environments reads 35,000 of them and takes most back as they are
Unit = list[Any]

#: what one compile made of one service: [the digest of all its keys, its own unit,
#: {environment: [its Application's unit, that Application's values unit]}]
Record = list[Any]

#: an Application of a platform: its service's name and its environment's (its name is unique in
#: its zone, not across zones)
AppId = tuple[str, str]

NO_FINDINGS = Checked((), ())


def made_unit(key: str, paths: list[str], found: Checked) -> Unit:
    """A unit made by this compile."""
    if not (found.diagnostics or found.suppressed):
        return [key, paths]
    return [key, paths, [as_record(d) for d in found.diagnostics],
            [[as_record(s.diagnostic), s.reason, s.where] for s in found.suppressed]]


def findings(unit: Unit) -> Checked:
    """The findings a unit keeps."""
    if len(unit) == 2:
        return NO_FINDINGS
    return Checked(tuple(from_record(d) for d in unit[2]),
                   tuple(Suppressed(from_record(d), str(reason), str(where))
                         for d, reason, where in unit[3]))


class UnitKeys:
    """The keys of one platform's units, made of the hashes of the platform layer (`common`),
    of each service (`own`) and of each environment, and what resolve made of each Application
    (`made`: service -> [(environment, its repr)]):

    - a service's own key: the platform layer and the service;
    - an Application's: its environment whole, the service and what resolve made of it;
    - its values files': the platform layer, the service and what resolve made of it. They read
      of the environment only its name (and its zone's): resolve makes the values of the
      service's layers, pins and overlays, and the configs tree's files are named by environment
      and release (render/values.py), so a label of an environment rewrites its Applications
      and not their values files;
    - a service's digest: all of that for the service and its Applications, in one hash. When it
      is the last compile's, every unit of the service is as it was, and the keys of its
      Applications are never made (most services, after a change to one)."""

    def __init__(self, common: str, own: Mapping[str, str], envs: Mapping[str, str],
                 made: dict[str, list[tuple[str, bytes]]]) -> None:
        self._layer = f"{common}\0".encode()
        self._envs = {name: f"{key}\0".encode() for name, key in envs.items()}
        self._own = {name: f"{key}\0".encode() for name, key in own.items()}
        self._made = made
        self.services = {name: _digest(self._layer + part) for name, part in self._own.items()}
        self.digests = {name: _digest(b"".join(
            (self._layer, part, *(self._envs[env] + repr_ for env, repr_ in made.get(name, ())))))
            for name, part in self._own.items()}
        self._apps: dict[AppId, tuple[str, str]] = {}

    def apps_of(self, service: str) -> list[AppId]:
        return [(service, env) for env, _ in self._made.get(service, ())]

    def app(self, at: AppId) -> tuple[str, str] | None:
        """The key of an Application and its values files' key (None: no such Application)."""
        found = self._apps.get(at)
        if found is None:
            service = at[0]
            for env, repr_ in self._made.get(service, ()):
                made = self._own[service] + repr_
                self._apps[service, env] = (_digest(self._envs[env] + made),
                                            _digest(self._layer + made))
            found = self._apps.get(at)
        return found


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def record_name(platform: str, service: str) -> str:
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
        from .emit.manifest import untouched_since
        return {path for path, (_, _, size) in self.owned.items()
                if not untouched_since(self.base + path, size, self.written_at)}

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
    """The units of the last compile into `out` (record name -> Record, as read: `reuse`
    takes what it reuses from them), with that compile's manifest."""

    out: Path
    records: dict[str, Any]
    owned: Mapping[str, tuple[str, str, int]]   # the manifest: path -> (sha256, input key, size)
    written_at: int
    #: the owned files modified since the manifest
    touched: _Touched = attrs.field(eq=False, repr=False)

    def read(self, path: str, verify: bool = True) -> bytes:
        """A reused file's bytes, as the manifest records them (`verify`: by their digest)."""
        from .emit.manifest import sha256
        from .emit.writer import WriteFailed
        try:
            data = (self.out / path).read_bytes()
        except OSError:
            data = None
        if data is None or (verify and sha256(data) != self.owned[path][0]):
            raise WriteFailed(f"{self.out / path} changed while compiling: run the compile again")
        return data


def load_units(out: Path, tool: str) -> Previous | None:
    """The last compile's units, when they belong to the manifest now in `out` (made by this
    very tool) and no write was interrupted since."""
    from . import bound
    from .emit.journal import STAGED_FOLDERS, interrupted
    from .emit.manifest import read_manifest_as_written
    from .recorder import CACHE_DIR
    kept = bound.read(out / CACHE_DIR / UNITS, _SALT + tool)
    if kept is None:
        return None   # none, or not written by this user's gitops-dsl (see `bound`)
    try:
        data = json.loads(kept)
        owned, written_at, manifest, _ = read_manifest_as_written(out)
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("tool") != tool
            or manifest is None or data.get("manifest") != manifest or interrupted(out)
            or (out / STAGED_FOLDERS).exists()):
        return None
    records = data.get("units")
    if not isinstance(records, dict):
        return None
    return Previous(out, records, owned, written_at, _Touched(str(out) + os.sep, owned, written_at))


def save(out: Path, records: Mapping[str, Record], tool: str, manifest_sha256: str) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    data = {"format": _FORMAT, "tool": tool, "manifest": manifest_sha256, "units": records}
    bound.write(out / CACHE_DIR / UNITS, json.dumps(data, separators=(",", ":")).encode(),
                _SALT + tool)


def forget(out: Path) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    bound.forget(out / CACHE_DIR / UNITS)


def new_units(resolved: Resolved, keys: UnitKeys, reused: Taken,
              rendered: Mapping[str, Document], checked: Checked) -> dict[str, Record] | None:
    """The record of every service of one platform after a compile: the units reused as they
    were, the others made of the files this compile rendered for them and their findings (None
    when the findings could not be told apart by service and Application)."""
    from .render.names import app_file, values_outputs
    by_service, by_app = checked.by_service, checked.by_app
    whole = whole_services(resolved)
    if by_service is None or by_app is None or whole is None:
        return None
    platform = resolved.platform.name
    apps_of: dict[str, list[App]] = {}
    for app in resolved.apps:
        apps_of.setdefault(app.service.name, []).append(app)
    records: dict[str, Record] = {}
    for service, key in keys.services.items():
        if service in reused.records:
            records[record_name(platform, service)] = reused.records[service]
            continue
        own = reused.services.get(service)
        if own is None:
            found = by_service.get(service)
            if found is None:
                return None
            own = made_unit(key, [], found)
        envs: dict[str, list[Unit]] = {}
        for app in apps_of.get(service, ()):
            at = (service, app.env.name)
            made = keys.app(at)
            assert made is not None   # (every Application of the platform is keyed)
            unit = reused.apps.get(at)
            if unit is None:
                # (an Application of a `whole_services` service: its findings are the service's)
                found = by_app.get(app.name) if service not in whole else NO_FINDINGS
                if found is None:
                    return None
                path = app_file(app)
                unit = made_unit(made[0], [path] if path in rendered else [], found)
            values = reused.values.get(at) or [made[1], sorted(
                p for p in values_outputs(app) if p in rendered)]
            envs[app.env.name] = [unit, values]
        records[record_name(platform, service)] = [keys.digests[service], own, envs]
    return records


@attrs.frozen
class Taken:
    """What a compile takes from the last one's units, for one platform: units by service and
    by Application (its own and its values'), and the records of the services taken whole."""

    services: dict[str, Unit] = attrs.field(factory=dict)
    apps: dict[AppId, Unit] = attrs.field(factory=dict)
    values: dict[AppId, Unit] = attrs.field(factory=dict)
    records: dict[str, Record] = attrs.field(factory=dict)
