"""GD4xx: references between objects, and to files."""
from __future__ import annotations

import difflib
from typing import Iterator

from ..model.charts import GitPath, StandardChart
from ..model.secrets import SealedSecrets
from ..model.waves import Wave
from .registry import Finding, rule


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(choices)) or 'none'}"


@rule("GD401", summary="depends_on names a service that does not exist")
def unknown_dependency(ctx) -> Iterator[Finding]:
    """Every name in depends_on must be a service of the same platform."""
    names = set(ctx.resolved.services)
    for service in ctx.resolved.platform.services:
        layers = [service.depends_on, *(o.depends_on or () for o in service.per_env.values())]
        for dep in sorted({d for layer in layers for d in layer}):
            if dep not in names:
                yield Finding(f"{service.name} depends on unknown service {dep!r}",
                              _did_you_mean(dep, names), service.location, service.name)
            elif dep == service.name:
                yield Finding(f"{service.name} depends on itself", "remove it from depends_on",
                              service.location, service.name)


@rule("GD402", summary="a service's project is missing or not declared")
def unknown_project(ctx) -> Iterator[Finding]:
    """Every service belongs to an AppProject declared on the platform; the built-in `default`
    project permits everything and is never used."""
    projects = {p.name for p in ctx.resolved.platform.projects}
    for service in ctx.resolved.platform.services:
        if service.project is None:
            yield Finding(f"{service.name} has no project",
                          f"set project=... ({_did_you_mean('', projects)})", service.location,
                          service.name)
        elif service.project not in projects:
            yield Finding(f"{service.name} uses project {service.project!r}, which the platform does "
                          "not declare", _did_you_mean(service.project, projects) +
                          " (add Project(...) to Platform(projects=[...]))", service.location,
                          service.name)


@rule("GD403", summary="an overlay, environment list or sealed secret names an unknown environment")
def unknown_environment(ctx) -> Iterator[Finding]:
    """per_env keys, `environments` and SealedSecrets keys must be environments of the platform,
    and an overlay only applies where the service runs."""
    platform = ctx.resolved.platform
    envs = {e.name for e in platform.environments}
    for service in platform.services:
        enabled = set(service.environments) if service.environments is not None else envs
        for name in service.environments or ():
            if name not in envs:
                yield Finding(f"{service.name}: environments names unknown environment {name!r}",
                              _did_you_mean(name, envs), service.location, service.name)
        for name, overlay in service.per_env.items():
            if name not in envs:
                yield Finding(f"{service.name}: per_env names unknown environment {name!r}",
                              _did_you_mean(name, envs), overlay.location, service.name)
            elif name not in enabled:
                yield Finding(f"{service.name}: per_env[{name!r}] has no effect, the service is not "
                              f"deployed in {name}", f"add {name!r} to environments or remove the overlay",
                              overlay.location, service.name)
        if isinstance(service.secrets, SealedSecrets):
            for name in service.secrets.values:
                if name not in envs:
                    yield Finding(f"{service.name}: sealed values for unknown environment {name!r}",
                                  _did_you_mean(name, envs), service.secrets.location, service.name)


@rule("GD404", summary="config or secrets on a chart that does not consume them")
def config_without_consumer(ctx) -> Iterator[Finding]:
    """Only the standard chart reads the configs tree. For any other chart, map config into that
    chart's own value keys (values=...), or the config would be written and never used."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, StandardChart):
            continue
        what = [w for w, v in (("config", app.config), ("secrets", app.secrets)) if v]
        if what:
            yield Finding(f"{app.name}: {' and '.join(what)} given, but its chart does not read the "
                          "configs tree", "map them into the chart's own values keys with values=...",
                          app.service.location, app.name)


@rule("GD405", summary="a GitPath in the gitops repository does not exist")
def missing_git_path(ctx) -> Iterator[Finding]:
    """A chart or manifests folder in this repository must exist in this checkout, or Argo CD
    fails to render the Application."""
    seen = set()
    for app in ctx.resolved.apps:
        chart = app.chart
        if isinstance(chart, GitPath) and chart.repo is None and chart.path not in seen:
            seen.add(chart.path)
            if ctx.root is not None and not (ctx.root / chart.path).is_dir():
                yield Finding(f"{app.service.name}: GitPath {chart.path!r} is not a folder in this "
                              f"repository ({ctx.root})", "paths are relative to the repository root",
                              chart.location, app.service.name)


@rule("GD407", summary="a wave name that no Wave declares")
def unknown_wave(ctx) -> Iterator[Finding]:
    """A wave given by name must be one of the platform's Waves(...)."""
    waves = ctx.resolved.waves
    for service in ctx.resolved.platform.services:
        for layer in (service, *service.per_env.values()):
            if isinstance(layer.wave, str) and layer.wave not in waves:
                yield Finding(f"{service.name}: unknown wave {layer.wave!r}",
                              _did_you_mean(layer.wave, waves), layer.location, service.name)
    numbers: dict[int, Wave] = {}
    for wave in waves.values():
        other = numbers.setdefault(wave.number, wave)
        if other is not wave:
            yield Finding(f"waves {other.name!r} and {wave.name!r} both have number {wave.number}",
                          "declare all waves in one Waves(...) call", wave.location, wave.name)


@rule("GD408", summary="a standard-chart service has no image")
def standard_chart_without_image(ctx) -> Iterator[Finding]:
    """The standard chart runs the service's image; without one there is nothing to run."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, StandardChart) and app.image is None:
            yield Finding(f"{app.name} uses the standard chart but has no image",
                          "set image=Image('registry/repo', 'tag'), or name a chart=...",
                          app.service.location, app.name)


@rule("GD409", summary="Helm values on a Kustomize or plain-directory source")
def values_without_helm(ctx) -> Iterator[Finding]:
    """Kustomize folders and plain manifests take no Helm values."""
    for app in ctx.resolved.apps:
        if isinstance(app.chart, GitPath) and app.chart.tool != "helm" and app.effective_values:
            yield Finding(f"{app.name}: values given for a {app.chart.tool} source, which reads none",
                          "use tool='helm', or put the change into the folder itself",
                          app.service.location, app.name)
