"""The environment's policies on what a chart really renders: the containers of every Pod
template (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Argo Rollouts, bare Pods).

The compile judges images and resources from the values it writes; a third-party chart's
defaults, its own templates and a `GitPath` folder of plain manifests are only known once
rendered. Here `pinned_images` (GD301) judges each container's real image and
`resources_required` (GD302) its real requests and limits. The standard chart is left out: its
values are judged at compile time, at the line of the layer that set them."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..model.charts import StandardChart

if TYPE_CHECKING:
    from .rendered_app import RenderedApp

#: where each kind keeps its Pod spec
_POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"), "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"), "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"), "Rollout": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The containers and init containers of a rendered object's Pod template (if any)."""
    spec: Any = obj
    for key in _POD_SPEC_PATHS.get(str(obj.get("kind")), ("-",)):
        spec = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or ():
            if isinstance(container, dict):
                yield container


def unpinned(image: str) -> bool:
    """No digest, and no tag or `latest` (the registry's port is not a tag)."""
    if "@sha256:" in image:
        return False
    name = image.rsplit("/", 1)[-1]
    tag = name.partition(":")[2]
    return tag in ("", "latest")


def _missing_resources(container: dict[str, Any]) -> list[str]:
    resources = container.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    return [p for p, ok in (("requests.cpu", "cpu" in requests),
                            ("requests.memory", "memory" in requests),
                            ("limits.memory", "memory" in limits)) if not ok]


def policy_findings(unit: RenderedApp) -> list[Diagnostic]:
    """GD301 and GD302 on the rendered containers, where the environment asks for them."""
    from ..checks import RULES
    app = unit.app
    asked = {rule.code for rule in app.env.policies} & {"GD301", "GD302"}
    allowed = set(app.service.allow) | set(app.overlay.allow if app.overlay is not None else ())
    asked -= allowed
    if not asked or isinstance(app.chart, StandardChart):
        return []
    found = []
    for template, obj in unit.objects:
        what = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name', '?')} ({template})"
        for container in containers(obj):
            name, image = container.get("name", "?"), str(container.get("image", ""))
            if "GD301" in asked and unpinned(image):
                found.append(Diagnostic(
                    "GD301", RULES["GD301"].severity,
                    f"{app.name}: {what}: container {name} runs {image or 'no image'}, which is "
                    "not pinned (as rendered)",
                    "set the image's tag in the chart's values to a release (or a digest), or pin "
                    "a chart version whose default is one", app.service.location, app.name,
                    app.service))
            missing = _missing_resources(container) if "GD302" in asked else []
            if missing:
                found.append(Diagnostic(
                    "GD302", RULES["GD302"].severity,
                    f"{app.name}: {what}: container {name} has no {', '.join(missing)} "
                    "(as rendered)",
                    "set them in the chart's values (most charts take `resources:`)",
                    app.service.location, app.name, app.service))
    return found
