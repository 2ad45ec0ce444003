"""Only a journal this tool wrote, in this folder, for a write it started, is ever carried out.
A journal is the commit point of a write: carried out, it replaces and deletes files. One that
arrives any other way - committed to the repository, copied from another checkout - is removed
without being carried out, and the compile says so. The output folder's .gitignore keeps a
write's journal and staging out of commits in the first place."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gitops_dsl.emit.journal import JOURNAL, recover
from tests.helpers import make_project, run_cli
from tests.test_publish import estate, git, publish  # noqa: F401 - the two-repository fixture


def test_a_committed_journal_in_build_deletes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build"
    mine = build / "notes.md"                      # a hand-written file beside the output
    mine.write_text("our notes\n")
    (build / JOURNAL).write_text("delete notes.md\ndelete configs/stg/api/config.yaml\n")
    done = run_cli("compile", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "not written by gitops-dsl in this folder" in done.stderr
    assert mine.read_text() == "our notes\n"
    assert not (build / JOURNAL).exists()
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_a_journal_copied_from_another_checkout_is_not_carried_out(tmp_path: Path) -> None:
    """The control: the same journal, written by this tool in the folder, is carried out."""
    from gitops_dsl.emit.journal import signed_journal as _signed_journal
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build"
    (build / "notes.md").write_text("our notes\n")
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    (build / JOURNAL).write_bytes(_signed_journal(build, ["delete notes.md"]))
    shutil.copy2(build / JOURNAL, copy / "build" / JOURNAL)
    assert "not written by gitops-dsl" in (recover(copy / "build") or "")
    assert (copy / "build" / "notes.md").exists()
    assert "completed from its journal" in (recover(build) or "")
    assert not (build / "notes.md").exists()


def test_build_gitignore_keeps_a_write_in_progress_out_of_commits(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    for name in (JOURNAL, ".gitops-dsl-staging", ".gitops-dsl-staging.d/x/y.yaml",
                 "configs/.config.yaml.gitops-dsl-new"):
        (project / "build" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "build" / name).write_text("x\n")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "build"],
                            cwd=project, check=True, capture_output=True, text=True).stdout
    assert "gitops-dsl-journal" not in status and "staging" not in status
    assert "gitops-dsl-new" not in status and "build/.gitignore" in status


def test_a_journal_committed_to_a_configs_checkout_deletes_nothing(estate, tmp_path):  # noqa: F811
    project, configs, _ = estate
    (configs / "CODEOWNERS").write_text("* @configs-team\n")
    (configs / JOURNAL).write_text("delete CODEOWNERS\n")
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-m", "owners, and a journal someone committed")
    run = publish(project, configs)
    assert run.returncode == 0, run.stderr
    assert (configs / "CODEOWNERS").read_text() == "* @configs-team\n"
    assert "not written by gitops-dsl in this folder" in run.stderr + run.stdout


def test_publish_check_never_calls_a_checkout_with_a_journal_current(estate, tmp_path):  # noqa: F811
    """--check writes nothing, so it cannot remove the journal: the checkout is not current."""
    project, configs, _ = estate
    assert publish(project, configs).returncode == 0
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-m", "published")
    assert publish(project, configs, "--check").returncode == 0      # the control: current
    (configs / JOURNAL).write_text("delete api/prod/config.yaml\n")
    check = publish(project, configs, "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "journal" in check.stderr
    assert (configs / "api/prod/config.yaml").exists() and (configs / JOURNAL).exists()
