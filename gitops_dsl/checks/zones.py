"""GD6xx: what must not cross into a zone."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..model.charts import GitPath
from ..render.apps import application_data
from ..render.closure import leaks, strings_of
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..model import Zone
    from .registry import CheckContext

@builtin("GD603", summary="the repository holds a symbolic link that Argo CD refuses",
         bad="ln -s /etc/ssl/certs charts/api/certs (absolute), or ln -s ../../../x charts/api/x",
         good="a copy of the file, or a link whose target stays inside the repository")
def out_of_bounds_link(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD's repo server walks the whole checkout of a repository before it renders any
    Application from it, and refuses it when a symbolic link is absolute or leads outside it
    (argo-cd util/app/path/path.go, CheckOutOfBoundsSymlinks): every Application reading the
    repository fails. What a link outside the repository reads is not in the repository either:
    neither a review nor a zone's bundle sees it. Judged on what is committed or would be (in a
    Git working tree: tracked, or untracked and not ignored)."""
    if ctx.root is None or not ctx.resolved.apps:
        return
    from ..argo.links import git_discovery, ignore_rules, repository_links
    from ..files import MANIFEST
    from ..recorder import observe, unrecorded
    # output folders (holding a manifest) hold what compile writes: regular files. The walk is
    # no input of the compile's record: the record's repository stamp sees every link outside
    # output folders (see `fingerprint`), and what git ignores is decided by files it holds or
    # that are recorded here
    with unrecorded():
        found = repository_links(ctx.root, skip_holding=MANIFEST)
        rules = ignore_rules(ctx.root) if found is not None else git_discovery(ctx.root)
    for path in rules:
        observe(path)
    for rel in found or ():   # (None: not a Git working tree, nothing known to be committed)
        yield Finding(f"{rel} is a symbolic link that is absolute or leads outside the repository: "
                      "Argo CD refuses to render any Application from a repository holding it",
                      "replace the link with the file it points at (or a link inside the "
                      "repository)", ctx.resolved.platform.location, rel)


@builtin("GD601", summary="an Application in a zone names a host, registry or repository the zone denies",
         bad='Zone("internet", deny_registries=["harbor.acme.internal"]) and '
             'Image("harbor.acme.internal/plate/api", "1") in prod',
         good="publish the image to a registry the internet zone can reach", per_service=True)
def internal_name_in_zone(ctx: CheckContext) -> Iterator[Finding]:
    """Manifests cross into an outer zone only one way; internal hostnames, registries and
    repositories must not appear in what that zone's Argo CD reads."""
    for app in ctx.resolved.apps:
        zone = app.zone
        if not (zone.deny_hosts or zone.deny_registries or zone.deny_repos):
            continue
        texts = list(strings_of(application_data(app, ctx.root)))
        # every layer as written: the service layer (values.yaml) travels to each zone whose
        # environments read it, even where an environment's layer overrides the value, so the
        # verdict here is the bundle's leak scan's
        texts += list(strings_of(app.values)) + list(strings_of(app.env_values))
        texts += list(app.config.values())
        for what in leaks(zone, texts):
            yield Finding(f"{app.name}: {what} must not reach zone {zone.name}",
                          f"remove it, or change the deny lists of Zone({zone.name!r})",
                          app.service.location, app.name, app.service)
        if isinstance(app.chart, GitPath) and app.chart.repo is None and ctx.root is not None:
            # the chart folder itself travels in the zone's bundle (its values.yaml, templates,
            # what it reaches): what `bundle` would refuse, reported here first, at the line
            # of the GitPath
            for leak in _chart_folder_leaks(ctx.root, app, zone):
                yield Finding(f"{app.name}: a {leak.what} the zone denies, in {leak.path}:{leak.line} "
                              f"(chart folder {app.chart.path}), must not reach zone {zone.name}",
                              "remove it from the chart folder, or use a chart folder of the "
                              f"zone's own, or change the deny lists of Zone({zone.name!r})",
                              app.chart.location or app.service.location, app.name, app.service)


def _chart_folder_leaks(root: Any, app: Any, zone: Zone) -> list[Any]:
    """The bundle's leak scan over the repository files a GitPath chart folder reads."""
    from ..render.closure import NotClosed, chart_folder_files, scan
    try:
        return scan(chart_folder_files([app], root), zone)
    except (NotClosed, OSError):
        return []        # GD602 says why the folder cannot be carried


