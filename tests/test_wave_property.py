"""Invariant 1 (wave order) on random dependency graphs: every dependency syncs in a strictly
lower wave, or the compile reports exactly the offending pairs."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitops_dsl import Cluster, Environment, Image, Platform, Project, Repo, Service
from gitops_dsl.checks import run_checks
from gitops_dsl.resolve import resolve


@st.composite
def dags(draw, min_size=1, max_size=12):
    """A random DAG over s0..sN: edges only from a later to an earlier index (no cycles)."""
    n = draw(st.integers(min_size, max_size))
    names = [f"s{i}" for i in range(n)]
    deps = {name: sorted(draw(st.sets(st.sampled_from(names[:i]), max_size=3))) if i else []
            for i, name in enumerate(names)}
    return names, deps


def build(names, deps, waves):
    env = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="z")
    services = [Service(n, project="app", image=Image(f"ghcr.io/x/{n}", "1"), depends_on=deps[n],
                        wave=waves.get(n)) for n in names]
    platform = Platform("p", gitops_repo=Repo("https://example.com/g.git"), environments=[env],
                        projects=[Project("app")], services=services)
    return resolve(platform)


@given(dags())
def test_inferred_waves_always_respect_dependencies_and_are_minimal(graph):
    names, deps = graph
    resolved = build(names, deps, {})
    wave = {a.service.name: a.wave for a in resolved.apps}
    for name in names:
        for dep in deps[name]:
            assert wave[dep] < wave[name]
        # minimal: one after the latest dependency, 0 without any
        assert wave[name] == (max(wave[d] for d in deps[name]) + 1 if deps[name] else 0)
    assert not [d for d in run_checks(resolved).diagnostics if d.code.startswith("GD2")]


@given(dags(min_size=2), st.data())
def test_explicit_waves_are_checked_pair_by_pair(graph, data):
    names, deps = graph
    waves = {n: data.draw(st.integers(-3, 5), label=n) for n in names}
    resolved = build(names, deps, waves)
    found = {d.message.split(" ")[0] + "->" + d.message.split(" depends on ")[1].split(" ")[0]
             for d in run_checks(resolved).diagnostics if d.code == "GD201"}
    expected = {f"{n}->{d}" for n in names for d in deps[n] if waves[d] >= waves[n]}
    assert found == expected


@given(dags(min_size=2), st.data())
def test_a_back_edge_makes_a_cycle_that_is_reported(graph, data):
    names, deps = graph
    candidates = [(n, d) for n in names for d in deps[n]]
    if not candidates:
        deps = {**deps, names[1]: [names[0]]}
        candidates = [(names[1], names[0])]
    dependent, dependency = data.draw(st.sampled_from(candidates))
    deps = {**deps, dependency: sorted({*deps[dependency], dependent})}
    found = [d for d in run_checks(build(names, deps, {})).diagnostics if d.code == "GD202"]
    assert found, "a cycle must be reported"
    assert dependent in found[0].message and dependency in found[0].message
