"""Argo CD AppProjects: what a group of Applications may deploy, from where, to where, and when."""
from __future__ import annotations

import fnmatch
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


def _names(value):
    """Environments and clusters may be given as objects or names."""
    value = to_tuple(value)
    return tuple(getattr(v, "name", v) for v in value) if isinstance(value, tuple) else value


@attrs.frozen
class SyncWindow:
    """When the project's Applications may (`allow`) or may not (`deny`) sync. An active deny
    window beats any allow window.

    Scope it with `environments`, `clusters` (Cluster names), `services` and `namespaces` (globs);
    the filters combine with AND and an empty filter means any. The compiler writes the exact
    names of the Applications the scope selects into the window's `applications`, and nothing
    else: Argo CD ORs a window's selectors (`SyncWindows.Matches`) and matches `clusters` against
    what an Application states, so any other spelling selects more or less than was meant.
    """

    kind: str = attrs.field(validator=one_of("allow", "deny"))
    schedule: str = attrs.field(validator=_cron)
    duration: str = attrs.field(validator=duration_check)
    environments: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                                validator=tuple_of(str))
    clusters: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                            validator=tuple_of(str))
    services: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                            validator=tuple_of(str))
    namespaces: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                              validator=tuple_of(str))
    manual_sync: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    time_zone: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    location: object = location_field()

    def selects(self, *, env: str, cluster: str, service: str, namespace: str) -> bool:
        """Whether the window applies to a service's Application in an environment."""
        return ((not self.environments or env in self.environments)
                and (not self.clusters or cluster in self.clusters)
                and (not self.services or any(fnmatch.fnmatchcase(service, g) for g in self.services))
                and (not self.namespaces
                     or any(fnmatch.fnmatchcase(namespace, g) for g in self.namespaces)))

    def describe(self) -> str:
        scope = [f"{label} {', '.join(values)}" for label, values in (
            ("environments", self.environments), ("clusters", self.clusters),
            ("services", self.services), ("namespaces", self.namespaces)) if values]
        return (f"{self.kind} {self.schedule!r} for {self.duration}"
                f"{' ' + self.time_zone if self.time_zone else ''}"
                f"{', manual sync allowed' if self.manual_sync else ''}"
                f" ({'; '.join(scope) or 'every Application of the project'})")


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
