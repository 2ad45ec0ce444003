"""The guard against destructive changes: protected environments, declared renames."""
from __future__ import annotations

from tests.helpers import MINIMAL, make_project, run_cli, snapshot

PROTECTED = MINIMAL.replace('zone="internet")', 'zone="internet", protected=True)')


def test_removing_a_protected_service_needs_allow_delete(tmp_path):
    project = make_project(tmp_path / "p", PROTECTED)
    assert run_cli("compile", cwd=project).returncode == 0
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace(
        'Service("db", project="app", wave=first,\n                '
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),\n', "").replace(
        ', depends_on=["db"]', ""))
    before = snapshot(project / "build")
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "deletes Application db-prod of protected environment prod" in refused.stderr
    assert "--allow-delete db-prod" in refused.stderr
    assert "db-stg" not in refused.stderr  # stg is not protected
    assert snapshot(project / "build") == before
    allowed = run_cli("compile", "--allow-delete", "db-prod", cwd=project)
    assert allowed.returncode == 0, allowed.stderr
    assert not (project / "build/gitops/argo-apps/internet/apps/prod/app/db.yaml").exists()


def test_stateful_services_get_no_cascading_finalizer(tmp_path):
    source = MINIMAL.replace('Service("db", project="app",', 'Service("db", project="app", stateful=True,')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    db = (project / "build/gitops/argo-apps/internal/apps/stg/app/db.yaml").read_text()
    api = (project / "build/gitops/argo-apps/internal/apps/stg/app/api.yaml").read_text()
    assert "finalizers" not in db and "resources-finalizer.argocd.argoproj.io" in api


def test_renaming_a_root_in_place_is_refused_in_every_environment(tmp_path):
    """A root renamed in place (root_name here; a platform rename alike) keeps its file but not
    its name: the zone Application prunes the old root, whose resources finalizer deletes every
    Application of the environment. Refused, in an environment that is not protected too, until
    allowed by the old root's name."""
    project = make_project(tmp_path / "p", MINIMAL)
    assert run_cli("compile", cwd=project).returncode == 0
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace(
        'zone="internal")', 'zone="internal", root_name="stg-apps")'))
    before = snapshot(project / "build")
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "renames root Application demo-root-stg of environment stg" in refused.stderr
    assert "--allow-delete demo-root-stg" in refused.stderr
    assert snapshot(project / "build") == before
    allowed = run_cli("compile", "--allow-delete", "demo-root-stg", cwd=project)
    assert allowed.returncode == 0, allowed.stderr
    assert "name: stg-apps" in (project / "build/gitops/argo-apps/internal/roots/stg.yaml").read_text()


ONE_ZONE = MINIMAL.replace('zone="internet")', 'zone="internal")')


def test_environments_joining_one_root_is_refused_for_each_root_that_goes(tmp_path):
    """Two environments come to share one root: the root file of one of them goes while its
    environment stays, so the zone Application prunes that root - and through its finalizer
    every Application of the environment. Refused for each old root until allowed by name; once
    they share it, reordering the environments deletes nothing."""
    project = make_project(tmp_path / "p", ONE_ZONE)
    assert run_cli("compile", cwd=project).returncode == 0
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace('zone="internal")', 'zone="internal", root_name="apps")'))
    before = snapshot(project / "build")
    refused = run_cli("compile", "--allow-delete", "demo-root-prod", cwd=project)
    assert refused.returncode == 1
    assert "renames root Application demo-root-stg of environment stg" in refused.stderr
    assert snapshot(project / "build") == before
    allowed = run_cli("compile", "--allow-delete", "demo-root-prod", "--allow-delete", "demo-root-stg",
                      cwd=project)
    assert allowed.returncode == 0, allowed.stderr
    platform.write_text(platform.read_text().replace('environments=[stg, prod]', 'environments=[prod, stg]'))
    reordered = run_cli("compile", cwd=project)
    assert reordered.returncode == 0, reordered.stderr


def test_a_renamed_application_whose_file_spells_the_label_with_escapes_is_refused(tmp_path):
    """The guard reads only the changed Application files that can hold the protected label;
    one that writes the label's key with YAML escapes can, and is read (and refused)."""
    project = make_project(tmp_path / "p", PROTECTED)
    assert run_cli("compile", cwd=project).returncode == 0
    path = project / "build/gitops/argo-apps/internet/apps/prod/app/api.yaml"
    text = path.read_text()
    assert '    gitops-dsl.io/protected: "true"\n' in text, text
    path.write_text(text.replace('    gitops-dsl.io/protected: "true"\n',
                                 '    "gitops-dsl.io/prot\\x65cted": "true"\n'))
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace(
        'Service("api", project="app",', 'Service("api", project="app", app_name="{service}-x-{env}",'))
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1, refused.stdout
    assert "api-prod" in refused.stderr and "--allow-delete api-prod" in refused.stderr, \
        refused.stderr
