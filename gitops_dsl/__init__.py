"""gitops-dsl: compile an Argo CD estate written as typed Python objects into plain YAML.

Platform files do `from gitops_dsl import *` to get the DSL; tools call `gitops_dsl.compile()`.
"""
from __future__ import annotations

from ._version import __version__
from .checks.policies import (allowed_registries, image_digests, min_replicas, pinned_images,
                              pinned_revisions, prune_required, resources_required)
from .checks.registry import Finding, rule
from .model import *  # noqa: F401,F403
from .model import __all__ as _model_all


def compile(platforms_dir, *, root=None):  # noqa: A001 - the verb of this tool
    """Load, resolve, check and render; see gitops_dsl.api.compile."""
    from .api import compile as _compile
    return _compile(platforms_dir, root=root)


__all__ = [*_model_all, "Finding", "allowed_registries", "image_digests", "min_replicas",
           "pinned_images", "pinned_revisions", "prune_required", "resources_required", "rule",
           "__version__"]
