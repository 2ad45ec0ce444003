"""kill -9 at random moments of a large compile: the output folder is always the old tree, the
new tree, or an interrupted one that the next compile completes (and says so). Never a mix."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import CLI, REPO

#: the slow tier: compiles killed at random moments, two dozen processes each
pytestmark = pytest.mark.slow

TRANSIENT = (".gitops-dsl-journal", ".gitops-dsl-staging", ".gitops-dsl-staging.d")


def tree(folder: Path) -> dict[str, bytes]:
    out = {}
    for path in folder.rglob("*"):
        name = path.name
        if path.is_file() and name not in TRANSIENT and not name.endswith(".gitops-dsl-new") \
                and ".gitops-dsl-tmp-" not in name and ".gitops-dsl-staging.d" not in path.parts \
                and ".gitops-dsl-cache" not in path.parts:   # a local cache (absolute paths)
            out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name in TRANSIENT or
            p.name.endswith(".gitops-dsl-new") or ".gitops-dsl-tmp-" in p.name]


def compile_cmd(project: Path, **kw):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([*CLI, "compile"], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def wait_for(path: Path, proc, limit: float = 60.0) -> bool:
    """Poll until `path` exists (the writer's staging list: the write phase has begun)."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.0005)
    return False


@pytest.mark.parametrize("scenario", ["change", "cold"])
def test_a_killed_compile_leaves_the_old_tree_the_new_one_or_a_journal(tmp_path, scenario):
    """"change" rewrites files in place (one staged file each); "cold" writes into an empty
    folder (new folders built whole under the staging folder, moved in by one rename each)."""
    # small files by the thousand: on tmpfs where there is one (the root disk is slow at that)
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        import tempfile
        shm = Path(tempfile.mkdtemp(prefix="gitops-dsl-crash-", dir="/dev/shm"))
        try:
            _kill_and_compile_again(shm, scenario)
        finally:   # (passed or not: tmpfs is memory)
            shutil.rmtree(shm, ignore_errors=True)
    else:
        _kill_and_compile_again(tmp_path, scenario)


def _kill_and_compile_again(tmp_path: Path, scenario: str) -> None:
    project = tmp_path / "estate"
    subprocess.run([sys.executable, str(REPO / "benchmarks/generate.py"), "--services", "300",
                    "--envs", "2", "--zones", "1", "--out", str(project)], check=True,
                   capture_output=True)
    assert compile_cmd(project).wait() == 0
    if scenario == "cold":
        shutil.rmtree(project / "build")
        (project / "build").mkdir()
    old = tree(project / "build")
    saved = tmp_path / "old-build"
    shutil.copytree(project / "build", saved)
    estate = project / "platforms/estate.py"
    if scenario == "change":
        estate.write_text(estate.read_text().replace("apply_out_of_sync_only=True",
                                                 "apply_out_of_sync_only=False"))
    shutil.copytree(project, tmp_path / "reference")
    reference = compile_cmd(tmp_path / "reference")
    assert wait_for(tmp_path / "reference/build/.gitops-dsl-staging", reference)
    started = time.perf_counter()
    assert reference.wait() == 0
    duration = time.perf_counter() - started           # the write phase, about
    new = tree(tmp_path / "reference/build")
    assert new != old and (len(new) == len(old) or scenario == "cold")
    rng = random.Random(20261128)
    seen = {"old": 0, "new": 0, "interrupted": 0}
    for attempt in range(24):
        shutil.rmtree(project / "build")
        shutil.copytree(saved, project / "build")
        proc = compile_cmd(project)
        if attempt % 6 == 0:
            time.sleep(rng.uniform(0.0, 0.5))          # some kills while it still compiles
        elif attempt % 6 == 3:
            # some the moment the journal is there, in the commit phase (a kill at a random
            # moment of the write phase may miss that short phase on a busy machine)
            wait_for(project / "build/.gitops-dsl-journal", proc)
        else:
            assert wait_for(project / "build/.gitops-dsl-staging", proc)
            time.sleep(rng.uniform(0.0, 1.2 * duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = tree(project / "build")
        journal = (project / "build/.gitops-dsl-journal").exists()
        if journal:
            seen["interrupted"] += 1
        elif state == old:
            seen["old"] += 1
        else:
            assert state == new, sorted(p for p in set(state) | set(new) if state.get(p) != new.get(p))[:5]
            seen["new"] += 1
        again = compile_cmd(project)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        if journal:
            assert "completed from its journal" in err
        assert tree(project / "build") == new
        assert leftovers(project / "build") == []
    assert seen["old"] + seen["new"] + seen["interrupted"] == 24
    if scenario == "change":   # a cold write's commit phase is a few renames: rarely hit
        assert seen["interrupted"] >= 1, seen            # the journal path was exercised


def test_check_refuses_an_interrupted_tree(tmp_path):
    from tests.helpers import make_project, run_cli
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    from gitops_dsl.emit.journal import signed_journal as _signed_journal
    (project / "build/.gitops-dsl-journal").write_bytes(   # as a write of ours leaves it
        _signed_journal(project / "build", ["write gitops/values/api/values.yaml"]))
    run = run_cli("compile", "--check", cwd=project)
    assert run.returncode == 1 and "interrupted compile" in run.stderr
    fixed = run_cli("compile", cwd=project)
    assert fixed.returncode == 0 and "completed from its journal" in fixed.stderr
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_an_io_error_while_staging_leaves_the_tree_as_it_was(tmp_path, monkeypatch):
    """A read-only sub-folder or a full disk (simulated: root ignores permissions here) before the
    commit point: a message, the old tree, nothing staged left behind."""
    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.api import write
    from gitops_dsl.emit import writer
    from tests.helpers import MINIMAL, make_project
    project = make_project(tmp_path / "p")
    write(compile_platforms(project / "platforms", root=project), project / "build")
    before = tree(project / "build")
    (project / "platforms/demo.py").write_text(MINIMAL.replace('"info"', '"debug"').replace(
        '"replicaCount": 1', '"replicaCount": 2'))
    result = compile_platforms(project / "platforms", root=project)
    calls = {"n": 0}
    real = writer._write_new

    def failing(path, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise PermissionError(13, "Permission denied")
        return real(path, data)
    monkeypatch.setattr(writer, "_write_new", failing)
    import pytest
    with pytest.raises(writer.WriteFailed, match="before anything was replaced"):
        write(result, project / "build")
    assert tree(project / "build") == before
    assert leftovers(project / "build") == []


def test_a_cold_write_stopped_between_its_folder_moves_is_completed(tmp_path, monkeypatch):
    """After the commit point of a cold write, some new folders are moved in and some are not:
    the journal finishes the moves, and the tree is the new one."""
    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.api import write
    from gitops_dsl.emit import journal, writer
    from tests.helpers import make_project
    project = make_project(tmp_path / "p")
    result = compile_platforms(project / "platforms", root=project)
    write(result, tmp_path / "reference")
    expected = tree(tmp_path / "reference")
    real_rename, moves = os.rename, []

    def stops_after_one(src, dst):
        moves.append(dst)
        if len(moves) == 2:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)
    monkeypatch.setattr(writer.os, "rename", stops_after_one)
    (project / "build").mkdir()
    with pytest.raises(writer.WriteFailed, match="stopped halfway"):
        write(result, project / "build")
    assert (project / "build/.gitops-dsl-journal").exists()
    monkeypatch.setattr(writer.os, "rename", real_rename)
    assert "completed from its journal" in (journal.recover(project / "build") or "")
    assert tree(project / "build") == expected and leftovers(project / "build") == []
