"""Platform(single_source=True): an Application that reads nothing but its chart is written with
`spec.source`; one with value or config files keeps `spec.sources` (a ref needs them)."""
from __future__ import annotations

import yaml

from tests.argo_schema import problems
from tests.helpers import MINIMAL, app_yaml, empty_project, make_project, run_cli


def test_the_single_source_form_where_one_source_is_all_there_is(tmp_path):
    source = MINIMAL.replace('"demo", gitops_repo=gitops,', '"demo", gitops_repo=gitops, single_source=True,')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    db = yaml.safe_load(next((project / "build").rglob("apps/prod/app/db.yaml")).read_text())
    api = yaml.safe_load(next((project / "build").rglob("apps/prod/app/api.yaml")).read_text())
    assert "sources" not in db["spec"] and db["spec"]["source"]["chart"] == "redis"
    assert "source" not in api["spec"] and len(api["spec"]["sources"]) > 1
    assert problems(db) == [] and problems(api) == []
    diff = run_cli("diff", "--against", "build", cwd=project)
    assert diff.returncode == 0 and diff.stdout == "no changes\n"


def test_a_tree_written_with_source_imports_with_the_single_source_form(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for env in ("stg", "prod"):
        (tree / f"cache-{env}.yaml").write_text(app_yaml(
            f"cache-{env}", "    repoURL: https://charts.example.com\n    chart: redis\n"
            "    targetRevision: 19.6.0\n", f"https://{env}.example:6443", "cache"))
    project = tmp_path / "p"
    empty_project(project)
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip", cwd=project)
    assert run.returncode == 0 and "0 difference(s)" in run.stdout, run.stdout + run.stderr
    assert "single_source=True" in (project / "platforms/legacy.py").read_text()
    assert run_cli("compile", cwd=project).returncode == 0
    app = yaml.safe_load(next((project / "build").rglob("apps/prod/*/cache.yaml")).read_text())
    assert "source" in app["spec"] and "sources" not in app["spec"]
