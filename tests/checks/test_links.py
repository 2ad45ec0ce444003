"""Symbolic links, as Argo CD's repo server judges them (argo-cd util/app/path/path.go:
CheckOutOfBoundsSymlinks refuses a checkout holding a link that is absolute, or whose target
steps outside the checkout at any segment), and as gitops-dsl itself must treat them: never
followed out of a tree it reads, never written through."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitops_dsl.argo.links import leaves, out_of_bounds_links
from tests.helpers import make_project, run_cli

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


@pytest.mark.parametrize("where, target, out", [
    ("link", "/etc/passwd", True),               # absolute: always refused
    ("link", "../outside", True),
    ("link", "inside/file", False),
    ("link", "a/../b", False),
    ("link", "a/../../b", True),                 # steps out on the way, even if it came back
    ("sub/link", "../b", False),                 # to a sibling folder of the checkout
    ("sub/link", "../../b", True),
    ("sub/deeper/link", "../../x/../y", False),
    ("link", ".", False),
])
def test_out_of_bounds_as_argo_cd_decides(tmp_path: Path, where: str, target: str, out: bool) -> None:
    base = str(tmp_path)
    assert leaves(base, os.path.join(base, where), target) is out
    link = tmp_path / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)
    assert out_of_bounds_links(tmp_path) == ([where] if out else [])


def committed_project(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "p")
    subprocess.run([*GIT, "init", "-q"], cwd=project, check=True)
    return project


def test_gd603_an_absolute_or_escaping_link_fails_the_compile(tmp_path: Path) -> None:
    project = committed_project(tmp_path)
    (project / "docs").mkdir()
    os.symlink("/etc/hostname", project / "docs" / "host")
    os.symlink("../../outside", project / "docs" / "up")
    os.symlink("../platforms", project / "docs" / "ours")          # inside: fine for Argo CD
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert "error[GD603] docs/host is a symbolic link" in run.stderr
    assert "docs/up" in run.stderr and "docs/ours" not in run.stderr
    assert not (project / "build").exists()


def test_gd603_judges_what_is_committed_not_what_git_ignores(tmp_path: Path) -> None:
    project = committed_project(tmp_path)
    os.symlink("/usr/bin/python3", project / "python")
    (project / ".gitignore").write_text("/python\n")
    assert run_cli("compile", cwd=project).returncode == 0
    (project / ".gitignore").write_text("")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "GD603" in run.stderr


def test_history_and_diff_of_commits_holding_an_absolute_link(tmp_path: Path) -> None:
    """git archive hands such a link to the extraction: skipped, never a traceback."""
    project = make_project(tmp_path / "p")
    subprocess.run([*GIT, "init", "-q"], cwd=project, check=True)
    os.symlink("/etc/hostname", project / "host")
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", "one"], cwd=project, check=True)
    (project / "host").unlink()
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace('"replicaCount": 1', '"replicaCount": 2'))
    subprocess.run([*GIT, "commit", "-qam", "two"], cwd=project, check=True)
    for args in (["diff", "--against", "HEAD~1"], ["history", "api", "--env", "stg"],
                 ["rollback", "api", "--env", "stg"]):
        run = run_cli(*args, cwd=project)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr, (args, run.stderr)
    assert "replicaCount: 1 -> 2" in run_cli("diff", "--against", "HEAD~1", cwd=project).stdout


def test_manifests_never_render_a_file_outside_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n")
    project = make_project(tmp_path / "p", '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[stg],
    projects=[Project("app")],
    services=[Service("k", project="app", chart=GitPath("k8s/k", tool="directory"))],
)
''')
    (project / "k8s" / "k").mkdir(parents=True)
    (project / "k8s" / "k" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ours\n")
    assert run_cli("compile", cwd=project).returncode == 0
    os.symlink(outside, project / "k8s" / "k" / "stolen.yaml")
    run = run_cli("manifests", "--out", "m", cwd=project)
    assert "stolen" not in "".join(p.read_text() for p in (project / "m").rglob("*.yaml")) \
        if (project / "m").exists() else True
    assert "symbolic link" in run.stdout + run.stderr, run.stdout + run.stderr
    (project / "k8s" / "k" / "stolen.yaml").unlink()
    clean = run_cli("manifests", "--out", "m2", cwd=project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ours" in "".join(p.read_text() for p in (project / "m2").rglob("*.yaml"))


def test_a_folder_link_in_a_checkout_is_never_written_through(tmp_path: Path) -> None:
    from tests.test_publish import SOURCE, git
    project = make_project(tmp_path / "gitops", SOURCE)
    assert run_cli("compile", cwd=project).returncode == 0
    configs = tmp_path / "configs"
    configs.mkdir()
    git(configs, "init", "-q", "-b", "main")
    os.symlink(".git", configs / "api")             # committed: `api -> .git`
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-m", "a link")
    before = sorted(p.name for p in (configs / ".git").iterdir())
    run = run_cli("publish", "--configs", str(configs), cwd=project)
    assert run.returncode == 1 and "is a symbolic link" in run.stderr, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in (configs / ".git").iterdir()) == before
    assert not (configs / ".git" / "prod").exists()
