"""The gitops-dsl model: frozen, validated classes that remember where the user created them."""
from .charts import (
    STANDARD_CHART,
    GitPath,
    HelmChart,
    HelmFileParameter,
    HelmOptions,
    HelmParameter,
    Jsonnet,
    KustomizeOptions,
    RepoFile,
    StandardChart,
)
from .infra import IN_CLUSTER, Cluster, ClusterKind, Environment, Repo, Zone
from .platform import Platform
from .project import Destination, Permission, Project, ResourceKind, Role, SyncWindow
from .refs import Resource
from .secrets import ExternalSecret, SealedSecrets, SecretRef
from .service import Image, Overlay, Service, ZoneOverlay
from .sync import Backoff, IgnoreDifference, NamespaceMetadata, Retry, SyncOptions, SyncPolicy
from .waves import Wave, Waves

__all__ = [
    "IN_CLUSTER",
    "STANDARD_CHART",
    "Backoff",
    "Cluster",
    "ClusterKind",
    "Destination",
    "Environment",
    "ExternalSecret",
    "GitPath",
    "HelmChart",
    "HelmFileParameter",
    "HelmOptions",
    "HelmParameter",
    "IgnoreDifference",
    "Image",
    "Jsonnet",
    "KustomizeOptions",
    "NamespaceMetadata",
    "Overlay",
    "Permission",
    "Platform",
    "Project",
    "Repo",
    "RepoFile",
    "Resource",
    "ResourceKind",
    "Retry",
    "Role",
    "SealedSecrets",
    "SecretRef",
    "Service",
    "StandardChart",
    "SyncOptions",
    "SyncPolicy",
    "SyncWindow",
    "Wave",
    "Waves",
    "Zone",
    "ZoneOverlay",
]
