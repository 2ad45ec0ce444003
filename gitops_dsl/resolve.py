"""Layering: defaults -> platform -> environment -> service -> overlay, into one flat spec per
(service, environment). This is the only place where inheritance happens; later stages read
`App` fields and never look back at the layers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import attrs

from .model import (
    STANDARD_CHART,
    Backoff,
    Environment,
    IgnoreDifference,
    Platform,
    Retry,
    Service,
    SyncOptions,
    SyncPolicy,
    Wave,
    Zone,
)
from .model._fields import expand_name
from .model.charts import GitPath, HelmChart, HelmOptions, KustomizeOptions, StandardChart
from .model.secrets import ExternalSecret, SealedSecrets
from .model.service import Image, Overlay, ZoneOverlay

if TYPE_CHECKING:
    from .versions.file import Pin, Versions

from .merging import deep_merge, merge_fields
from .wave_order import explicit_wave, infer_waves, named_waves

#: gitops-dsl's own defaults: explicit about everything Argo CD would otherwise default silently.
DEFAULT_SYNC = SyncPolicy(
    automated=True, prune=True, self_heal=True, allow_empty=False,
    # retry.limit is always written: a retry block without it means "no retries" (argocd-facts 5)
    retry=Retry(limit=5, backoff=Backoff("5s", 2, "3m")),
    options=SyncOptions(create_namespace=True),
)


DEFAULT_REVISION_HISTORY_LIMIT = 10


DEFAULT_CASCADE = "foreground"


#: the Application's name unless a Service or Overlay sets `app_name`
DEFAULT_APP_NAME = "{service}-{env}"


@attrs.define(eq=True, hash=False)
class App:
    """The effective spec of one service in one environment: one Argo CD Application.

    Read-only by convention, not enforced: a compile makes one per service and environment
    (15,000 at 5000 services x 3), and a frozen class sets each of its 33 fields through
    `object.__setattr__` - 40 % of the time making one (nothing hashes an App: its dicts
    never let it)."""

    platform: Platform
    service: Service
    env: Environment
    zone: Zone
    name: str
    namespace: str
    project: str | None
    wave: int
    wave_name: str
    depends_on: tuple[str, ...]
    chart: HelmChart | GitPath | StandardChart
    image: Image | None
    values: dict[str, Any]          # values common to every environment (values.yaml)
    env_values: dict[str, Any]      # this environment's layer (values-<env>.yaml)
    config: dict[str, str]
    secrets: SealedSecrets | ExternalSecret | None
    sealed: dict[str, Any]          # this environment's sealed values ({} unless SealedSecrets)
    sync: SyncPolicy
    ignore_differences: tuple[IgnoreDifference, ...]
    labels: dict[str, str]
    annotations: dict[str, str]
    info: dict[str, str]
    revision_history_limit: int
    cascade: str
    release_name: str
    overlay: Overlay | None
    pins: dict[str, Pin] = attrs.field(factory=dict)   # field -> the pin that filled it
    #: the service name the Application file is named after (the old name while a rename is
    #: at its prepare step)
    file_name: str = ""
    #: while a rename is at its prepare step: the Application name it will get
    renaming_to: str | None = None
    #: the zone whose ZoneOverlay shaped `values` (its own common values file), or None
    values_zone: str | None = None
    #: the Helm options of the service, with the environment's layered over them
    helm: HelmOptions | None = None
    #: the Kustomize options of the service, with the environment's layered over them
    kustomize: KustomizeOptions | None = None
    #: the Application as data, once a stage has rendered it (`render.apps.application_data`:
    #: the checks that scan it and the render stage that writes it share one rendering)
    document: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def effective_values(self) -> dict[str, Any]:
        merged: dict[str, Any] = deep_merge(self.values, self.env_values)
        return merged

    def effective_value(self, key: str, default: Any = None) -> Any:
        """`effective_values.get(key, default)`, merging that key's layers only."""
        if key not in self.env_values:
            return self.values.get(key, default)
        if key not in self.values:
            return self.env_values[key]
        return deep_merge(self.values[key], self.env_values[key])


