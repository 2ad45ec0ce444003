"""GD121, GD417, GD418: output that is valid YAML but with which Argo CD would not do what the
platform says (argocd-facts 19)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..argo.globs import normalize_git_url
from ..model.charts import GitPath, StandardChart
from ..naming import did_you_mean
from ..render.apps import value_files
from ..render.names import CONFIGS, GITOPS
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..resolve import App
    from .registry import CheckContext


def git_reads(app: App) -> list[tuple[str, str, str, object]]:
    """Every git repository an Application reads: (what, url, revision, where it was set)."""
    platform = app.platform
    reads: list[tuple[str, str, str, object]] = []
    chart = app.chart
    if isinstance(chart, StandardChart):
        reads.append(("the standard chart", platform.gitops_repo.url, platform.gitops_repo.revision,
                      platform.gitops_repo))
    elif isinstance(chart, GitPath):
        repo = chart.repo or platform.gitops_repo
        reads.append((f"GitPath({chart.path!r})", repo.url, chart.revision or repo.revision, chart))
    files = value_files(app)
    if any(f.startswith(GITOPS + "/") for f in files):
        reads.append(("$values", platform.gitops_repo.url, platform.gitops_repo.revision,
                      platform.gitops_repo))
    if any(f.startswith(CONFIGS + "/") for f in files):
        reads.append(("$configs", platform.configs.url, platform.configs.revision, platform.configs))
    return reads


@builtin("GD417", summary="one Application reads one repository at two revisions",
         bad='GitPath("charts/api", revision="v1.2.0") with the gitops repository at "main"',
         good='GitPath("charts/api") (the gitops repository\'s revision), or a chart repository',
         per_service=True)
def two_revisions_of_one_repository(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD refuses an Application whose sources name the same repository at different
    revisions ("cannot reference a different revision of the same repository",
    reposerver/repository/repository.go), so its manifests are never generated."""
    for app in ctx.resolved.apps:
        seen: dict[str, tuple[str, str, object]] = {}
        for what, url, revision, origin in git_reads(app):
            key = normalize_git_url(url)
            if key not in seen:
                seen[key] = (what, revision, origin)
                continue
            first, first_revision, first_origin = seen[key]
            if isinstance(first_origin, GitPath):
                origin = first_origin   # the line to change is the chart's revision
            if first_revision != revision:
                yield Finding(
                    f"{app.name} reads {url} at {first_revision!r} ({first}) and at {revision!r} "
                    f"({what}): Argo CD fails the Application with 'cannot reference a different "
                    "revision of the same repository'",
                    "read the repository at one revision (drop the GitPath's revision=, or publish "
                    "the configs tree to its own repository or the same revision)",
                    getattr(origin, "location", None) or app.service.location, app.name, app.service)


@builtin("GD418", summary="a sync window that names an unknown environment or cluster, or selects "
                          "no Application",
         bad='SyncWindow("deny", "0 18 * * 5", "62h", clusters=["production"])',
         good='SyncWindow("deny", "0 18 * * 5", "62h", environments=[prod])')
def sync_window_scope(ctx: CheckContext) -> Iterator[Finding]:
    """A window's scope is resolved to exact Application names; a scope that selects nothing
    would silently freeze or permit nothing, and a misspelt name selects nothing."""
    from ..render.projects import window_selects

    platform = ctx.resolved.platform
    envs = {e.name for e in platform.environments}
    clusters = {e.cluster.name for e in platform.environments}
    for project in platform.projects:
        apps = [a for a in ctx.resolved.apps if a.project == project.name]
        for window in project.sync_windows:
            location = window.location or project.location
            bad = [(f"environment {n!r}", did_you_mean(n, envs)) for n in window.environments
                   if n not in envs]
            bad += [(f"cluster {n!r}", did_you_mean(n, clusters)) for n in window.clusters
                    if n not in clusters]
            for what, hint in bad:
                yield Finding(f"project {project.name}: a sync window names unknown {what}", hint,
                              location, project.name, project)
            if not bad and apps and not any(window_selects(window, a) for a in apps):
                yield Finding(f"project {project.name}: sync window {window.describe()} selects no "
                              "Application", "widen its environments, clusters, services or "
                              "namespaces, or remove it", location, project.name, project)


@builtin("GD121", summary="a rename is at its first step", severity="warning",
         bad='Service("storefront", previous_names=["web"])  # and nothing more, for weeks',
         good='Service("storefront", previous_names=["web"], rename="complete")  # after the sync')
def rename_in_progress(ctx: CheckContext) -> Iterator[Finding]:
    """A rename takes two commits (argocd-facts 19): the first keeps the old Application without
    its resources finalizer; once Argo CD has synced that, rename='complete' replaces it with
    the new one, which adopts the workloads. Until then the Application keeps its old name."""
    for service in ctx.resolved.platform.services:
        if service.previous_names and service.rename != "complete":
            old = service.previous_names[0]
            yield Finding(f"{service.name}: the rename from {old} is at step 1 of 2 (its Applications "
                          f"keep the name {old}-<env>, without the resources finalizer)",
                          "commit this and let Argo CD sync it; then set rename='complete'",
                          service.location, service.name, service)
