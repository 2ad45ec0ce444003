"""GD3xx: opt-in policies an environment lists in Environment(policies=[...])."""
from __future__ import annotations

from typing import Iterator

from ..model.charts import StandardChart
from .registry import Finding, rule


@rule("GD301", summary="image not pinned (missing tag or 'latest')", scope="app", opt_in=True)
def pinned_images(app) -> Iterator[Finding]:
    """In environments with this policy an image needs an immutable tag or a digest: 'latest'
    and missing tags change what a commit deploys (and IfNotPresent never pulls a new one)."""
    image = app.image
    if image is None or image.digest:
        return
    if not image.tag or image.tag == "latest":
        yield Finding(f"{app.name}: image {image.reference} is not pinned",
                      "give a release tag such as '1.4.2' or a digest", image.location, app.name)


@rule("GD302", summary="CPU/memory requests and memory limit not set", scope="app", opt_in=True)
def resources_required(app) -> Iterator[Finding]:
    """Without requests the scheduler packs pods blindly; without a memory limit one pod can
    starve a node. Checked for the standard chart, whose values it understands."""
    if not isinstance(app.chart, StandardChart):
        return
    resources = app.effective_values.get("resources") or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    missing = [p for p, ok in (("requests.cpu", "cpu" in requests),
                               ("requests.memory", "memory" in requests),
                               ("limits.memory", "memory" in limits)) if not ok]
    if missing:
        yield Finding(f"{app.name}: resources {', '.join(missing)} not set",
                      "set values={'resources': {'requests': {...}, 'limits': {...}}}",
                      app.service.location, app.name)
