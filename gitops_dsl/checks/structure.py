"""GD1xx: names and structure."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..model._fields import DNS1123_LABEL
from ..model.charts import StandardChart
from ..render.names import root_name, zone_app_name
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..diagnostics import Location
    from ..model import Environment, Service
    from .registry import CheckContext

@builtin("GD112", summary="two services, environments, projects or zones share a name",
         bad='services=[Service("api", ...), Service("api", ...)]',
         good='services=[Service("api", ...), Service("api-v2", ...)]')
def duplicate_names(ctx: CheckContext) -> Iterator[Finding]:
    """Names identify objects in Argo CD and in the output tree; a repeated name would make two
    objects overwrite each other."""
    platform = ctx.resolved.platform
    groups: dict[str, tuple[Any, ...]] = {"service": platform.services, "environment": platform.environments,
              "project": platform.projects}
    for kind, items in groups.items():
        seen: dict[str, Any] = {}
        for item in items:
            if item.name in seen:
                first = seen[item.name].location
                yield Finding(f"{kind} {item.name!r} is declared twice (first at {first.display()})",
                              "rename one of them or remove the copy", item.location, item.name)
            else:
                seen[item.name] = item
    zones: dict[str, Any] = {}
    for zone in (*platform.zones, *(e.zone for e in platform.environments)):
        other = zones.setdefault(zone.name, zone)
        if other is not zone and other != zone:
            yield Finding(f"zone {zone.name!r} is declared twice with different settings",
                          "declare the Zone once and pass the same object to every environment",
                          zone.location, zone.name)


@builtin("GD110", summary="a namespace is not a DNS-1123 label",
         bad='Service("api", namespace="Plate_Prod")', good='Service("api", namespace="plate-prod")', per_service=True)
def invalid_namespace(ctx: CheckContext) -> Iterator[Finding]:
    """Namespaces are DNS-1123 labels: lowercase letters, digits and '-', at most 63 characters.
    Other names are checked when their object is created."""
    for app in ctx.resolved.apps:
        ns = app.namespace
        if not ns and isinstance(app.chart, StandardChart):
            yield Finding(f"{app.name} has no namespace, but the standard chart's resources are "
                          "namespaced (they would land in the cluster's `default` namespace)",
                          "give the service a namespace; namespace=\"\" is for cluster-scoped "
                          "charts", app.service.location, app.name, app.service)
        elif ns and (not DNS1123_LABEL.match(ns) or len(ns) > 63):   # "" is none at all
            yield Finding(f"namespace {ns!r} of {app.name} is not a valid Kubernetes namespace",
                          "use lowercase letters, digits and '-' (at most 63 characters)",
                          app.service.location, app.name, app.service)


@builtin("GD122", summary="a name template makes an Application or release name that is not valid",
         bad='Service("api", app_name="{platform}-{service}-{env}-with-a-long-suffix-for-everyone")',
         good='Service("api", app_name="{service}-{env}")', per_service=True)
def invalid_made_name(ctx: CheckContext) -> Iterator[Finding]:
    """What `app_name` and `release_name` templates make, per environment: an Application name is
    a DNS-1123 label of at most 63 characters (Argo CD writes it into the tracking label
    `app.kubernetes.io/instance`, whose values are at most 63), a Helm release name one of at
    most 53 (Helm's limit: it names the objects a chart makes)."""
    for app in ctx.resolved.apps:
        for what, name, limit in (("Application name", app.name, 63),
                                  ("release name", app.release_name, 53)):
            if not DNS1123_LABEL.match(name) or len(name) > limit:
                yield Finding(f"{app.service.name} in {app.env.name}: {what} {name!r} is not a "
                              f"DNS-1123 label of at most {limit} characters",
                              "shorten the template or the names it is made of, or give this "
                              "environment a name of its own (Overlay(app_name=..., "
                              "release_name=...))", app.service.location, app.name, app.service)


@builtin("GD123", summary="Helm options on a source Argo CD does not render with Helm",
         bad='Service("kafka", chart=GitPath("k8s/kafka", tool="directory"), '
             'helm=HelmOptions(pass_credentials=True))',
         good='Service("kafka", chart=GitPath("charts/kafka"), helm=HelmOptions(pass_credentials=True))', per_service=True)
def helm_options_without_helm(ctx: CheckContext) -> Iterator[Finding]:
    """`HelmOptions` become the Application's `helm:` block; on a Kustomize or plain-manifests
    source Argo CD ignores them, so the parameters a reader sees would never apply."""
    from ..model.charts import GitPath
    for app in ctx.resolved.apps:
        if app.helm is not None and isinstance(app.chart, GitPath) and app.chart.tool != "helm":
            location = app.helm.location
            yield Finding(f"{app.name}: HelmOptions on GitPath({app.chart.path!r}, "
                          f"tool={app.chart.tool!r}), which Argo CD does not render with Helm",
                          "remove them, or make the folder a Helm chart (tool='helm')", location,
                          app.name, app.service)


@builtin("GD125", summary="a `$` in a Helm parameter that Argo CD substitutes away", severity="warning",
         bad='HelmParameter("auth.password", "pa$word")',
         good='HelmParameter("auth.password", "pa$$word"), or "$ARGOCD_APP_NAME" meant as such',
         per_service=True)
def dollar_in_helm_parameter(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD's repo server passes every Helm parameter value and file parameter path through
    its environment substitution before Helm sees it (reposerver/repository/repository.go
    `helmTemplate`, `Env.Envsubst`): `$name` and `${name}` become the value of a build variable
    (`$ARGOCD_APP_NAME`, ...) or nothing, `$$` becomes `$`. A `$` meant literally is lost."""
    from ..argo.envsubst import references
    for app in ctx.resolved.apps:
        if app.helm is None:
            continue
        texts = [(f"parameter {p.name}", p.value) for p in app.helm.parameters]
        texts += [(f"file parameter {p.name}", p.path) for p in app.helm.file_parameters]
        for what, text in texts:
            found = references(text)
            if found:
                yield Finding(f"{app.name}: Helm {what} holds {', '.join(found)}, which Argo CD "
                              "replaces (an unknown name by nothing) before Helm reads it",
                              "write $$ for a literal $; only $ARGOCD_APP_NAME, "
                              "$ARGOCD_APP_NAMESPACE, $ARGOCD_APP_PROJECT_NAME, "
                              "$ARGOCD_APP_REVISION(_SHORT) and $ARGOCD_APP_SOURCE_* have values",
                              app.helm.location, app.name, app.service)


@builtin("GD124", summary="Kustomize options on a source Argo CD does not build with Kustomize",
         bad='Service("db", chart=HelmChart(url, "db", "1.0.0"), '
             'kustomize=KustomizeOptions(name_prefix="x-"))',
         good='Service("db", chart=GitPath("k8s/db", tool="kustomize"), '
              'kustomize=KustomizeOptions(name_prefix="x-"))', per_service=True)
def kustomize_options_without_kustomize(ctx: CheckContext) -> Iterator[Finding]:
    """`KustomizeOptions` become the Application's `kustomize:` block, which Argo CD reads only
    for a Kustomize folder: elsewhere they would never apply."""
    from ..model.charts import GitPath
    for app in ctx.resolved.apps:
        if app.kustomize is not None and not (isinstance(app.chart, GitPath)
                                              and app.chart.tool == "kustomize"):
            yield Finding(f"{app.name}: KustomizeOptions on a source that is not a Kustomize folder",
                          "remove them, or use GitPath(..., tool='kustomize')",
                          app.kustomize.location, app.name, app.service)


@builtin("GD126", summary="a root_name (an environment's or a zone's) makes a name that is not valid",
         bad='Environment("stg", root_name="Platform Apps", ...)',
         good='Environment("stg", root_name="cocdev-platform-apps", ...)')
def invalid_root_name(ctx: CheckContext) -> Iterator[Finding]:
    """A root is an Application like any other: its name is a DNS-1123 label of at most 63
    characters (Argo CD writes it into the tracking label of what the root manages)."""
    platform = ctx.resolved.platform
    roots: list[tuple[str, str, Any]] = [
        *((f"the root of {env.name}", root_name(platform, env), env)
          for env in ctx.resolved.environments),
        *((f"the zone Application of {zone.name}", zone_app_name(platform, zone), zone)
          for zone in ctx.resolved.zones)]
    for what, name, owner in roots:
        if not DNS1123_LABEL.match(name) or len(name) > 63:
            yield Finding(f"{what}: Application name {name!r} is not a DNS-1123 label of at most "
                          "63 characters", "use lowercase letters, digits and '-' in root_name",
                          owner.location, name, owner)


#: what the one root of several environments is made of: they must say the same
#: (each environment's folder is read at its own gitops_revision)
_ROOT_SETTINGS = ("root_sync", "root_labels", "root_annotations", "root_ignore_differences")


@builtin("GD127", summary="environments that share a root disagree on the root's settings",
         bad='Environment("stg", root_name="apps", root_sync=SyncPolicy(prune=False)) and '
             'Environment("prod", root_name="apps")',
         good='Environment("stg", root_name="apps") and Environment("prod", root_name="apps")')
def shared_root_disagrees(ctx: CheckContext) -> Iterator[Finding]:
    """Environments whose `root_name` makes one name in one zone share one root Application,
    which reads all their folders (an app-of-apps over several environments, as a migrated tree
    has it). A root has one sync policy, labels, annotations and ignored differences:
    environments that share it must agree on them (each folder is read at its environment's
    `gitops_revision`)."""
    platform = ctx.resolved.platform
    first: dict[tuple[str, str], Any] = {}
    for env in ctx.resolved.environments:
        key = (env.zone.name, root_name(platform, env))
        other = first.setdefault(key, env)
        if other is env:
            continue
        for field in _ROOT_SETTINGS:
            if getattr(env, field) != getattr(other, field):
                yield Finding(f"environments {other.name} and {env.name} share root {key[1]!r} but "
                              f"set {field} differently: one root has one {field}",
                              f"give both the same {field}, or give {env.name} a root of its own "
                              "(a root_name with {env} in it)", env.location, key[1], env)
                break


@builtin("GD113", summary="two Applications with the same name in one Argo CD",
         bad='Platform("plate", ...) with Service("plate-root") and Environment("stg")',
         good="keep service names apart from <platform>-root-<env> and <platform>-zone-<zone>")
def duplicate_application(ctx: CheckContext) -> Iterator[Finding]:
    """Application names are unique per Argo CD installation (zone); the second one would
    overwrite the first and the two owners would fight over it."""
    resolved = ctx.resolved
    platform = resolved.platform
    seen: dict[tuple[str, str], Any] = {}   # what has the name: described, or an App
    for zone in resolved.zones:
        seen[(zone.name, zone_app_name(platform, zone))] = f"the zone Application of {zone.name}"
    roots: set[tuple[str, str]] = set()
    for env in resolved.environments:
        key = (env.zone.name, root_name(platform, env))
        if key in roots:
            continue   # environments whose roots have one name share that root (GD127)
        if key in seen:
            yield Finding(f"root Application {key[1]!r} collides with {_described(seen[key])}",
                          "rename the environment or the zone", env.location, key[1], env)
        seen[key] = f"the root of {env.name}"
        roots.add(key)
    for app in resolved.apps:
        key = (app.zone.name, app.name)
        other = seen.setdefault(key, app)
        if other is not app:
            yield Finding(f"Application {app.name!r} in zone {app.zone.name} collides with "
                          f"{_described(other)}", "rename the service", app.service.location,
                          app.name, app.service)


def _described(owner: Any) -> str:
    return owner if isinstance(owner, str) else f"service {owner.service.name} in {owner.env.name}"


@builtin("GD114", summary="two services deploy the same release into one namespace of one cluster",
         bad='Environment("dev", cluster=c, namespace="shared") and Environment("prod", cluster=c, '
             'namespace="shared")',
         good="give each environment its own namespace, or its own cluster")
def shared_release(ctx: CheckContext) -> Iterator[Finding]:
    """Two releases with one name in one namespace own the same objects; Argo CD flips them
    between the two Applications forever (the dev and prod apps of one chart in one shared
    namespace, or two apps rendering the same objects)."""
    owners: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for app in ctx.resolved.apps:
        owners[(app.env.cluster.server, app.namespace, app.release_name)].append(app)
    shared = sorted((key, apps) for key, apps in owners.items() if len(apps) > 1)
    for (server, ns, release), apps in shared:
        names = ", ".join(a.name for a in apps)
        yield Finding(f"{names} all deploy release {release!r} into namespace {ns!r} on {server}",
                      "give each environment its own namespace, or set release_name",
                      apps[-1].service.location, release, apps[-1].service)


@builtin("GD117", summary="one cluster name with two servers, or one server with two names",
         bad='Cluster("prod", "https://a:6443") and Cluster("prod", "https://b:6443")',
         good="declare each Cluster once and reuse the object")
def cluster_conflict(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD registers a cluster by server URL under one name; two definitions disagree about
    where an environment deploys."""
    by_name: dict[str, Any] = {}
    by_server: dict[str, Any] = {}
    for env in ctx.resolved.platform.environments:
        cluster = env.cluster
        other = by_name.setdefault(cluster.name, cluster)
        if other.server != cluster.server:
            yield Finding(f"cluster {cluster.name!r} has two servers: {other.server} and {cluster.server}",
                          "declare the Cluster once and reuse it", cluster.location, cluster.name, env)
        other = by_server.setdefault(cluster.server, cluster)
        if other.name != cluster.name:
            yield Finding(f"server {cluster.server} has two cluster names: {other.name!r} and "
                          f"{cluster.name!r}", "declare the Cluster once and reuse it",
                          cluster.location, cluster.name, env)


_APPLICATION_ANNOTATIONS = {
    "argocd.argoproj.io/sync-options": "sets how the root applies the Application object, not the "
                                       "service's resources; use sync=SyncPolicy(options=...)",
    "argocd.argoproj.io/sync-wave": "is written from the service's wave; use wave=...",
    "argocd.argoproj.io/refresh": "is removed by the controller after a refresh; committed, selfHeal "
                                  "puts it back and the app refreshes forever",
    "argocd.argoproj.io/hook": "would turn the Application into a hook of its root",
    "argocd.argoproj.io/manifest-generate-paths": "is written from the Application's inputs",
}


@builtin("GD120", summary="an annotation that does not do on an Application what it seems to",
         bad='Service("api", annotations={"argocd.argoproj.io/sync-options": "Validate=true"})',
         good='Service("api", sync=SyncPolicy(options=SyncOptions(validate=True)))')
def misplaced_annotation(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD annotations on the Application object act on how its root applies it (or are
    owned by the controller). Misspelled argocd.argoproj.io keys do nothing at all."""
    known = {"argocd.argoproj.io/" + k for k in ("compare-options", "skip-reconcile",
                                                 "managed-by-url", "client-side-apply-migration-manager")}
    layers: list[tuple[Service | Environment, dict[str, str], Location | None]] = []
    for service in ctx.resolved.platform.services:   # (most have no annotations at all)
        if service.annotations:
            layers.append((service, service.annotations, service.location))
        layers += [(service, o.annotations, o.location) for o in service.per_env.values()
                   if o.annotations]
    for env in ctx.resolved.platform.environments:
        layers.append((env, env.annotations, env.location))
    for owner, layer_annotations, location in layers:
        for key in sorted(layer_annotations):
            if key in _APPLICATION_ANNOTATIONS:
                yield Finding(f"annotation {key} on {owner.name}'s Applications "
                              f"{_APPLICATION_ANNOTATIONS[key]}", "remove it", location, owner.name, owner)
            elif key.startswith("argocd.argoproj.io/") and key not in known:
                yield Finding(f"annotation {key} on {owner.name}'s Applications is not an Argo CD "
                              "annotation (keys are lowercase, e.g. sync-options)", "remove or fix it",
                              location, owner.name, owner)