@attrs.frozen
class Resolved:
    """A platform with every (service, environment) pair resolved, in a canonical order."""

    platform: Platform
    environments: tuple[Environment, ...]   # sorted by name
    zones: tuple[Zone, ...]                 # sorted by name
    apps: tuple[App, ...]                   # sorted by (zone, env, service)
    waves: dict[str, Wave]                  # wave name -> Wave
    services: dict[str, Service]            # service name -> Service (first declaration wins)
    versions: Versions | None = None        # the platform's versions file
    _by_env: dict[str, list[App]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_env: dict[str, list[App]] = {}
        for app in self.apps:
            by_env.setdefault(app.env.name, []).append(app)
        object.__setattr__(self, "_by_env", by_env)

    def apps_in(self, env_name: str) -> list[App]:
        return list(self._by_env.get(env_name, ()))


def platform_in_zone(platform: Platform, zone: Zone) -> Platform:
    """The platform as a zone's Argo CD sees it: with the zone's publishing repositories."""
    if zone.gitops_repo is None and zone.configs_repo is None:
        return platform
    return attrs.evolve(platform, gitops_repo=zone.gitops_repo or platform.gitops_repo,
                        configs_repo=zone.configs_repo or platform.configs_repo)


def platform_for(platform: Platform, zone: Zone, env: Environment) -> Platform:
    """The platform as one environment's Applications read it: the zone's repositories, at the
    environment's gitops revision (the configs repository too when it is the gitops one)."""
    seen = platform_in_zone(platform, zone)
    if env.gitops_revision is None or env.gitops_revision == seen.gitops_repo.revision:
        return seen
    configs = seen.configs_repo
    if configs is not None and configs.url == seen.gitops_repo.url:
        configs = attrs.evolve(configs, revision=env.gitops_revision)
    return attrs.evolve(seen, gitops_repo=attrs.evolve(seen.gitops_repo, revision=env.gitops_revision),
                        configs_repo=configs)


def _zones(platform: Platform) -> dict[str, Zone]:
    zones: dict[str, Zone] = {z.name: z for z in platform.zones}
    for env in platform.environments:
        zones.setdefault(env.zone.name, env.zone)
    return zones


def enabled_environments(service: Service, platform: Platform) -> list[Environment]:
    if service.environments is None:
        return list(platform.environments)
    wanted = set(service.environments)
    return [e for e in platform.environments if e.name in wanted]


def resolve(platform: Platform, versions: Versions | None = None) -> Resolved:
    """Every (service, environment) of a platform, with the versions file's pins filled in."""
    from .versions.file import EMPTY
    pins = versions or EMPTY
    zones = _zones(platform)
    waves = named_waves(platform)
    services: dict[str, Service] = {}
    for service in platform.services:
        services.setdefault(service.name, service)
    environments: dict[str, Environment] = {}
    for env in platform.environments:
        environments.setdefault(env.name, env)

    apps: list[App] = []
    commons: dict[Any, dict[str, Any]] = {}   # common values layers (see _values)
    # each service's own dependencies and wave, for the environments without an overlay of them
    own_deps = {s.name: tuple(sorted(set(s.depends_on))) for s in services.values()}
    own_waves = {s.name: explicit_wave(s.wave, waves) for s in services.values()}
    for env in sorted(environments.values(), key=lambda e: e.name):
        # enabled_environments(s, platform) holds env, by name (environments are told apart
        # by name: comparing them field by field costs more than the rest of resolve)
        in_env = [s for s in services.values()
                  if s.environments is None or env.name in s.environments]
        overlays = {s.name: s.per_env.get(env.name) for s in in_env}
        deps = {name: own_deps[name] if overlay is None or overlay.depends_on is None
                else tuple(sorted(set(overlay.depends_on))) for name, overlay in overlays.items()}
        explicit = {name: own_waves[name] if overlay is None or overlay.wave is None
                    else explicit_wave(overlay.wave, waves) for name, overlay in overlays.items()}
        env_waves = infer_waves(explicit, deps, {w.number: w.name for w in waves.values()})
        env_platform = platform_for(platform, zones[env.zone.name], env)
        for service in sorted(in_env, key=lambda s: s.name):
            apps.append(_resolve_app(env_platform, service, env, zones[env.zone.name],
                                     overlays[service.name], deps[service.name],
                                     env_waves[service.name], pins, commons))
    apps.sort(key=lambda a: (a.zone.name, a.env.name, a.service.name))
    return Resolved(platform, tuple(sorted(environments.values(), key=lambda e: e.name)),
                    tuple(sorted(zones.values(), key=lambda z: z.name)), tuple(apps), waves, services,
                    pins)


def _pick(overlay: Overlay | None, service: Service, field: str) -> Any:
    if overlay is not None and getattr(overlay, field) is not None:
        return getattr(overlay, field)
    return getattr(service, field)


_MERGED: dict[tuple[int, ...], tuple[tuple[SyncPolicy | None, ...], SyncPolicy]] = {}


def _sync_policy(*layers: SyncPolicy | None) -> SyncPolicy:
    """The layered sync policy, computed once per distinct combination of layer objects."""
    # object.__hash__ tells live objects apart as id() does, without id()'s audit event (a
    # compile that records its inputs has an audit hook: 60,000 events at 5000 services)
    key = tuple(map(object.__hash__, layers))
    hit = _MERGED.get(key)
    if hit is not None and hit[0] == layers:   # identity first, element by element (in C)
        return hit[1]
    sync = DEFAULT_SYNC
    for layer in layers:
        sync = merge_fields(sync, layer)
    if len(_MERGED) > 50_000:
        _MERGED.clear()
    _MERGED[key] = (layers, sync)  # keeps the layers alive, so their keys stay theirs
    return sync


def _split_pin(value: str) -> tuple[str | None, str | None]:
    """An image pin is a tag, a digest, or tag@digest."""
    if value.startswith("sha256:"):
        return None, value
    tag, _, digest = value.partition("@")
    return tag or None, digest or None


@overload
def _pinned(image: Image, pin: Pin | None) -> Image: ...


@overload
def _pinned(image: None, pin: Pin | None) -> None: ...


def _pinned(image: Image | None, pin: Pin | None) -> Image | None:
    if image is None or image.tag or image.digest or pin is None:
        return image
    tag, digest = _split_pin(pin.value)
    return attrs.evolve(image, tag=tag, digest=digest)


def _resolve_app(platform: Platform, service: Service, env: Environment, zone: Zone,
                 overlay: Overlay | None, deps: tuple[str, ...], wave: tuple[int, str],
                 versions: Versions, commons: dict[Any, dict[str, Any]] | None = None) -> App:
    # run once per service and environment (15,000 times at 5000 services x 3): the overlay's
    # fields are read inline where `_pick` would say the same
    o = overlay
    sync = _sync_policy(platform.sync, env.sync, service.sync, o.sync if o is not None else None)
    history = DEFAULT_REVISION_HISTORY_LIMIT
    cascade = DEFAULT_CASCADE
    for layer in (platform, env, service, o):
        if layer is None:
            continue
        if layer.revision_history_limit is not None:
            history = layer.revision_history_limit
        if layer is service and service.stateful:
            cascade = "none"  # stateful data outlives its Application unless asked otherwise
        if layer.cascade is not None:
            cascade = layer.cascade
    picked = o.namespace if o is not None and o.namespace is not None else service.namespace
    namespace = picked if picked is not None else env.namespace   # "": no namespace
    if "{" in namespace:
        namespace = namespace.replace("{platform}", platform.name).replace(
            "{env}", env.name).replace("{service}", service.name)
    chart = (o.chart if o is not None and o.chart is not None else service.chart) or STANDARD_CHART
    pins = {}
    if isinstance(chart, HelmChart) and chart.version is None:
        pin = versions.pin(service.name, env.name, "chart")
        if pin is not None:
            chart = attrs.evolve(chart, version=pin.value)
            pins["chart"] = pin
    zone_layer = service.per_zone.get(zone.name) if service.per_zone else None
    declared = (o.image if o is not None and o.image is not None else
                zone_layer.image if zone_layer is not None and zone_layer.image is not None else
                service.image)
    image_pin = versions.pin(service.name, env.name, "image") if declared is not None else None
    image = _pinned(declared, image_pin)
    if image_pin is not None and image is not None and image is not declared:
        pins["image"] = image_pin
    values, env_values = _values(service, o, chart, versions, env.name, zone_layer, commons)
    config = {**service.config, **o.config} if o is not None else dict(service.config)
    sealed = {}
    if isinstance(service.secrets, SealedSecrets):
        sealed = service.secrets.values.get(env.name, {})
    ignore = (o.ignore_differences if o is not None and o.ignore_differences is not None
              else service.ignore_differences) or ()
    app_template = (o.app_name if o is not None and o.app_name is not None
                    else service.app_name) or DEFAULT_APP_NAME
    name = expand_name(app_template, service=service.name, env=env.name, platform=platform.name)
    file_name, renaming_to = service.name, None
    if service.previous_names and service.rename != "complete":
        # a safe rename takes two commits (facts 19): first the old Application loses its
        # resources finalizer, so that pruning it later orphans the workloads instead of
        # deleting them; then the new Application replaces it and adopts them
        file_name = service.previous_names[0]
        name, renaming_to = expand_name(app_template, service=file_name, env=env.name,
                                        platform=platform.name), name
        cascade = "none"
    # the workloads keep their names through renames: {service} is the oldest name
    release_service = service.previous_names[-1] if service.previous_names else service.name
    release_template = (o.release_name if o is not None and o.release_name
                        else service.release_name) or "{service}"
    release_name = expand_name(release_template, service=release_service, env=env.name,
                               platform=platform.name)
    return App(
        platform=platform, service=service, env=env, zone=zone,
        name=name, file_name=file_name, renaming_to=renaming_to, namespace=namespace,
        project=o.project if o is not None and o.project is not None else service.project,
        wave=wave[0], wave_name=wave[1], depends_on=deps, chart=chart, image=image,
        values=values, env_values=env_values, config=config, secrets=service.secrets,
        sealed=sealed, sync=sync, ignore_differences=tuple(ignore),
        labels={**platform.labels, **env.labels, **service.labels, **(o.labels if o else {})},
        annotations={**env.annotations, **service.annotations, **(o.annotations if o else {})},
        info={**service.info, **o.info} if o is not None else dict(service.info),
        revision_history_limit=history, cascade=cascade,
        release_name=release_name, overlay=o, pins=pins,
        values_zone=zone.name if zone_layer is not None else None,
        helm=(o.helm.over(service.helm) if o is not None and o.helm is not None else service.helm),
        kustomize=(o.kustomize.over(service.kustomize)
                   if o is not None and o.kustomize is not None else service.kustomize),
    )


def _values(service: Service, overlay: Overlay | None, chart: Any, versions: Versions, env: str,
            zone_layer: ZoneOverlay | None = None,
            commons: dict[Any, dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two Helm values layers. For the standard chart the image is a value like any other:
    the service's pin goes to the common layer, an environment's pin to its own layer. A zone
    layer (ZoneOverlay) is part of the common layer of that zone's environments. `commons`
    keeps the common layers made so far (one per service, zone layer and kind of chart)."""
    standard = isinstance(chart, StandardChart)
    key = (service.name, object.__hash__(zone_layer), standard)
    common = commons.get(key) if commons is not None else None
    if common is None:
        common = _common_values(service, standard, versions, zone_layer)
        if commons is not None:
            commons[key] = common   # the service and its zone layer live as long as the platform
    env_layer = overlay.values if overlay else {}
    if standard:
        service_pin = versions.service_pins.get((service.name, "image"))
        env_pin = versions.env_pins.get((service.name, env, "image"))
        if overlay is not None and overlay.image is not None:
            env_layer = deep_merge(_image_values(_pinned(overlay.image, env_pin or service_pin)),
                                   env_layer)
        elif env_pin is not None and service.image is not None and not (service.image.tag or
                                                                         service.image.digest):
            tag, digest = _split_pin(env_pin.value)
            pinned = {k: v for k, v in (("tag", tag), ("digest", digest)) if v}
            env_layer = deep_merge({"image": pinned}, env_layer)
    return common, env_layer


def _common_values(service: Service, standard: bool, versions: Versions,
                   zone_layer: ZoneOverlay | None) -> dict[str, Any]:
    common = service.values
    if zone_layer is not None and zone_layer.values:
        common = deep_merge(common, zone_layer.values)
    if standard:
        # the Secrets a service says it reads are injected with envFrom by the standard chart
        read = sorted({r.name for r in service.reads if r.kind == "Secret"})
        if read:
            common = deep_merge({"envFromSecrets": read}, common)
        service_pin = versions.service_pins.get((service.name, "image"))
        if service.image is not None:
            common = deep_merge(_image_values(_pinned(service.image, service_pin)), common)
        if zone_layer is not None and zone_layer.image is not None:
            common = deep_merge(common, _image_values(_pinned(zone_layer.image, service_pin)))
    return common


def _image_values(image: Image) -> dict[str, Any]:
    data: dict[str, Any] = {"repository": image.repository}
    if image.tag:
        data["tag"] = image.tag
    if image.digest:
        data["digest"] = image.digest
    if image.pull_policy:
        data["pullPolicy"] = image.pull_policy
    return {"image": data}
