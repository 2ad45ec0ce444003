"""Sync windows select exactly the Applications the user scoped, and roots take their sync
policy from the platform and environment (argocd-facts 19)."""
from __future__ import annotations

import yaml

from gitops_dsl.api import compile as compile_platforms
from tests.helpers import MINIMAL, make_project, run_cli

THREE_ENVS = MINIMAL.replace(
    'prod = Environment(',
    'dev = Environment("dev", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal",'
    ' namespace="dev")\nprod = Environment(').replace("environments=[stg, prod]",
                                                      "environments=[dev, stg, prod]")


def windows(tmp_path, window: str, source: str = THREE_ENVS):
    project = make_project(tmp_path, source.replace('projects=[Project("app")]',
                                                    f'projects=[Project("app", sync_windows=[{window}])]'))
    result = compile_platforms(project / "platforms", root=project)
    found = {}
    for path, doc in result.tree.items():
        if path.startswith("gitops/argo-apps/") and "/projects/" in path and doc.format == "yaml":
            for w in doc.data["spec"].get("syncWindows", []):
                found.setdefault(path.split("/")[2], []).append(w)
    return result, found


def test_a_window_scoped_to_prod_freezes_prod_only(tmp_path):
    result, found = windows(tmp_path, 'SyncWindow("deny", "0 18 * * 5", "62h", environments=[prod], '
                                      'manual_sync=True)')
    assert result.ok
    # Argo CD ORs applications, clusters and namespaces: only exact names select exactly
    assert found == {"internet": [{"kind": "deny", "schedule": "0 18 * * 5", "duration": "62h",
                                   "applications": ["api-prod", "db-prod"], "manualSync": True}]}


def test_a_cluster_scope_selects_every_environment_on_that_cluster(tmp_path):
    _, found = windows(tmp_path, 'SyncWindow("allow", "0 8 * * 1-5", "10h", clusters=["stg"], '
                                 'services=["api*"])')
    assert found == {"internal": [{"kind": "allow", "schedule": "0 8 * * 1-5", "duration": "10h",
                                   "applications": ["api-dev", "api-stg"]}]}


def test_namespace_globs_and_filters_combine_with_and(tmp_path):
    _, found = windows(tmp_path, 'SyncWindow("deny", "* * * * *", "1h", namespaces=["demo-*"], '
                                 'services=["db"])')
    assert {z: [w["applications"] for w in ws] for z, ws in found.items()} == {
        "internal": [["db-stg"]], "internet": [["db-prod"]]}


def test_a_window_selecting_nothing_or_naming_an_unknown_environment_is_an_error(tmp_path):
    result, _ = windows(tmp_path / "a", 'SyncWindow("deny", "* * * * *", "1h", services=["nope"])')
    assert [d.code for d in result.diagnostics] == ["GD418"]
    assert "selects no Application" in result.diagnostics[0].message
    result, _ = windows(tmp_path / "b", 'SyncWindow("deny", "* * * * *", "1h", environments=["prd"])')
    assert [(d.code, d.hint) for d in result.diagnostics] == [("GD418", "did you mean 'prod'?")]


def test_the_old_any_selector_spelling_is_gone(tmp_path):
    project = make_project(tmp_path, MINIMAL.replace(
        'projects=[Project("app")]', 'projects=[Project("app", sync_windows=[SyncWindow("deny", '
        '"* * * * *", "1h", applications=["*"], clusters=["prod"])])]'))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "GD102" in result.stderr and "Traceback" not in result.stderr


def test_explain_lists_the_windows_that_apply(tmp_path):
    project = make_project(tmp_path, THREE_ENVS.replace(
        'projects=[Project("app")]', 'projects=[Project("app", sync_windows=[SyncWindow("deny", '
        '"0 18 * * 5", "62h", environments=[prod], time_zone="Europe/Berlin")])]'))
    prod = run_cli("explain", "api", "--env", "prod", cwd=project).stdout
    assert "sync_windows[0]" in prod and "deny '0 18 * * 5' for 62h Europe/Berlin" in prod
    assert "sync_windows" not in run_cli("explain", "api", "--env", "stg", cwd=project).stdout


def test_root_sync_policy_layers_platform_then_environment(tmp_path):
    source = MINIMAL.replace(
        'zone="internet")', 'zone="internet", root_sync=SyncPolicy(retry=Retry(limit=-1)))').replace(
        'projects=[Project("app")],',
        'projects=[Project("app")], root_sync=SyncPolicy(self_heal=False, retry=Retry(limit=10)),')
    project = make_project(tmp_path, source)
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build/gitops"
    stg = yaml.safe_load((build / "argo-apps/internal/roots/stg.yaml").read_text())["spec"]["syncPolicy"]
    prod = yaml.safe_load((build / "argo-apps/internet/roots/prod.yaml").read_text())["spec"]["syncPolicy"]
    zone = yaml.safe_load((build / "bootstrap/internet/zone.yaml").read_text())["spec"]["syncPolicy"]
    assert stg["automated"] == {"prune": True, "selfHeal": False, "allowEmpty": True}
    assert stg["retry"]["limit"] == 10 and prod["retry"]["limit"] == -1
    assert prod["retry"]["backoff"] == {"duration": "5s", "factor": 2, "maxDuration": "3m"}
    assert zone["retry"]["limit"] == 10
