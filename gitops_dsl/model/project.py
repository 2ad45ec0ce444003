"""Argo CD AppProjects: what a group of Applications may deploy, from where, to where, and when."""
from __future__ import annotations

import re

import attrs

from ..diagnostics import ModelError
from ._fields import (allow_field, dns_label, duration_check, instance_of, location_field, non_empty_str, one_of,
                      optional, to_tuple, tuple_of)


@attrs.frozen
class ResourceKind:
    """A group/kind pair for resource allow and deny lists; `group=""` is the core API group."""

    group: str = attrs.field(validator=instance_of(str))
    kind: str = attrs.field(validator=non_empty_str)


@attrs.frozen
class Destination:
    """Where a project may deploy: a server URL (glob allowed) and a namespace (glob allowed)."""

    server: str = attrs.field(validator=non_empty_str)
    namespace: str = attrs.field(validator=non_empty_str)


_ACTIONS = ("get", "create", "update", "delete", "sync", "override", "action", "*")


@attrs.frozen
class Permission:
    """One RBAC rule of a project role; rendered with the role's own subject (proj:<p>:<role>)."""

    action: str = attrs.field(validator=one_of(*_ACTIONS))
    applications: str = attrs.field(default="*", validator=non_empty_str)
    effect: str = attrs.field(default="allow", kw_only=True, validator=one_of("allow", "deny"))


@attrs.frozen
class Role:
    """A project role: SSO groups that get the listed permissions on the project's applications."""

    name: str = attrs.field(validator=dns_label(63))
    permissions: tuple[Permission, ...] = attrs.field(default=(), converter=to_tuple, validator=tuple_of(Permission))
    groups: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    description: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))


_CRON = re.compile(r"^(\S+\s+){4}\S+$")


def _cron(instance, attribute, value):
    if not isinstance(value, str) or not _CRON.match(value.strip()):
        raise ModelError("GD101", f"SyncWindow.schedule {value!r} is not a 5-field cron expression",
                         "e.g. '0 22 * * *' for 22:00 every day")


@attrs.frozen
class SyncWindow:
    """When syncs are allowed or denied. An active deny window beats any allow window."""

    kind: str = attrs.field(validator=one_of("allow", "deny"))
    schedule: str = attrs.field(validator=_cron)
    duration: str = attrs.field(validator=duration_check)
    applications: tuple[str, ...] = attrs.field(default=("*",), kw_only=True, converter=to_tuple,
                                      validator=tuple_of(str))
    namespaces: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    clusters: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    manual_sync: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    time_zone: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))


@attrs.frozen
class Project:
    """An AppProject. Leave `source_repos` and `destinations` unset to derive exactly what the
    project's services use (least privilege); set them to state a wider or fixed policy.
    """

    name: str = attrs.field(validator=dns_label(63))
    description: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))
    source_repos: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                             validator=optional(tuple_of(str)))
    destinations: tuple[Destination, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                             validator=optional(tuple_of(Destination)))
    cluster_resources: tuple[ResourceKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                           validator=tuple_of(ResourceKind))
    namespace_resource_blacklist: tuple[ResourceKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                      validator=tuple_of(ResourceKind))
    roles: tuple[Role, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Role))
    sync_windows: tuple[SyncWindow, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                      validator=tuple_of(SyncWindow))
    allow: dict[str, str] = allow_field()
    location: object = location_field()

    def __attrs_post_init__(self) -> None:
        if self.name == "default":
            raise ModelError("GD101", "Project 'default' is Argo CD's built-in project that permits "
                                      "everything", "give the project its own name, e.g. 'app'")
        if self.description is not None and len(self.description) > 255:
            raise ModelError("GD101", f"Project({self.name!r}).description is longer than the 255 "
                                      "characters Argo CD accepts")
