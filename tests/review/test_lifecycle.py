"""What Argo CD does on removal and rename (argocd-facts 19): roots and zone apps cascade, the
folders they read always exist, renames take two steps that keep the workloads, and the delete
guard and `diff` say what will go."""
from __future__ import annotations

import json

import yaml

from tests.helpers import MINIMAL, make_project, run_cli, snapshot

PROTECTED = MINIMAL.replace('zone="internet")', 'zone="internet", protected=True)')
DB = ('Service("db", project="app", wave=first,\n                '
      'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),\n')


def edit(project, old, new):
    platform = project / "platforms" / "demo.py"
    text = platform.read_text()
    assert old in text, old
    platform.write_text(text.replace(old, new))


def load(project, path):
    return yaml.safe_load((project / "build" / path).read_text())


def _out(repo_path: str) -> str:
    assert repo_path.startswith("build/")
    return repo_path[len("build/"):]


def test_roots_and_zone_apps_cascade_and_allow_an_empty_environment(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    for path in ("gitops/argo-apps/internal/roots/stg.yaml", "gitops/bootstrap/internal/zone.yaml"):
        app = load(project, path)
        # pruning a root (or deleting the zone app) deletes its children instead of orphaning them
        assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"], path
        # without allowEmpty, auto-sync refuses to prune an environment's last Application
        assert app["spec"]["syncPolicy"]["automated"]["allowEmpty"] is True, path


def test_every_folder_a_root_or_zone_app_reads_exists_even_when_empty(tmp_path):
    # prod has no service at all: its root must still point at a folder that exists
    source = MINIMAL.replace('Service("db", project="app",', 'Service("db", project="app", '
                             'environments=["stg"],').replace(
        'Service("api", project="app",', 'Service("api", project="app", environments=["stg"],').replace(
        'per_env={"prod": Overlay(values={"replicaCount": 3})}', '')
    project = make_project(tmp_path / "p", source)
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    build = project / "build"
    readers = [build / "gitops/argo-apps/internal/roots/stg.yaml",
               build / "gitops/argo-apps/internet/roots/prod.yaml",
               build / "gitops/bootstrap/internet/zone.yaml"]
    for reader in readers:
        spec = yaml.safe_load(reader.read_text())["spec"]
        for source in spec.get("sources") or [spec["source"]]:
            folder = build / _out(source["path"])
            assert folder.is_dir(), (reader, source["path"])
    assert (build / "gitops/argo-apps/internet/apps/prod/README.md").is_file()
    assert not list((build / "gitops/argo-apps/internet/apps/prod").rglob("*.yaml"))


def test_removing_an_environments_last_service_keeps_its_folder(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    edit(project, 'Service("db", project="app",', 'Service("db", project="app", environments=["stg"],')
    edit(project, 'Service("api", project="app",', 'Service("api", project="app", environments=["stg"],')
    edit(project, 'per_env={"prod": Overlay(values={"replicaCount": 3})}', '')
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "build/gitops/argo-apps/internet/apps/prod").is_dir()


def test_removing_an_environment_shows_the_cascade_and_is_guarded_when_protected(tmp_path):
    project = make_project(tmp_path / "p", PROTECTED.replace(
        'db", project="app", wave=first,', 'db", project="app", wave=first, stateful=True,'))
    assert run_cli("compile", cwd=project).returncode == 0
    edit(project, "environments=[stg, prod]", "environments=[stg]")
    edit(project, 'per_env={"prod": Overlay(values={"replicaCount": 3})}', '')
    edit(project, 'zone="internet", protected=True)',
         'zone="internet", protected=True)\ninternet = Zone("internet")')
    edit(project, "projects=[Project(\"app\")],", "projects=[Project(\"app\")], zones=[internet],")
    diff = run_cli("diff", "--against", "build", cwd=project).stdout
    assert ("zone internet, environment prod removed: the zone app prunes the environment's root; "
            "its resources finalizer deletes its 2 Application(s), and 1 of them delete their "
            "workloads (1 keep them: no finalizer)") in diff
    assert "  - api-prod removed (protected environment)" in diff
    data = json.loads(run_cli("diff", "--against", "build", "--format", "json", cwd=project).stdout)
    assert data["environments"][0]["kind"] == "removed"
    before = snapshot(project / "build")
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "deletes Application api-prod of protected environment prod" in refused.stderr
    assert "deletes Application db-prod of protected environment prod" in refused.stderr
    assert "its workloads stay: no resources finalizer" in refused.stderr   # db is stateful
    assert snapshot(project / "build") == before
    done = run_cli("compile", "--allow-delete", "api", "--allow-delete", "db", cwd=project)
    assert done.returncode == 0, done.stderr
    # the zone stays declared: its app still finds both folders it reads
    build = project / "build"
    assert not (build / "gitops/argo-apps/internet/roots/prod.yaml").exists()
    assert (build / "gitops/argo-apps/internet/roots/README.md").is_file()
    assert (build / "gitops/argo-apps/internet/projects/README.md").is_file()
    assert (build / "gitops/bootstrap/internet/zone.yaml").is_file()


def test_removing_a_zone_outright_is_refused_with_the_way_to_do_it(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    edit(project, "environments=[stg, prod]", "environments=[stg]")
    edit(project, 'per_env={"prod": Overlay(values={"replicaCount": 3})}', '')
    before = snapshot(project / "build")
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "removes zone internet: its zone Application demo-zone-internet" in refused.stderr
    assert "app path does not exist" in refused.stderr
    assert "kubectl delete -k" in refused.stderr
    assert snapshot(project / "build") == before
    assert run_cli("compile", "--allow-delete", "demo-zone-internet", cwd=project).returncode == 0


def test_a_rename_takes_two_steps_and_keeps_the_workloads(tmp_path):
    project = make_project(tmp_path / "p", PROTECTED)
    assert run_cli("compile", cwd=project).returncode == 0
    edit(project, 'Service("api", project="app"', 'Service("shop-api", previous_names=["api"], project="app"')
    # step 1: the old Application stays, without the resources finalizer
    diff = run_cli("diff", "--against", "build", "--env", "prod", cwd=project).stdout
    assert diff == (
        "zone internet, environment prod\n"
        "  ~ api-prod\n"
        "      (rename to shop-api-prod, step 1 of 2: the resources finalizer is dropped, so pruning "
        "this Application later leaves its workloads running)\n"
        '      finalizers: ["resources-finalizer.argocd.argoproj.io"] -> []\n')
    step1 = run_cli("compile", cwd=project)
    assert step1.returncode == 0, step1.stderr
    assert "warning[GD121] shop-api: the rename from api is at step 1 of 2" in step1.stderr
    old = load(project, "gitops/argo-apps/internet/apps/prod/app/api.yaml")
    assert old["metadata"]["name"] == "api-prod" and "finalizers" not in old["metadata"]
    assert old["metadata"]["annotations"]["gitops-dsl.io/rename-to"] == "shop-api-prod"
    assert not (project / "build/gitops/argo-apps/internet/apps/prod/app/shop-api.yaml").exists()
    explain = run_cli("explain", "shop-api", "--env", "prod", cwd=project).stdout
    assert "step 1 of 2: becomes shop-api-prod" in explain
    # step 2: once Argo CD synced step 1, the new Application replaces the old one
    edit(project, 'previous_names=["api"]', 'previous_names=["api"], rename="complete"')
    diff = run_cli("diff", "--against", "build", "--env", "prod", cwd=project).stdout
    assert "  > api-prod renamed to shop-api-prod: delete + create\n      (step 2 of 2: the old Application has no " \
           "finalizer, so pruning it leaves the workloads" in diff
    step2 = run_cli("compile", cwd=project)   # protected, but nothing is deleted: no --allow-delete
    assert step2.returncode == 0, step2.stderr
    new = load(project, "gitops/argo-apps/internet/apps/prod/app/shop-api.yaml")
    assert new["metadata"]["name"] == "shop-api-prod"
    assert new["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert new["spec"]["sources"][0]["helm"]["releaseName"] == "api"   # the workloads keep their names
    assert not (project / "build/gitops/argo-apps/internet/apps/prod/app/api.yaml").exists()


def test_a_rename_in_one_step_is_refused_in_a_protected_environment(tmp_path):
    project = make_project(tmp_path / "p", PROTECTED)
    assert run_cli("compile", cwd=project).returncode == 0
    edit(project, 'Service("api", project="app"',
         'Service("shop-api", previous_names=["api"], rename="complete", project="app"')
    md = run_cli("diff", "--against", "build", "--format", "markdown", cwd=project).stdout
    assert "**Renames that delete workloads:**" in md
    assert "- **api-prod → shop-api-prod** (internet/prod): in one step: the old Application still has" in md
    assert "**Dangerous: workloads of a protected environment are deleted**" in md
    before = snapshot(project / "build")
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "renames Application api-prod of protected environment prod in one step" in refused.stderr
    assert "api-stg" not in refused.stderr           # stg is not protected
    assert snapshot(project / "build") == before


def test_rename_without_previous_names_is_a_model_error(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL.replace(
        'Service("api", project="app"', 'Service("api", rename="complete", project="app"'))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1
    assert "error[GD101] Service('api'): rename='complete' without previous_names" in result.stderr
    assert "Traceback" not in result.stderr
