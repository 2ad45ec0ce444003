"""How layers merge: Helm values deeply (as Helm merges value files), model objects field by
field (a field a layer leaves None is the layer below's)."""
from __future__ import annotations

from typing import Any, TypeVar

import attrs


def deep_merge(base: Any, override: Any) -> Any:
    """Helm's merge: maps merge key by key, everything else (lists included) is replaced.

    Builds new containers only along the paths the override touches; nothing is copied twice.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged: dict[str, Any] = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


_T = TypeVar("_T")


def merge_fields(base: _T, override: _T | None) -> _T:
    """Field-wise layering of attrs objects: a None field inherits, nested objects merge."""
    if override is None:
        return base
    if base is None or not attrs.has(type(override)) or not attrs.has(type(base)):
        return override   # (a layer's Retry over another's `retry=False` replaces it)
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(override)):  # type: ignore[arg-type]
        if not field.init or field.name == "location":
            continue
        value = getattr(override, field.name)
        if value is None:
            continue
        current = getattr(base, field.name)
        if attrs.has(type(value)) and attrs.has(type(current)):
            value = merge_fields(current, value)
        changes[field.name] = value
    return attrs.evolve(base, **changes) if changes else base  # type: ignore[misc]
