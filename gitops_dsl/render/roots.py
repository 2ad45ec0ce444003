"""Per zone: the zone Application (bootstrap entry point), its AppProject, and one root
app-of-apps per environment, so one environment's unhealthy app never stalls another's waves.

Lifecycle (argocd-facts 19, "Cascading delete" and controller/appcontroller.go's allowEmpty
check): roots and zone apps carry the resources finalizer, so pruning a root deletes its
Applications (and, through their own finalizers, their workloads) instead of orphaning them;
they sync with `allowEmpty: true`, or auto-sync refuses to prune an environment's last
Application ("auto-sync will wipe out all resources"); and every folder they read is written
for as long as they exist (a README placeholder), or Argo CD fails with "app path does not
exist" and prunes nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..argo import resources as argo
from ..model.infra import IN_CLUSTER
from ..model.sync import Backoff, Retry, SyncPolicy
from . import names
from .apps import render_ignore_differences, render_sync_policy

if TYPE_CHECKING:
    from ..model import Environment, Platform, Zone

#: the roots' and zone apps' defaults, layered under Platform.root_sync and Environment.root_sync
DEFAULT_ROOT_SYNC = SyncPolicy(automated=True, prune=True, self_heal=True, allow_empty=True,
                               retry=Retry(limit=5, backoff=Backoff("5s", 2, "3m")))
ROOT_FINALIZER = "resources-finalizer.argocd.argoproj.io"


def root_sync_policy(platform: Platform, env: Environment | None = None) -> SyncPolicy:
    """The layered sync policy of a root (or, with env=None, of a zone app)."""
    from ..merging import merge_fields
    policy = merge_fields(DEFAULT_ROOT_SYNC, platform.root_sync)
    return merge_fields(policy, env.root_sync) if env is not None else policy


def _source(platform: Platform, out_dir: str, recurse: bool = False,
            revision: str | None = None) -> argo.Source:
    return argo.Source(repo_url=platform.gitops_repo.url,
                       target_revision=revision or platform.gitops_repo.revision,
                       path=names.in_repo(platform, out_dir),
                       directory=argo.Directory(recurse=True) if recurse else None)


def _labels(platform: Platform, **extra: str) -> dict[str, str]:
    return {"gitops-dsl.io/platform": platform.name, **extra}


def root_groups(platform: Platform, zone: Zone, environments: Sequence[Environment]
                ) -> list[tuple[Environment, ...]]:
    """The environments of a zone by root, in the platform's order: environments whose roots
    have one name (`root_name` without `{env}`) share one root, which reads all their folders -
    what an app-of-apps over several environments of a migrated tree does."""
    groups: dict[str, list[Environment]] = {}
    for env in environments:
        if env.zone.name == zone.name:
            groups.setdefault(names.root_name(platform, env), []).append(env)
    return [tuple(envs) for envs in groups.values()]


def render_root(platform: Platform, zone: Zone, envs: tuple[Environment, ...]) -> argo.Application:
    """The root of one environment, or the one root several environments share (their root
    settings agree: GD127, so the first environment's are the root's). A shared root has one
    directory source per environment: Argo CD renders each source on its own and applies what
    they render together (docs/user-guide/multiple_sources.md; controller/state.go
    `GetRepoObjs` over the Application's sources), so the root tracks and prunes every
    environment's Applications as one app-of-apps over them all did."""
    env = envs[0]
    sources = [_source(platform, names.apps_dir(zone, e), recurse=True, revision=e.gitops_revision)
               for e in envs]
    shared = len(envs) > 1
    return argo.Application(
        metadata=argo.ObjectMeta(
            name=names.root_name(platform, env), namespace=zone.argocd_namespace,
            labels=dict(sorted({**env.root_labels, **_labels(platform, **{
                "app.kubernetes.io/part-of": names.zone_app_name(platform, zone),
                "gitops-dsl.io/environment": env.name})}.items())),
            annotations=dict(sorted({**env.root_annotations,
                                     "argocd.argoproj.io/sync-wave": "0"}.items())),
            finalizers=(ROOT_FINALIZER,)),
        spec=argo.ApplicationSpec(
            project=names.bootstrap_project_name(platform),
            destination=argo.Destination(server=IN_CLUSTER, namespace=zone.argocd_namespace),
            # the environments' Applications at their revision (Environment.gitops_revision)
            source=None if shared else sources[0],
            sources=tuple(sources) if shared else None,
            sync_policy=render_sync_policy(root_sync_policy(platform, env)),
            ignore_differences=render_ignore_differences(env.root_ignore_differences) or None,
            info=(argo.Info("Environments" if shared else "Environment",
                            ", ".join(e.name for e in envs)),
                  argo.Info("Clusters" if shared else "Cluster",
                            ", ".join(dict.fromkeys(e.cluster.name for e in envs)))),
        ),
    )


def render_zone_app(platform: Platform, zone: Zone) -> argo.Application:
    return argo.Application(
        metadata=argo.ObjectMeta(name=names.zone_app_name(platform, zone),
                                 namespace=zone.argocd_namespace, labels=_labels(platform),
                                 finalizers=(ROOT_FINALIZER,)),
        spec=argo.ApplicationSpec(
            project=names.bootstrap_project_name(platform),
            destination=argo.Destination(server=IN_CLUSTER, namespace=zone.argocd_namespace),
            sources=(_source(platform, names.projects_dir(zone)),
                     _source(platform, names.roots_dir(zone))),
            sync_policy=render_sync_policy(root_sync_policy(platform)),
            info=(argo.Info("Zone", zone.name),),
        ),
    )


def render_bootstrap_project(platform: Platform, zone: Zone) -> argo.AppProject:
    return argo.AppProject(
        metadata=argo.ObjectMeta(name=names.bootstrap_project_name(platform),
                                 namespace=zone.argocd_namespace, labels=_labels(platform)),
        spec=argo.AppProjectSpec(
            description=f"gitops-dsl roots of platform {platform.name}: creates Applications and "
                        "AppProjects only",
            source_repos=(platform.gitops_repo.url,),
            destinations=(argo.ProjectDestination(IN_CLUSTER, zone.argocd_namespace),),
            namespace_resource_whitelist=(argo.GroupKind("argoproj.io", "Application"),
                                          argo.GroupKind("argoproj.io", "AppProject")),
        ),
    )
