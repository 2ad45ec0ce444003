"""A service: one deployable unit, rendered as one Application per environment it runs in."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import (
    allow_map,
    annotation_map,
    dns_label,
    helm_values,
    instance_of,
    int_range,
    label_map,
    name_template,
    one_of,
    optional,
    str_map,
    to_dict,
    to_tuple,
    tuple_of,
    yaml_data,
)
from ._init import quick_init
from .charts import GitPath, HelmChart, HelmOptions, KustomizeOptions
from .refs import Resource
from .secrets import ExternalSecret, SealedSecrets
from .sync import Cascade, IgnoreDifference, SyncPolicy, cascade_check
from .waves import Wave

if TYPE_CHECKING:
    from .infra import Environment
    from .project import Project

_REPOSITORY = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def _repository(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _REPOSITORY.match(value):
        raise ModelError("GD101", f"Image.repository {value!r} is not an image repository",
                         "e.g. 'ghcr.io/acme/plate-api', without a tag (give the tag as tag=...)")


def _tag(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not _TAG.match(value)):
        raise ModelError("GD101", f"Image.tag {value!r} is not a valid image tag")


def _digest(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not _DIGEST.match(value)):
        raise ModelError("GD101", f"Image.digest {value!r} is not a sha256 digest",
                         "write 'sha256:' followed by 64 hex digits")


#: the two steps of a rename (Service.rename)
RenameStep = Literal["prepare", "complete"]

@quick_init
@attrs.frozen
class Image:
    """A container image for the standard chart: repository plus a tag and/or a digest."""

    #: the image repository without a tag, e.g. `ghcr.io/acme/api`
    repository: str = attrs.field(validator=_repository)
    #: the tag; `None` takes it from the versions file
    tag: str | None = attrs.field(default=None, validator=_tag)
    #: a `sha256:` digest, alone or with the tag
    digest: str | None = attrs.field(default=None, kw_only=True, validator=_digest)
    #: the container's `imagePullPolicy` (`IfNotPresent`, `Always`, `Never`)
    pull_policy: str | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(str)))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    @property
    def reference(self) -> str:
        ref = self.repository
        if self.tag:
            ref += f":{self.tag}"
        if self.digest:
            ref += f"@{self.digest}"
        return ref


def _wave_check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, (Wave, int, str)) or isinstance(value, bool)):
        raise ModelError("GD101", f"{type(instance).__name__}.wave: expected a Wave, a wave name or an "
                                  f"integer, got {type(value).__name__}")


@attrs.frozen
class _Layer:
    """The fields a Service and its per-environment Overlay share (the overlay layer wins)."""

    #: Helm values: on a Service common to every environment (`values.yaml`); on an Overlay this
    #: environment's layer, deep-merged over them (lists replace)
    values: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=helm_values,
                                         validator=yaml_data)
    #: string key/values for the standard chart's ConfigMap (`configs/<env>/<service>/config.yaml`,
    #: `envFrom`); an Overlay's keys merge over the service's
    config: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=str_map)
    #: the `Image` the standard chart runs
    image: Image | None = attrs.field(default=None, kw_only=True,
                                      validator=optional(instance_of(Image)))
    #: destination namespace (template as in `Environment.namespace`); `""` writes none, for an
    #: Application of cluster-scoped resources (CRDs, ClusterRoles) or of resources that name
    #: their own namespaces
    namespace: str | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(str)))
    #: `HelmOptions` (parameters, passCredentials, ...) for a chart Argo CD renders with Helm
    helm: HelmOptions | None = attrs.field(default=None, kw_only=True,
                                           validator=optional(instance_of(HelmOptions)))
    #: `KustomizeOptions` (namePrefix, images, patches, ...) for a `GitPath(tool="kustomize")`
    kustomize: KustomizeOptions | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(instance_of(KustomizeOptions)))
    #: the Argo CD Application's name: a template of `{service}`, `{env}` and `{platform}`, or (on
    #: an Overlay) the name itself; default `{service}-{env}`. Imported trees keep their names.
    app_name: str | None = attrs.field(default=None, kw_only=True, validator=optional(name_template(63)))
    #: a `Wave`, a wave name or an integer; `None` infers one wave after the latest dependency (0
    #: without any)
    wave: Wave | int | str | None = attrs.field(default=None, kw_only=True, validator=_wave_check)
    #: the `SyncPolicy` layer of the service (or of the service in one environment)
    sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(SyncPolicy)))
    #: `IgnoreDifference`s written to the Application
    ignore_differences: tuple[IgnoreDifference, ...] | None = attrs.field(
        default=None, kw_only=True, converter=to_tuple, validator=optional(tuple_of(IgnoreDifference)))
    #: labels added to the Application
    labels: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=label_map)
    #: annotations added to the Application
    annotations: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                              validator=annotation_map)
    #: `spec.info` entries shown in the Argo CD UI
    info: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                       validator=str_map)
    #: `spec.revisionHistoryLimit` of the Application
    revision_history_limit: int | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(int_range(0)))
    #: what deleting the Application does to its workloads: `foreground` (finalizer
    #: `resources-finalizer.argocd.argoproj.io`: they are deleted with it), `background`, or `none`
    #: (they stay)
    cascade: Cascade | None = attrs.field(default=None, kw_only=True, validator=cascade_check)
    #: suppressions, as `Platform.allow`
    allow: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=allow_map)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                            kw_only=True)


def _project_name(value: Project | str | None) -> str | None:
    return value.name if hasattr(value, "name") else value  # type: ignore[union-attr]


@quick_init
@attrs.frozen
class Overlay(_Layer):
    """What changes for a service in one environment: values deep-merge (lists replace), config
    keys, labels, annotations and info merge, everything else replaces the service's field
    (`chart` can pin another chart version there, `depends_on=[]` drops dependencies there)."""

    #: another chart (or chart version) in this environment
    chart: HelmChart | GitPath | None = attrs.field(default=None, kw_only=True,
                                                    validator=optional(instance_of(HelmChart, GitPath)))
    #: replaces the service's dependencies in this environment (`[]` drops them)
    depends_on: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=to_tuple,
                                           validator=optional(tuple_of(str)))
    #: the Helm release name in this environment (a name, or a template as on the Service)
    release_name: str | None = attrs.field(default=None, kw_only=True,
                                           validator=optional(name_template(53)))
    #: another `Project` (or its name) in this environment: a production kept apart in an
    #: AppProject of its own, with its own destinations and roles
    project: str | None = attrs.field(default=None, kw_only=True, converter=_project_name,
                                      validator=optional(instance_of(str, expected="a Project or name")))


@quick_init
@attrs.frozen
class ZoneOverlay:
    """What changes for a service in every environment of one network zone: Helm values and the
    image, e.g. a public registry in the internet zone where the service layer names an internal
    one. Its values are written to a values file of that zone
    (`values/<service>/values-zone-<zone>.yaml`) instead of the service's shared `values.yaml`,
    so what one zone must not see never travels to it."""

    #: Helm values for every environment of the zone (its own common values file)
    values: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=helm_values,
                               validator=yaml_data)
    #: the `Image` in every environment of the zone
    image: Image | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(Image)))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)


def _names(value: Iterable[Service | str]) -> tuple[str, ...]:
    """Services or Environments, or their names: the names (anything else is left for the
    validator to explain)."""
    if isinstance(value, (list, tuple, set)):
        return to_tuple([getattr(x, "name", x) for x in value])  # type: ignore[no-any-return]
    return value  # type: ignore[return-value]


def _optional_names(value: Iterable[Environment | str] | None) -> tuple[str, ...] | None:
    return None if value is None else _names(value)  # type: ignore[arg-type]


def _layers_by_name(field: str, what: str,
                    cls_name: str) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """A validator for {name: overlay} fields (per_env, per_zone)."""
    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
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


@quick_init
@attrs.frozen
class Service(_Layer):
    """One service. Rendered as an Application `<name>-<env>` in each environment it runs in.

    chart=None uses the standard service chart (driven by image, values, config and secrets).
    `environments=None` means every environment of the platform.
    """

    #: service name (≤ 53 chars, Helm's release limit); the Application is `<name>-<env>`
    name: str = attrs.field(validator=dns_label(53))
    #: `HelmChart`, `GitPath`, or `None` for the standard service chart
    chart: HelmChart | GitPath | None = attrs.field(default=None, kw_only=True,
                                                    validator=optional(instance_of(HelmChart, GitPath)))
    #: the `Project` (or its name)
    project: str | None = attrs.field(default=None, kw_only=True,
                                      converter=_project_name,
                                      validator=optional(instance_of(str, expected="a Project or name")))
    #: services (or names) that must sync in an earlier wave, in every environment both run in
    depends_on: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                              validator=tuple_of(str, expected="a service name or Service"))
    #: `SealedSecrets` or `ExternalSecret` (`configs/<env>/<service>/secrets.yaml`)
    secrets: SealedSecrets | ExternalSecret | None = attrs.field(
        default=None, kw_only=True, validator=optional(instance_of(SealedSecrets, ExternalSecret)))
    #: `{env name: Overlay(...)}`
    per_env: dict[str, Overlay] = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=_per_env)
    #: `{zone name: ZoneOverlay(...)}`: values and image for every environment of a zone
    per_zone: dict[str, ZoneOverlay] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                   validator=_per_zone)
    #: environments (or names) the service runs in; `None` means all
    environments: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_optional_names,
        validator=optional(tuple_of(str, expected="an environment name or Environment")))
    #: environments (or names) that use this service without deploying it: it runs once per
    #: cluster (an ingress controller, a secret manager) in `environments`, and the other
    #: environments on the same cluster share it - their dependencies on it are met there (their
    #: roots do not wait for another root's waves)
    shared_with: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_names,
                                               validator=tuple_of(str, expected="an environment name or Environment"))
    #: data outlives the Application: the default cascade becomes `"none"`
    stateful: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    #: Helm release name, or a template of `{service}`, `{env}` and `{platform}` (`{service}-{env}`
    #: is Argo CD's own default, the Application's name); default the service name (so objects
    #: are named `api`, not `api-prod`)
    release_name: str | None = attrs.field(default=None, kw_only=True,
                                           validator=optional(name_template(53)))
    #: names the service had before, newest first: the rename shows as a rename in `diff`, is not a
    #: deletion for the delete guard, and the oldest name stays the release name (the workloads keep
    #: their names) unless `release_name` is set
    previous_names: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                  validator=tuple_of(str))
    #: where the rename from `previous_names[0]` stands: `prepare` (the default while
    #: `previous_names` is set) or `complete`; see "Renaming a service"
    rename: RenameStep | None = attrs.field(default=None, kw_only=True,
                                            validator=optional(one_of(*get_args(RenameStep))))
    #: `Resource`s the service makes (a Secret, a CRD)
    provides: tuple[Resource, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                  validator=tuple_of(Resource))
    #: `Resource`s it needs: what makes them must sync in an earlier wave (GD204) or exist at all
    #: (GD205); on the standard chart, Secrets read are injected with `envFrom`
    reads: tuple[Resource, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(Resource))

    def __attrs_post_init__(self) -> None:
        if self.rename is not None and not self.previous_names:
            raise ModelError("GD101", f"Service({self.name!r}): rename={self.rename!r} without "
                                      "previous_names", "name the old name: previous_names=['old']")
