"""The documentation's recipes, run as written: the shell lines are taken from the pages
themselves, so a recipe that loses a file (or a command that changed its flags) fails here
first."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import MINIMAL, REPO, make_project, run_cli

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}


def _recipe(title: str) -> list[str]:
    """The shell lines of the GitHub Actions steps in the YAML block that follows `title` in the
    documentation: each `- run: command`, and each line of a `run: |` block, in order."""
    readme = "\n".join(p.read_text() for p in sorted((REPO / "docs").rglob("*.md")))
    block = readme[readme.index(title):]
    block = block[block.index("```yaml\n") + len("```yaml\n"):]
    block = block[:block.index("```")]
    lines: list[str] = []
    literal = False
    for line in block.splitlines():
        step = line.strip().removeprefix("- ")
        if step.startswith("run: |"):
            literal = True
        elif step.startswith("run: "):
            literal = False
            lines.append(step[len("run: "):].split("  #")[0].strip())
        elif literal and line.startswith("    ") and line.strip():
            lines.append(line.strip())
        elif line.strip():
            literal = False
    return lines


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def test_the_ci_recipe_after_an_image_push_commits_everything_the_pin_changes(tmp_path):
    lines = _recipe("**Recipe: CI after an image push**")
    lines = [line.split("    #")[0].strip() for line in lines]
    # the two lines that reach outside this machine: the clone (made from a local repository
    # here) and the install (the tool under test is installed); every other line runs as written
    clone = [line for line in lines if line.startswith("git clone ")]
    install = [line for line in lines if line.startswith("pip install ")]
    assert len(clone) == 1 and len(install) == 1, lines
    steps = [line for line in lines if line not in clone + install]
    # the README's service and environment, on the test platform; the tag lives in the
    # versions file, where CI bumps it
    source = MINIMAL.replace('Service("api"', 'Service("plate-api"').replace(
        'Image("ghcr.io/acme/api", "1.0.0")', 'Image("ghcr.io/acme/api")').replace(
        'Environment("stg"', 'Environment("dev"')
    project = make_project(tmp_path / "work", source)
    (project / "platforms/versions.yaml").write_text("services:\n  plate-api:\n    image: 1.0.0\n")
    assert run_cli("compile", cwd=project).returncode == 0, "the test platform compiles"
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "base")
    remote = tmp_path / "plate-gitops.git"
    _git(tmp_path, "clone", "-q", "--bare", str(project), str(remote))
    runner = tmp_path / "runner"
    runner.mkdir()
    _git(runner, "clone", "-q", str(remote), "plate-gitops")
    script = "set -e\n" + "\n".join(steps) + "\n"
    assert not (runner / "plate-gitops/build/gitops/values/plate-api/values-dev.yaml").exists()
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(["bash", "-c", script], cwd=runner, capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV, "GITHUB_SHA": "0123456789abcdef0123",
                              "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                              "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    # what was pushed is a whole change: a fresh clone compiles to exactly its build/
    fresh = tmp_path / "fresh"
    _git(tmp_path, "clone", "-q", str(remote), str(fresh))
    assert (fresh / "build/gitops/values/plate-api/values-dev.yaml").exists()
    assert "0123456789ab" in (fresh / "platforms/versions.yaml").read_text()
    check = run_cli("compile", "--check", cwd=fresh)
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"plate-api 0123456789ab to dev", _git(fresh, "log", "-1", "--format=%s"))


def test_the_ci_flow_for_two_repositories_publishes_what_the_platform_compiles_to(tmp_path):
    from tests.test_publish import SOURCE
    lines = _recipe("The CI flow for two repositories")
    # what reaches outside this machine: the install (the tool under test is installed), the
    # clone's address (a local repository here) and the message file (in this test's folder)
    install = "pip install gitops-dsl && "
    assert lines[0].startswith(install), lines
    assert lines[1].startswith("git clone https://") and lines[1].endswith(" ../configs"), lines
    script = [lines[0][len(install):]]
    remote = tmp_path / "remotes/configs.git"
    remote.mkdir(parents=True)
    _git(remote, "init", "-q", "--bare", "-b", "main")
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "OWNERS").write_text("configs-team\n")
    _git(seed, "add", "-A")
    _git(seed, "commit", "-q", "-m", "owners")
    _git(seed, "push", "-q", "origin", "main")
    script.append(f"git clone -q {remote} ../configs")
    message = tmp_path / "msg"
    script += [line.replace("/tmp/msg", str(message)) for line in lines[2:]]
    project = make_project(tmp_path / "gitops", SOURCE)
    assert run_cli("compile", cwd=project).returncode == 0
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "platform")
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(["bash", "-c", "set -e\n" + "\n".join(script) + "\n"], cwd=project,
                         capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO),
                              "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert run.returncode == 0, run.stdout + run.stderr
    fresh = tmp_path / "fresh"
    _git(tmp_path, "clone", "-q", str(remote), str(fresh))
    assert (fresh / "OWNERS").read_text() == "configs-team\n"          # its own file kept
    assert _git(fresh, "log", "-1", "--format=%s").startswith("gitops-dsl: publish ")
    check = run_cli("publish", "--configs", str(fresh), "--check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
