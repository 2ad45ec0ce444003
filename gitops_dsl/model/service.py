"""A service: one deployable unit, rendered as one Application per environment it runs in."""
from __future__ import annotations

import re

import attrs

from ..diagnostics import ModelError
from ._fields import (annotation_map, label_map, allow_field, one_of, yaml_values, dns_label, instance_of, int_range, location_field, non_empty_str,
                      optional, str_map, to_dict, to_tuple, tuple_of, yaml_data)
from .charts import GitPath, HelmChart
from .refs import Resource
from .secrets import ExternalSecret, SealedSecrets
from .sync import IgnoreDifference, SyncPolicy, cascade_check
from .waves import Wave

_REPOSITORY = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def _repository(instance, attribute, value):
    if not isinstance(value, str) or not _REPOSITORY.match(value):
        raise ModelError("GD101", f"Image.repository {value!r} is not an image repository",
                         "e.g. 'ghcr.io/acme/plate-api', without a tag (give the tag as tag=...)")


def _tag(instance, attribute, value):
    if value is not None and (not isinstance(value, str) or not _TAG.match(value)):
        raise ModelError("GD101", f"Image.tag {value!r} is not a valid image tag")


def _digest(instance, attribute, value):
    if value is not None and (not isinstance(value, str) or not _DIGEST.match(value)):
        raise ModelError("GD101", f"Image.digest {value!r} is not a sha256 digest",
                         "write 'sha256:' followed by 64 hex digits")


@attrs.frozen
class Image:
    """A container image for the standard chart: repository plus a tag and/or a digest."""

    repository: str = attrs.field(validator=_repository)
    tag: str | None = attrs.field(default=None, validator=_tag)
    digest: str | None = attrs.field(default=None, kw_only=True, validator=_digest)
    pull_policy: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))
    location: object = location_field()

    @property
    def reference(self) -> str:
        ref = self.repository
        if self.tag:
            ref += f":{self.tag}"
        if self.digest:
            ref += f"@{self.digest}"
        return ref


def _wave(value):
    return value


def _wave_check(instance, attribute, value):
    if value is not None and (not isinstance(value, (Wave, int, str)) or isinstance(value, bool)):
        raise ModelError("GD101", f"{type(instance).__name__}.wave: expected a Wave, a wave name or an "
                                  f"integer, got {type(value).__name__}")


_cascade = cascade_check


#: the annotations of the shared fields (for structuring the model from plain data)
_COMMON_TYPES = {
    "values": "dict", "config": "dict[str, str]", "image": "Image | None", "namespace": "str | None",
    "wave": "Wave | int | str | None", "sync": "SyncPolicy | None",
    "ignore_differences": "tuple[IgnoreDifference, ...] | None", "labels": "dict[str, str]",
    "annotations": "dict[str, str]", "info": "dict[str, str]", "revision_history_limit": "int | None",
    "cascade": "str | None", "allow": "dict[str, str]",
}


def _common_fields(owner: str) -> dict:
    """Fields a Service and its per-environment Overlay share (the overlay layer wins)."""
    return dict(
        values=attrs.field(factory=dict, kw_only=True, converter=yaml_values(f"{owner}.values"),
                           validator=yaml_data),
        config=attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=str_map),
        image=attrs.field(default=None, kw_only=True, validator=optional(instance_of(Image))),
        namespace=attrs.field(default=None, kw_only=True, validator=optional(non_empty_str)),
        wave=attrs.field(default=None, kw_only=True, converter=_wave, validator=_wave_check),
        sync=attrs.field(default=None, kw_only=True, validator=optional(instance_of(SyncPolicy))),
        ignore_differences=attrs.field(default=None, kw_only=True, converter=to_tuple,
                                       validator=optional(tuple_of(IgnoreDifference))),
        labels=attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=label_map),
        annotations=attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=annotation_map),
        info=attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=str_map),
        revision_history_limit=attrs.field(default=None, kw_only=True, validator=optional(int_range(0))),
        cascade=attrs.field(default=None, kw_only=True, validator=_cascade),
        allow=allow_field(),
    )


@attrs.frozen
class Overlay:
    """What changes for a service in one environment. Values deep-merge (lists replace); other
    fields replace the service's. `chart` may pin another chart version in this environment.
    """

    chart: HelmChart | GitPath | None = attrs.field(default=None, kw_only=True,
                                                    validator=optional(instance_of(HelmChart, GitPath)))
    depends_on: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                           validator=optional(tuple_of(str)))
    location: object = location_field()
    locals().update(_common_fields("Overlay"))
    __annotations__.update(_COMMON_TYPES)


