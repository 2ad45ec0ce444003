"""Argo CD AppProjects: what a group of Applications may deploy, from where, to where, and when."""
from __future__ import annotations

import fnmatch
import re
from typing import Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import (
    allow_map,
    dns_label,
    duration_check,
    instance_of,
    non_empty_str,
    one_of,
    optional,
    to_dict,
    to_tuple,
    tuple_of,
)


@attrs.frozen
class ResourceKind:
    """A group/kind pair for resource allow and deny lists; `group=""` is the core API group."""

    #: API group; `""` is the core group
    group: str = attrs.field(validator=instance_of(str))
    #: the kind, e.g. `Namespace` (glob allowed)
    kind: str = attrs.field(validator=non_empty_str)


@attrs.frozen
class Destination:
    """Where a project may deploy: a server URL (glob allowed) and a namespace (glob allowed)."""

    #: an API server URL (glob allowed; a leading `!` refuses the servers it names)
    server: str = attrs.field(validator=non_empty_str)
    #: a namespace (glob allowed; a leading `!` refuses the namespaces it names and admits
    #: every other)
    namespace: str = attrs.field(validator=non_empty_str)


#: an Argo CD RBAC action on applications
Action = Literal["get", "create", "update", "delete", "sync", "override", "action", "*"]
Effect = Literal["allow", "deny"]


@attrs.frozen
class Permission:
    """One RBAC rule of a project role; rendered with the role's own subject (proj:<p>:<role>)."""

    #: the Argo CD RBAC action on applications
    action: Action = attrs.field(validator=one_of(*get_args(Action)))
    #: which applications of the project (glob; `*` is all)
    applications: str = attrs.field(default="*", validator=non_empty_str)
    #: grant or deny
    effect: Effect = attrs.field(default="allow", kw_only=True, validator=one_of(*get_args(Effect)))


@attrs.frozen
class Role:
    """A project role: SSO groups that get the listed permissions on the project's applications."""

    #: role name (a DNS label)
    name: str = attrs.field(validator=dns_label(63))
    #: the role's `Permission`s
    permissions: tuple[Permission, ...] = attrs.field(default=(), converter=to_tuple, validator=tuple_of(Permission))
    #: SSO groups that get the role
    groups: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    #: shown in Argo CD
    description: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))


_CRON = re.compile(r"^(\S+\s+){4}\S+$")


def _cron(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _CRON.match(value.strip()):
        raise ModelError("GD101", f"SyncWindow.schedule {value!r} is not a 5-field cron expression",
                         "e.g. '0 22 * * *' for 22:00 every day")


def _names(value: Any) -> Any:
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

    #: `allow`: syncs only inside the window; `deny`: no syncs inside it (an active deny window
    #: beats any allow window)
    kind: Effect = attrs.field(validator=one_of(*get_args(Effect)))
    #: a cron expression (five fields) for when the window opens
    schedule: str = attrs.field(validator=_cron)
    #: how long it stays open (`1h`, `30m`, ...)
    duration: str = attrs.field(validator=duration_check)
    #: environments (or names) whose Applications it selects; empty means any
    environments: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                                validator=tuple_of(str))
    #: Cluster names whose Applications it selects; empty means any
    clusters: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                            validator=tuple_of(str))
    #: services (or names) whose Applications it selects; empty means any
    services: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                            validator=tuple_of(str))
    #: destination namespaces (globs) it selects; empty means any
    namespaces: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                              validator=tuple_of(str))
    #: whether manual syncs are allowed while the window blocks automated ones
    manual_sync: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    #: the schedule's time zone (IANA name, e.g. `Europe/Berlin`); default UTC
    time_zone: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

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

    #: project name; `default` is refused (it permits everything)
    name: str = attrs.field(validator=dns_label(63))
    #: up to 255 characters
    description: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))
    #: allowed repositories, as Argo CD's globs (`*` stops at `/`, `**` crosses it, `{a,b}`; a
    #: leading `!` refuses what it names); `None` derives exactly the chart, values and configs
    #: repositories the project's services read (least privilege)
    source_repos: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                             validator=optional(tuple_of(str)))
    #: `Destination`s; `None` derives exactly the (cluster, namespace) pairs used
    destinations: tuple[Destination, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                             validator=optional(tuple_of(Destination)))
    #: `ResourceKind`s allowed at cluster scope (absent means none: no Namespace, no CRD)
    cluster_resources: tuple[ResourceKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                           validator=tuple_of(ResourceKind))
    #: `ResourceKind`s denied in namespaces
    namespace_resource_blacklist: tuple[ResourceKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                      validator=tuple_of(ResourceKind))
    #: `Role`s; their policies are written with the subject `proj:<project>:<role>`
    roles: tuple[Role, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Role))
    #: `SyncWindow`s: when the project's Applications may sync (see "Sync windows")
    sync_windows: tuple[SyncWindow, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                      validator=tuple_of(SyncWindow))
    #: suppressions, as `Platform.allow`
    allow: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=allow_map)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.name == "default":
            raise ModelError("GD101", "Project 'default' is Argo CD's built-in project that permits "
                                      "everything", "give the project its own name, e.g. 'app'")
        if self.description is not None and len(self.description) > 255:
            raise ModelError("GD101", f"Project({self.name!r}).description is longer than the 255 "
                                      "characters Argo CD accepts")
