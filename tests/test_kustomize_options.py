"""KustomizeOptions: Argo CD's `kustomize:` block, written with its spelling, layered per
environment, built by `manifests` as Argo CD's `kustomize edit` would, imported and round-tripped."""
from __future__ import annotations

import shutil

import pytest
import yaml

from tests.argo_schema import problems
from tests.helpers import MINIMAL, empty_project, make_project, run_cli

SOURCE = MINIMAL.replace(
    'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
    'chart=GitPath("k8s/db", tool="kustomize"),\n'
    '                kustomize=KustomizeOptions(name_prefix="acme-", common_labels={"team": "data"},\n'
    '                                           images=["nginx=registry.example.com/nginx:1.27"]),\n'
    '                per_env={"prod": Overlay(kustomize=KustomizeOptions(name_suffix="-live"))}),')
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: nginx:1.25
"""


def project_with_folder(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    folder = project / "k8s/db"
    folder.mkdir(parents=True)
    (folder / "deployment.yaml").write_text(DEPLOYMENT)
    (folder / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    return project


def application(project, env):
    return yaml.safe_load(next((project / "build").rglob(f"apps/{env}/app/db.yaml")).read_text())


def test_options_are_written_with_argo_cds_spelling_and_layered(tmp_path):
    project = project_with_folder(tmp_path)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    stg = application(project, "stg")["spec"]["sources"][0]["kustomize"]
    prod = application(project, "prod")["spec"]["sources"][0]["kustomize"]
    assert stg == {"namePrefix": "acme-", "images": ["nginx=registry.example.com/nginx:1.27"],
                   "commonLabels": {"team": "data"}}
    assert prod == {**stg, "nameSuffix": "-live"}
    assert problems(application(project, "prod")) == []


@pytest.mark.skipif(shutil.which("kubectl") is None and __import__("os").environ.get("CI") != "true",
                    reason="kubectl builds Kustomize folders")
def test_manifests_builds_the_folder_with_the_options(tmp_path):
    project = project_with_folder(tmp_path)
    run = run_cli("manifests", "--env", "prod", "--service", "db", "--out", str(tmp_path / "out"),
                  cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    rendered = [yaml.safe_load(p.read_text()) for p in (tmp_path / "out").rglob("*.yaml")]
    deployment = next(o for o in rendered if o["kind"] == "Deployment")
    assert deployment["metadata"]["name"] == "acme-db-live"
    assert deployment["metadata"]["labels"]["team"] == "data"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "registry.example.com/nginx:1.27"


def test_options_on_a_helm_chart_are_gd124(tmp_path):
    source = MINIMAL.replace(
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0"),\n'
        '                kustomize=KustomizeOptions(name_prefix="x-")),')
    run = run_cli("compile", cwd=make_project(tmp_path / "p", source))
    assert run.returncode == 1 and "error[GD124]" in run.stderr


def test_imported_options_are_kept_and_round_trip(tmp_path):
    tree = tmp_path / "tree"
    (tree / "k8s/db").mkdir(parents=True)
    (tree / "k8s/db/deployment.yaml").write_text(DEPLOYMENT)
    (tree / "k8s/db/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    for env in ("stg", "prod"):
        (tree / f"db-{env}.yaml").write_text(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: db-{env}\n  namespace: argocd\nspec:\n  project: app\n  source:\n"
            "    repoURL: https://example.com/acme/gitops.git\n    targetRevision: main\n"
            "    path: k8s/db\n    kustomize:\n      namePrefix: acme-\n"
            f"      images: [\"nginx:1.{27 if env == 'prod' else 28}\"]\n"
            "      patches:\n        - target: {kind: Deployment}\n"
            "          patch: '[{\"op\": \"add\", \"path\": \"/spec/replicas\", \"value\": 2}]'\n"
            f"  destination:\n    server: https://{env}.example:6443\n    namespace: db\n")
    project = tmp_path / "p"
    empty_project(project)
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip", cwd=project)
    assert run.returncode == 0 and "0 difference(s)" in run.stdout, run.stdout + run.stderr
    assert "not modelled" not in run.stderr
    source = (project / "platforms/legacy.py").read_text()
    assert "KustomizeOptions(" in source and "images=['nginx:1.27']" in source


@pytest.mark.skipif(shutil.which("kubectl") is None and __import__("os").environ.get("CI") != "true",
                    reason="kubectl builds Kustomize folders")
def test_a_patch_file_outside_the_folder_is_refused_as_argo_cds_kustomize_refuses_it(tmp_path):
    project = project_with_folder(tmp_path)
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace(
        'name_prefix="acme-",', 'name_prefix="acme-", patches=[{"path": "../../secret.yaml"}],'))
    (project / "secret.yaml").write_text("kind: Secret\n")
    assert run_cli("compile", cwd=project).returncode == 0
    run = run_cli("manifests", "--env", "prod", "--service", "db", cwd=project)
    assert run.returncode == 1
    assert "kustomize patch ../../secret.yaml is outside the folder" in run.stdout + run.stderr


def test_a_remote_base_is_named_as_not_fetched_offline(tmp_path):
    """A kustomization that reaches another repository (a remote base) would make kustomize
    clone it over the network; rendering is offline, so the Application is reported as not
    rendered, with the reference, at once (kubectl tried the network first)."""
    project = project_with_folder(tmp_path)
    base = project / "k8s/db/overlay"
    base.mkdir()
    (project / "k8s/db/kustomization.yaml").write_text(
        "resources: [deployment.yaml, overlay]\n")
    (base / "kustomization.yaml").write_text(
        "resources: [https://github.com/acme/shared//base?ref=v1.2.0]\n")
    assert run_cli("compile", cwd=project).returncode == 0
    run = run_cli("manifests", "--env", "prod", "--service", "db", cwd=project)
    out = run.stdout + run.stderr
    assert "k8s/db: a Kustomize folder with a remote reference " \
           "(https://github.com/acme/shared//base?ref=v1.2.0), not fetched offline" in out, out
