"""Sync waves: named, ordered stages of an environment's root sync."""
from __future__ import annotations

from typing import Any

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import dns_label, int_range


@attrs.frozen(order=False)
class Wave:
    """A sync wave: `number` is the integer written to `argocd.argoproj.io/sync-wave`."""

    #: the wave's name, used in diagnostics and the overview
    name: str = attrs.field(validator=dns_label(63))
    #: the integer written to `argocd.argoproj.io/sync-wave` (-1000 to 1000)
    number: int = attrs.field(validator=int_range(-1000, 1000))
    #: every (name, number) declared by the same Waves(...) call, so unused waves are known too
    series: tuple[Any, ...] = attrs.field(default=(), kw_only=True, eq=False, repr=False)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)


def Waves(*names: str, start: int = 0) -> tuple[Wave, ...]:
    """Declare waves in order: `infra, apps = Waves("infra", "apps")` numbers them start, start+1, ..."""
    if not names:
        raise ModelError("GD101", "Waves() needs at least one wave name")
    if len(set(names)) != len(names):
        raise ModelError("GD112", f"Waves{names!r} repeats a name")
    series = tuple((name, start + i) for i, name in enumerate(names))
    return tuple(Wave(name, number, series=series) for name, number in series)
