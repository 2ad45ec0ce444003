"""The shapes of the Argo CD resources gitops-dsl writes (argoproj.io/v1alpha1).

Field order here is key order in the output; None fields are left out. Names are snake_case and
become camelCase through the converter in `convert.py`.
"""
from __future__ import annotations

from typing import Any

import attrs

API_VERSION = "argoproj.io/v1alpha1"


@attrs.frozen
class ObjectMeta:
    name: str
    namespace: str | None = None
    labels: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    finalizers: tuple[str, ...] | None = None


@attrs.frozen
class HelmParameter:
    name: str
    value: str
    force_string: bool | None = None


@attrs.frozen
class HelmFileParameter:
    name: str
    path: str


@attrs.frozen
class Helm:
    release_name: str | None = None
    value_files: tuple[str, ...] | None = None
    parameters: tuple[HelmParameter, ...] | None = None
    file_parameters: tuple[HelmFileParameter, ...] | None = None
    kube_version: str | None = None
    api_versions: tuple[str, ...] | None = None
    skip_crds: bool | None = None
    pass_credentials: bool | None = None
    ignore_missing_value_files: bool | None = None
    skip_tests: bool | None = None
    skip_schema_validation: bool | None = None
    namespace: str | None = None
    version: str | None = None
    values_object: dict[str, Any] | None = None


@attrs.frozen
class JsonnetVar:
    name: str
    value: str


@attrs.frozen
class DirectoryJsonnet:
    ext_vars: tuple[JsonnetVar, ...] | None = None
    tlas: tuple[JsonnetVar, ...] | None = None
    libs: tuple[str, ...] | None = None


@attrs.frozen
class Directory:
    recurse: bool | None = None
    include: str | None = None
    exclude: str | None = None
    jsonnet: DirectoryJsonnet | None = None


@attrs.frozen
class Kustomize:
    name_prefix: str | None = None
    name_suffix: str | None = None
    namespace: str | None = None
    images: tuple[str, ...] | None = None
    common_labels: dict[str, Any] | None = None
    common_annotations: dict[str, Any] | None = None
    components: tuple[str, ...] | None = None
    patches: tuple[dict[str, Any], ...] | None = None


@attrs.frozen
class Source:
    repo_url: str
    target_revision: str | None = None
    path: str | None = None
    chart: str | None = None
    ref: str | None = None
    helm: Helm | None = None
    kustomize: Kustomize | None = None
    directory: Directory | None = None


@attrs.frozen
class Destination:
    server: str | None = None
    name: str | None = None
    namespace: str | None = None


@attrs.frozen
class Automated:
    prune: bool | None = None
    self_heal: bool | None = None
    allow_empty: bool | None = None
    enabled: bool | None = None


@attrs.frozen
class Backoff:
    duration: str | None = None
    factor: int | None = None
    max_duration: str | None = None


@attrs.frozen
class Retry:
    limit: int
    backoff: Backoff | None = None
    refresh: bool | None = None


@attrs.frozen
class ManagedNamespaceMetadata:
    labels: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None


@attrs.frozen
class SyncPolicy:
    automated: Automated | None = None
    sync_options: tuple[str, ...] | None = None
    managed_namespace_metadata: ManagedNamespaceMetadata | None = None
    retry: Retry | None = None


@attrs.frozen(kw_only=True)
class IgnoreDifference:
    group: str | None = None
    kind: str
    name: str | None = None
    namespace: str | None = None
    json_pointers: tuple[str, ...] | None = None
    jq_path_expressions: tuple[str, ...] | None = None
    managed_fields_managers: tuple[str, ...] | None = None


@attrs.frozen
class Info:
    name: str
    value: str


@attrs.frozen
class ApplicationSpec:
    project: str
    sources: tuple[Source, ...] | None = None
    source: Source | None = None
    destination: Destination | None = None
    sync_policy: SyncPolicy | None = None
    ignore_differences: tuple[IgnoreDifference, ...] | None = None
    revision_history_limit: int | None = None
    info: tuple[Info, ...] | None = None


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
    description: str | None = None
    policies: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None


@attrs.frozen
class SyncWindow:
    kind: str
    schedule: str
    duration: str
    applications: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    clusters: tuple[str, ...] | None = None
    manual_sync: bool | None = None
    time_zone: str | None = None


@attrs.frozen
class AppProjectSpec:
    description: str | None = None
    source_repos: tuple[str, ...] | None = None
    destinations: tuple[ProjectDestination, ...] | None = None
    cluster_resource_whitelist: tuple[GroupKind, ...] | None = None
    namespace_resource_blacklist: tuple[GroupKind, ...] | None = None
    namespace_resource_whitelist: tuple[GroupKind, ...] | None = None
    roles: tuple[ProjectRole, ...] | None = None
    sync_windows: tuple[SyncWindow, ...] | None = None


@attrs.frozen
class AppProject:
    metadata: ObjectMeta
    spec: AppProjectSpec
    api_version: str = attrs.field(default=API_VERSION, kw_only=True)
    kind: str = attrs.field(default="AppProject", kw_only=True)
