"""GD2xx: waves against dependencies, cycles, dependencies missing in an environment."""
from __future__ import annotations

from gitops_dsl import (Cluster, Environment, Image, Overlay, Platform, Project, Repo, Service,
                        Waves)
from gitops_dsl.checks import run_checks
from gitops_dsl.checks.ordering import _cycles
from gitops_dsl.resolve import resolve

LATE, EARLY = Waves("late-name", "early-name")  # declared in the "wrong" order on purpose


def check(services):
    env = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="internal")
    prod = Environment("prod", cluster=Cluster("prod", "https://prod:6443"), zone="internet")
    platform = Platform("p", gitops_repo=Repo("https://example.com/g.git"), environments=[env, prod],
                        projects=[Project("app")], services=services)
    return list(run_checks(resolve(platform)).diagnostics)


def svc(name, **kwargs):
    return Service(name, project="app", image=Image(f"ghcr.io/acme/{name}", "1.0"), **kwargs)


def codes(diagnostics):
    return [d.code for d in diagnostics]


def test_dependency_in_a_later_wave_names_both_services_and_lines():
    api = svc("api", wave=LATE, depends_on=["db"])
    db = svc("db", wave=EARLY)
    found = [d for d in check([api, db]) if d.code == "GD201"]
    assert len(found) == 2  # once per environment
    first = found[0]
    assert first.location == api.location
    assert "api" in first.message and "db" in first.message
    assert f"{db.location.file.rsplit('/', 1)[-1]}:{db.location.line}" in first.message
    assert first.hint.startswith("move db to a wave before late-name")
    assert first.format().startswith(f"{api.location.display()}: error[GD201] api (wave late-name=0)")


def test_dependency_in_the_same_wave_is_an_error():
    found = check([svc("api", wave=1, depends_on=["db"]), svc("db", wave=1)])
    assert "GD201" in codes(found)


def test_consistent_waves_pass():
    assert check([svc("api", wave=EARLY, depends_on=["db"]), svc("db", wave=LATE)]) == []


def test_cycle_is_reported_once_with_its_path_and_places():
    a = svc("a", depends_on=["b"])
    b = svc("b", depends_on=["c"])
    c = svc("c", depends_on=["a"])
    found = [d for d in check([a, b, c]) if d.code == "GD202"]
    assert len(found) == 1
    message = found[0].message
    assert "a -> b -> c -> a" in message
    for item in (a, b, c):
        assert f":{item.location.line}" in message
    assert found[0].location == a.location


def test_self_dependency():
    found = check([svc("a", depends_on=["a"])])
    assert "GD401" in codes(found) and "GD202" in codes(found)


def test_dependency_missing_in_one_environment():
    found = check([svc("api", depends_on=["llm"]), svc("llm", environments=["stg"])])
    assert [(d.code, d.subject) for d in found] == [("GD203", "api-prod")]


def test_overlay_can_drop_the_dependency_where_it_is_missing():
    found = check([svc("api", depends_on=["llm"], per_env={"prod": Overlay(depends_on=[])}),
                   svc("llm", environments=["stg"])])
    assert found == []


def test_cycles_finds_every_component():
    graph = {"a": ["b"], "b": ["a"], "c": ["c"], "d": ["e"], "e": []}
    assert sorted(_cycles(graph)) == [["a", "b"], ["c"]]


def test_gd201_says_when_a_wave_was_inferred(tmp_path):
    from gitops_dsl.api import compile as compile_platforms
    from tests.helpers import make_project
    source = '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="z")
one, two = Waves("one", "two")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
    environments=[stg], projects=[Project("app")], services=[
        Service("db", project="app", image=Image("ghcr.io/a/db", "1")),
        Service("cache", project="app", image=Image("ghcr.io/a/cache", "1"), depends_on=["db"]),
        Service("api", project="app", image=Image("ghcr.io/a/api", "1"), wave=one,
                depends_on=["cache"]),
    ])
'''
    project = make_project(tmp_path, source)
    result = compile_platforms(project / "platforms", root=project)
    [d] = [d for d in result.diagnostics if d.code == "GD201"]
    assert "api (wave one=0) depends on cache (wave two=1, inferred: one after db," in d.message
