"""Sync waves: named, ordered stages of an environment's root sync."""
from __future__ import annotations

import attrs

from ..diagnostics import ModelError
from ._fields import dns_label, int_range, location_field


@attrs.frozen(order=False)
class Wave:
    """A sync wave: `number` is the integer written to `argocd.argoproj.io/sync-wave`."""

    name: str = attrs.field(validator=dns_label(63))
    number: int = attrs.field(validator=int_range(-1000, 1000))
    #: every (name, number) declared by the same Waves(...) call, so unused waves are known too
    series: tuple = attrs.field(default=(), kw_only=True, eq=False, repr=False)
    location: object = location_field()


def Waves(*names: str, start: int = 0) -> tuple[Wave, ...]:  # noqa: N802 - reads like a class
    """Declare waves in order: `infra, apps = Waves("infra", "apps")` numbers them start, start+1, ..."""
    if not names:
        raise ModelError("GD101", "Waves() needs at least one wave name")
    if len(set(names)) != len(names):
        raise ModelError("GD112", f"Waves{names!r} repeats a name")
    series = tuple((name, start + i) for i, name in enumerate(names))
    return tuple(Wave(name, number, series=series) for name, number in series)
