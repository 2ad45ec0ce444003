"""How Argo CD syncs an Application: automation, retries, typed sync options, diffing.

Every field defaults to None, meaning "inherit": the resolver layers defaults -> platform ->
environment -> service -> overlay field by field, so `SyncPolicy(retry=Retry(limit=3))` on an
environment changes the retry limit and nothing else.
"""
from __future__ import annotations

import attrs

from ..diagnostics import ModelError
from ._fields import (annotation_map, label_map, duration_check, go_duration, instance_of, int_range, location_field, one_of,
                      optional, str_map, to_dict, to_tuple, tuple_of)


@attrs.frozen
class Backoff:
    """Retry backoff: wait `duration * factor^n`, at most `max_duration` (Argo CD defaults 5s, 2, 3m)."""

    duration: str | None = attrs.field(default=None, converter=go_duration,
                                       validator=optional(duration_check))
    factor: int | None = attrs.field(default=None, validator=optional(int_range(1)))
    max_duration: str | None = attrs.field(default=None, converter=go_duration,
                                           validator=optional(duration_check))


@attrs.frozen
class Retry:
    """Sync retries. `limit` is always written out: a retry block without it means no retries."""

    limit: int | None = attrs.field(default=None, validator=optional(int_range(-1)))
    backoff: Backoff | None = attrs.field(default=None, validator=optional(instance_of(Backoff)))
    refresh: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))


@attrs.frozen
class SyncOptions:
    """Application-level sync options, typed so a misspelling cannot be written.

    Argo CD matches these as exact, case-sensitive strings and silently ignores anything else;
    the renderer writes each one in the exact form Argo CD expects (`CreateNamespace=true`).
    """

    create_namespace: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    prune_propagation_policy: str | None = attrs.field(
        default=None, validator=optional(one_of("foreground", "background", "orphan")))
    prune_last: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    apply_out_of_sync_only: bool | None = attrs.field(default=None,
                                                      validator=optional(instance_of(bool)))
    server_side_apply: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    respect_ignore_differences: bool | None = attrs.field(default=None,
                                                          validator=optional(instance_of(bool)))
    validate: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    skip_dry_run_on_missing_resource: bool | None = attrs.field(
        default=None, validator=optional(instance_of(bool)))
    replace: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    fail_on_shared_resource: bool | None = attrs.field(default=None,
                                                       validator=optional(instance_of(bool)))
    prune: str | None = attrs.field(default=None, validator=optional(one_of("true", "false", "confirm")))
    delete: str | None = attrs.field(default=None, validator=optional(one_of("true", "false", "confirm")))
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

    labels: dict = attrs.field(factory=dict, converter=to_dict, validator=label_map)
    annotations: dict = attrs.field(factory=dict, converter=to_dict, validator=annotation_map)


@attrs.frozen
class SyncPolicy:
    """Automated sync, retry and options of an Application.

    automated=False turns auto-sync off (manual syncs only); prune, self_heal and allow_empty are
    Argo CD's automated flags.
    """

    automated: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    prune: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    self_heal: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    allow_empty: bool | None = attrs.field(default=None, validator=optional(instance_of(bool)))
    retry: Retry | None = attrs.field(default=None, validator=optional(instance_of(Retry)))
    options: SyncOptions | None = attrs.field(default=None, validator=optional(instance_of(SyncOptions)))
    namespace_metadata: NamespaceMetadata | None = attrs.field(
        default=None, validator=optional(instance_of(NamespaceMetadata)))


@attrs.frozen
class IgnoreDifference:
    """Fields Argo CD ignores when diffing (and, with respect_ignore_differences, when syncing)."""

    kind: str = attrs.field(validator=instance_of(str))
    group: str = attrs.field(default="", kw_only=True, validator=instance_of(str))
    name: str | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(str)))
    namespace: str | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(str)))
    json_pointers: tuple = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                       validator=tuple_of(str))
    jq_path_expressions: tuple = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                             validator=tuple_of(str))
    managed_fields_managers: tuple = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                 validator=tuple_of(str))
    location: object = location_field()

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


CASCADE_FINALIZERS = {
    "foreground": "resources-finalizer.argocd.argoproj.io",
    "background": "resources-finalizer.argocd.argoproj.io/background",
    "none": None,
}


def cascade_check(instance, attribute, value):
    """What deleting an Application does to its workloads: "foreground" (the resources
    finalizer), "background", or "none" (they stay)."""
    if value is not None and (not isinstance(value, str) or value not in CASCADE_FINALIZERS):
        raise ModelError("GD101", f"{type(instance).__name__}.cascade: expected one of "
                                  f"{', '.join(map(repr, CASCADE_FINALIZERS))}, got {value!r}",
                         "'foreground' deletes the workloads with the Application; 'none' keeps them")
