"""The shapes of the Argo CD resources gitops-dsl writes (argoproj.io/v1alpha1).

Field order here is key order in the output; None fields are left out. Names are snake_case and
become camelCase through the converter in `convert.py`.
"""
from __future__ import annotations

from typing import Any, Optional

import attrs

API_VERSION = "argoproj.io/v1alpha1"


@attrs.frozen
class ObjectMeta:
    name: str
    namespace: Optional[str] = None
    labels: Optional[dict[str, Any]] = None
    annotations: Optional[dict[str, Any]] = None
    finalizers: Optional[tuple[Any, ...]] = None


@attrs.frozen
class HelmParameter:
    name: str
    value: str
    force_string: Optional[bool] = None


@attrs.frozen
class HelmFileParameter:
    name: str
    path: str


@attrs.frozen
class Helm:
    release_name: Optional[str] = None
    value_files: Optional[tuple[Any, ...]] = None
    parameters: Optional[tuple[Any, ...]] = None
    file_parameters: Optional[tuple[Any, ...]] = None
    kube_version: Optional[str] = None
    api_versions: Optional[tuple[Any, ...]] = None
    skip_crds: Optional[bool] = None
    pass_credentials: Optional[bool] = None
    ignore_missing_value_files: Optional[bool] = None
    skip_tests: Optional[bool] = None
    skip_schema_validation: Optional[bool] = None
    namespace: Optional[str] = None
    version: Optional[str] = None
    values_object: Optional[dict[str, Any]] = None


@attrs.frozen
class JsonnetVar:
    name: str
    value: str


@attrs.frozen
class DirectoryJsonnet:
    ext_vars: Optional[tuple[Any, ...]] = None
    tlas: Optional[tuple[Any, ...]] = None
    libs: Optional[tuple[Any, ...]] = None


@attrs.frozen
class Directory:
    recurse: Optional[bool] = None
    include: Optional[str] = None
    exclude: Optional[str] = None
    jsonnet: Optional[DirectoryJsonnet] = None


@attrs.frozen
class Kustomize:
    name_prefix: Optional[str] = None
    name_suffix: Optional[str] = None
    namespace: Optional[str] = None
    images: Optional[tuple[Any, ...]] = None
    common_labels: Optional[dict[str, Any]] = None
    common_annotations: Optional[dict[str, Any]] = None
    components: Optional[tuple[Any, ...]] = None
    patches: Optional[tuple[Any, ...]] = None


@attrs.frozen
class Source:
    repo_url: str
    target_revision: Optional[str] = None
    path: Optional[str] = None
    chart: Optional[str] = None
    ref: Optional[str] = None
    helm: Optional[Helm] = None
    kustomize: Optional[Kustomize] = None
    directory: Optional[Directory] = None


@attrs.frozen
class Destination:
    server: Optional[str] = None
    name: Optional[str] = None
    namespace: Optional[str] = None


@attrs.frozen
class Automated:
    prune: Optional[bool] = None
    self_heal: Optional[bool] = None
    allow_empty: Optional[bool] = None
    enabled: Optional[bool] = None


@attrs.frozen
class Backoff:
    duration: Optional[str] = None
    factor: Optional[int] = None
    max_duration: Optional[str] = None


@attrs.frozen
class Retry:
    limit: int
    backoff: Optional[Backoff] = None
    refresh: Optional[bool] = None


@attrs.frozen
class ManagedNamespaceMetadata:
    labels: Optional[dict[str, Any]] = None
    annotations: Optional[dict[str, Any]] = None


@attrs.frozen
class SyncPolicy:
    automated: Optional[Automated] = None
    sync_options: Optional[tuple[Any, ...]] = None
    managed_namespace_metadata: Optional[ManagedNamespaceMetadata] = None
    retry: Optional[Retry] = None


@attrs.frozen(kw_only=True)
class IgnoreDifference:
    group: Optional[str] = None
    kind: str
    name: Optional[str] = None
    namespace: Optional[str] = None
    json_pointers: Optional[tuple[Any, ...]] = None
    jq_path_expressions: Optional[tuple[Any, ...]] = None
    managed_fields_managers: Optional[tuple[Any, ...]] = None


@attrs.frozen
class Info:
    name: str
    value: str


@attrs.frozen
class ApplicationSpec:
    project: str
    sources: Optional[tuple[Any, ...]] = None
    source: Optional[Source] = None
    destination: Optional[Destination] = None
    sync_policy: Optional[SyncPolicy] = None
    ignore_differences: Optional[tuple[Any, ...]] = None
    revision_history_limit: Optional[int] = None
    info: Optional[tuple[Any, ...]] = None


@attrs.frozen
class Application:
    metadata: ObjectMeta
    spec: ApplicationSpec
    api_version: str = attrs.field(default=API_VERSION, kw_only=True)
    kind: str = attrs.field(default="Application", kw_only=True)


@attrs.frozen
class GroupKind:
    group: str
    kind: str


@attrs.frozen
class ProjectDestination:
    server: str
    namespace: str


@attrs.frozen
class ProjectRole:
    name: str
    description: Optional[str] = None
    policies: Optional[tuple[Any, ...]] = None
    groups: Optional[tuple[Any, ...]] = None


@attrs.frozen
class SyncWindow:
    kind: str
    schedule: str
    duration: str
    applications: Optional[tuple[Any, ...]] = None
    namespaces: Optional[tuple[Any, ...]] = None
    clusters: Optional[tuple[Any, ...]] = None
    manual_sync: Optional[bool] = None
    time_zone: Optional[str] = None


@attrs.frozen
class AppProjectSpec:
    description: Optional[str] = None
    source_repos: Optional[tuple[Any, ...]] = None
    destinations: Optional[tuple[Any, ...]] = None
    cluster_resource_whitelist: Optional[tuple[Any, ...]] = None
    namespace_resource_blacklist: Optional[tuple[Any, ...]] = None
    namespace_resource_whitelist: Optional[tuple[Any, ...]] = None
    roles: Optional[tuple[Any, ...]] = None
    sync_windows: Optional[tuple[Any, ...]] = None


@attrs.frozen
class AppProject:
    metadata: ObjectMeta
    spec: AppProjectSpec
    api_version: str = attrs.field(default=API_VERSION, kw_only=True)
    kind: str = attrs.field(default="AppProject", kw_only=True)
