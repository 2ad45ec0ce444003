"""Per zone: the zone Application (bootstrap entry point), its AppProject, and one root
app-of-apps per environment, so one environment's unhealthy app never stalls another's waves."""
from __future__ import annotations

from ..argo import resources as argo
from ..model.infra import IN_CLUSTER
from . import names

# The zone app and the roots only create Argo CD objects in Argo CD's own namespace.
_ROOT_SYNC_RETRY = argo.Retry(limit=5, backoff=argo.Backoff("5s", 2, "3m"))
_ROOT_SYNC = argo.SyncPolicy(automated=argo.Automated(prune=True, self_heal=True, allow_empty=False),
                             retry=_ROOT_SYNC_RETRY)


def _source(platform, out_dir: str, recurse: bool = False) -> argo.Source:
    return argo.Source(repo_url=platform.gitops_repo.url,
                       target_revision=platform.gitops_repo.revision,
                       path=names.in_repo(platform, out_dir),
                       directory=argo.Directory(recurse=True) if recurse else None)


def _labels(platform, **extra) -> dict:
    return {"gitops-dsl.io/platform": platform.name, **extra}


def render_root(platform, zone, env) -> argo.Application:
    return argo.Application(
        metadata=argo.ObjectMeta(
            name=names.root_name(platform, env), namespace=zone.argocd_namespace,
            labels=dict(sorted(_labels(platform, **{"app.kubernetes.io/part-of":
                                                    names.zone_app_name(platform, zone),
                                                    "gitops-dsl.io/environment": env.name}).items())),
            annotations={"argocd.argoproj.io/sync-wave": "0"}),
        spec=argo.ApplicationSpec(
            project=names.bootstrap_project_name(platform),
            destination=argo.Destination(server=IN_CLUSTER, namespace=zone.argocd_namespace),
            source=_source(platform, names.apps_dir(zone, env), recurse=True),
            sync_policy=_ROOT_SYNC,
            info=(argo.Info("Environment", env.name), argo.Info("Cluster", env.cluster.name)),
        ),
    )


def render_zone_app(platform, zone) -> argo.Application:
    return argo.Application(
        metadata=argo.ObjectMeta(name=names.zone_app_name(platform, zone),
                                 namespace=zone.argocd_namespace, labels=_labels(platform)),
        spec=argo.ApplicationSpec(
            project=names.bootstrap_project_name(platform),
            destination=argo.Destination(server=IN_CLUSTER, namespace=zone.argocd_namespace),
            sources=(_source(platform, names.projects_dir(zone)),
                     _source(platform, names.roots_dir(zone))),
            sync_policy=_ROOT_SYNC,
            info=(argo.Info("Zone", zone.name),),
        ),
    )


def render_bootstrap_project(platform, zone) -> argo.AppProject:
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
