"""GD405 judges a GitPath folder and its value files as Argo CD's checkout of the repository holds
them: a file git ignores is never committed, so the repo server (which checks the revision out
and cleans untracked files away: argo-cd reposerver/repository/repository.go `checkoutRevision`)
does not have it. What decides that is an input of the compile: changing an ignore rule outside
the work tree (`.git/info/exclude`) is seen, never replayed over."""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import make_project, run_cli

PLATFORM = '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="z")
platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[stg],
    projects=[Project("app")],
    services=[Service("shop", project="app", chart=GitPath("k8s/shop", value_files=["values-stg.yaml"]))],
)
'''


def _project(tmp_path: Path, ignore: str) -> Path:
    project = make_project(tmp_path / "p", PLATFORM)
    chart = project / "k8s/shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 1.0.0\n")
    (chart / "templates/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n")
    (chart / "values-stg.yaml").write_text("replicas: 2\n")
    (project / ".gitignore").write_text(ignore)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    return project


def test_a_value_file_git_ignores_fails_the_compile(tmp_path):
    project = _project(tmp_path, "values-*.yaml\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert ("error[GD405] shop-stg: value file 'values-stg.yaml' of the chart folder 'k8s/shop' is "
            "a file git ignores") in run.stderr, run.stderr
    (project / ".gitignore").write_text("")
    assert run_cli("compile", cwd=project).returncode == 0


def test_a_folder_of_files_git_ignores_fails_the_compile(tmp_path):
    project = _project(tmp_path, "k8s/\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert "error[GD405] shop: GitPath 'k8s/shop' holds no file git would commit" in run.stderr


def test_an_ignore_rule_outside_the_work_tree_is_an_input_of_the_compile(tmp_path):
    """The rule is added where the repository's own files do not show it: the next compile
    still sees it (the record of the first holds `.git/info/exclude`), and so does one after
    the rule goes again."""
    project = _project(tmp_path, "")
    first = run_cli("compile", cwd=project, process=True)
    assert first.returncode == 0, first.stderr
    again = run_cli("compile", cwd=project, process=True)
    assert "(no input changed)" in again.stdout   # the record replays while nothing changed
    exclude = project / ".git/info/exclude"
    exclude.write_text(exclude.read_text() + "values-*.yaml\n")
    run = run_cli("compile", cwd=project, process=True)
    assert run.returncode == 1 and "a file git ignores" in run.stderr, run.stdout + run.stderr
    exclude.write_text("")
    assert run_cli("compile", cwd=project, process=True).returncode == 0


def test_untracking_a_file_an_ignore_rule_matches_is_seen(tmp_path):
    """A value file force-added although a rule matches it is committed, so Argo CD has it;
    `git rm --cached` leaves it on disk, untracked and ignored: only git's index shows the
    change, and the next compile sees it."""
    project = _project(tmp_path, "values-*.yaml\n")
    subprocess.run(["git", "add", "-f", "k8s/shop/values-stg.yaml"], cwd=project, check=True)
    first = run_cli("compile", cwd=project, process=True)
    assert first.returncode == 0, first.stderr
    assert "(no input changed)" in run_cli("compile", cwd=project, process=True).stdout
    subprocess.run(["git", "rm", "-q", "--cached", "k8s/shop/values-stg.yaml"], cwd=project,
                   check=True)
    run = run_cli("compile", cwd=project, process=True)
    assert run.returncode == 1 and "a file git ignores" in run.stderr, run.stdout + run.stderr


def test_an_empty_folder_fails_the_compile_in_a_git_work_tree(tmp_path):
    """git keeps files, not folders: a GitPath folder with nothing to commit is not in Argo CD's
    checkout ("app path does not exist"). Outside a Git work tree nothing is known of commits."""
    project = make_project(tmp_path / "p", PLATFORM.replace(
        'GitPath("k8s/shop", value_files=["values-stg.yaml"])', 'GitPath("k8s/plain", tool="directory")'))
    (project / "k8s/plain").mkdir(parents=True)
    assert run_cli("compile", cwd=project).returncode == 0
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert "error[GD405] shop: GitPath 'k8s/plain' holds no file git would commit" in run.stderr
    (project / "k8s/plain/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    assert run_cli("compile", cwd=project).returncode == 0


def test_a_changed_git_config_stops_the_replay_but_not_the_reuse(tmp_path):
    """What decides what git ignores is read by rules that run on every compile that does not
    replay: a change there (`git config`, as `git push -u` writes) compiles again, reusing every
    Application the last compile made."""
    project = _project(tmp_path, "")
    assert run_cli("compile", cwd=project, process=True).returncode == 0
    subprocess.run(["git", "config", "branch.main.remote", "origin"], cwd=project, check=True)
    run = run_cli("compile", cwd=project, process=True)
    assert run.returncode == 0, run.stderr
    assert "(no input changed)" not in run.stdout and "1 of 1 Applications reused" in run.stdout, \
        run.stdout


def test_a_folder_of_a_submodule_not_checked_out_here_is_not_judged_empty(tmp_path):
    """The repo server checks submodules out with the revision: a GitPath inside one holds its
    files there, although an uninitialized submodule is an empty folder here."""
    project = make_project(tmp_path / "p", PLATFORM.replace(
        'GitPath("k8s/shop", value_files=["values-stg.yaml"])',
        'GitPath("vendor/library/plain", tool="directory")'))
    (project / "vendor/library/plain").mkdir(parents=True)
    (project / ".gitmodules").write_text('[submodule "vendor/library"]\n'
                                         '\tpath = vendor/library\n'
                                         '\turl = https://example.com/acme/library.git\n')
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
