"""namespace="": an Application of cluster-scoped resources has no destination namespace, its
project admits exactly that (an empty glob matches only "no namespace"), and the import keeps it."""
from __future__ import annotations

import yaml

from tests.argo_schema import problems
from tests.helpers import MINIMAL, app_yaml, make_project, run_cli


def test_an_application_without_a_namespace(tmp_path):
    source = MINIMAL.replace(
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0"), namespace=""),')
    project = make_project(tmp_path / "p", source)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    db = yaml.safe_load(next((project / "build").rglob("apps/prod/app/db.yaml")).read_text())
    assert db["spec"]["destination"] == {"server": "https://prod.example:6443"}
    assert problems(db) == []
    app_project = yaml.safe_load(next((project / "build").rglob("internet/projects/app.yaml")).read_text())
    assert {"server": "https://prod.example:6443", "namespace": ""} in app_project["spec"]["destinations"]


def test_the_standard_chart_needs_a_namespace(tmp_path):
    source = MINIMAL.replace('config={"LOG_LEVEL": "info"},', 'config={"LOG_LEVEL": "info"}, namespace="",')
    project = make_project(tmp_path / "p", source)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "error[GD110]" in run.stderr and "no namespace" in run.stderr


def test_an_imported_application_without_a_namespace_keeps_none(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "crds.yaml").write_text(app_yaml(
        "crds-prod", "    repoURL: https://charts.example.com\n    chart: crds\n    targetRevision: 1.0.0\n",
        "https://prod.example:6443"))
    run = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert run.returncode == 0 and "0 difference(s)" in run.stdout, run.stdout + run.stderr
    assert "namespace=''" in run_cli("import", str(tree), cwd=tmp_path).stdout
