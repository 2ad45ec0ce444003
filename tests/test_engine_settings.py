"""The Helm engine's Go runtime reads GOGC from the environment the process started with, so
the commands that render start again with it set (gitops_dsl/__main__.py); a real process
each, with a sitecustomize that says what each interpreter it starts sees."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import REPO


def _started(tmp_path, *args: str, gogc: str | None = None) -> list[str]:
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(
        "import os, sys\nprint('GOGC=' + str(os.environ.get('GOGC')), file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if k != "GOGC"}
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(REPO)])
    if gogc is not None:
        env["GOGC"] = gogc
    done = subprocess.run([sys.executable, "-m", "gitops_dsl", *args, "--help"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    return [line for line in done.stderr.splitlines() if line.startswith("GOGC=")]


@pytest.mark.parametrize("command", ["preflight", "manifests"])
def test_a_rendering_command_starts_again_with_gogc_set(tmp_path, command):
    assert _started(tmp_path, command) == ["GOGC=None", "GOGC=400"]


def test_a_gogc_of_the_user_is_kept(tmp_path):
    assert _started(tmp_path, "preflight", gogc="100") == ["GOGC=100"]


def test_other_commands_start_once(tmp_path):
    assert _started(tmp_path, "compile") == ["GOGC=None"]
