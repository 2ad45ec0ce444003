"""gitops-dsl: compile an Argo CD estate written as typed Python objects into plain YAML.

Platform files do `from gitops_dsl import *` to get the DSL; tools call `gitops_dsl.compile()`.
Names are imported on first use, so `gitops-dsl --help` does not pay for the whole compiler.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import Result
    from .checks.policies import (
        allowed_registries,
        image_digests,
        min_replicas,
        pinned_images,
        pinned_revisions,
        prune_required,
        resources_required,
    )
    from .checks.registry import Finding, rule
    from .model import (
        IN_CLUSTER,
        STANDARD_CHART,
        Backoff,
        Cluster,
        ClusterKind,
        Destination,
        Environment,
        ExternalSecret,
        GitPath,
        HelmChart,
        HelmFileParameter,
        HelmOptions,
        HelmParameter,
        IgnoreDifference,
        Image,
        Jsonnet,
        KustomizeOptions,
        NamespaceMetadata,
        Overlay,
        Permission,
        Platform,
        Project,
        Repo,
        RepoFile,
        Resource,
        ResourceKind,
        Retry,
        Role,
        SealedSecrets,
        SecretRef,
        Service,
        StandardChart,
        SyncOptions,
        SyncPolicy,
        SyncWindow,
        Wave,
        Waves,
        Zone,
        ZoneOverlay,
    )

# a literal list, so that type checkers see what `from gitops_dsl import *` brings
__all__ = [
    "IN_CLUSTER",
    "STANDARD_CHART",
    "Backoff",
    "Cluster",
    "ClusterKind",
    "Destination",
    "Environment",
    "ExternalSecret",
    "Finding",
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
    "__version__",
    "allowed_registries",
    "image_digests",
    "min_replicas",
    "pinned_images",
    "pinned_revisions",
    "prune_required",
    "resources_required",
    "rule",
]
_POLICIES = {"allowed_registries", "image_digests", "min_replicas",
             "pinned_images", "pinned_revisions", "prune_required", "resources_required"}
#: the module each lazily imported name comes from (`__version__` is imported eagerly)
_WHERE = {name: ".checks.policies" if name in _POLICIES
          else ".checks.registry" if name in ("Finding", "rule") else ".model"
          for name in __all__ if name != "__version__"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'gitops_dsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def compile(platforms_dir: str | Path, *, root: str | Path | None = None,
            **settings: Any) -> Result:
    """Load, resolve, check and render; see gitops_dsl.api.compile."""
    from .api import compile as _compile
    return _compile(platforms_dir, root=root, **settings)
