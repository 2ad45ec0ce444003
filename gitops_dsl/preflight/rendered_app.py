"""What preflight judges: one Application with what rendering it gave."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..charts.rendered import Objects
    from ..resolve import App


@attrs.frozen
class RenderedApp:
    """One Application to judge: the resolved App, its Application and AppProject documents,
    and what rendering it gave."""

    app: App
    application: dict[str, Any]
    project: dict[str, Any]             # the AppProject document of its zone
    objects: Objects = ()
    skipped: str | None = None
    error: str | None = None
    corrupt: bool = False
    #: rendered objects no sync applies (hooks of no sync phase: argo/hooks.py), left out
    not_applied: int = attrs.field(default=0, kw_only=True)
    #: what the chart's templates ask of the cluster (charts/capabilities.py)
    consults: frozenset[str] = attrs.field(default=frozenset(), kw_only=True)

    @property
    def rendered(self) -> bool:
        return self.skipped is None and self.error is None