@attrs.frozen
class ZoneOverlay:
    """What changes for a service in every environment of one network zone: Helm values and the
    image, e.g. a public registry in the internet zone where the service layer names an internal
    one. Its values are written to a values file of that zone
    (`values/<service>/values-zone-<zone>.yaml`) instead of the service's shared `values.yaml`,
    so what one zone must not see never travels to it."""

    values: dict = attrs.field(factory=dict, kw_only=True, converter=yaml_values("ZoneOverlay.values"),
                               validator=yaml_data)
    image: Image | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(Image)))
    location: object = location_field()


def _layers_by_name(field: str, what: str, cls_name: str):
    """A validator for {name: overlay} fields (per_env, per_zone)."""
    def check(instance, attribute, value):
        cls = globals()[cls_name]
        if not isinstance(value, dict):
            raise ModelError("GD101", f"Service.{field}: expected a dict of {what} name to "
                                      f"{cls_name}, got {type(value).__name__}")
        for name, layer in value.items():
            if not isinstance(name, str) or not isinstance(layer, cls):
                raise ModelError("GD101", f"Service.{field}[{name!r}]: expected "
                                          f"{'an' if cls_name[0] in 'AEIOU' else 'a'} {cls_name}, "
                                          f"got {type(layer).__name__}")
    return check


_per_zone = _layers_by_name("per_zone", "zone", "ZoneOverlay")
_per_env = _layers_by_name("per_env", "environment", "Overlay")


@attrs.frozen
class Service:
    """One service. Rendered as an Application `<name>-<env>` in each environment it runs in.

    chart=None uses the standard service chart (driven by image, values, config and secrets).
    `environments=None` means every environment of the platform.
    """

    name: str = attrs.field(validator=dns_label(53))
    chart: HelmChart | GitPath | None = attrs.field(default=None, kw_only=True,
                                                    validator=optional(instance_of(HelmChart, GitPath)))
    project: str | None = attrs.field(default=None, kw_only=True,
                                      converter=lambda p: getattr(p, "name", p),
                                      validator=optional(instance_of(str, expected="a Project or name")))
    depends_on: tuple[str, ...] = attrs.field(default=(), kw_only=True,
                                    converter=lambda v: to_tuple([getattr(x, "name", x) for x in v])
                                    if isinstance(v, (list, tuple, set)) else v,
                                    validator=tuple_of(str, expected="a service name or Service"))
    secrets: SealedSecrets | ExternalSecret | None = attrs.field(
        default=None, kw_only=True, validator=optional(instance_of(SealedSecrets, ExternalSecret)))
    per_env: dict[str, Overlay] = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=_per_env)
    #: {zone name: ZoneOverlay(...)}: values and image for every environment of a zone
    per_zone: dict[str, ZoneOverlay] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                   validator=_per_zone)
    environments: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True,
        converter=lambda v: to_tuple([getattr(x, "name", x) for x in v])
        if isinstance(v, (list, tuple, set)) else v,
        validator=optional(tuple_of(str, expected="an environment name or Environment")))
    stateful: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    release_name: str | None = attrs.field(default=None, kw_only=True, validator=optional(dns_label(53)))
    #: names this service had before (newest first): a rename shows as a rename, is not a
    #: deletion for the delete guard, and keeps the oldest name as the Helm release name (so the
    #: workloads keep their names) unless release_name says otherwise
    previous_names: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                  validator=tuple_of(str))
    #: where the rename from previous_names[0] stands: "prepare" (the default while
    #: previous_names is set) keeps the old Application without its resources finalizer, so
    #: that pruning it later cannot delete the workloads; "complete" (once Argo CD has synced
    #: the prepare step) replaces it with the Application of the new name
    rename: str | None = attrs.field(default=None, kw_only=True,
                                     validator=optional(one_of("prepare", "complete")))
    provides: tuple[Resource, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                  validator=tuple_of(Resource))
    reads: tuple[Resource, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Resource))
    location: object = location_field()
    locals().update(_common_fields("Service"))
    __annotations__.update(_COMMON_TYPES)

    def __attrs_post_init__(self) -> None:
        if self.rename is not None and not self.previous_names:
            raise ModelError("GD101", f"Service({self.name!r}): rename={self.rename!r} without "
                                      "previous_names", "name the old name: previous_names=['old']")
