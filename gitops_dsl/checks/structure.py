"""GD1xx: names and structure."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from ..model._fields import DNS1123_LABEL
from .registry import Finding, rule


@rule("GD112", summary="two services, environments, projects or zones share a name")
def duplicate_names(ctx) -> Iterator[Finding]:
    """Names identify objects in Argo CD and in the output tree; a repeated name would make two
    objects overwrite each other."""
    resolved = ctx.resolved
    platform = resolved.platform
    groups = {"service": platform.services, "environment": platform.environments,
              "project": platform.projects}
    for kind, items in groups.items():
        seen: dict[str, object] = {}
        for item in items:
            if item.name in seen:
                first = seen[item.name].location
                yield Finding(f"{kind} {item.name!r} is declared twice (first at {first.display()})",
                              f"rename one of them or remove the copy", item.location, item.name)
            else:
                seen[item.name] = item
    zones: dict[str, object] = {}
    for zone in (*platform.zones, *(e.zone for e in platform.environments)):
        other = zones.setdefault(zone.name, zone)
        if other is not zone and other.argocd_namespace != zone.argocd_namespace:
            yield Finding(f"zone {zone.name!r} is declared twice with different settings",
                          "declare the Zone once and pass the same object to every environment",
                          zone.location, zone.name)


@rule("GD110", summary="a name that becomes a Kubernetes name is not a DNS-1123 label")
def invalid_namespace(ctx) -> Iterator[Finding]:
    """Namespaces are DNS-1123 labels: lowercase letters, digits and '-', at most 63 characters."""
    resolved = ctx.resolved
    for app in resolved.apps:
        ns = app.namespace
        if not DNS1123_LABEL.match(ns) or len(ns) > 63:
            yield Finding(f"namespace {ns!r} of {app.name} is not a valid Kubernetes namespace",
                          "use lowercase letters, digits and '-' (at most 63 characters)",
                          app.service.location, app.name)


@rule("GD113", summary="two Applications with the same name in one Argo CD")
def duplicate_application(ctx) -> Iterator[Finding]:
    """Application names are unique per Argo CD installation (zone); the second one would
    overwrite the first."""
    resolved = ctx.resolved
    from ..render.names import root_name, zone_app_name

    seen: dict[tuple[str, str], str] = {}
    platform = resolved.platform
    for zone in resolved.zones:
        seen[(zone.name, zone_app_name(platform, zone))] = f"zone {zone.name}"
    for env in resolved.environments:
        key = (env.zone.name, root_name(platform, env))
        if key in seen:
            yield Finding(f"root Application {key[1]!r} collides with {seen[key]}", "rename the "
                          "environment or the zone", env.location, key[1])
        seen[key] = f"root of {env.name}"
    for app in resolved.apps:
        key = (app.zone.name, app.name)
        if key in seen:
            yield Finding(f"Application {app.name!r} in zone {app.zone.name} collides with {seen[key]}",
                          "rename the service", app.service.location, app.name)
        else:
            seen[key] = f"service {app.service.name} in {app.env.name}"


@rule("GD114", summary="two services deploy the same release into one namespace of one cluster")
def shared_release(ctx) -> Iterator[Finding]:
    """Two releases with one name in one namespace own the same objects; Argo CD flips them
    between the two Applications forever."""
    resolved = ctx.resolved
    owners: dict[tuple, list] = defaultdict(list)
    for app in resolved.apps:
        owners[(app.env.cluster.server, app.namespace, app.release_name)].append(app)
    for (server, ns, release), apps in sorted(owners.items()):
        if len(apps) > 1:
            names = ", ".join(a.name for a in apps)
            yield Finding(f"{names} all deploy release {release!r} into namespace {ns!r} on {server}",
                          "give each environment its own namespace, or set release_name",
                          apps[-1].service.location, release)
