"""GD2xx: sync waves and dependencies."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..model import Environment, Resource
    from ..resolve import App
    from .registry import CheckContext

def _inferred(app: App, apps: dict[str, Any]) -> str:
    """How a wave was found when nobody set it: one after the latest dependency (or 0)."""
    overlay = app.overlay
    if (overlay is not None and overlay.wave is not None) or app.service.wave is not None:
        return ""
    deps = [apps[d] for d in app.depends_on if d in apps]
    if not deps:
        return ", inferred: no dependencies"
    latest = max(deps, key=lambda a: a.wave)
    return f", inferred: one after {latest.service.name}"


@builtin("GD201", summary="a dependency is not in a strictly lower sync wave than its dependent",
         bad='Service("api", wave=databases, depends_on=["cache"]), Service("cache", wave=apis)',
         good='Service("api", wave=apis, depends_on=["cache"]), Service("cache", wave=databases)')
def dependency_after_dependent(ctx: CheckContext) -> Iterator[Finding]:
    """Argo CD applies a lower wave first. A service that depends on another must sit in a later
    wave, or it starts before what it needs exists (e.g. apps reading a Secret made later)."""
    resolved = ctx.resolved
    for env in resolved.environments:
        apps = {a.service.name: a for a in resolved.apps_in(env.name)}
        for app in apps.values():
            for dep in app.depends_on:
                other = apps.get(dep)
                if other is not None and other.wave >= app.wave:
                    yield Finding(
                        f"{app.service.name} (wave {app.wave_name}={app.wave}"
                        f"{_inferred(app, apps)}) depends on {dep} "
                        f"(wave {other.wave_name}={other.wave}{_inferred(other, apps)}, declared at "
                        f"{other.service.location.display()}) in {env.name}, but {dep} does not sync "
                        "in an earlier wave",
                        f"move {dep} to a wave before {app.wave_name}, or {app.service.name} to a later one",
                        app.service.location, app.name, app.service)


@builtin("GD202", summary="services depend on each other in a cycle",
         bad='Service("a", depends_on=["b"]), Service("b", depends_on=["a"])',
         good="decide which one starts first and drop the other dependency")
def dependency_cycle(ctx: CheckContext) -> Iterator[Finding]:
    """No order of waves can satisfy a cycle; break it by removing one dependency."""
    resolved = ctx.resolved
    reported: set[frozenset[Any]] = set()
    searched: list[dict[str, list[str]]] = []
    for env in resolved.environments:
        apps = {a.service.name: a for a in resolved.apps_in(env.name)}
        if all(apps[d].wave < a.wave for a in apps.values() for d in a.depends_on if d in apps):
            continue   # every service after what it needs: no cycle (the common case, at once)
        graph = {n: [d for d in a.depends_on if d in apps] for n, a in apps.items()}
        if graph in searched:
            continue   # the same graph as another environment's: its cycles were reported there
        searched.append(graph)
        for cycle in _cycles(graph):
            key = frozenset(cycle)
            if key in reported:
                continue
            reported.add(key)
            path = " -> ".join([*cycle, cycle[0]])
            first = apps[cycle[0]]
            places = ", ".join(f"{n} at {apps[n].service.location.display()}" for n in cycle)
            yield Finding(f"dependency cycle in {env.name}: {path} ({places})",
                          "remove one of these depends_on entries", first.service.location, cycle[0],
                          first.service)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one node (or a self-loop),
    found with an iterative Tarjan; each cycle is rotated to start at its smallest name."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    components.append(component)
    return [_one_cycle(sorted(c), graph) for c in components]


def _one_cycle(members: list[str], graph: dict[str, list[str]]) -> list[str]:
    """A concrete cycle through the component's smallest node (BFS back to it)."""
    inside = set(members)
    start = members[0]
    parents: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child not in inside:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return list(reversed(path))
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return members


@builtin("GD203", summary="a dependency is not deployed in that environment",
         bad='Service("worker", depends_on=["rabbitmq"]), Service("rabbitmq", environments=["dev"])',
         good='Service("rabbitmq") in every environment the worker runs in')
def dependency_missing_in_environment(ctx: CheckContext) -> Iterator[Finding]:
    """A service can only wait for what its own environment deploys - or, with
    `Service(shared_with=[...])`, for what another environment on the same cluster deploys for
    both. A service shared with an environment whose cluster no environment deploying it is on
    shares nothing."""
    resolved = ctx.resolved
    servers = {e.name: e.cluster.server for e in resolved.environments}
    deployed_on: dict[str, set[str]] = {}
    for app in resolved.apps:
        deployed_on.setdefault(app.service.name, set()).add(app.env.cluster.server)
    for service in resolved.services.values():
        for env_name in service.shared_with:
            server = servers.get(env_name)
            if server is not None and server not in deployed_on.get(service.name, set()):
                yield Finding(f"{service.name} is shared with {env_name}, but no environment that "
                              f"deploys it is on {env_name}'s cluster ({server})",
                              f"deploy it in an environment on that cluster, or drop {env_name} "
                              "from shared_with", service.location, service.name, service)
    for env in resolved.environments:
        names = {a.service.name for a in resolved.apps_in(env.name)}
        for app in resolved.apps_in(env.name):
            for dep in app.depends_on:
                shared = resolved.services.get(dep)
                if shared is not None and env.name in shared.shared_with and \
                        env.cluster.server in deployed_on.get(dep, set()):
                    continue   # met by the deployment on this cluster of another environment
                if dep not in names and dep in resolved.services:
                    yield Finding(f"{app.service.name} depends on {dep}, which is not deployed in "
                                  f"{env.name}",
                                  f"enable {dep} in {env.name}, or drop the dependency there with "
                                  f"per_env={{'{env.name}': Overlay(depends_on=[...])}}",
                                  app.service.location, app.name, app.service)


