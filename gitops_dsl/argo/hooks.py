"""Which rendered objects a sync applies, and in which phases, as gitops-engine decides it.

- An object is a hook when it carries `argocd.argoproj.io/hook`, or else `helm.sh/hook` with any
  value but `crd-install` (pkg/sync/hook/hook.go `IsHook`, hook/helm/hook.go).
- Its hook types are the comma-separated values of `argocd.argoproj.io/hook` that Argo CD knows
  (PreSync, Sync, PostSync, SyncFail, Skip: common/types.go `NewHookType`); only when there are
  none, the Helm ones: pre-install and pre-upgrade are PreSync, post-install and post-upgrade
  PostSync; every other Helm hook (test, pre/post-rollback, pre/post-delete) has no type
  (hook/helm/type.go `NewType`).
- A hook with no type is never applied (pkg/sync/ignore/ignore.go `Ignore`, reconcile.go
  `splitHooks`); an object whose only type is Skip is not applied either (sync_phase.go).
- Hooks are not part of the Application's tracked resources (`splitHooks`): one made with
  `generateName` gets a new name at every sync.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ARGO_HOOK", "HELM_HOOK", "applied", "hook_types", "is_hook", "per_sync_name"]

ARGO_HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
_ARGO_TYPES = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "Skip"})
_HELM_TYPES = {"pre-install": "PreSync", "pre-upgrade": "PreSync",
               "post-install": "PostSync", "post-upgrade": "PostSync"}


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _csv(value: Any) -> list[str]:
    """resource.GetAnnotationCSVs: split on commas, each part trimmed, empty parts dropped."""
    return [part.strip() for part in str(value).split(",") if part.strip()]


def hook_types(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """The hook types gitops-engine reads on an object (hook.go `Types`)."""
    annotations = _annotations(obj)
    types = [t for t in _csv(annotations.get(ARGO_HOOK, "")) if t in _ARGO_TYPES]
    if not types:
        types = [_HELM_TYPES[t] for t in _csv(annotations.get(HELM_HOOK, "")) if t in _HELM_TYPES]
    return tuple(types)


def _skip(obj: Mapping[str, Any]) -> bool:
    types = hook_types(obj)
    return "Skip" in types and len(types) == 1


def is_hook(obj: Mapping[str, Any]) -> bool:
    annotations = _annotations(obj)
    if ARGO_HOOK in annotations:
        return not _skip(obj)
    return HELM_HOOK in annotations and annotations[HELM_HOOK] != "crd-install"


def applied(obj: Mapping[str, Any]) -> bool:
    """Whether a sync applies the object at all (a plain resource, or a hook of some phase)."""
    if _skip(obj):
        return False
    return not is_hook(obj) or any(t != "Skip" for t in hook_types(obj))


def per_sync_name(obj: Mapping[str, Any]) -> bool:
    """A hook named anew at every sync (`generateName`, no name): never a shared resource."""
    meta = obj.get("metadata") or {}
    return is_hook(obj) and bool(meta.get("generateName")) and not meta.get("name")
