"""Every file the tool reads and does not own, replaced by what an attacker or an accident puts
there - nesting deeper than any parser follows, a file far larger than the tool reads (sparse:
no disk used), a FIFO that never delivers, a link to /dev/zero that never ends, bytes that are
not text - through the command that reads it: each ends within a bound, with a message and exit
1 or 2 (or success when the input is not needed), never a traceback, in bounded memory (less
than the huge input), and the output folder and checkouts are as they were. Platform modules are code and are not fed here; the malformed-data
readers are fuzzed by tests/test_fuzz_inputs.py."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gitops_dsl.zones.bundle import build
from tests.helpers import MINIMAL, REPO, make_project

pytestmark = pytest.mark.slow   # 55 commands: .ci/run runs this tier after the default one

BOUND = 60          # seconds
MEMORY = 180 * 1024 * 1024   # bytes: less than the huge input
HUGE = 200 * 1024 * 1024


def deep(kind: str) -> bytes:
    if kind == "toml":
        return b"[tool.gitops-dsl]\nx = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    return b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"


def plant(path: Path, how: str, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if how == "deep":
        path.write_bytes(deep(kind))
    elif how == "huge":
        with open(path, "wb") as handle:
            handle.truncate(HUGE)          # sparse
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "dev-zero":
        os.symlink("/dev/zero", path)
    elif how == "binary":
        path.write_bytes(bytes(range(256)) * 64)


#: starts the command and reports its peak memory. A process's peak (ru_maxrss) counts the
#: memory of the process it was started from (Linux records the old address space's peak at
#: exec, and a vforked child borrows its parent's), so the command is started from this small
#: process rather than from the test's, whose size depends on what the worker ran before.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command, with its own peak memory bounded (less than the huge input: an input read
    whole would show)."""
    import signal
    import tempfile
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as scratch:
        peak = Path(scratch) / "peak"
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(peak), sys.executable, "-m",
                                 "gitops_dsl", *args], cwd=cwd, text=True, stdout=out, stderr=err,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True)
        timer = threading.Timer(BOUND, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        proc.wait()
        timer.cancel()
        if time.monotonic() - start >= BOUND:
            pytest.fail(f"gitops-dsl {' '.join(args)} did not end within {BOUND} s")
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
        peak_kib = int(peak.read_text())
    assert time.monotonic() - start < BOUND
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert peak_kib * 1024 < MEMORY, (args, peak_kib)
    return done


KUSTOMIZE = '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[stg],
    projects=[Project("app")],
    services=[Service("k", project="app", chart=GitPath("k8s/k", tool="kustomize"))],
)
'''

#: reader -> (file to plant, relative to the project; its format; the command that reads it)
READERS = {
    "settings": ("pyproject.toml", "toml", ["compile"]),
    "versions file": ("platforms/versions.yaml", "yaml", ["compile"]),
    "ownership manifest": ("build/.gitops-dsl-manifest", "text", ["compile"]),
    "ownership manifest, --check": ("build/.gitops-dsl-manifest", "text", ["compile", "--check"]),
    "a generated file's place": ("build/configs/stg/api/config.yaml", "yaml", ["compile"]),
    "chart lock": ("charts.lock", "yaml", ["manifests", "--env", "stg"]),
    "kustomization": ("k8s/k/kustomization.yaml", "yaml", ["compile"]),
    "imported tree": ("tree/apps.yaml", "yaml", ["import", "tree"]),
    "receiving policy": ("policy.yaml", "yaml", ["verify", "bundle.tar.gz", "--allow-unsigned",
                                                 "--policy", "policy.yaml"]),
    "trusted key": ("key.pub", "text", ["verify", "bundle.tar.gz", "--pubkey", "key.pub"]),
    "bundle": ("bundle.tar.gz", "binary", ["verify", "bundle.tar.gz", "--allow-unsigned"]),
}


@pytest.mark.parametrize("how", ["deep", "huge", "fifo", "dev-zero", "binary"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_an_input_that_is_not_what_it_should_be(tmp_path: Path, reader: str, how: str) -> None:
    rel, kind, command = READERS[reader]
    project = make_project(tmp_path / "p", KUSTOMIZE if reader == "kustomization" else MINIMAL)
    (project / "k8s" / "k").mkdir(parents=True)
    (project / "k8s" / "k" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n"
                                                    "metadata:\n  name: k\n")
    (project / "k8s" / "k" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    assert run(["compile"], project).returncode == 0
    (project / "bundle.tar.gz").write_bytes(build({"gitops/a.yaml": b"a: 1\n"}, "internet",
                                                  commit="abc1234", mtime=0, leaks=[]))
    (project / "key.pub").write_text("not a key\n")
    (project / "policy.yaml").write_text("allowed_hosts: [example.com]\n")
    (project / "tree").mkdir()
    plant(project / rel, how, kind)
    before = output(project, rel)
    done = run(command, project)
    assert done.returncode in (0, 1, 2), (done.stdout, done.stderr)
    if done.returncode != 0:
        assert (done.stderr + done.stdout).strip(), "a failure says why"
        assert output(project, rel) == before      # a failed command wrote nothing
    elif command[0] != "compile" or "--check" in command:
        assert output(project, rel) == before      # a command that only reads wrote nothing


def output(project: Path, planted: str) -> dict[str, tuple[bytes, int]]:
    """The output folder's regular files (bytes and times), but the planted one and the cache."""
    build = project / "build"
    return {str(p.relative_to(project)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(build.rglob("*")) if p.is_file() and not p.is_symlink()
            and str(p.relative_to(project)) != planted and ".gitops-dsl-cache" not in p.parts}