def _resource_key(app: App, resource: Resource) -> tuple[str, str, str]:
    namespace = app.namespace if resource.namespace is None else resource.namespace
    namespace = namespace.replace("{platform}", app.platform.name).replace(
        "{env}", app.env.name).replace("{service}", app.service.name)
    return resource.kind, resource.name, namespace


def provided(apps: Sequence[App]) -> dict[tuple[str, str, str], list[App]]:
    """(kind, name, namespace) -> the Apps that make it, in one environment."""
    from ..render.apps import has_secrets

    made: dict[tuple[str, str, str], list[App]] = {}
    for app in apps:
        for resource in app.service.provides:
            made.setdefault(_resource_key(app, resource), []).append(app)
        if app.secrets is not None and has_secrets(app):  # the standard chart makes its Secret
            name = app.secrets.name or app.release_name
            made.setdefault(("Secret", name, app.namespace), []).append(app)
    return made


@builtin("GD204", summary="a service reads an object that a service of a later or the same wave makes",
         bad='Service("web", wave=apps, reads=[Resource("Secret", "app-env")]), '
             'Service("secrets", wave=late, provides=[Resource("Secret", "app-env")])',
         good="the service that makes the Secret syncs in an earlier wave")
def read_before_made(ctx: CheckContext) -> Iterator[Finding]:
    """The reference tree's apps read the Secret `app-env-secrets` via envFrom in wave 0 while the
    secrets manager that makes it syncs in wave 1: pods start before their Secret exists."""
    for env, app, key, makers in _reads(ctx):
        for maker in makers:
            if maker is not app and maker.wave >= app.wave:
                yield Finding(
                    f"{app.service.name} (wave {app.wave}) reads {key[0]}/{key[1]} in {key[2]}, "
                    f"which {maker.service.name} makes in wave {maker.wave} in {env.name}",
                    f"move {maker.service.name} to an earlier wave (and add it to depends_on)",
                    app.service.location, app.name, app.service)


def _reads(ctx: CheckContext
           ) -> Iterator[tuple[Environment, App, tuple[str, str, str], list[App]]]:
    """(environment, app, (kind, name, namespace), the apps that make it) for every read."""
    for env in ctx.resolved.environments:
        apps = ctx.resolved.apps_in(env.name)
        made = provided(apps)
        for app in apps:
            for resource in app.service.reads:
                key = _resource_key(app, resource)
                yield env, app, key, made.get(key, [])


@builtin("GD205", summary="a service reads an object that no service of the environment makes",
         severity="warning",
         bad='Service("web", reads=[Resource("Secret", "app-env")]) and nothing provides it',
         good='Service("secrets", provides=[Resource("Secret", "app-env")])')
def read_but_never_made(ctx: CheckContext) -> Iterator[Finding]:
    """Something outside the platform must make it, or the reader never starts; say so with
    allow={"GD205": "made by ..."} when that is intended."""
    for env, app, key, makers in _reads(ctx):
        if not makers:
            yield Finding(f"{app.service.name} reads {key[0]}/{key[1]} in {key[2]}, which no "
                          f"service makes in {env.name}",
                          "add provides=[Resource(...)] to the service that makes it",
                          app.service.location, app.name, app.service)


@builtin("GD206", summary="two services sync in a different order in different environments",
         severity="warning",
         bad='per_env={"prod": Overlay(wave=9)} moving apis after workers only in prod',
         good="the same relative order everywhere, or allow={'GD206': 'why'}")
def order_differs_between_environments(ctx: CheckContext) -> Iterator[Finding]:
    """A different relative order in prod than in stg means prod runs a sequence that stg never
    tested (the reference tree's APIs at 40/41 in dev but 60/61 in prod)."""
    envs = ctx.resolved.environments
    waves = {e.name: {a.service.name: a.wave for a in ctx.resolved.apps_in(e.name)} for e in envs}
    reported: set[tuple[str, str]] = set()
    for i, first in enumerate(envs):
        for second in envs[i + 1:]:
            for a, b in _order_conflicts(waves[first.name], waves[second.name]):
                if (a, b) in reported:
                    continue
                reported.add((a, b))
                w1, w2 = waves[first.name], waves[second.name]
                service = ctx.resolved.services[b]
                yield Finding(
                    f"{a} and {b} sync in a different order in {first.name} (waves {w1[a]}, {w1[b]}) "
                    f"and {second.name} (waves {w2[a]}, {w2[b]})",
                    "keep one relative order everywhere, or give the reason with "
                    "allow={'GD206': '...'}", service.location, b, service)


def _order_conflicts(one: dict[str, int], two: dict[str, int]) -> list[tuple[str, str]]:
    """Pairs of services whose relative order differs between two environments, found in
    O(n log n): the map wave-in-one -> wave-in-two must be a strictly increasing function."""
    if one == two:
        return []   # the same waves (the usual case): the same order
    common = sorted(set(one) & set(two), key=lambda n: (one[n], two[n], n))
    conflicts = []
    groups: dict[int, list[str]] = {}
    for name in common:
        groups.setdefault(one[name], []).append(name)
    highest: str | None = None  # the service with the highest wave-in-two so far
    for wave in sorted(groups):
        members = groups[wave]  # sorted by wave-in-two
        low, high = members[0], members[-1]
        if two[low] != two[high]:
            conflicts.append((low, high))
        if highest is not None and two[low] <= two[highest]:
            conflicts.append((highest, low))
        if highest is None or two[high] > two[highest]:
            highest = high
    return conflicts
