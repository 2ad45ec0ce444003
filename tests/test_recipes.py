"""The README's recipes, run as written: the shell lines are taken from the README itself, so a
recipe that loses a file (or a command that changed its flags) fails here first."""
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
    """The `run: |` lines of the YAML block that follows `title` in the README."""
    readme = (REPO / "README.md").read_text()
    block = readme[readme.index(title):]
    block = block[block.index("```yaml\n") + len("```yaml\n"):]
    block = block[:block.index("```")]
    lines = block.split("run: |\n", 1)[1].splitlines()
    return [line.strip() for line in lines if line.strip()]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def test_the_ci_recipe_after_an_image_push_commits_everything_the_pin_changes(tmp_path):
    lines = _recipe("**Recipe: CI after an image push**")
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
