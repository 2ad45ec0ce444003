"""Property: on random platforms with random local charts, an Application that passes preflight
never uses a kind whose CRD comes from a later wave (or from nowhere). The expectation is
computed from what the generator wrote, not from the preflight's own bookkeeping."""
from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import need_engine, scaled
from tests.preflight.helpers import crd, judged, manifest, write_project

need_engine()

judge_module = importlib.import_module("gitops_dsl.preflight.judge")

KINDS = ["Widget", "Gadget", "Sprocket"]


@st.composite
def estates(draw):
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=4,
                          unique=True))
    services = {}
    for name in names:
        services[name] = {
            "wave": draw(st.integers(0, 3)),
            "defines": draw(st.sets(st.sampled_from(KINDS), max_size=2)),
            "uses": draw(st.sets(st.sampled_from(KINDS), max_size=2)),
        }
    declared = draw(st.sets(st.sampled_from(KINDS), max_size=1))
    return services, declared


def write(tmp_path, services, declared):
    lines, files = [], {}
    for name, spec in services.items():
        lines.append(f'Service("{name}", project=app, wave={spec["wave"]}, '
                     f'chart=GitPath("k8s/{name}", tool="directory")),')
        files[f"k8s/{name}/cm.yaml"] = manifest("v1", "ConfigMap", name)
        for kind in spec["defines"]:
            files[f"k8s/{name}/crd-{kind}.yaml"] = crd("acme.io", kind)
        for kind in spec["uses"]:
            files[f"k8s/{name}/{kind}.yaml"] = manifest("acme.io/v1", kind, f"{name}-{kind.lower()}")
    cluster = (", kinds=[" + ", ".join(f'ClusterKind("acme.io/v1", "{k}")' for k in sorted(declared))
               + "]") if declared else ""
    return write_project(tmp_path, "\n".join(lines), files, cluster=cluster)


def check(tmp_path, services, declared):
    plan = judged(write(tmp_path, services, declared))
    for verdict in plan.verdicts:
        name = verdict.unit.app.service.name
        spec = services[name]
        if not verdict.ok:
            continue
        for kind in spec["uses"]:
            earlier = [n for n, s in services.items() if kind in s["defines"]
                       and s["wave"] < spec["wave"]]
            assert kind in spec["defines"] or kind in declared or earlier, (name, kind, services)


@settings(max_examples=scaled(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(estate=estates())
def test_a_passing_application_never_uses_a_crd_of_a_later_wave(tmp_path_factory, estate):
    services, declared = estate
    check(tmp_path_factory.mktemp("estate"), services, declared)


@pytest.mark.slow   # the property against a broken judge, until hypothesis finds it
def test_the_property_can_fail(tmp_path_factory, monkeypatch):
    """With the wave comparison broken (a later wave counts as earlier), hypothesis finds a
    platform where a passing Application uses a CRD of a later wave."""
    original = judge_module._before

    def broken(provider, unit):
        when = original(provider, unit)
        return "earlier" if when == "not-earlier" else when
    monkeypatch.setattr(judge_module, "_before", broken)

    @settings(max_examples=scaled(200), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(estate=estates())
    def run(estate):
        check(tmp_path_factory.mktemp("estate"), *estate)
    with pytest.raises(AssertionError):
        run()
