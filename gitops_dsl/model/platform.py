"""The Platform: everything one compile renders, and the defaults every service inherits."""
from __future__ import annotations

from typing import Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import (
    allow_map,
    dns_label,
    instance_of,
    int_range,
    label_map,
    one_of,
    optional,
    to_dict,
    to_tuple,
    tuple_of,
)
from .infra import Environment, Repo, Zone
from .project import Project
from .service import Service
from .sync import Cascade, SyncPolicy, cascade_check


def _versions_path(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.endswith((".yaml", ".yml")) or value.startswith("/") \
            or ".." in value.split("/"):
        raise ModelError("GD101", f"Platform.versions: {value!r} must be a relative .yaml path",
                         "e.g. 'versions.yaml', next to the platform file")


#: where the configs repository keeps a service's config of an environment
ConfigsLayout = Literal["env-first", "service-first", "service-files"]

@attrs.frozen
class Platform:
    """A platform: environments, projects and services, published to a gitops (and configs) repo.

    `sync`, `revision_history_limit` and `cascade` are the platform-wide defaults, overridden per
    environment, service and service-in-environment.
    """

    #: platform name (≤ 30 chars); prefixes the roots (`<name>-root-<env>`), zone apps and the
    #: bootstrap project
    name: str = attrs.field(validator=dns_label(30))
    #: `Repo` where `build/gitops/` is published; charts, values and Argo CD apps are read from it
    gitops_repo: Repo = attrs.field(kw_only=True, validator=instance_of(Repo))
    #: `Repo` where `build/configs/` is published; default: the gitops repository, folder
    #: `build/configs`
    configs_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                            validator=optional(instance_of(Repo)))
    #: the `Environment`s (at least one)
    environments: tuple[Environment, ...] = attrs.field(kw_only=True, converter=to_tuple, validator=tuple_of(Environment))
    #: the `Project`s services belong to
    projects: tuple[Project, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Project))
    #: the `Service`s
    services: tuple[Service, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Service))
    #: `Zone`s declared up front (optional; zones named by environments are added)
    zones: tuple[Zone, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Zone))
    #: platform-wide `SyncPolicy` layer
    sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(SyncPolicy)))
    #: platform default of `spec.revisionHistoryLimit`
    revision_history_limit: int | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(int_range(0)))
    #: platform default for deleting workloads with their Application (see `Service.cascade`)
    cascade: Cascade | None = attrs.field(default=None, kw_only=True, validator=cascade_check)
    #: labels on every generated Application
    labels: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=label_map)
    #: write an Application that reads nothing but its chart (no values or config files) with
    #: `spec.source` instead of `spec.sources`, for tools and policies that read only `source`
    single_source: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    #: how the configs tree is laid out: `"env-first"` (`<env>/<service>/config.yaml`, the default),
    #: `"service-first"` (`<service>/<env>/config.yaml`) or `"service-files"`
    #: (`<service>/config-<env>.yaml`, `secrets-<env>.yaml`); the `$configs/…` paths follow it
    configs_layout: ConfigsLayout = attrs.field(default="env-first", kw_only=True,
                                                validator=one_of(*get_args(ConfigsLayout)))
    #: `SyncPolicy` layer of the roots and zone Applications (see "Roots and their lifecycle")
    root_sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                               validator=optional(instance_of(SyncPolicy)))
    #: the versions file (image tags and chart versions), relative to the platform's file; a missing
    #: file means no pins there
    versions: str = attrs.field(default="versions.yaml", kw_only=True, validator=_versions_path)
    #: `{"GD301": "why this is fine here"}`: suppresses a rule's findings about the object (a reason
    #: is required; suppressions are listed in `build/README.md`)
    allow: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=allow_map)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not self.environments:
            raise ModelError("GD101", f"Platform({self.name!r}) has no environments",
                             "add at least one Environment(...)")

    @property
    def gitops_path(self) -> str:
        path = self.gitops_repo.path
        return "build/gitops" if path is None else path

    @property
    def configs(self) -> Repo:
        return self.configs_repo or self.gitops_repo

    @property
    def configs_path(self) -> str:
        repo = self.configs_repo
        path = repo.path if repo is not None else None
        return "build/configs" if path is None else path
