"""Values files of another repository (HelmOptions(value_files=[RepoFile(...)])): read by Argo CD
through a `ref` source after gitops-dsl's own values files, admitted by the derived project,
never looked for in the compiled trees, and said to be out of reach of an offline render."""
from __future__ import annotations

import yaml

from tests.helpers import MINIMAL, make_project, run_cli

WITH_CONFIGS = MINIMAL.replace(
    '''                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),''',
    '''                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0"),
                values={"architecture": "standalone"},
                helm=HelmOptions(value_files=[
                    RepoFile(configs, "{service}/config.yaml"),
                    RepoFile(configs, "{service}/secrets-{env}.yaml")])),''').replace(
    'gitops = Repo("https://example.com/acme/gitops.git")',
    'gitops = Repo("https://example.com/acme/gitops.git")\n'
    'configs = Repo("https://example.com/acme/configs.git", "release")')


def _app(project, env: str) -> dict:
    [path] = (project / "build/gitops/argo-apps").glob(f"*/apps/{env}/*/db.yaml")
    return yaml.safe_load(path.read_text())


def test_another_repositorys_value_files_come_after_gitops_dsls_own(tmp_path):
    project = make_project(tmp_path, WITH_CONFIGS)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    spec = _app(project, "prod")["spec"]
    chart, *refs = spec["sources"]
    assert chart["helm"]["valueFiles"] == [
        "$values/build/gitops/values/db/values.yaml",
        "$configs-repo/db/config.yaml", "$configs-repo/db/secrets-prod.yaml"]
    assert {"repoURL": "https://example.com/acme/configs.git", "targetRevision": "release",
            "ref": "configs-repo"} in refs
    # Argo CD cannot tell when another repository's commit changes the manifests
    assert "argocd.argoproj.io/manifest-generate-paths" not in _app(project, "prod")["metadata"].get(
        "annotations", {})
    [project_file] = (project / "build/gitops/argo-apps").glob("internet/projects/app.yaml")
    assert "https://example.com/acme/configs.git" in yaml.safe_load(project_file.read_text())[
        "spec"]["sourceRepos"]


def test_an_offline_render_says_it_cannot_read_another_repository(tmp_path):
    """A chart folder of this repository whose values include another repository's file: not
    rendered (never rendered without that file), and said so."""
    source = WITH_CONFIGS.replace('chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")',
                                  'chart=GitPath("charts/db", tool="helm")')
    project = make_project(tmp_path, source)
    chart = project / "charts/db"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 0.1.0\n")
    (chart / "templates/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata: {}\n")
    assert run_cli("compile", cwd=project).returncode == 0
    run = run_cli("manifests", "--service", "db", "--env", "prod", cwd=project)
    assert "value file $configs-repo/db/config.yaml is in another repository: not rendered" in \
        run.stdout + run.stderr, run.stdout + run.stderr


def test_two_repositories_under_one_ref_are_refused(tmp_path):
    source = WITH_CONFIGS.replace('RepoFile(configs, "{service}/secrets-{env}.yaml")',
                                  'RepoFile(Repo("https://example.com/other/configs.git"), "x.yaml")')
    run = run_cli("compile", cwd=make_project(tmp_path, source))
    assert run.returncode == 1 and "error[GD101]" in run.stderr and "ref 'configs-repo'" in run.stderr
