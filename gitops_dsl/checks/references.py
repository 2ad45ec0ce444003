"""GD4xx: references between objects, and to files."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..argo.globs import destination_permitted, source_permitted
from ..model.charts import GitPath, StandardChart
from ..model.secrets import SealedSecrets
from ..model.waves import Wave
from ..naming import did_you_mean
from ..secrets.keys import is_secret_path
from .registry import Finding, builtin

if TYPE_CHECKING:
    from .registry import CheckContext


@builtin("GD401", summary="depends_on names a service that does not exist",
         bad='Service("api", depends_on=["cahce"])', good='Service("api", depends_on=["cache"])')
def unknown_dependency(ctx: CheckContext) -> Iterator[Finding]:
    """Every name in depends_on must be a service of the same platform, and not the service itself."""
    names = set(ctx.resolved.services)
    for service in ctx.resolved.platform.services:
        deps = set(service.depends_on)
        for overlay in service.per_env.values():
            if overlay.depends_on:
                deps.update(overlay.depends_on)
        if service.name not in deps and deps <= names:
            continue   # (the usual case, told in C)
        for dep in sorted(deps):
            if dep not in names:
                yield Finding(f"{service.name} depends on unknown service {dep!r}",
                              did_you_mean(dep, names), service.location, service.name, service)
            elif dep == service.name:
                yield Finding(f"{service.name} depends on itself", "remove it from depends_on",
                              service.location, service.name, service)


@builtin("GD402", summary="a service's project is missing or not declared",
         bad='Service("api", project="apps") with Platform(projects=[Project("app")])',
         good='Service("api", project=app) where app = Project("app")')
def unknown_project(ctx: CheckContext) -> Iterator[Finding]:
    """Every service belongs to an AppProject declared on the platform, or - said explicitly,
    and warned about (GD420) - to Argo CD's built-in `default` project."""
    projects = {p.name for p in ctx.resolved.platform.projects}
    for service in ctx.resolved.platform.services:
        if service.project is None:
            yield Finding(f"{service.name} has no project",
                          f"set project=... ({did_you_mean('', projects)})", service.location,
                          service.name, service)
        for owner, name, where in _projects_named(service):
            if name != DEFAULT_PROJECT and name not in projects:
                yield Finding(f"{service.name}{where} uses project {name!r}, which the platform "
                              "does not declare", did_you_mean(name, projects) +
                              " (add Project(...) to Platform(projects=[...]))", owner.location,
                              service.name, owner)


def _projects_named(service: Any) -> Iterator[tuple[Any, str, str]]:
    """(the object, the project it names, where) for a service and its overlays."""
    if service.project is not None:
        yield service, service.project, ""
    for env, overlay in sorted(service.per_env.items()):
        if overlay.project is not None:
            yield overlay, overlay.project, f" in {env}"


#: Argo CD's built-in AppProject: it exists in every installation and admits every repository,
#: destination and cluster-scoped kind unless an administrator narrowed it
DEFAULT_PROJECT = "default"


@builtin("GD420", summary="a service uses Argo CD's built-in default project", severity="warning",
         bad='Service("api", project="default")', good='Service("api", project=app)')
def default_project(ctx: CheckContext) -> Iterator[Finding]:
    """The default project admits every repository, destination and cluster-scoped kind, so
    nothing stops a chart from deploying anywhere; gitops-dsl neither writes nor narrows it.
    Keep it while migrating a tree that uses it (with allow={"GD420": "reason"}), then move the
    service to a Project of its own."""
    for service in ctx.resolved.platform.services:
        for owner, name, where in _projects_named(service):
            if name == DEFAULT_PROJECT:
                yield Finding(f"{service.name}{where} is in Argo CD's built-in default project, "
                              "which admits every repository, destination and cluster-scoped kind",
                              "declare a Project for it (least privilege is derived from its "
                              "services)", owner.location, service.name, owner)


@builtin("GD403", summary="an overlay, environment list or sealed secret names an unknown environment "
                          "(or a per_zone overlay an unknown zone)",
         bad='Service("api", per_env={"production": Overlay(...)})',
         good='Service("api", per_env={"prod": Overlay(...)})')
