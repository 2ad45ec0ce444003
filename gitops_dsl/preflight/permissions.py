"""What an AppProject permits (util/argo/argo.go ValidatePermissions; controller/sync.go
validateSyncPermissions), with Argo CD's own globs (argo/globs.py)."""
from __future__ import annotations

from typing import Any

from ..argo.globs import destination_permitted, kind_listed, source_permitted


def permission_problem(project: dict[str, Any], cluster: tuple[str, str], group: str, kind: str,
                       namespaced: bool, namespace: str | None, name: str = "") -> str | None:
    """Why Argo CD refuses to apply one resource in a project, or None: controller/sync.go
    `validateSyncPermissions`, with `IsGroupKindNamePermitted` (app_project_types.go) and its
    lists matched as types.go `isResourceInList` does (Go's filepath.Match); `cluster` is the
    destination cluster's (server, name)."""
    spec = project.get("spec", {})
    project_name = project.get("metadata", {}).get("name")
    if not namespaced:
        if not kind_listed(spec.get("clusterResourceWhitelist"), group, kind, name) or \
                kind_listed(spec.get("clusterResourceBlacklist"), group, kind, name):
            return (f"cluster-scoped {group or 'core'}/{kind} is not in project {project_name}'s "
                    "clusterResourceWhitelist")
        return None
    if kind_listed(spec.get("namespaceResourceBlacklist"), group, kind):
        return f"{group or 'core'}/{kind} is in project {project_name}'s namespaceResourceBlacklist"
    # no whitelist admits every kind; an empty one (`[]`) admits none
    whitelist = spec.get("namespaceResourceWhitelist")
    if whitelist is not None and not kind_listed(whitelist, group, kind):
        return f"{group or 'core'}/{kind} is not in project {project_name}'s namespaceResourceWhitelist"
    if not destination_permitted(spec.get("destinations") or (), server=cluster[0],
                                 name=cluster[1], namespace=namespace or ""):
        return f"namespace {namespace} on {cluster[0]} is not a destination of project {project_name}"
    return None


def application_reads(application: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    """What `ValidatePermissions` reads of an Application: its sources' repository URLs and
    its destination namespace (empty when it names none)."""
    spec = application.get("spec") or {}
    sources = spec.get("sources") or [spec.get("source") or {}]
    return (tuple(s.get("repoURL") for s in sources),
            str((spec.get("destination") or {}).get("namespace") or ""))


def refusals(repos: tuple[Any, ...], namespace: str, project: dict[str, Any],
             cluster: tuple[str, str]) -> list[str]:
    """Why Argo CD refuses an Application that reads `repos` and `namespace` (see
    `application_reads`) itself (util/argo/argo.go `ValidatePermissions`: an InvalidSpecError
    condition, and nothing is synced): a source repository its project does not admit
    (`IsSourcePermitted`), or a destination it does not admit."""
    project_spec = project.get("spec") or {}
    project_name = project.get("metadata", {}).get("name")
    problems = [f"application repo {repo} is not permitted in project '{project_name}'"
                for repo in repos
                if not source_permitted(project_spec.get("sourceRepos") or (), str(repo or ""))]
    if not destination_permitted(project_spec.get("destinations") or (), server=cluster[0],
                                 name=cluster[1], namespace=namespace):
        problems.append(f"destination server '{cluster[0]}' and namespace '{namespace}' do not "
                        f"match any of the allowed destinations in project '{project_name}'")
    return problems
