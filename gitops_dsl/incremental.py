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

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from .checks import Checked, whole_services
from .diagnostics import Diagnostic, Suppressed, as_record, from_record
from .forked import Forked

if TYPE_CHECKING:
    from .emit.tree import Document
    from .resolve import Resolved

UNITS = "units.json"     # in the output folder's cache (recorder.CACHE_DIR)
_SALT = "gitops-dsl units "
_FORMAT = 5


class Unit(NamedTuple):
    """What one compile made of a service, an Application or its values: its key, its files,
    its per-service findings (after severity and allow: `kept` are reported, `suppressed` listed
    in the overview). A tuple: a compile at 5000 services x 3 environments reads 35,000."""

    key: str
    paths: tuple[str, ...]
    kept: tuple[Diagnostic, ...]
    suppressed: tuple[Suppressed, ...]


#: an Application of a platform: its service's name and its environment's (its name is unique in
#: its zone, not across zones)
AppId = tuple[str, str]


@attrs.frozen
class UnitKeys:
    """The keys of one platform's units: service name -> key; Application -> the key of its
    Application and findings, and the key of its values files."""

    services: dict[str, str]
    apps: dict[AppId, str]
    values: dict[AppId, str]


def unit_name(platform: str, service: str, env: str | None = None, part: str = "") -> str:
    """A service's unit (its findings about itself), its Application's in `env` (the
    Application and its findings), or with `part` "values" that Application's values files."""
    name = f"{platform}/{service}" if env is None else f"{platform}/{service}/{env}"
    return f"{name}/{part}" if part else name


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
    """The units of the last compile into `out`, with that compile's manifest."""

    out: Path
    units: dict[str, Unit]
    owned: Mapping[str, tuple[str, str, int]]   # the manifest: path -> (sha256, input key, size)
    written_at: int
    #: the owned files modified since the manifest
    touched: _Touched = attrs.field(eq=False, repr=False)

    def unusable(self, paths: set[str]) -> set[str]:
        """Of the files of units with unchanged keys, those not as that compile wrote them (not
        owned, or modified since: told for all of them at once); their units are not reused."""
        return (paths - self.owned.keys()) | (paths & self.touched.paths())

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
    try:
        units = {}
        for name, u in data["units"].items():
            # [key, paths] or [key, paths, kept, suppressed] (most units have no finding)
            key, paths = u[0], tuple(u[1])
            if type(key) is not str or not all(type(p) is str for p in paths):
                return None
            units[name] = Unit(key, paths, (), ()) if len(u) == 2 else Unit(
                key, paths, tuple(from_record(d) for d in u[2]),
                tuple(Suppressed(from_record(d), str(reason), str(where))
                      for d, reason, where in u[3]))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None   # edited by hand: compile everything
    return Previous(out, units, owned, written_at, _Touched(str(out) + os.sep, owned, written_at))


def save(out: Path, units: Mapping[str, Unit], tool: str, manifest_sha256: str) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    data: dict[str, Any] = {"format": _FORMAT, "tool": tool, "manifest": manifest_sha256, "units": {
        name: [u.key, u.paths, [as_record(d) for d in u.kept],
               [[as_record(s.diagnostic), s.reason, s.where] for s in u.suppressed]]
        if u.kept or u.suppressed else [u.key, u.paths] for name, u in sorted(units.items())}}
    bound.write(out / CACHE_DIR / UNITS, json.dumps(data, separators=(",", ":")).encode(),
                _SALT + tool)


def forget(out: Path) -> None:
    from . import bound
    from .recorder import CACHE_DIR
    bound.forget(out / CACHE_DIR / UNITS)


def new_units(resolved: Resolved, keys: UnitKeys, reused: Mapping[str, Unit],
              rendered: Mapping[str, Document], checked: Checked) -> dict[str, Unit] | None:
    """Every unit of one platform after a compile: reused ones (by unit name) as they were, the
    others made of the files this compile rendered for them and their findings (None when the
    findings could not be told apart by service and Application)."""
    from .render.names import app_file, values_outputs
    if checked.by_service is None or checked.by_app is None:
        return None
    platform = resolved.platform.name
    units: dict[str, Unit] = {}
    for service, key in keys.services.items():
        name = unit_name(platform, service)
        found = reused.get(name) or _made(key, (), checked.by_service.get(service))
        if found is None:
            return None
        units[name] = found
    whole = whole_services(resolved)
    for app in resolved.apps:
        service, env = app.service.name, app.env.name
        name = unit_name(platform, service, env)
        path = app_file(app)
        # (an Application of a `whole_services` service: its findings are the service's)
        found = reused.get(name) or _made(
            keys.apps[service, env], (path,) if path in rendered else (),
            checked.by_app.get(app.name) if whole is not None and service not in whole
            else Checked((), ()))
        if found is None:
            return None
        units[name] = found
        values = unit_name(platform, service, env, "values")
        units[values] = reused.get(values) or Unit(keys.values[service, env], tuple(sorted(
            p for p in values_outputs(app) if p in rendered)), (), ())
    return units


def _made(key: str, paths: tuple[str, ...], found: Checked | None) -> Unit | None:
    return None if found is None else Unit(key, paths, found.diagnostics, found.suppressed)
