"""Severity overrides, suppressions with reasons, --strict, validate, rules, and user rules."""
from __future__ import annotations

import json

from tests.helpers import MINIMAL, make_project, run_cli

WARNING_PLATFORM = MINIMAL.replace('projects=[Project("app")]',
                                   'projects=[Project("app"), Project("unused")]')


def test_warnings_print_and_fail_only_with_strict(tmp_path):
    project = make_project(tmp_path / "p", WARNING_PLATFORM)
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0
    assert "warning[GD411] project 'unused' has no services" in result.stderr
    assert "0 errors, 1 warning" in result.stderr
    strict = run_cli("compile", "--strict", "--out", "strict", cwd=project)
    assert strict.returncode == 1 and not (project / "strict").exists()


def test_severity_override_and_project_wide_allow(tmp_path):
    project = make_project(tmp_path / "p", WARNING_PLATFORM)
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.gitops-dsl.severity]\nGD411 = "error"\n')
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "error[GD411]" in result.stderr
    pyproject.write_text('[tool.gitops-dsl.severity]\nGD411 = "off"\n')
    assert run_cli("compile", "--strict", cwd=project).returncode == 0
    pyproject.write_text('[tool.gitops-dsl.allow]\nGD411 = "declared ahead of the migration"\n')
    result = run_cli("compile", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    overview = (project / "build/README.md").read_text()
    assert "| GD411 |" in overview and "declared ahead of the migration" in overview
    pyproject.write_text('[tool.gitops-dsl.allow]\nGD411 = ""\n')
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "needs a reason" in result.stderr
    pyproject.write_text('[tool.gitops-dsl.allow]\nGD999 = "no such rule"\n')
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "error[GD119]" in result.stderr


def test_per_object_allow_needs_a_reason_and_is_listed(tmp_path):
    source = MINIMAL.replace('image=Image("ghcr.io/acme/api", "1.0.0"),',
                             'image=Image("ghcr.io/acme/api", "latest"), '
                             'allow={"GD301": "vendor publishes only latest"},').replace(
        'zone="internet")', 'zone="internet", policies=[pinned_images])')
    project = make_project(tmp_path / "p", source)
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    overview = (project / "build/README.md").read_text()
    assert "vendor publishes only latest" in overview and "Service('api')" in overview
    without = make_project(tmp_path / "q", source.replace(
        ', allow={"GD301": "vendor publishes only latest"}', ''))
    assert "error[GD301]" in run_cli("compile", cwd=without).stderr


def test_validate_writes_nothing(tmp_path):
    project = make_project(tmp_path / "p")
    result = run_cli("validate", cwd=project)
    assert result.returncode == 0 and "1 platform(s) valid" in result.stdout
    assert not (project / "build").exists()
    bad = make_project(tmp_path / "q", MINIMAL.replace('depends_on=["db"]', 'depends_on=["dbb"]'))
    result = run_cli("validate", "--format", "json", cwd=bad)
    assert result.returncode == 1 and json.loads(result.stdout)[0]["code"] == "GD401"


def test_rules_catalogue_and_explanation(tmp_path):
    project = make_project(tmp_path / "p")
    listing = run_cli("rules", cwd=project).stdout.splitlines()
    assert any(line.startswith("GD201  error") for line in listing)
    assert any(line.startswith("GD301  error    policy image not pinned") for line in listing)
    explained = run_cli("rules", "GD201", cwd=project).stdout
    assert "Bad:" in explained and "Good:" in explained and "depends_on" in explained
    assert run_cli("rules", "GD999", cwd=project).returncode != 0


USER_RULE = '''

@rule("ACME001", summary="services need an owner label")
def owner_label(app):
    """Every Application names the team that owns it."""
    if "acme.dev/owner" not in app.labels:
        yield Finding(f"{app.name} has no owner label", "add labels={'acme.dev/owner': ...}",
                      app.service.location, app.name, app.service)
'''


def test_user_rules_run_and_are_listed(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL + USER_RULE)
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1
    assert "error[ACME001] api-prod has no owner label" in result.stderr
    assert "ACME001  error    user   services need an owner label" in run_cli("rules", cwd=project).stdout
    assert "Every Application names the team" in run_cli("rules", "ACME001", cwd=project).stdout
    fixed = MINIMAL.replace('platform = Platform(\n    "demo",', 'platform = Platform(\n    "demo", '
                            'labels={"acme.dev/owner": "shop"},') + USER_RULE
    assert run_cli("compile", cwd=make_project(tmp_path / "q", fixed)).returncode == 0


def test_user_rule_cannot_take_a_builtin_code(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL + USER_RULE.replace("ACME001", "GD900"))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "the GD prefix is reserved" in result.stderr


def test_user_rules_do_not_leak_between_compiles(tmp_path):
    from gitops_dsl.api import compile as compile_platforms
    with_rule = make_project(tmp_path / "a", MINIMAL + USER_RULE)
    without = make_project(tmp_path / "b")
    assert not compile_platforms(with_rule / "platforms", root=with_rule).ok
    assert compile_platforms(without / "platforms", root=without).ok
