"""What rendering one Application gave: its objects, or why it was not rendered."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .lock import ChartRef, Entry



#: what a render gave: (template path, object) pairs, the chart's CRDs first
Objects = tuple[tuple[str, Any], ...]


@attrs.frozen
class Rendered:
    app: str
    zone: str
    env: str
    namespace: str
    objects: Objects = ()
    kube_version: str | None = None
    skipped: str | None = None
    error: str | None = None
    corrupt: bool = False     # the error is a chart cache entry that does not match the lock
    #: what the chart's templates ask that only the live cluster answers (charts/capabilities.py:
    #: its Kubernetes version, whether it serves an API something installs), which Argo CD
    #: answers with the cluster's own unless the Application says
    consults: frozenset[str] = frozenset()


@attrs.frozen
class ChartCache:
    """The chart lock's entries and the cache folder holding the locked archives."""

    lock: dict[ChartRef, Entry]
    folder: Path