def unknown_environment(ctx: CheckContext) -> Iterator[Finding]:
    """per_env keys, `environments` and SealedSecrets keys must be environments of the platform,
    and an overlay only applies where the service runs."""
    platform = ctx.resolved.platform
    envs = {e.name for e in platform.environments}
    zones = {z.name for z in platform.zones} | {e.zone.name for e in platform.environments}
    for service in platform.services:
        enabled = set(service.environments) if service.environments is not None else envs
        for name in service.environments or ():
            if name not in envs:
                yield Finding(f"{service.name}: environments names unknown environment {name!r}",
                              did_you_mean(name, envs), service.location, service.name, service)
        for name in service.shared_with:
            if name not in envs:
                yield Finding(f"{service.name}: shared_with names unknown environment {name!r}",
                              did_you_mean(name, envs), service.location, service.name, service)
        for name, overlay in service.per_env.items():
            if name not in envs:
                yield Finding(f"{service.name}: per_env names unknown environment {name!r}",
                              did_you_mean(name, envs), overlay.location, service.name, service)
            elif name not in enabled:
                yield Finding(f"{service.name}: per_env[{name!r}] has no effect, the service is not "
                              f"deployed in {name}", f"add {name!r} to environments or remove the overlay",
                              overlay.location, service.name, service)
        for name, layer in service.per_zone.items():
            if name not in zones:
                yield Finding(f"{service.name}: per_zone names unknown zone {name!r}",
                              did_you_mean(name, zones), layer.location, service.name, service)
        if isinstance(service.secrets, SealedSecrets):
            for name in service.secrets.values:
                if name not in envs:
                    yield Finding(f"{service.name}: sealed values for unknown environment {name!r}",
                                  did_you_mean(name, envs), service.secrets.location, service.name,
                                  service)
                elif name not in enabled:
                    yield Finding(f"{service.name}: sealed values for {name!r}, where the service is not "
                                  "deployed", "remove them, or deploy the service there",
                                  service.secrets.location, service.name, service)


@builtin("GD404", summary="config or secrets on a chart that does not consume them",
         bad='Service("cache", chart=HelmChart(...redis...), config={"MAXMEMORY": "1gb"})',
         good='Service("cache", chart=HelmChart(...redis...), values={"master": {"extraFlags": [...]}})', per_service=True)
def config_without_consumer(ctx: CheckContext) -> Iterator[Finding]:
    """Only the standard chart reads the configs tree. For any other chart, map config into that
    chart's own value keys (values=...), or the config would be written and never used."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, StandardChart):
            continue
        what = [w for w, v in (("config", app.config), ("secrets", app.secrets)) if v]
        if what:
            yield Finding(f"{app.name}: {' and '.join(what)} given, but its chart does not read the "
                          "configs tree", "map them into the chart's own values keys with values=...",
                          app.service.location, app.name, app.service)


@builtin("GD407", summary="a wave name that no Wave declares, or two waves with one number",
         bad='Service("api", wave="api")  # the waves are "apis", ...', good='Service("api", wave=apis)')
def unknown_wave(ctx: CheckContext) -> Iterator[Finding]:
    """A wave given by name must be one of the platform's Waves(...)."""
    waves = ctx.resolved.waves
    for service in ctx.resolved.platform.services:
        for layer in (service, *service.per_env.values()):
            if isinstance(layer.wave, str) and layer.wave not in waves:
                yield Finding(f"{service.name}: unknown wave {layer.wave!r}",
                              did_you_mean(layer.wave, waves), layer.location, service.name, service)
    numbers: dict[int, Wave] = {}
    for wave in waves.values():
        other = numbers.setdefault(wave.number, wave)
        if other is not wave and other.name != wave.name:
            yield Finding(f"waves {other.name!r} and {wave.name!r} both have number {wave.number}",
                          "declare all waves in one Waves(...) call", wave.location, wave.name)


@builtin("GD408", summary="a standard-chart service has no image",
         bad='Service("api", project="app")', good='Service("api", project="app", image=Image(...))', per_service=True)
def standard_chart_without_image(ctx: CheckContext) -> Iterator[Finding]:
    """The standard chart runs the service's image; without one there is nothing to run."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, StandardChart) and app.image is None:
            yield Finding(f"{app.name} uses the standard chart but has no image",
                          "set image=Image('registry/repo', 'tag'), or name a chart=...",
                          app.service.location, app.name, app.service)


@builtin("GD409", summary="Helm values on a Kustomize or plain-directory source",
         bad='Service("x", chart=GitPath("k8s/x", tool="kustomize"), values={"a": 1})',
         good="change the Kustomize overlay itself", per_service=True)
def values_without_helm(ctx: CheckContext) -> Iterator[Finding]:
    """Kustomize folders and plain manifests take no Helm values."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, GitPath) and app.chart.tool != "helm" and app.effective_values:
            yield Finding(f"{app.name}: values given for a {app.chart.tool} source, which reads none",
                          "use tool='helm', or put the change into the folder itself",
                          app.service.location, app.name, app.service)


@builtin("GD410", summary="a project's source_repos or destinations do not admit a service using it",
         bad='Project("app", source_repos=["https://github.com/acme/*"]) with a Bitnami chart',
         good="leave source_repos=None to derive them, or list every repository the services read")
