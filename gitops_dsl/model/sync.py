"""How Argo CD syncs an Application: automation, retries, typed sync options, diffing.

Every field defaults to None, meaning "inherit": the resolver layers defaults -> platform ->
environment -> service -> overlay field by field, so `SyncPolicy(retry=Retry(limit=3))` on an
environment changes the retry limit and nothing else.
"""
from __future__ import annotations

from typing import Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import (
    annotation_map,
    duration_check,
    go_duration,
    instance_of,
    int_range,
    label_map,
    one_of,
    optional,
    to_dict,
    to_tuple,
    tuple_of,
)

#: how pruning deletes: PrunePropagationPolicy=<this>
PropagationPolicy = Literal["foreground", "background", "orphan"]
#: a per-resource Prune= / Delete= sync option
ResourceSyncOption = Literal["true", "false", "confirm"]

@attrs.frozen
class Backoff:
    """Retry backoff: wait `duration * factor^n`, at most `max_duration` (Argo CD defaults 5s, 2, 3m)."""

    #: the first wait (a Go duration such as `5s`)
    duration: str | None = attrs.field(default=None, converter=go_duration,
                                       validator=optional(duration_check))
    #: the multiplier per retry
    factor: int | None = attrs.field(default=None, validator=optional(int_range(1)))
    #: the longest wait (`3m`)
    max_duration: str | None = attrs.field(default=None, converter=go_duration,
                                           validator=optional(duration_check))


@attrs.frozen
class Retry:
    """Sync retries. `limit` is always written out: a retry block without it means no retries."""

    #: how many times a failed sync is retried (`-1`: forever); always written out
    limit: int | None = attrs.field(default=None, validator=optional(int_range(-1)))
    #: the `Backoff` between retries
    backoff: Backoff | None = attrs.field(default=None, validator=optional(instance_of(Backoff)))
    #: retry with the latest revision when a new commit arrives
    refresh: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))


@attrs.frozen
class SyncOptions:
    """Application-level sync options, typed so a misspelling cannot be written.

    Argo CD matches these as exact, case-sensitive strings and silently ignores anything else;
    the renderer writes each one in the exact form Argo CD expects (`CreateNamespace=true`).
    """

    #: `CreateNamespace`: Argo CD creates the destination namespace
    create_namespace: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: `PrunePropagationPolicy`: how pruning deletes
    prune_propagation_policy: PropagationPolicy | None = attrs.field(
        default=None, validator=optional(one_of(*get_args(PropagationPolicy))))
    #: `PruneLast`: prune after the other resources synced
    prune_last: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: `ApplyOutOfSyncOnly`: apply only what is out of sync
    apply_out_of_sync_only: bool | None = attrs.field(default=None,
                                                      validator=optional(instance_of(bool)))
    #: `ServerSideApply`
    server_side_apply: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: `RespectIgnoreDifferences`: ignored differences are not synced either
    respect_ignore_differences: bool | None = attrs.field(default=None,
                                                          validator=optional(instance_of(bool)))
    #: `Validate`: kubectl's schema validation
    validate: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: `SkipDryRunOnMissingResource`: for kinds whose CRD the same sync installs
    skip_dry_run_on_missing_resource: bool | None = attrs.field(
        default=None, validator=optional(instance_of(bool)))
    #: `Replace`: `kubectl replace` instead of apply
    replace: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: `FailOnSharedResource`: fail when another Application owns a resource
    fail_on_shared_resource: bool | None = attrs.field(default=None,
                                                       validator=optional(instance_of(bool)))
    #: `Prune`: whether pruning may delete
    prune: ResourceSyncOption | None = attrs.field(
        default=None, validator=optional(one_of(*get_args(ResourceSyncOption))))
    #: `Delete`: whether deleting the Application may delete
    delete: ResourceSyncOption | None = attrs.field(
        default=None, validator=optional(one_of(*get_args(ResourceSyncOption))))
    #: `ClientSideApplyMigration`
    client_side_apply_migration: bool | None = attrs.field(default=None,
                                                           validator=optional(instance_of(bool)))


#: field name -> the exact option key Argo CD compares against (docs/user-guide/sync-options.md)
SYNC_OPTION_KEYS = {
    "create_namespace": "CreateNamespace",
    "prune_propagation_policy": "PrunePropagationPolicy",
    "prune_last": "PruneLast",
    "apply_out_of_sync_only": "ApplyOutOfSyncOnly",
    "server_side_apply": "ServerSideApply",
    "respect_ignore_differences": "RespectIgnoreDifferences",
    "validate": "Validate",
    "skip_dry_run_on_missing_resource": "SkipDryRunOnMissingResource",
    "replace": "Replace",
    "fail_on_shared_resource": "FailOnSharedResource",
    "prune": "Prune",
    "delete": "Delete",
    "client_side_apply_migration": "ClientSideApplyMigration",
}


