"""Jsonnet on a plain-manifests folder: Argo CD's `directory.jsonnet`, imported and round-tripped;
`manifests` says it does not evaluate .jsonnet files rather than render half the folder."""
from __future__ import annotations

import yaml

from tests.argo_schema import problems
from tests.helpers import MINIMAL, make_project, run_cli

SOURCE = MINIMAL.replace(
    'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
    'chart=GitPath("k8s/db", tool="directory", recurse=False,\n'
    '                              jsonnet=Jsonnet(ext_vars={"env": "prod"}, tlas={"size": "2"},\n'
    '                                              libs=["vendor"]))),')


def test_jsonnet_options_with_argo_cds_spelling(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    (project / "k8s/db").mkdir(parents=True)
    (project / "k8s/db/main.jsonnet").write_text("{}\n")
    assert run_cli("compile", cwd=project).returncode == 0
    app = yaml.safe_load(next((project / "build").rglob("apps/prod/app/db.yaml")).read_text())
    directory = app["spec"]["sources"][0]["directory"]
    assert directory["jsonnet"] == {"extVars": [{"name": "env", "value": "prod"}],
                                    "tlas": [{"name": "size", "value": "2"}], "libs": ["vendor"]}
    assert problems(app) == []
    run = run_cli("manifests", "--env", "prod", "--service", "db", cwd=project)
    assert "holds .jsonnet files, which gitops-dsl does not evaluate" in run.stdout


def test_imported_jsonnet_round_trips(tmp_path):
    tree = tmp_path / "tree"
    (tree / "k8s/db").mkdir(parents=True)
    (tree / "k8s/db/main.jsonnet").write_text("{}\n")
    (tree / "db-prod.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: db-prod\n"
        "  namespace: argocd\nspec:\n  project: app\n  source:\n"
        "    repoURL: https://example.com/acme/gitops.git\n    targetRevision: main\n"
        "    path: k8s/db\n    directory:\n      jsonnet:\n        extVars:\n"
        "          - {name: env, value: prod}\n        libs: [vendor]\n"
        "  destination:\n    server: https://prod.example:6443\n    namespace: db\n")
    run = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert run.returncode == 0 and "0 difference(s)" in run.stdout, run.stdout + run.stderr
    assert "not modelled" not in run.stderr
    source = run_cli("import", str(tree), cwd=tmp_path).stdout
    assert "jsonnet=Jsonnet(ext_vars={'env': 'prod'}, libs=['vendor'])" in source
