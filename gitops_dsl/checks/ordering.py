"""GD2xx: sync waves and dependencies."""
from __future__ import annotations

from typing import Iterator

from .registry import Finding, rule


@rule("GD201", summary="a dependency is not in a strictly lower sync wave than its dependent")
def dependency_after_dependent(ctx) -> Iterator[Finding]:
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
                        f"{app.service.name} (wave {app.wave_name}={app.wave}) depends on {dep} "
                        f"(wave {other.wave_name}={other.wave}, declared at "
                        f"{other.service.location.display()}) in {env.name}, but {dep} does not sync "
                        "in an earlier wave",
                        f"move {dep} to a wave before {app.wave_name}, or {app.service.name} to a later one",
                        app.service.location, app.name)


@rule("GD202", summary="services depend on each other in a cycle")
def dependency_cycle(ctx) -> Iterator[Finding]:
    """No order of waves can satisfy a cycle; break it by removing one dependency."""
    resolved = ctx.resolved
    reported: set[frozenset] = set()
    for env in resolved.environments:
        apps = {a.service.name: a for a in resolved.apps_in(env.name)}
        for cycle in _cycles({n: [d for d in a.depends_on if d in apps] for n, a in apps.items()}):
            key = frozenset(cycle)
            if key in reported:
                continue
            reported.add(key)
            path = " -> ".join([*cycle, cycle[0]])
            first = apps[cycle[0]]
            places = ", ".join(f"{n} at {apps[n].service.location.display()}" for n in cycle)
            yield Finding(f"dependency cycle in {env.name}: {path} ({places})",
                          "remove one of these depends_on entries", first.service.location, cycle[0])


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


@rule("GD203", summary="a dependency is not deployed in that environment")
def dependency_missing_in_environment(ctx) -> Iterator[Finding]:
    """A service can only wait for what its own environment deploys."""
    resolved = ctx.resolved
    for env in resolved.environments:
        names = {a.service.name for a in resolved.apps_in(env.name)}
        for app in resolved.apps_in(env.name):
            for dep in app.depends_on:
                if dep not in names and dep in resolved.services:
                    yield Finding(f"{app.service.name} depends on {dep}, which is not deployed in "
                                  f"{env.name}",
                                  f"enable {dep} in {env.name}, or drop the dependency there with "
                                  f"per_env={{'{env.name}': Overlay(depends_on=[...])}}",
                                  app.service.location, app.name)
