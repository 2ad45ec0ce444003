"""Sync waves: a wave named or numbered where the platform says, else inferred from
`depends_on` (each service one wave after the last it depends on)."""
from __future__ import annotations

from typing import Any

from .model import (
    Platform,
    Wave,
)


def named_waves(platform: Platform) -> dict[str, Wave]:
    waves: dict[str, Wave] = {}
    for service in platform.services:
        for layer in (service, *service.per_env.values()):
            if isinstance(layer.wave, Wave):
                waves.setdefault(layer.wave.name, layer.wave)
                for name, number in layer.wave.series:
                    if name not in waves:
                        waves[name] = Wave(name, number, series=layer.wave.series,
                                           location=layer.wave.location)
    return waves


def explicit_wave(value: Any, waves: dict[str, Wave]) -> tuple[int, str] | None:
    if isinstance(value, Wave):
        return value.number, value.name
    if isinstance(value, int):
        return value, str(value)
    if isinstance(value, str) and value in waves:
        return waves[value].number, value
    return None


def infer_waves(explicit: dict[str, tuple[int, str] | None], deps: dict[str, tuple[Any, ...]],
                names: dict[int, str] | None = None) -> dict[str, tuple[int, str]]:
    """Waves for one environment: explicit ones as given; a service without a wave goes one after
    its latest dependency (0 without dependencies) - the minimal consistent layering.

    Iterative (no recursion limit on deep graphs); services on a cycle fall back to 0, and the
    cycle itself is reported by the ordering checks.
    """
    result: dict[str, tuple[int, str]] = {}
    state: dict[str, int] = {}  # 1 = in progress, 2 = done
    for root in sorted(explicit):
        if root in state:
            continue
        stack = [root]
        while stack:
            name = stack[-1]
            if state.get(name) == 2:
                stack.pop()
                continue
            given = explicit[name]
            if given is not None:
                result[name] = given
                state[name] = 2
                stack.pop()
                continue
            state[name] = 1
            pending = [d for d in deps.get(name, ()) if d in explicit and d not in state]
            if pending:
                stack.extend(sorted(pending, reverse=True))
                continue
            known = [result[d][0] for d in deps.get(name, ()) if d in result]
            number = max(known) + 1 if known else 0
            result[name] = (number, (names or {}).get(number, str(number)))
            state[name] = 2
            stack.pop()
    return result
