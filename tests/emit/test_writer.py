"""The writer: no-op writes nothing, only owned files are touched, hand edits are detected."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_dsl.emit.writer import apply, check, plan
from gitops_dsl.files import MANIFEST
from gitops_dsl.emit.manifest import read_manifest
from gitops_dsl.emit.paths import ContainmentError, check_path, safe_join
from tests.helpers import snapshot

FILES = {"gitops/a.yaml": b"---\na: 1\n", "gitops/sub/b.yaml": b"---\nb: 2\n", "README.md": b"# x\n"}


def write(out: Path, files: dict) -> object:
    the_plan = plan(out, files)
    apply(out, files, the_plan)
    return the_plan


def test_first_write_and_manifest(tmp_path):
    out = tmp_path / "build"
    the_plan = write(out, FILES)
    assert sorted(the_plan.write) == sorted(FILES)
    for rel, data in FILES.items():
        assert (out / rel).read_bytes() == data
    assert set(read_manifest(out)) == set(FILES)
    assert check(out, FILES).clean


def test_noop_writes_nothing(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    before = snapshot(out)
    the_plan = write(out, FILES)
    assert the_plan.write == () and the_plan.delete == ()
    assert snapshot(out) == before  # bytes and mtimes, manifest included


def test_only_changed_files_are_rewritten(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    before = snapshot(out)
    changed = {**FILES, "gitops/a.yaml": b"---\na: 2\n"}
    assert write(out, changed).write == ("gitops/a.yaml",)
    after = snapshot(out)
    assert after["gitops/sub/b.yaml"] == before["gitops/sub/b.yaml"]
    assert after["gitops/a.yaml"][0] == b"---\na: 2\n"


def test_stale_owned_files_are_removed_with_their_empty_folders(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    fewer = {k: v for k, v in FILES.items() if k != "gitops/sub/b.yaml"}
    assert write(out, fewer).delete == ("gitops/sub/b.yaml",)
    assert not (out / "gitops" / "sub").exists()
    assert (out / "gitops" / "a.yaml").exists()


def test_foreign_files_survive_and_block_only_their_own_path(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    (out / "gitops" / "NOTES.txt").write_text("mine")
    write(out, {k: v for k, v in FILES.items() if k != "gitops/a.yaml"})
    assert (out / "gitops" / "NOTES.txt").read_text() == "mine"
    # a foreign file where an output file would go is a conflict, and nothing is written
    (out / "gitops" / "new.yaml").write_text("not ours")
    the_plan = plan(out, {**FILES, "gitops/new.yaml": b"---\n"})
    assert the_plan.conflicts == ("gitops/new.yaml",)
    with pytest.raises(ValueError):
        apply(out, FILES, the_plan)
    assert (out / "gitops" / "new.yaml").read_text() == "not ours"


def test_identical_foreign_file_is_adopted(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    (out / "README.md").write_bytes(FILES["README.md"])
    the_plan = write(out, FILES)
    assert "README.md" not in the_plan.write and the_plan.conflicts == ()
    assert "README.md" in read_manifest(out)


def test_hand_edit_is_reported_by_check_and_repaired_by_write(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    (out / "gitops" / "a.yaml").write_bytes(b"---\na: 99\n")
    report = check(out, FILES)
    assert not report.clean
    assert report.hand_edited == ("gitops/a.yaml",)
    assert [rel for rel, _ in report.changed] == ["gitops/a.yaml"]
    assert "-a: 99" in report.changed[0][1] and "+a: 1" in report.changed[0][1]
    assert write(out, FILES).hand_edited == ("gitops/a.yaml",)
    assert check(out, FILES).clean


def test_check_lists_missing_and_extra(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    (out / "README.md").unlink()
    report = check(out, {k: v for k, v in FILES.items() if k != "gitops/a.yaml"})
    assert report.missing == ("README.md",)
    assert report.extra == ("gitops/a.yaml",)


def test_check_writes_nothing(tmp_path):
    out = tmp_path / "build"
    check(out, FILES)
    assert not out.exists()


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../x", "a//b", "./a", "a\\b", "", "a/."])
def test_paths_cannot_escape(bad, tmp_path):
    with pytest.raises(ContainmentError):
        check_path(bad)
    with pytest.raises(ContainmentError):
        safe_join(tmp_path, bad)


def test_symlinked_folder_cannot_lead_outside(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, out / "gitops")
    with pytest.raises(ContainmentError):
        plan(out, FILES)
    assert list(outside.iterdir()) == []


def test_tampered_manifest_cannot_make_us_delete_outside(tmp_path):
    out = tmp_path / "build"
    write(out, FILES)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    with open(out / MANIFEST, "a") as handle:
        handle.write("0" * 64 + "  " + "1" * 32 + "  ../victim.txt\n")
    write(out, FILES)
    assert victim.read_text() == "keep"


def test_a_link_to_a_sibling_whose_name_extends_the_output_folder_is_outside(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    sibling = tmp_path / "build2"          # "build2" starts with "build": still another folder
    sibling.mkdir()
    os.symlink(sibling, out / "gitops")
    with pytest.raises(ContainmentError):
        plan(out, FILES)
    assert list(sibling.iterdir()) == []


_PATHS = st.lists(st.sampled_from(["a.yaml", "b/c.yaml", "b/d.yaml", "e f.yaml", "z/y/x.yaml",
                                   "é.yaml", "b.yaml"]), unique=True, max_size=7)
_ENTRY = st.tuples(st.sampled_from(["0" * 64, "1" * 64]), st.sampled_from(["k1", "k2", ""]),
                   st.integers(0, 10**6))


@given(st.dictionaries(st.sampled_from(["a.yaml", "b/c.yaml", "e f.yaml", "é.yaml", "z.yaml"]),
                       _ENTRY), st.data())
def test_a_manifest_made_from_the_last_one_is_the_manifest_made_afresh(old, data):
    """manifest_bytes keeps the lines of the manifest it wrote last where entries are the same:
    whatever changed (entries, paths added, removed, or the same), the bytes are those of a
    manifest made from nothing."""
    from gitops_dsl.emit.manifest import manifest_bytes
    new = dict(old)
    for path in data.draw(st.lists(st.sampled_from(sorted(old) or ["a.yaml"]), max_size=3)):
        new[path] = data.draw(_ENTRY)
    for path in data.draw(_PATHS):
        if data.draw(st.booleans()):
            new.pop(path, None)
        else:
            new[path] = data.draw(_ENTRY)
    shuffled = dict(data.draw(st.permutations(sorted(new.items()))))
    assert manifest_bytes(shuffled, (manifest_bytes(old), old)) == manifest_bytes(new)
    # told which entries may differ (the others are the old ones), as `plan` tells it: in
    # path order, as plan makes them
    fresh = [p for p in sorted(new) if p not in old or new[p] is not old[p]]
    fresh += data.draw(st.lists(st.sampled_from(sorted(new) or ["a.yaml"]), max_size=2))
    ordered = dict(sorted(new.items()))
    assert manifest_bytes(ordered, (manifest_bytes(old), dict(sorted(old.items()))),
                          [p for p in fresh if p in new]) == manifest_bytes(new)


def test_a_manifest_reordered_by_hand_is_written_in_order_again(tmp_path):
    """A manifest whose lines were reordered (a merge, a hand edit) still parses; the next write
    makes it in path order again instead of keeping its lines."""
    from gitops_dsl.emit import manifest as manifest_module
    out = tmp_path / "build"
    write(out, FILES)
    manifest = out / MANIFEST
    head, *lines = manifest.read_bytes().split(b"\n")[:-1]
    manifest.write_bytes(b"\n".join([head, *reversed(lines)]) + b"\n")
    manifest_module._PARSED.clear()   # as a new process finds it
    changed = {**FILES, "gitops/a.yaml": b"---\na: 2\n"}
    write(out, changed)
    assert manifest.read_bytes() == manifest_module.manifest_bytes(read_manifest(out))
    assert [line.split(b"  ")[-1] for line in manifest.read_bytes().split(b"\n")[1:-1]] == \
        sorted(p.encode() for p in FILES)


@pytest.mark.parametrize("child", ["answers", "dies"])
def test_keys_and_bytes_made_on_two_cores_are_those_made_when_asked(monkeypatch, child):
    """`Files.prepare` makes half of the keys and bytes in a forked child: they are exactly
    what asking for each file makes, and a child that does not answer leaves its half to be
    made when asked for."""
    from gitops_dsl import forked
    from gitops_dsl.emit import files as files_module
    from gitops_dsl.emit.files import Files, input_key, serialize
    from gitops_dsl.emit.tree import Document
    tree = {f"gitops/values/svc-{i:04d}/values.yaml": Document(
        {"replicaCount": i, "name": f"svc-{i}", "list": [i, "a: b", None]}, "yaml", "demo.py")
        for i in range(files_module._AHEAD_FROM + 10)}
    owned = {path: ("sha", input_key(document) if i % 3 else "old", 1)
             for i, (path, document) in enumerate(sorted(tree.items()))}
    if child == "dies":
        class Died(forked.Forked):   # a child killed before it answered
            def __init__(self, work):
                super().__init__(lambda: os.kill(os.getpid(), 9) or b"")
        monkeypatch.setattr(files_module, "Forked", Died)
    files = Files(tree)
    files.prepare(owned)
    made_here = {p for p in tree if p in files._bytes}
    assert {p: files.key(p) for p in tree} == {p: input_key(d) for p, d in tree.items()}
    assert all(files._bytes[p] == serialize(tree[p]) for p in made_here)
    # the bytes made ahead are those of the files whose key is not the manifest's
    changed = {p for p in tree if owned[p][1] != input_key(tree[p])}
    assert made_here <= changed and (made_here == changed) == (child == "answers")
    assert {p: files[p] for p in tree} == {p: serialize(d) for p, d in tree.items()}
