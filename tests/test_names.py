"""A name given on the command line that names nothing is an error with the name meant (exit 2),
never an empty answer; a pin for an environment the service does not run in is refused and
nothing is written. Through the CLI, as CI would run it."""
from __future__ import annotations

import pytest

from tests.helpers import MINIMAL, make_project, run_cli, snapshot

STG_ONLY = MINIMAL.replace(
    "    ],\n)",
    '        Service("llm", project="app", wave=second, environments=["stg"],\n'
    '                image=Image("ghcr.io/acme/llm")),\n    ],\n)')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("names") / "p", STG_ONLY)
    (root / "platforms/versions.yaml").write_text("services:\n  llm:\n    image: 0.1.0\n")
    assert run_cli("compile", cwd=root).returncode == 0
    return root


@pytest.mark.parametrize("args, option, meant", [
    (["diff", "--against", "build", "--env", "qa"], "--env", "known: prod, stg"),
    (["diff", "--against", "build", "--env", "prd"], "--env", "did you mean 'prod'?"),
    (["diff", "--against", "build", "--zone", "interna"], "--zone", "did you mean 'internal'?"),
    (["diff", "--env", "stg", "--to-env", "prdo"], "--to-env", "did you mean 'prod'?"),
    (["preflight", "--env", "qa"], "--env", "known: prod, stg"),
    (["manifests", "--service", "nosuch"], "--service", "known: api, db, llm"),
    (["manifests", "--env", "stgg"], "--env", "did you mean 'stg'?"),
    (["graph", "--env", "qa"], "--env", "known: prod, stg"),
    (["explain", "apii"], "TARGET", "did you mean 'api'?"),
    (["explain", "api", "--env", "qa"], "--env", "known: prod, stg"),
    (["history", "ap", "--env", "stg"], "SERVICE", "did you mean 'api'?"),
    (["history", "api", "--env", "qa"], "--env", "known: prod, stg"),
    (["set-image", "api", "1.2.3", "--env", "qa"], "--env", "known: prod, stg"),
    (["set-image", "apx", "1.2.3"], "SERVICE", "did you mean 'api'?"),
    (["promote", "api", "--from", "stg", "--to", "qa"], "--to", "known: prod, stg"),
    (["promote", "nosuch", "--from", "stg", "--to", "prod"], "SERVICE", "known: api, db, llm"),
])
def test_an_unknown_name_is_a_usage_error_with_the_name_meant(project, args, option, meant):
    before = snapshot(project)
    result = run_cli(*args, cwd=project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"Invalid value for {option}" in result.stderr and meant in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_a_known_name_still_answers(project):
    assert run_cli("diff", "--against", "build", "--env", "prod", "--exit-code", cwd=project).returncode == 0
    assert run_cli("graph", "--env", "stg", cwd=project).returncode == 0


@pytest.mark.parametrize("args", [
    ["set-image", "llm", "0.2.0", "--env", "prod"],
    ["promote", "llm", "--from", "stg", "--to", "prod"],
])
def test_a_pin_for_an_environment_the_service_does_not_run_in_is_refused(project, args):
    if args[0] == "promote":   # a stg pin to copy
        assert run_cli("set-image", "llm", "0.1.1", "--env", "stg", cwd=project).returncode == 0
    before = snapshot(project)
    result = run_cli(*args, cwd=project)
    assert result.returncode == 1
    assert "llm does not run in environment 'prod' (it runs in stg): a pin there would change " \
           "nothing; nothing written" in result.stderr
    assert snapshot(project) == before


def test_promote_all_leaves_out_services_that_do_not_run_in_the_target(project):
    assert run_cli("set-image", "llm", "0.1.2", "--env", "stg", cwd=project).returncode == 0
    result = run_cli("promote", "--all", "--from", "stg", "--to", "prod", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "llm" not in result.stdout
    assert "prod" not in (project / "platforms" / "versions.yaml").read_text().split("llm:")[-1]


def test_an_environment_pin_under_a_tag_the_code_sets_is_refused_as_dead(project):
    # the service's Image(...) has a tag in Python, which wins over an environment's file pin
    before = snapshot(project)
    result = run_cli("set-image", "api", "1.2.3", "--env", "stg", cwd=project)
    assert result.returncode == 1
    assert "error[GD412] api in stg: the image version at" in result.stderr
    assert "changes nothing: the service pins it in Python, which wins" in result.stderr
    assert snapshot(project) == before

