"""Rendered manifests kept by input key, so that a second `preflight` or `manifests` of an
unchanged platform reads them instead of running the Helm engine.

The key is a digest of everything a render depends on: gitops-dsl's version, the chart's bytes
(its archive's digest, or a hash of the chart folder's files), the merged values and every
render option. Entries are kept in packs: each run that rendered something adds one file,
`pack-<digest>.bin` (key -> objects, marshalled: eight times faster to write than JSON, and
faster to read), written once at the end of the run instead of a file per render. A pack is
read only when its tag says this user's gitops-dsl wrote it (see `bound`): a pack written or
edited by anyone else is read as if it were not there, so nothing it holds is ever judged.
Packs are merged by `RenderCache.save`: a run over the whole platform drops what it did not
ask for (stale), a run over part of it drops nothing.
"""
from __future__ import annotations

import gc
import hashlib
import json
import marshal
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import bound
from .rendered import Objects

#: packs read before a run that renders something merges them into one
MAX_PACKS = 8
_SALT = "gitops-dsl render pack"
_LEGACY = re.compile(r"[0-9a-f]{64}\.json")


def _unmarshal(data: bytes) -> Any:
    """marshal.loads without the cycle collector, which would walk the millions of objects a
    pack makes (none of them in a cycle) several times while they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if was_enabled:
            gc.enable()


class RenderCache:
    """One run's view of the folder of packs: `get` and `put` by key, `save` at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._charts: dict[str, str] = {}
        self._kept: dict[str, Objects] | None = None
        self._packs: list[Path] = []
        #: rendered by this run (in this process or, merged in, by its children)
        self.new: dict[str, Objects] = {}
        self._used: set[str] = set()

    def chart_key(self, chart: Path) -> str:
        key = self._charts.get(str(chart))
        if key is None:
            h = hashlib.sha256()
            if chart.is_file():
                h.update(chart.read_bytes())
            else:
                for path in sorted(p for p in chart.rglob("*") if p.is_file()):
                    h.update(str(path.relative_to(chart)).encode() + b"\0" + path.read_bytes() + b"\0")
            key = self._charts[str(chart)] = h.hexdigest()
        return key

    def key(self, chart: Path, values: dict[str, Any], options: dict[str, Any]) -> str:
        from .._version import __version__
        material = json.dumps([__version__, self.chart_key(chart), values, options],
                              sort_keys=True, default=str)
        return hashlib.sha256(material.encode()).hexdigest()

    def load(self) -> None:
        """Read the packs (once; before forking, so that children share what was read)."""
        if self._kept is not None:
            return
        self._kept = {}
        try:
            packs = sorted(self.folder.glob("pack-*.bin"))
        except OSError:
            packs = []
        for path in packs:
            data = bound.read(path, _SALT)
            try:
                entries = _unmarshal(data) if data is not None else None
            except (EOFError, ValueError, TypeError):
                entries = None
            if not isinstance(entries, dict):
                continue   # not this user's gitops-dsl's pack: as if it were not there
            self._packs.append(path)
            self._kept.update((key, objects) for key, objects in entries.items()
                              if type(key) is str and type(objects) is tuple)

    def holds_entries(self) -> bool:
        """Whether any pack was read (a cold cache: no point asking it first)."""
        self.load()
        return bool(self._kept)

    def get(self, key: str) -> Objects | None:
        """The objects kept for `key`, or None."""
        self.load()
        assert self._kept is not None
        found = self.new.get(key)
        if found is None:
            found = self._kept.get(key)
        if found is not None:
            self._used.add(key)
        return found

    def put(self, key: str, objects: Objects) -> None:
        self.new[key] = objects
        self._used.add(key)

    def merge(self, rendered: Mapping[str, Objects], used: Iterable[str]) -> None:
        """What a child rendered for this run, and the keys it found."""
        for key, objects in rendered.items():
            self.put(key, objects)
        self._used.update(used)

    @property
    def used(self) -> frozenset[str]:
        return frozenset(self._used)

    def save(self, *, complete: bool) -> None:
        """Keep what this run rendered as one pack (a cache that cannot be written only costs
        time). `complete`: the run asked for every Application of the platform, so what it did
        not ask for is stale; a run that finds MAX_PACKS packs, or more than twice the entries
        it used, then keeps what it used as one pack. A partial run (one environment, one
        service) adds its pack, and merges every pack into one, dropping nothing, once there
        are four times as many."""
        if not self.new:
            return
        kept = self._kept or {}
        keys: Iterable[str] = self.new.keys()
        compact = True
        if complete and (len(self._packs) >= MAX_PACKS or len(kept) > 2 * len(self._used) + 256):
            keys = self._used
        elif len(self._packs) >= 4 * MAX_PACKS:
            keys = kept.keys() | self.new.keys()
        else:
            compact = False
        entries = {key: self.new[key] if key in self.new else kept[key] for key in sorted(keys)}
        data = marshal.dumps(entries)
        path = self.folder / f"pack-{hashlib.sha256(data).hexdigest()[:32]}.bin"
        bound.write(path, data, _SALT)
        if compact:
            for old in self._packs:
                if old != path:
                    bound.forget(old)
            self._packs = []
        # the files of the format before packs (a file per render) are never read: gone
        for legacy in self.folder.glob("*.json"):
            if _LEGACY.fullmatch(legacy.name):
                bound.forget(legacy)
        # what the packs hold now (a second run of this object reads and extends it)
        self._kept = entries if compact else {**kept, **self.new}
        self._packs.append(path)
        self.new = {}
