"""Invariants 1-5 and 7 on random platforms (secrecy lives with sealing, in test_secrecy.py)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gitops_dsl.checks import run_checks
from gitops_dsl.resolve import resolve
from tests.properties import invariants as inv
from tests.strategies import platforms


@given(platforms())
def test_wave_order(platform):
    inv.wave_order(platform, inv.compiled(platform))


@given(platforms(), st.integers(0, 2**16))
def test_determinism_whatever_the_declaration_order(platform, seed):
    inv.determinism(platform, seed)


@given(platforms())
def test_every_yaml_file_parses_back_to_the_rendered_data(platform):
    inv.round_trip(inv.compiled(platform))


@given(platforms())
def test_fidelity_against_the_argo_cd_crds(platform):
    inv.fidelity(inv.compiled(platform))


@given(platforms())
def test_every_application_is_what_the_user_declared(platform):
    inv.faithful(platform, inv.compiled(platform))


@given(platforms())
def test_closure(platform):
    inv.closure(inv.compiled(platform))


@given(platforms())
def test_containment(platform):
    inv.containment(inv.compiled(platform))


@given(platforms(max_services=4))
def test_idempotence(platform):
    with tempfile.TemporaryDirectory() as folder:
        inv.idempotence(platform, Path(folder) / "build")


@given(platforms(explicit_waves=False))
def test_inferred_waves_are_the_minimal_layering(platform):
    resolved = resolve(platform)
    for env in resolved.environments:
        apps = {a.service.name: a for a in resolved.apps_in(env.name)}
        for app in apps.values():
            deps = [apps[d].wave for d in app.depends_on]
            assert app.wave == (max(deps) + 1 if deps else 0)


def unlayered(service, wave=None):
    """The service without per-environment waves or dependencies (which could mask a broken
    edge in some environments)."""
    import attrs
    return attrs.evolve(service, wave=wave, per_env={
        e: attrs.evolve(o, wave=None, depends_on=None) for e, o in service.per_env.items()})


@given(platforms(), st.data())
def test_an_injected_wave_inversion_is_reported(platform, data):
    import attrs
    edges = [(s, d) for s in platform.services for d in s.depends_on]
    if not edges:
        return
    service, dep = data.draw(st.sampled_from(edges))
    target = next(s for s in platform.services if s.name == dep)
    others = [s for s in platform.services if s.name not in (service.name, dep)]
    broken = attrs.evolve(platform, services=[*others, unlayered(service, wave=5),
                                              unlayered(target, wave=5)])
    codes = {d.code for d in run_checks(resolve(broken)).diagnostics}
    assert "GD201" in codes


@given(platforms(), st.data())
def test_an_injected_back_edge_is_reported_as_a_cycle(platform, data):
    import attrs
    edges = [(s.name, d) for s in platform.services for d in s.depends_on]
    if not edges:
        return
    dependent, dep = data.draw(st.sampled_from(edges))

    services = [attrs.evolve(unlayered(s), depends_on=[*s.depends_on, dependent])
                if s.name == dep else unlayered(s) for s in platform.services]
    found = [d for d in run_checks(resolve(attrs.evolve(platform, services=services))).diagnostics
             if d.code == "GD202"]
    assert found and dependent in found[0].message and dep in found[0].message
