"""AppProjects, one per (zone, project) that has services there."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..argo import resources as argo
from ..model.charts import GitPath, HelmChart, StandardChart
from .apps import repo_files, value_trees

if TYPE_CHECKING:
    from ..model import Project, SyncWindow, Zone
    from ..resolve import App

def source_repos(apps: Sequence[App]) -> list[str]:
    """Every repository the Applications read, values-only ref repositories included (facts 2)."""
    repos = set()
    for app in apps:
        platform = app.platform
        chart = app.chart
        if isinstance(chart, HelmChart):
            repos.add(chart.repo_url)
        elif isinstance(chart, StandardChart):
            repos.add(platform.gitops_repo.url)
        elif isinstance(chart, GitPath):
            repos.add((chart.repo or platform.gitops_repo).url)
        gitops, configs = value_trees(app)
        if gitops:
            repos.add(platform.gitops_repo.url)
        if configs:
            repos.add(platform.configs.url)
        repos.update(f.repo.url for f in repo_files(app))
    return sorted(repos)


def window_selects(window: SyncWindow, app: App) -> bool:
    """Whether a project's sync window applies to a resolved Application."""
    return window.selects(env=app.env.name, cluster=app.env.cluster.name,
                          service=app.service.name, namespace=app.namespace)


def render_project(project: Project, zone: Zone, apps: Sequence[App], wave: int) -> argo.AppProject:
    repos = list(project.source_repos) if project.source_repos is not None else source_repos(apps)
    if project.destinations is not None:
        destinations = [argo.ProjectDestination(d.server, d.namespace) for d in project.destinations]
    else:
        # an Application without a namespace gets the destination namespace "": Argo CD globs it
        # (app_project_types.go isDestinationMatched) and gobwas/glob's empty pattern matches
        # only the empty namespace (match/nothing.go), so exactly that is admitted
        pairs = sorted({(a.env.cluster.server, a.namespace) for a in apps})
        destinations = [argo.ProjectDestination(s, n) for s, n in pairs]
    roles = tuple(
        argo.ProjectRole(
            name=role.name, description=role.description,
            # the subject must be proj:<project>:<role>, or the policy is silently ineffective
            policies=tuple(f"p, proj:{project.name}:{role.name}, applications, {p.action}, "
                           f"{project.name}/{p.applications}, {p.effect}" for p in role.permissions)
            or None,
            groups=role.groups or None)
        for role in project.roles)
    windows = []
    for window in project.sync_windows:
        # exact Application names only: Argo CD ORs applications, clusters and namespaces
        # (facts 19, SyncWindows.Matches), so the scope is resolved here, not by Argo CD
        selected = sorted(a.name for a in apps if window_selects(window, a))
        if selected:
            windows.append(argo.SyncWindow(
                kind=window.kind, schedule=window.schedule, duration=window.duration,
                applications=tuple(selected), manual_sync=window.manual_sync or None,
                time_zone=window.time_zone))
    platform = apps[0].platform if apps else None
    labels = {"gitops-dsl.io/platform": platform.name} if platform else None
    return argo.AppProject(
        metadata=argo.ObjectMeta(
            name=project.name, namespace=zone.argocd_namespace, labels=labels,
            # AppProjects sync before the roots that create Applications using them
            annotations={"argocd.argoproj.io/sync-wave": str(wave)},
            # keeps the project until no Application references it (facts 10)
            finalizers=("resources-finalizer.argocd.argoproj.io",)),
        spec=argo.AppProjectSpec(
            description=project.description,
            source_repos=tuple(repos),
            destinations=tuple(destinations),
            cluster_resource_whitelist=tuple(argo.GroupKind(k.group, k.kind)
                                             for k in project.cluster_resources) or None,
            namespace_resource_blacklist=tuple(argo.GroupKind(k.group, k.kind)
                                               for k in project.namespace_resource_blacklist) or None,
            roles=roles or None,
            sync_windows=tuple(windows) or None,
        ),
    )
