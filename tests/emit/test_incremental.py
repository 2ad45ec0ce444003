"""Tests, not timings, for issue 8: a no-op compile writes nothing and does not even serialize;
a one-service change rewrites only that service's files."""
from __future__ import annotations

import re

from gitops_dsl.emit import files as files_module
from tests.helpers import run_cli, snapshot


def test_noop_compile_writes_nothing(project):
    assert run_cli("compile", cwd=project).returncode == 0
    before = snapshot(project / "build")
    result = run_cli("compile", cwd=project)
    assert "0 written, 0 removed" in result.stdout
    assert snapshot(project / "build") == before  # bytes and mtimes, manifest included


def test_noop_compile_does_not_serialize(project, monkeypatch):
    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.api import write
    write(compile_platforms(project / "platforms", root=project), project / "build")
    calls = []
    original = files_module.serialize
    monkeypatch.setattr(files_module, "serialize", lambda doc: calls.append(doc) or original(doc))
    plan = write(compile_platforms(project / "platforms", root=project), project / "build")
    assert plan.write == () and calls == []


def test_one_service_change_rewrites_only_its_files(project):
    assert run_cli("compile", cwd=project).returncode == 0
    before = snapshot(project / "build")
    platform = project / "platforms" / "demo.py"
    platform.write_text(platform.read_text().replace('"replicaCount": 3', '"replicaCount": 4'))
    result = run_cli("compile", cwd=project)
    assert re.search(r"1 written, 0 removed", result.stdout), result.stdout
    after = snapshot(project / "build")
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert [p for p in changed if not p.startswith(".gitops-dsl-cache/")] == [
        ".gitops-dsl-manifest", "gitops/values/api/values-prod.yaml"]
    # and the local cache (ignored by git): the record of the compile's inputs, what it made of
    # each service, the changed module's code, the new manifest parsed
    assert {p for p in changed if p.startswith(".gitops-dsl-cache/")} == {
        ".gitops-dsl-cache/" + name for name in (
            "inputs.json", "inputs.json.tag", "units.json", "units.json.tag", "code.bin",
            "code.bin.tag", "manifest.bin", "manifest.bin.tag")}


def test_a_hand_edit_with_an_old_mtime_is_still_caught_by_check(project):
    import os
    assert run_cli("compile", cwd=project).returncode == 0
    target = project / "build/gitops/values/api/values-prod.yaml"
    stat = target.stat()
    target.write_text(target.read_text().replace("replicaCount: 3", "replicaCount: 9"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # edit disguised as untouched
    assert run_cli("compile", "--check", cwd=project).returncode == 1
