"""An output folder written by an earlier gitops-dsl - its manifest in the two-column format of
the first builds, or the three-column one that followed - is read as owned, not as files "in
the way": `compile` says what it found, compares each file by its sha256, overwrites a hand edit
as it would today, and writes the manifest again in today's format."""
from __future__ import annotations

from pathlib import Path

import pytest

from gitops_dsl.emit.manifest import earlier_format, parse_manifest
from gitops_dsl.files import MANIFEST
from tests.helpers import make_project, owned_tree, run_cli


def in_earlier_format(manifest: Path, columns: int) -> str:
    """The manifest as an earlier gitops-dsl wrote it: (sha256, path), or (sha256, key, path)."""
    head, *lines = manifest.read_text().splitlines(keepends=True)
    earlier = []
    for line in lines:
        digest, key, _size, path = line.split("  ", 3)
        earlier.append(f"{digest}  {path}" if columns == 2 else f"{digest}  {key}  {path}")
    return head + "".join(earlier)


@pytest.mark.parametrize("columns", [2, 3])
def test_an_earlier_manifest_is_read_and_rewritten(tmp_path: Path, columns: int) -> None:
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build"
    today = (build / MANIFEST).read_text()
    compiled = owned_tree(build)
    (build / MANIFEST).write_text(in_earlier_format(build / MANIFEST, columns))
    owned = len(parse_manifest(today))
    assert earlier_format(build) == owned
    # read as owned: the same paths and digests, no size to trust
    assert {rel: entry[0] for rel, entry in parse_manifest((build / MANIFEST).read_text()).items()} \
        == {rel: entry[0] for rel, entry in parse_manifest(today).items()}
    edited = build / "configs/stg/api/config.yaml"
    edited.write_text(edited.read_text() + "# edited\n")
    check = run_cli("compile", "--check", cwd=project)
    assert check.returncode == 1 and "not owned" not in check.stdout, check.stdout
    again = run_cli("compile", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "in the way" not in again.stderr
    assert f"written by an earlier gitops-dsl: its {owned} entries" in again.stderr
    assert "config.yaml: warning: hand edit overwritten" in again.stderr
    assert "1 written, 0 removed" in again.stdout
    assert (build / MANIFEST).read_text() == today and owned_tree(build) == compiled
    assert earlier_format(build) == 0
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_a_file_an_earlier_manifest_no_longer_lists_is_removed(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build"
    gone = build / "configs/stg/old/config.yaml"
    gone.parent.mkdir(parents=True)
    gone.write_text("LOG_LEVEL: info\n")
    import hashlib
    text = in_earlier_format(build / MANIFEST, 2)
    text += f"{hashlib.sha256(gone.read_bytes()).hexdigest()}  configs/stg/old/config.yaml\n"
    (build / MANIFEST).write_text(text)
    again = run_cli("compile", cwd=project)
    assert again.returncode == 0 and "1 removed" in again.stdout, again.stdout
    assert not gone.exists()
