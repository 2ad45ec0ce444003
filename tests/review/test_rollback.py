"""`gitops-dsl history` and `rollback` on real git repositories in temporary folders."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import MINIMAL, make_project, run_cli, snapshot
from tests.review.test_diff import git

SOURCE = MINIMAL.replace('image=Image("ghcr.io/acme/api", "1.0.0")', 'image=Image("ghcr.io/acme/api")')
VERSIONS = "services:\n  api:\n    image: 1.0.0\n"


def commit(project, message: str) -> str:
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)
    return git(project, "rev-parse", "HEAD").strip()


def set_image(project, tag: str, env: str = "prod") -> None:
    run = run_cli("set-image", "api", tag, "--env", env, cwd=project)
    assert run.returncode == 0, run.stderr


@pytest.fixture
def repo(tmp_path):
    """Three commits that bump api in prod: 1.0.0, 1.1.0, 1.2.0."""
    project = make_project(tmp_path / "repo", SOURCE)
    (project / "platforms/versions.yaml").write_text(VERSIONS)
    git(project, "init", "-q", "-b", "main")
    shas = [commit(project, "api 1.0.0 everywhere")]
    set_image(project, "1.1.0")
    shas.append(commit(project, "api 1.1.0 to prod"))
    set_image(project, "1.2.0")
    shas.append(commit(project, "api 1.2.0 to prod"))
    return project, shas


def test_history_lists_what_ran_newest_first(repo):
    project, shas = repo
    run = run_cli("history", "api", "--env", "prod", cwd=project)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "api in prod, newest first:"
    assert [line.split()[0] for line in lines[1:]] == [s[:12] for s in reversed(shas)]
    assert "image 1.2.0 (image changed)  api 1.2.0 to prod" in lines[1]
    assert "image 1.1.0 (image changed)  api 1.1.0 to prod" in lines[2]
    assert lines[3].endswith("image 1.0.0  api 1.0.0 everywhere")
    data = json.loads(run_cli("history", "api", "--env", "prod", "--format", "json", cwd=project).stdout)
    assert [d["image"] for d in data] == ["1.2.0", "1.1.0", "1.0.0"]
    # stg never changed: one entry
    assert len(run_cli("history", "api", "--env", "stg", cwd=project).stdout.splitlines()) == 2


def test_rollback_by_one_step_restores_the_second_pin_with_one_line(repo):
    project, shas = repo
    before = (project / "platforms/versions.yaml").read_text()
    run = run_cli("rollback", "api", "--env", "prod", cwd=project)
    assert run.returncode == 0, run.stderr
    assert 'values.image.tag: "1.2.0" -> "1.1.0"' in run.stdout
    assert (f"commit message: Roll back api in prod to image 1.1.0 (as of {shas[1][:12]}"
            in run.stdout)
    after = (project / "platforms/versions.yaml").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [("        image: 1.2.0", "        image: 1.1.0")]
    assert len(before.splitlines()) == len(after.splitlines())
    values = (project / "build/gitops/values/api/values-prod.yaml").read_text()
    assert "tag: 1.1.0" in values
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_rollback_to_a_commit_and_dry_run(repo):
    project, shas = repo
    before = snapshot(project)
    dry = run_cli("rollback", "api", "--env", "prod", "--to", shas[0], "--dry-run",
                  "--format", "markdown", cwd=project)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("### gitops-dsl diff")
    assert "dry run: nothing written" in dry.stdout
    assert snapshot(project) == before
    run = run_cli("rollback", "api", "--env", "prod", "--to", shas[0], cwd=project)
    assert run.returncode == 0, run.stderr
    assert "to image 1.0.0" in run.stdout
    assert "image: 1.0.0" in (project / "platforms/versions.yaml").read_text().split("prod:")[1]


def test_a_rollback_across_a_values_change_reports_it(repo):
    project, shas = repo
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('Overlay(values={"replicaCount": 3})',
                                             'Overlay(values={"replicaCount": 5})'))
    set_image(project, "1.3.0")
    values_commit = commit(project, "api 1.3.0 and 5 replicas in prod")
    run = run_cli("rollback", "api", "--env", "prod", cwd=project)
    assert run.returncode == 0, run.stderr
    assert "also differs from" in run.stdout
    assert "values.replicaCount: 5 -> 3" in run.stdout
    assert f"git revert {values_commit[:12]}" in run.stdout
    assert "image: 1.2.0" in (project / "platforms/versions.yaml").read_text().split("prod:")[1]


def test_a_values_only_change_needs_a_revert(repo):
    project, shas = repo
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('Overlay(values={"replicaCount": 3})',
                                             'Overlay(values={"replicaCount": 5})'))
    values_commit = commit(project, "5 replicas in prod")
    before = snapshot(project)
    run = run_cli("rollback", "api", "--env", "prod", cwd=project)
    assert run.returncode == 1
    assert "values.replicaCount: 5 -> 3" in run.stderr and f"git revert {values_commit[:12]}" in run.stderr
    assert snapshot(project) == before


def test_a_protected_environments_policy_applies_to_the_rolled_back_pin(tmp_path):
    project = make_project(tmp_path / "repo", SOURCE)
    (project / "platforms/versions.yaml").write_text(
        "services:\n  api:\n    image: 1.0.0\n    envs:\n      prod:\n        image: latest\n")
    git(project, "init", "-q", "-b", "main")
    commit(project, "prod on latest")
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('zone="internet")',
                                             'zone="internet", policies=[pinned_images])'))
    set_image(project, "1.1.0")
    commit(project, "prod pinned")
    before = snapshot(project)
    run = run_cli("rollback", "api", "--env", "prod", cwd=project)
    assert run.returncode == 1
    assert "GD301" in run.stderr and "rollback refused" in run.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("args, message", [
    (["rollback", "nope", "--env", "prod"], "no service 'nope'"),
    (["rollback", "api", "--env", "qa"], "Invalid value for --env: no environment 'qa'"),
    (["rollback", "api", "--env", "prod", "--to", "no-such-ref"], "'no-such-ref' is not a commit"),
    (["rollback", "api", "--env", "prod", "--steps", "3"], "no earlier version"),
    (["history", "api", "--env", "qa"], "Invalid value for --env: no environment 'qa'"),
])
def test_bad_requests_are_clear_errors_and_write_nothing(repo, args, message):
    project, _ = repo
    before = snapshot(project)
    run = run_cli(*args, cwd=project)
    assert run.returncode != 0 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(project) == before


def test_a_dirty_tree_is_refused(repo):
    project, _ = repo
    (project / "platforms/versions.yaml").write_text(VERSIONS + "# local edit\n")
    run = run_cli("rollback", "api", "--env", "prod", cwd=project)
    assert run.returncode != 0 and "uncommitted changes" in run.stderr


def test_a_shallow_clone_is_refused(repo, tmp_path):
    project, _ = repo
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{project}", str(clone)], check=True)
    run = run_cli("rollback", "api", "--env", "prod", cwd=clone)
    assert run.returncode != 0 and "shallow clone" in run.stderr and "--unshallow" in run.stderr
    assert run_cli("history", "api", "--env", "prod", cwd=clone).returncode != 0


def test_a_commit_that_changes_only_the_config_is_in_the_history(repo):
    # a config change restarts the pods (the ConfigMap's checksum) without touching a pin
    project, shas = repo
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('config={"LOG_LEVEL": "info"}',
                                             'config={"LOG_LEVEL": "debug"}'))
    config_sha = commit(project, "api logs at debug")
    lines = run_cli("history", "api", "--env", "prod", cwd=project).stdout.splitlines()
    assert lines[1].split()[0] == config_sha[:12] and "(config changed)  api logs at debug" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == [s[:12] for s in reversed(shas)]
    data = json.loads(run_cli("history", "api", "--env", "prod", "--format", "json",
                              cwd=project).stdout)
    assert [d["config"]["LOG_LEVEL"] for d in data[:2]] == ["debug", "info"]
    # and a rollback names it: a pin cannot bring the old config back
    run = run_cli("rollback", "api", "--env", "prod", "--dry-run", cwd=project)
    assert run.returncode == 1
    assert 'config.LOG_LEVEL: "debug" -> "info"' in run.stderr
    assert f"git revert {config_sha[:12]}" in run.stderr


def test_a_commit_that_changes_only_a_chart_folder_is_in_the_history(tmp_path):
    # the Application renders the folder as it is at the revision: an edit there changes what
    # runs while every compiled file stays the same
    source = MINIMAL.replace(
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'chart=GitPath("charts/db")),')
    project = make_project(tmp_path / "repo", source)
    chart = project / "charts/db"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 0.1.0\n")
    (chart / "templates/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                             "  name: db\ndata:\n  size: small\n")
    git(project, "init", "-q", "-b", "main")
    first = commit(project, "db chart")
    (chart / "templates/cm.yaml").write_text((chart / "templates/cm.yaml").read_text()
                                             .replace("small", "large"))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "db size large")
    second = git(project, "rev-parse", "HEAD").strip()
    run = run_cli("history", "db", "--env", "prod", cwd=project)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:]] == [second[:12], first[:12]]
    assert "(chart folder changed)  db size large" in lines[1]
    data = json.loads(run_cli("history", "db", "--env", "prod", "--format", "json",
                              cwd=project).stdout)
    assert data[0]["chart_folder"] == "charts/db" and data[0]["chart_tree"] != data[1]["chart_tree"]
    back = run_cli("rollback", "db", "--env", "prod", "--dry-run", cwd=project)
    assert back.returncode == 1 and f"git revert {second[:12]}" in back.stderr
