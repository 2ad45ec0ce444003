"""A gitops revision per environment: dev's root and Applications read `develop`, prod's `main`."""
from __future__ import annotations

import yaml

from tests.argo_schema import problems
from tests.helpers import MINIMAL, app_yaml, empty_project, make_project, run_cli

TRACKING = MINIMAL.replace(
    'stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")',
    'stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal",\n'
    '                  gitops_revision="develop")').replace(
    'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
    'chart=GitPath("charts/db")),')


def load(project, pattern: str) -> dict:
    return yaml.safe_load(next((project / "build/gitops/argo-apps").glob(pattern)).read_text())


def test_an_environment_reads_the_gitops_repository_at_its_own_revision(tmp_path):
    project = make_project(tmp_path / "p", TRACKING)
    chart = project / "charts/db"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 1.0.0\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    root = load(project, "internal/roots/stg.yaml")
    assert root["spec"]["source"]["targetRevision"] == "develop"
    assert load(project, "internet/roots/prod.yaml")["spec"]["source"]["targetRevision"] == "main"
    for env, revision in (("stg", "develop"), ("prod", "main")):
        for service in ("api", "db"):
            app = load(project, f"*/apps/{env}/*/{service}.yaml")
            assert problems(app) == []
            gitops = [s for s in app["spec"]["sources"]
                      if s["repoURL"] == "https://example.com/acme/gitops.git"]
            assert gitops and {s["targetRevision"] for s in gitops} == {revision}, (env, service)
    # the zone Application itself reads roots/ and projects/ at the platform's revision
    zone = yaml.safe_load((project / "build/gitops/bootstrap/internal/zone.yaml").read_text())
    assert {s["targetRevision"] for s in zone["spec"]["sources"]} == {"main"}


def test_an_imported_environment_that_tracks_a_branch_keeps_tracking_it(tmp_path):
    tree = tmp_path / "tree"
    (tree / "k8s/api").mkdir(parents=True)
    (tree / "k8s/api/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    for env, revision in (("dev", "develop"), ("prod", "main")):
        (tree / f"api-{env}.yaml").write_text(app_yaml(
            f"api-{env}", f"    repoURL: https://example.com/acme/gitops.git\n"
            f"    targetRevision: {revision}\n    path: k8s/api\n", f"https://{env}.example:6443", "api"))
    project = tmp_path / "p"
    empty_project(project)
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip",
                  cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "gitops_revision='develop'" in (project / "platforms/legacy.py").read_text()
    assert "0 difference(s)" in run.stdout


def test_a_root_carries_its_labels_annotations_and_ignore_differences(tmp_path):
    source = MINIMAL.replace(
        'prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet")',
        'prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet",\n'
        '                   root_labels={"team": "platform"},\n'
        '                   root_annotations={"notifications.argoproj.io/subscribe.on-sync-failed.slack": "ops"},\n'
        '                   root_ignore_differences=[IgnoreDifference("Application", group="argoproj.io",\n'
        '                                                             json_pointers=["/spec/syncPolicy"])])')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    root = load(project, "internet/roots/prod.yaml")
    assert root["metadata"]["labels"]["team"] == "platform"
    assert root["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "0",
        "notifications.argoproj.io/subscribe.on-sync-failed.slack": "ops"}
    assert root["spec"]["ignoreDifferences"] == [
        {"group": "argoproj.io", "kind": "Application", "jsonPointers": ["/spec/syncPolicy"]}]
    assert problems(root) == []
    assert "ignoreDifferences" not in load(project, "internal/roots/stg.yaml")["spec"]
