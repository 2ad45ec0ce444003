"""Where every value of a resolved Application comes from: the layer that set it (default,
platform, environment, service, zone, overlay) and the file and line of that layer."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..model.charts import GitPath, HelmChart
from ..model.secrets import ExternalSecret
from ..model.sync import SYNC_OPTION_KEYS
from ..render.views import flatten, secret_field
from ..resolve import DEFAULT_CASCADE, DEFAULT_REVISION_HISTORY_LIMIT, DEFAULT_SYNC
from ..secrets.keys import MASK

if TYPE_CHECKING:
    from ..model import SyncPolicy
    from ..resolve import App

@attrs.frozen
class Origin:
    path: str
    value: Any
    layer: str               # default | platform | environment | service | zone | overlay | inferred
    where: str               # file:line, or "gitops-dsl" for defaults


def _where(obj: Any, root: str | None) -> str:
    location = getattr(obj, "location", None)
    return location.display(root).rsplit(":", 1)[0] if location is not None else "gitops-dsl"


def _layers(app: App) -> list[tuple[str, Any]]:
    return [("platform", app.platform), ("environment", app.env), ("service", app.service),
            ("overlay", app.overlay)]


def explain_app(app: App, root: str | None = None) -> list[Origin]:
    out: list[Origin] = []

    def add(path: str, value: Any, layer: str, obj: Any) -> None:
        if not path.startswith("secrets.") and secret_field(path, value):
            value = MASK   # a plaintext value under a secret-like key, or one shaped like a credential
        out.append(Origin(path, value, layer, _where(obj, root) if obj is not None else "gitops-dsl"))

    # sync policy: field by field, the last layer that set it
    sync_layers = [("default", None, DEFAULT_SYNC)] + [
        (name, obj, getattr(obj, "sync", None)) for name, obj in _layers(app) if obj is not None]
    for path, value in flatten(_policy_data(app.sync), "sync").items():
        layer, owner = "default", None
        for name, obj, policy in sync_layers:
            if policy is not None and _get(_policy_data(policy), path[len("sync."):]) is not None:
                layer, owner = name, obj
        add(path, value, layer, owner)
    for field, default in (("revision_history_limit", DEFAULT_REVISION_HISTORY_LIMIT),
                           ("cascade", DEFAULT_CASCADE)):
        layer, owner = "default", None
        for name, obj in _layers(app):
            if obj is not None and getattr(obj, field, None) is not None:
                layer, owner = name, obj
            if field == "cascade" and name == "service" and app.service.stateful and \
                    app.service.cascade is None:
                layer, owner = "service (stateful)", obj
        add(field, getattr(app, field), layer, owner)
    service, overlay = app.service, app.overlay
    add("namespace", app.namespace, *(("overlay", overlay) if overlay and overlay.namespace else
                                     ("service", service) if service.namespace else
                                     ("environment", app.env)))
    add("project", app.project, "service", service)
    add("release_name", app.release_name, "service", service)
    if "chart" in app.pins:
        out.append(Origin("chart", _chart(app.chart), "versions",
                          app.pins["chart"].location.display(root).rsplit(":", 1)[0]))
    elif overlay is not None and overlay.chart is not None:
        add("chart", _chart(app.chart), "overlay", overlay)
    else:
        add("chart", _chart(app.chart), "service" if service.chart else "default", service
            if service.chart else None)
    explicit_wave = overlay.wave if overlay is not None and overlay.wave is not None else service.wave
    add("wave", f"{app.wave} ({app.wave_name})",
        ("overlay" if overlay is not None and overlay.wave is not None else "service")
        if explicit_wave is not None else "inferred from depends_on",
        (overlay if overlay is not None and overlay.wave is not None else service)
        if explicit_wave is not None else service)
    add("depends_on", list(app.depends_on), "overlay" if overlay is not None and
        overlay.depends_on is not None else "service", overlay if overlay is not None and
        overlay.depends_on is not None else service)
    env_values = flatten(app.env_values, "values")
    zone_layer = service.per_zone.get(app.zone.name) if service.per_zone else None
    zone_values = flatten(zone_layer.values, "values") if zone_layer is not None else {}
    versions = getattr(app, "pins", {})
    for path, value in flatten(app.effective_values, "values").items():
        pin = versions.get("image") if path in ("values.image.tag", "values.image.digest") else None
        if pin is not None:
            layer = "versions (environment)" if path in env_values else "versions"
            out.append(Origin(path, value, layer, pin.location.display(root).rsplit(":", 1)[0]))
            continue
        image_value = path.startswith("values.image.")
        if path in env_values:
            owner = overlay.image if image_value and overlay and overlay.image else overlay
            add(path, value, "overlay", owner)
        elif zone_layer is not None and ((image_value and zone_layer.image is not None)
                                         or path in zone_values):
            # a ZoneOverlay: merged over the service's layer into the zone's own common values
            # file (values-zone-<zone>.yaml), its image over the service's (resolve.py)
            add(path, value, "zone", zone_layer.image if image_value and zone_layer.image
                else zone_layer)
        else:
            owner = service.image if image_value and service.image else service
            add(path, value, "service", owner)
    for key, value in sorted(app.config.items()):
        in_overlay = overlay is not None and key in overlay.config
        add(f"config.{key}", value, "overlay" if in_overlay else "service",
            overlay if in_overlay else service)
    for key in sorted(app.sealed) if app.sealed else []:
        add(f"secrets.{key}", "(sealed, not shown)", "service", service.secrets)
    if isinstance(app.secrets, ExternalSecret) and not app.sealed:
        for key in sorted(app.secrets.data):
            add(f"secrets.{key}", "(external secret reference)", "service", app.secrets)
    # the project's sync windows that select this Application (render/projects.py writes them)
    from ..render.projects import window_selects
    project = next((p for p in app.platform.projects if p.name == app.project), None)
    for number, window in enumerate(project.sync_windows if project else ()):
        if window_selects(window, app):
            add(f"sync_windows[{number}]", window.describe(), "project", project)
    if app.renaming_to:
        add("rename", f"step 1 of 2: becomes {app.renaming_to} with rename='complete'", "service",
            service)
    for group in ("labels", "annotations", "info"):
        for key, value in sorted(getattr(app, group).items()):
            layer, owner = "service", service
            for name, obj in _layers(app):
                if obj is not None and key in (getattr(obj, group, None) or {}):
                    layer, owner = name, obj
            add(f"{group}.{key}", value, layer, owner)
    return out


def _chart(chart: object) -> str:
    if isinstance(chart, HelmChart):
        return f"{chart.repo_url} {chart.chart} {chart.version}"
    if isinstance(chart, GitPath):
        return f"{chart.path} ({chart.tool})"
    return "standard chart"


def _policy_data(policy: SyncPolicy) -> dict[str, Any]:
    data: dict[str, Any] = {"automated": policy.automated, "prune": policy.prune, "selfHeal": policy.self_heal,
            "allowEmpty": policy.allow_empty}
    if policy.retry is False:
        data["retry"] = "none (a failed sync is not retried)"
    elif policy.retry is not None:
        retry: dict[str, Any] = {"limit": policy.retry.limit, "refresh": policy.retry.refresh}
        if policy.retry.backoff is not None:
            b = policy.retry.backoff
            retry["backoff"] = {"duration": b.duration, "factor": b.factor, "maxDuration": b.max_duration}
        data["retry"] = retry
    if policy.options is not None:
        data["options"] = {key: getattr(policy.options, field)
                           for field, key in SYNC_OPTION_KEYS.items()}
    cleaned: dict[str, Any] = _drop_none(data)
    return cleaned


def _drop_none(data: Any) -> Any:
    if isinstance(data, dict):
        cleaned = {k: _drop_none(v) for k, v in data.items() if v is not None}
        return {k: v for k, v in cleaned.items() if v != {}}
    return data


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