@builtin("GD602", summary="a zone's Application reads a repository path that its bundle cannot carry",
         bad='GitPath("k8s/app", tool="kustomize") whose kustomization names ../../../outside',
         good="every base, component, patch and file:// chart inside the repository", per_service=True)
def bundle_not_closed(ctx: CheckContext) -> Iterator[Finding]:
    """A zone's bundle carries every chart folder of the repository its Applications read, with
    everything those folders reach (Kustomize bases and patches, file:// chart dependencies),
    at the same repository paths. A path outside the repository, or one that cannot be read,
    can be carried neither to another zone nor read by Argo CD."""
    if ctx.root is None:
        return
    for zone in ctx.resolved.zones:
        # (only a chart folder of the gitops repository has inputs to carry)
        for app in [a for a in ctx.resolved.apps if a.zone.name == zone.name
                    and isinstance(a.chart, GitPath) and a.chart.repo is None]:
            from ..render.closure import NotClosed, repository_inputs
            try:
                repository_inputs([app], ctx.root)
            except NotClosed as exc:
                yield Finding(f"zone {zone.name}: {exc}",
                              "keep every input of a chart folder inside the repository",
                              getattr(app.chart, "location", None) or app.service.location,
                              app.name, app.service)


@builtin("GD128", summary="an Application uses what its zone's Argo CD version does not have",
         bad='Zone("edge", argocd_version="2.7") with Service("api", helm=HelmOptions(values_object=...))',
         good='Zone("edge", argocd_version="2.8"), or no valuesObject in that zone')
def older_argocd(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD's Application and AppProject CRDs are structural: the API server drops a field
    the zone's Argo CD version does not know, silently, and the Application syncs without it
    (argo/versions.py lists when each field gitops-dsl writes first appeared, read from Argo
    CD's CRDs of every release). A zone's `argocd_version` says which one it runs."""
    from ..argo.versions import parse, unsupported
    zones = {z.name: parse(z.argocd_version) for z in ctx.resolved.zones if z.argocd_version}
    if not zones:
        return
    for app in ctx.resolved.apps:
        version = zones.get(app.zone.name)
        if version is None:
            continue
        lacking = unsupported(application_data(app, ctx.root), version)
        if lacking:
            yield Finding(f"{app.name}: Argo CD {version[0]}.{version[1]} of zone {app.zone.name} "
                          f"does not have {', '.join(lacking)}: the API server drops it and the "
                          "Application syncs without it",
                          "upgrade the zone's Argo CD (and its argocd_version), or leave the "
                          "option out in that zone (an Overlay for its environments)",
                          app.service.location, app.name, app.service)
    yield from _older_argocd_control(ctx, zones)


def _older_argocd_control(ctx: CheckContext, versions: dict[str, tuple[int, int]]
                          ) -> Iterator[Finding]:
    """GD128 for what gitops-dsl itself writes into a zone: the zone Application, the roots
    and the AppProjects."""
    from ..argo import to_data
    from ..argo.versions import unsupported
    from ..render import PROJECT_WAVE
    from ..render.names import zone_app_name
    from ..render.projects import render_project
    from ..render.roots import render_root, render_zone_app, root_groups
    from ..resolve import platform_in_zone
    platform = ctx.resolved.platform
    projects = {p.name: p for p in platform.projects}
    for zone in ctx.resolved.zones:
        version = versions.get(zone.name)
        if version is None:
            continue
        seen = platform_in_zone(platform, zone)
        documents: list[tuple[str, Any, Any]] = [
            (zone_app_name(platform, zone), to_data(render_zone_app(seen, zone)), zone)]
        documents += [(f"the root of {envs[0].name}", to_data(render_root(seen, zone, envs)), envs[0])
                      for envs in root_groups(platform, zone, ctx.resolved.environments)]
        zone_apps = [a for a in ctx.resolved.apps if a.zone.name == zone.name]
        for name in sorted({a.project for a in zone_apps if a.project in projects}):
            used = [a for a in zone_apps if a.project == name]
            documents.append((f"AppProject {name}", to_data(render_project(
                projects[name], zone, used, PROJECT_WAVE)), projects[name]))
        for what, data, owner in documents:
            lacking = unsupported(data, version)
            if lacking:
                yield Finding(f"{what}: Argo CD {version[0]}.{version[1]} of zone {zone.name} does "
                              f"not have {', '.join(lacking)}: the API server drops it",
                              "upgrade the zone's Argo CD (and its argocd_version)",
                              owner.location, what, owner)
