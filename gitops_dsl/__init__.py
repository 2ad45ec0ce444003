"""gitops-dsl: compile an Argo CD estate written as typed Python objects into plain YAML.

Platform files do `from gitops_dsl import *` to get the DSL; tools call `gitops_dsl.compile()`.
Names are imported on first use, so `gitops-dsl --help` does not pay for the whole compiler.
"""
from __future__ import annotations

import importlib

from ._version import __version__

_MODEL = [
    "Backoff", "Cluster", "ClusterKind", "Destination", "Environment", "ExternalSecret", "GitPath", "HelmChart",
    "IN_CLUSTER", "IgnoreDifference", "Image", "NamespaceMetadata", "Overlay", "Permission", "Platform",
    "Project", "Repo", "Resource", "ResourceKind", "Retry", "Role", "STANDARD_CHART", "SealedSecrets",
    "SecretRef", "Service", "StandardChart", "SyncOptions", "SyncPolicy", "SyncWindow", "Wave", "Waves",
    "Zone", "ZoneOverlay",
]
_POLICIES = ["allowed_registries", "image_digests", "min_replicas", "pinned_images", "pinned_revisions",
             "prune_required", "resources_required"]
_WHERE = {**{n: ".model" for n in _MODEL}, **{n: ".checks.policies" for n in _POLICIES},
          "Finding": ".checks.registry", "rule": ".checks.registry"}

__all__ = [*_MODEL, *_POLICIES, "Finding", "rule", "__version__"]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'gitops_dsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def compile(platforms_dir, *, root=None, **settings):  # noqa: A001 - the verb of this tool
    """Load, resolve, check and render; see gitops_dsl.api.compile."""
    from .api import compile as _compile
    return _compile(platforms_dir, root=root, **settings)