@attrs.frozen
class NamespaceMetadata:
    """Labels and annotations for a namespace Argo CD creates (only with create_namespace=True)."""

    #: labels of the created namespace
    labels: dict[str, Any] = attrs.field(factory=dict, converter=to_dict, validator=label_map)
    #: annotations of the created namespace
    annotations: dict[str, Any] = attrs.field(factory=dict, converter=to_dict, validator=annotation_map)


def _retry_or_false(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and value is not False and not isinstance(value, Retry):
        raise ModelError("GD101", f"{attribute.name} must be a Retry(...) or False (no retries), "
                                  f"not {value!r}")


@attrs.frozen
class SyncPolicy:
    """Automated sync, retry and options of an Application.

    automated=False turns auto-sync off (manual syncs only); prune, self_heal and allow_empty are
    Argo CD's automated flags.
    """

    #: automated sync; `False` means manual syncs only
    automated: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: automated sync deletes resources no longer in git
    prune: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: automated sync reverts changes made in the cluster
    self_heal: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: automated sync may prune the Application's last resource
    allow_empty: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    #: the `Retry` of failed syncs; `False` writes no retry block: Argo CD then retries a failed
    #: sync never (what an Application without `retry` does; `import` keeps it so)
    retry: Retry | Literal[False] | None = attrs.field(default=None, validator=_retry_or_false)
    #: the `SyncOptions`
    options: SyncOptions | None = attrs.field(default=None, validator=optional(instance_of(SyncOptions)))
    #: `NamespaceMetadata` of a namespace Argo CD creates
    namespace_metadata: NamespaceMetadata | None = attrs.field(
        default=None, validator=optional(instance_of(NamespaceMetadata)))


@attrs.frozen
class IgnoreDifference:
    """Fields Argo CD ignores when diffing (and, with respect_ignore_differences, when syncing)."""

    #: the resource kind
    kind: str = attrs.field(validator=instance_of(str))
    #: its API group (`""`: core)
    group: str = attrs.field(default="", kw_only=True, validator=instance_of(str))
    #: only this resource name
    name: str | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(str)))
    #: only in this namespace
    namespace: str | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(str)))
    #: JSON pointers of the ignored fields (`/spec/replicas`)
    json_pointers: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                       validator=tuple_of(str))
    #: jq paths of the ignored fields
    jq_path_expressions: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                             validator=tuple_of(str))
    #: field managers whose changes are ignored (e.g. an HPA's)
    managed_fields_managers: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                 validator=tuple_of(str))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not (self.json_pointers or self.jq_path_expressions or self.managed_fields_managers):
            raise ModelError("GD101", f"IgnoreDifference({self.kind!r}) ignores nothing",
                             "give json_pointers, jq_path_expressions or managed_fields_managers")
        for pointer in self.json_pointers:
            if not pointer.startswith("/"):
                raise ModelError("GD101", f"IgnoreDifference({self.kind!r}): JSON pointer {pointer!r} "
                                          "must start with '/'", "write '/spec/replicas', not "
                                          "'spec.replicas'; escape '/' inside keys as '~1'")
        if "/" in self.group:
            raise ModelError("GD101", f"IgnoreDifference({self.kind!r}): group {self.group!r} must not "
                                      "contain a version", "write 'apps', not 'apps/v1'")


#: what deleting an Application does to its workloads (see cascade_check)
Cascade = Literal["foreground", "background", "none"]
CASCADE_FINALIZERS: dict[str, str | None] = {
    "foreground": "resources-finalizer.argocd.argoproj.io",
    "background": "resources-finalizer.argocd.argoproj.io/background",
    "none": None,
}


def cascade_check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """What deleting an Application does to its workloads: "foreground" (the resources
    finalizer), "background", or "none" (they stay)."""
    if value is not None and (not isinstance(value, str) or value not in CASCADE_FINALIZERS):
        raise ModelError("GD101", f"{type(instance).__name__}.cascade: expected one of "
                                  f"{', '.join(map(repr, CASCADE_FINALIZERS))}, got {value!r}",
                         "'foreground' deletes the workloads with the Application; 'none' keeps them")
