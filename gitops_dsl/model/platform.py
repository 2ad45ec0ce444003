"""The Platform: everything one compile renders, and the defaults every service inherits."""
from __future__ import annotations

import attrs

from ..diagnostics import ModelError
from ._fields import (annotation_map, label_map, allow_field, dns_label, instance_of, int_range, location_field, one_of, optional, str_map, to_dict,
                      to_tuple, tuple_of)
from .infra import Environment, Repo, Zone
from .project import Project
from .service import Service
from .sync import SyncPolicy, cascade_check


def _versions_path(instance, attribute, value):
    if not isinstance(value, str) or not value.endswith((".yaml", ".yml")) or value.startswith("/") \
            or ".." in value.split("/"):
        raise ModelError("GD101", f"Platform.versions: {value!r} must be a relative .yaml path",
                         "e.g. 'versions.yaml', next to the platform file")


@attrs.frozen
class Platform:
    """A platform: environments, projects and services, published to a gitops (and configs) repo.

    `sync`, `revision_history_limit` and `cascade` are the platform-wide defaults, overridden per
    environment, service and service-in-environment.
    """

    name: str = attrs.field(validator=dns_label(30))
    gitops_repo: Repo = attrs.field(kw_only=True, validator=instance_of(Repo))
    configs_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                            validator=optional(instance_of(Repo)))
    environments: tuple[Environment, ...] = attrs.field(kw_only=True, converter=to_tuple, validator=tuple_of(Environment))
    projects: tuple[Project, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Project))
    services: tuple[Service, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Service))
    zones: tuple[Zone, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Zone))
    sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(SyncPolicy)))
    revision_history_limit: int | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(int_range(0)))
    cascade: str | None = attrs.field(default=None, kw_only=True, validator=cascade_check)
    labels: dict = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=label_map)
    #: how the configs tree is laid out: "env-first" (<env>/<service>/config.yaml),
    #: "service-first" (<service>/<env>/config.yaml) or "service-files"
    #: (<service>/config-<env>.yaml); the $configs/ paths follow it
    configs_layout: str = attrs.field(default="env-first", kw_only=True,
                                      validator=one_of("env-first", "service-first",
                                                       "service-files"))
    #: sync policy layer of the roots and zone Applications (see "Roots and their lifecycle")
    root_sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                               validator=optional(instance_of(SyncPolicy)))
    #: the versions file (image tags and chart versions), relative to the platform's file
    versions: str = attrs.field(default="versions.yaml", kw_only=True, validator=_versions_path)
    allow: dict[str, str] = allow_field()
    location: object = location_field()

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