def project_does_not_admit(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD refuses an Application whose sources (values-only ref repositories included) or
    destination its project does not permit, matching as `argo.globs` does (gobwas globs, `!`
    entries: pkg/apis/application/v1alpha1/app_project_types.go)."""
    from ..render.projects import source_repos

    projects = {p.name: p for p in ctx.resolved.platform.projects}
    for app in ctx.resolved.apps:
        project = projects.get(app.project or "")
        if project is None:
            continue
        if project.source_repos is not None:
            for repo in source_repos([app]):
                if not source_permitted(project.source_repos, repo):
                    yield Finding(f"{app.name} reads {repo}, which project {project.name} does not admit "
                                  "(Argo CD's globs: `*` stops at `/`, `**` crosses it; a `!` entry "
                                  "naming the repository refuses it)",
                                  "add it to source_repos (or leave source_repos=None to derive it)",
                                  project.location, app.name, project)
        if project.destinations is not None:
            cluster = app.env.cluster
            if not destination_permitted(
                    [{"server": d.server, "namespace": d.namespace} for d in project.destinations],
                    server=cluster.server, name=cluster.name, namespace=app.namespace):
                yield Finding(f"{app.name} deploys to {app.namespace or '(no namespace)'} on "
                              f"{cluster.server}, which project {project.name} does not admit "
                              "(a `!` destination naming it refuses it whatever else admits it)",
                              "add a Destination, or leave destinations=None",
                              project.location, app.name, project)


@builtin("GD411", summary="a project that no service uses", severity="warning",
         bad='Platform(projects=[Project("app"), Project("tools")]) and no service in tools',
         good="remove the project, or put the services it was made for in it")
def unused_project(ctx: CheckContext) -> Iterator[Finding]:
    """An unused AppProject is not written; it is usually a leftover or a typo elsewhere."""
    used = {name for s in ctx.resolved.platform.services for _, name, _ in _projects_named(s)}
    for project in ctx.resolved.platform.projects:
        if project.name not in used:
            yield Finding(f"project {project.name!r} has no services", "remove it or use it",
                          project.location, project.name, project)


@builtin("GD412", summary="a version pinned both in Python and in the versions file",
         bad='Image("ghcr.io/acme/api", "1.0.0") and versions.yaml: api: image: 1.1.0',
         good='Image("ghcr.io/acme/api") and the tag only in versions.yaml')
def pinned_twice(ctx: CheckContext) -> Iterator[Finding]:
    """A pin lives in one place, or a bot bumps the file while the code keeps the old tag."""
    versions = ctx.resolved.versions
    if versions is None or versions.path is None:
        return
    for service in ctx.resolved.platform.services:
        layers = [(service, None)] + [(o, e) for e, o in service.per_env.items()]
        for layer, env in layers:
            image, chart = layer.image, layer.chart
            for field, pinned_in_code in (("image", image is not None and (image.tag or image.digest)),
                                          ("chart", getattr(chart, "version", None) is not None)):
                pin = (versions.env_pins.get((service.name, env, field)) if env else
                       versions.service_pins.get((service.name, field)))
                if pinned_in_code and pin is not None:
                    yield Finding(f"{service.name}{' in ' + env if env else ''}: the {field} version is "
                                  f"pinned in Python and at {pin.location.display()}",
                                  "keep it in one place (the versions file, for bots and CI)",
                                  layer.location, service.name, service)
    # an environment's pin under a service whose code pins the same thing, with no overlay of
    # that environment in between: the code wins (resolve.py), the file's pin is dead
    services = ctx.resolved.services
    for (name, env, field), pin in versions.env_pins.items():
        owner = services.get(name)
        if owner is None or getattr(owner.per_env.get(env), field, None) is not None:
            continue
        image, chart = owner.image, owner.chart
        in_code = (image is not None and bool(image.tag or image.digest)) if field == "image" \
            else getattr(chart, "version", None) is not None
        if in_code:
            yield Finding(f"{owner.name} in {env}: the {field} version at "
                          f"{pin.location.display()} changes nothing: the service pins it in "
                          "Python, which wins", "keep it in one place (the versions file, for "
                          "bots and CI)", owner.location, owner.name, owner)


@builtin("GD414", summary="an image tag or chart version that is set nowhere",
         bad='Image("ghcr.io/acme/api") and no `api: image:` in versions.yaml',
         good="versions.yaml: services: api: image: 1.4.2 (or `gitops-dsl set-image api 1.4.2`)", per_service=True)
def version_missing(ctx: CheckContext) -> Iterator[Finding]:
    """Without a tag an image means `latest`; a chart without a version cannot be fetched."""
    from ..model.charts import HelmChart
    for app in ctx.resolved.apps:
        image = app.image
        if isinstance(app.chart, StandardChart) and image is not None and not (image.tag or image.digest):
            yield Finding(f"{app.name}: image {image.repository} has no tag", "pin it: gitops-dsl "
                          f"set-image {app.service.name} TAG [--env {app.env.name}]", image.location,
                          app.name, app.service)
        if isinstance(app.chart, HelmChart) and app.chart.version is None:
            yield Finding(f"{app.name}: chart {app.chart.chart} has no version", "pin it: gitops-dsl "
                          f"set-chart {app.service.name} VERSION [--env {app.env.name}]",
                          app.chart.location, app.name, app.service)


_SCHEMA_VALIDATOR = None


def _without_value(message: str) -> str:
    """A schema message without the offending value (`'x' is not of type 'string'` ->
    `the value is not of type 'string'`; the env map may hold secrets)."""
    import re
    return re.sub(r"^(\{.*\}|\[.*\]|'(?:[^'\\]|\\.)*'|\S+) (is|was|does|has|should)\b",
                  r"the value \2", message, count=1, flags=re.DOTALL)


def standard_chart_schema() -> Any:
    """The standard chart's values.schema.json as a validator (built once)."""
    global _SCHEMA_VALIDATOR
    if _SCHEMA_VALIDATOR is None:
        import json
        from importlib import resources

        from .schema import Validator
        schema = json.loads((resources.files("gitops_dsl") / "data" / "charts" / "service" /
                             "values.schema.json").read_text())
        _SCHEMA_VALIDATOR = Validator(schema)
    return _SCHEMA_VALIDATOR


@builtin("GD416", summary="values the standard chart's schema rejects",
         bad='Service("api", image=..., values={"replicaCount": "3"})',
         good='Service("api", image=..., values={"replicaCount": 3})', per_service=True)
def standard_chart_values(ctx: CheckContext) -> Iterator[Finding]:
    """The standard chart ships a values.schema.json, so Helm (and Argo CD) would refuse to render
    these values; checked at compile time, with the values' path."""
    validator = standard_chart_schema()
    # the service layer is the same in every environment (of a zone with a ZoneOverlay)
    common: dict[tuple[str, str | None], list[Any]] = {}
    for app in ctx.resolved.apps:
        if not isinstance(app.chart, StandardChart):
            continue
        if app.helm is not None and app.helm.skip_schema_validation:
            # Argo CD renders with `helm template --skip-schema-validation` then
            # (reposerver/repository/repository.go `helmTemplate`): no schema refuses anything
            continue
        # config and secrets are built by the compiler from checked fields, so the user's two
        # layers are what can be wrong: each checked alone (a leaf comes from one layer), and
        # the required keys on the merged values
        scope = (app.service.name, app.values_zone)   # what values.yaml holds
        if scope not in common:
            common[scope] = list(validator.errors(app.values, required=False))
        problems = set(common[scope])
        problems.update(validator.errors(app.env_values, required=False))
        image = app.effective_value("image")
        if not isinstance(image, dict) or not image.get("repository"):
            problems.add(("image", "'repository' is a required property"))
        for path, message in sorted(problems):
            if is_secret_path(path) or path.split(".")[0] in ("env", "config"):
                message = _without_value(message)
            yield Finding(f"{app.name}: values.{path or '(top level)'}: {message[:200]}",
                          "see the standard chart's values (docs: Concepts, Charts)", app.service.location,
                          app.name, app.service)


@builtin("GD419", summary="a k6 smoke test whose failed checks cannot fail the analysis",
         bad='values={"analysis": {"enabled": True, "script": "...check(res, {...})..."}}',
         good='... export const options = { thresholds: { checks: ["rate==1.0"] } }; ...',
         per_service=True)
def k6_without_thresholds(ctx: CheckContext) -> Iterator[Finding]:
    """k6 exits non-zero only when a threshold fails; a failed check() alone exits 0, so the
    AnalysisRun's Job succeeds and Argo Rollouts promotes a broken preview (argocd-facts 19)."""
    for app in ctx.resolved.apps:
        if not isinstance(app.chart, StandardChart):
            continue
        if app.effective_value("workload") == "Deployment":
            continue   # a plain Deployment runs no analysis (the chart leaves it out)
        analysis = app.effective_value("analysis")
        script = analysis.get("script") if isinstance(analysis, dict) else None
        if analysis and analysis.get("enabled") and isinstance(script, str) and \
                "check(" in script and "thresholds" not in script:
            yield Finding(f"{app.name}: its k6 smoke test uses check() without thresholds, so a "
                          "failed check still passes the analysis",
                          'add `export const options = { thresholds: { checks: ["rate==1.0"] } };`',
                          app.service.location, app.name, app.service)
