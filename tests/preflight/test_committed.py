"""A file git ignores is not in Argo CD's checkout of the repository (its repo server fetches and
checks out the revision, then cleans every untracked file away: argo-cd
reposerver/repository/repository.go `checkoutRevision`, util/git/client.go Checkout), so
`manifests` and `preflight` render the repository's folders without such files: a chart folder's
template or value file, a vendored dependency archive, a manifest of a directory source, a file a
kustomization reads. Each case is run in a real Git working tree, once with the file ignored and
once with it committable, so the test sees the difference the ignore makes."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.helpers import need_engine, run_cli
from tests.preflight.helpers import build_chart, helm_repository, manifest, write_project

need_engine()

CHART = {"k8s/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
         "k8s/shop/templates/cm.yaml": manifest("v1", "ConfigMap", "shop"),
         # a file a developer keeps out of git: it renders into kube-system, which the project
         # does not admit (GD701) - Argo CD never sees it
         "k8s/shop/templates/debug.yaml": manifest("v1", "ConfigMap", "debug", "kube-system")}


def _git_tree(project, ignore: str) -> None:
    (project / ".gitignore").write_text(ignore)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)


def _plan(project):
    run = run_cli("preflight", "--format", "json", cwd=project)
    return run, json.loads(run.stdout) if run.stdout.strip() else \
        {"applications": [], "diagnostics": [{"code": c} for c in
                                             re.findall(r"error\[(GD\d+)\]", run.stderr)]}


@pytest.mark.parametrize("ignored", [True, False])
def test_a_template_git_ignores_is_not_rendered(tmp_path, ignored):
    project = write_project(tmp_path, 'Service("shop", project=app, chart=GitPath("k8s/shop")),',
                            CHART)
    _git_tree(project, "debug.yaml\n" if ignored else "")
    run, plan = _plan(project)
    [shop] = plan["applications"]
    names = {(r["kind"], r["name"]) for r in shop["resources"]}
    if ignored:
        assert run.returncode == 0, run.stderr
        assert names == {("ConfigMap", "shop")} and plan["diagnostics"] == []
    else:   # committed, the same file is rendered and judged
        assert run.returncode == 1
        assert names == {("ConfigMap", "shop"), ("ConfigMap", "debug")}
        assert [d["code"] for d in plan["diagnostics"]] == ["GD701"]
    shown = run_cli("manifests", "--out", "m", cwd=project)
    assert shown.returncode == 0, shown.stderr
    assert (project / "m/z/stg/shop-stg/configmap-shop.yaml").is_file()
    assert (project / "m/z/stg/shop-stg/configmap-debug.yaml").is_file() is not ignored
    assert (project / "k8s/shop/templates/debug.yaml").is_file()   # the repository is untouched


@pytest.mark.parametrize("ignore_missing", [False, True])
def test_a_value_file_git_ignores_is_missing_as_in_argo_cd(tmp_path, ignore_missing):
    """A value file the Application names but git ignores: Argo CD's repo server fails to
    generate the manifests (unless helm.ignoreMissingValueFiles, which renders without it)."""
    options = ", helm=HelmOptions(ignore_missing_value_files=True)" if ignore_missing else ""
    files = {**CHART, "k8s/shop/values-stg.yaml": "name: local\n"}
    del files["k8s/shop/templates/debug.yaml"]
    files["k8s/shop/templates/cm.yaml"] = manifest("v1", "ConfigMap", "{{ .Values.name | default \"shop\" }}")
    project = write_project(tmp_path, 'Service("shop", project=app, chart=GitPath("k8s/shop", '
                                      f'value_files=["values-stg.yaml"]){options}),', files)
    _git_tree(project, "values-*.yaml\n")
    run, plan = _plan(project)
    if ignore_missing:
        assert run.returncode == 0, run.stderr
        [shop] = plan["applications"]
        assert {r["name"] for r in shop["resources"]} == {"shop"}   # not "local"
    else:   # the compile says so first (GD405); with that rule off, the render does too
        assert run.returncode == 1
        assert [d["code"] for d in plan["diagnostics"]] == ["GD405"]
        with (project / "pyproject.toml").open("a") as settings:
            settings.write('[tool.gitops-dsl.severity]\nGD405 = "off"\n')
        run, plan = _plan(project)
        assert run.returncode == 1
        assert len(plan["diagnostics"]) == 1, run.stdout + run.stderr
        [finding] = plan["diagnostics"]
        assert finding["code"] == "GD706"
        assert "value file values-stg.yaml is not a file of the chart folder" in finding["message"]


def test_a_dependency_archive_git_ignores_is_built_as_the_repo_server_builds_it(tmp_path):
    """`charts/*.tgz` from a local `helm dependency update`, git-ignored (the usual setup): the
    checkout has no archive, so the repo server runs `helm dependency build`. `charts pull` locks
    and caches the dependency although the folder holds the archive, and preflight renders the
    cached one: here a newer release of it than the stale local archive."""
    stale = build_chart(tmp_path / "old", "cache", "3.1.0", {
        "svc.yaml": manifest("v1", "Service", "{{ .Release.Name }}-stale")})
    current = build_chart(tmp_path / "src", "cache", "3.1.0", {
        "svc.yaml": manifest("v1", "Service", "{{ .Release.Name }}-cache")})
    services = 'Service("shop", project=app, chart=GitPath("k8s/shop")),'
    with helm_repository(tmp_path / "repo", [current]) as url:
        files = {"k8s/shop/Chart.yaml": ("apiVersion: v2\nname: shop\nversion: 1.0.0\n"
                                         "dependencies:\n- name: cache\n  version: 3.1.0\n"
                                         f"  repository: {url}\n"),
                 "k8s/shop/templates/cm.yaml": manifest("v1", "ConfigMap", "shop")}
        project = write_project(tmp_path / "p", services, files)
        (project / "k8s/shop/charts").mkdir()
        import helm_python
        helm_python.package(str(stale), destination=str(project / "k8s/shop/charts"))
        archive = (project / "k8s/shop/charts/cache-3.1.0.tgz").read_bytes()
        _git_tree(project, "**/charts/*.tgz\n")
        run = run_cli("charts", "pull", cwd=project)
        assert run.returncode == 0, run.stderr
        assert f"fetched   cache 3.1.0 from {url}" in run.stdout
    run, plan = _plan(project)
    assert run.returncode == 0, run.stderr
    [shop] = plan["applications"]
    assert {r["name"] for r in shop["resources"]} == {"shop", "shop-cache"}
    assert (project / "k8s/shop/charts/cache-3.1.0.tgz").read_bytes() == archive


def test_a_manifest_git_ignores_in_a_directory_source_is_not_applied(tmp_path):
    files = {"k8s/plain/cm.yaml": manifest("v1", "ConfigMap", "plain"),
             "k8s/plain/local.yaml": manifest("v1", "ConfigMap", "local", "kube-system")}
    project = write_project(tmp_path, 'Service("plain", project=app, '
                                      'chart=GitPath("k8s/plain", tool="directory")),', files)
    _git_tree(project, "local.yaml\n")
    run, plan = _plan(project)
    assert run.returncode == 0, run.stderr
    [plain] = plan["applications"]
    assert {r["name"] for r in plain["resources"]} == {"plain"}
    (project / ".gitignore").write_text("")
    run, plan = _plan(project)
    assert run.returncode == 1 and [d["code"] for d in plan["diagnostics"]] == ["GD701"]


@pytest.mark.skipif(shutil.which("kubectl") is None and __import__("os").environ.get("CI") != "true",
                    reason="kubectl builds Kustomize folders")
def test_a_kustomization_reading_a_file_git_ignores_fails_as_in_argo_cd(tmp_path):
    files = {"k8s/kust/kustomization.yaml": "resources:\n- cm.yaml\n- secret-local.yaml\n",
             "k8s/kust/cm.yaml": manifest("v1", "ConfigMap", "kust"),
             "k8s/kust/secret-local.yaml": manifest("v1", "ConfigMap", "local")}
    project = write_project(tmp_path, 'Service("kust", project=app, '
                                      'chart=GitPath("k8s/kust", tool="kustomize")),', files)
    _git_tree(project, "*-local.yaml\n")
    run, plan = _plan(project)
    assert run.returncode == 1
    [finding] = plan["diagnostics"]
    assert finding["code"] == "GD706"
    assert "reads k8s/kust/secret-local.yaml, which git ignores" in finding["message"]
    (project / ".gitignore").write_text("")
    run, plan = _plan(project)
    assert run.returncode == 0, run.stderr


def test_a_chart_folder_in_a_submodule_is_rendered_whole(tmp_path):
    """The repo server checks submodules out with the revision (util/git/client.go Checkout:
    `git submodule update` when `.gitmodules` exists, enabled by default): files of a
    submodule are in its checkout, although the parent's `git ls-files` does not list them."""
    library = tmp_path / "library"
    (library / "shop/templates").mkdir(parents=True)
    (library / "shop/Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 1.0.0\n")
    (library / "shop/templates/cm.yaml").write_text(manifest("v1", "ConfigMap", "shop"))
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "library"]):
        subprocess.run(["git", *args], cwd=library, check=True, env=env)
    project = write_project(tmp_path / "p", 'Service("shop", project=app, '
                                            'chart=GitPath("vendor/library/shop")),', {})
    _git_tree(project, "")
    subprocess.run(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    str(library), "vendor/library"], cwd=project, check=True, env=env)
    run, plan = _plan(project)
    assert run.returncode == 0, run.stderr
    [shop] = plan["applications"]
    assert {r["name"] for r in shop["resources"]} == {"shop"}
