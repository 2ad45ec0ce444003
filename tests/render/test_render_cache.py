"""The render cache's packs: what a run renders - in this process and in the children it forks -
is kept as one pack, read back only when this user's gitops-dsl wrote it, and merged once
packs pile up."""
from __future__ import annotations

import marshal
import subprocess
import sys

import pytest

from gitops_dsl import bound
from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.charts import manifests
from gitops_dsl.charts import render_cache
from gitops_dsl.charts.manifests import render_applications
from gitops_dsl.charts.render_cache import RenderCache
from tests.helpers import REPO, need_engine

need_engine()


@pytest.fixture(scope="module")
def files():
    result = compile_platforms(REPO / "platforms", root=REPO)
    return {p: result.files[p] for p in result.files}


def _no_engine(monkeypatch):
    def refuse():
        raise AssertionError("the Helm engine was asked for a render the cache holds")
    monkeypatch.setattr(manifests, "engine", refuse)
    monkeypatch.setattr(manifests.LazyEngine, "__getattr__", lambda self, name: refuse())


_FORKED = """
import sys
from pathlib import Path
from gitops_dsl import forked
from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.charts import manifests
from gitops_dsl.charts.render_cache import RenderCache

manifests._PARALLEL_FROM = 1   # every Application shared among two processes
manifests.os.sched_getaffinity = lambda pid: {0, 1}
started = []
class Counted(forked.Forked):
    def __init__(self, work):
        started.append(1)
        super().__init__(work)
forked.Forked = Counted
repo, folder = Path(sys.argv[1]), Path(sys.argv[2])
result = compile_platforms(repo / "platforms", root=repo)
files = {p: result.files[p] for p in result.files}
first = manifests.render_applications(files, repo, cache=RenderCache(folder))
assert started and all(not r.error for r in first) and len(first) > 4

def refuse(*args):
    raise AssertionError("the Helm engine was asked for a render the cache holds")
manifests.engine = refuse
manifests.LazyEngine.__getattr__ = refuse
assert manifests.render_applications(files, repo, cache=RenderCache(folder)) == first
print(len(list(folder.glob("pack-*.bin"))))
"""


def test_renders_of_forked_children_are_kept_and_read_back_without_the_engine(tmp_path):
    # a process of its own: children are forked only before the Helm engine is loaded
    done = subprocess.run([sys.executable, "-c", _FORKED, str(REPO), str(tmp_path / "rendered")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]   # one pack; the second run rendered nothing


def test_a_pack_written_by_anyone_else_is_not_read(files, tmp_path, monkeypatch):
    folder = tmp_path / "rendered"
    render_applications(files, REPO, env="stg", cache=RenderCache(folder))
    pack = next(folder.glob("pack-*.bin"))
    kept = marshal.loads(pack.read_bytes())
    image = next(o["spec"]["template"]["spec"]["containers"][0]["image"]
                 for objects in kept.values() for _, o in objects if o["kind"] == "Rollout")
    evil = ("evil.example/" + image)[:len(image)]   # as long: the pack still unmarshals
    pack.write_bytes(pack.read_bytes().replace(image.encode(), evil.encode()))
    assert evil in str(marshal.loads(pack.read_bytes()))
    cache = RenderCache(folder)
    cache.load()
    assert all(cache.get(key) is None for key in kept)
    _no_engine(monkeypatch)
    with pytest.raises(AssertionError, match="Helm engine"):
        render_applications(files, REPO, env="stg", cache=RenderCache(folder))


def _pack(folder, entries):
    data = marshal.dumps(entries)
    bound.write(folder / f"pack-{len(list(folder.glob('pack-*.bin'))):02d}.bin", data,
                render_cache._SALT)


def test_packs_are_merged_into_the_entries_a_run_used_once_they_pile_up(tmp_path):
    folder = tmp_path / "rendered"
    folder.mkdir()
    for i in range(render_cache.MAX_PACKS):
        _pack(folder, {f"old{i}": (("t.yaml", {"kind": "ConfigMap", "n": i}),)})
    cache = RenderCache(folder)
    assert cache.get("old3") == (("t.yaml", {"kind": "ConfigMap", "n": 3}),)
    assert cache.get("missing") is None
    cache.put("new", (("u.yaml", {"kind": "Secret"}),))
    cache.save(complete=True)
    (pack,) = folder.glob("pack-*.bin")
    assert marshal.loads(pack.read_bytes()) == {"new": (("u.yaml", {"kind": "Secret"}),),
                                                "old3": (("t.yaml", {"kind": "ConfigMap", "n": 3}),)}
    assert sorted(p.name for p in folder.iterdir()) == [pack.name, pack.name + ".tag"]


def test_a_run_that_renders_adds_one_pack_and_keeps_the_others(tmp_path):
    folder = tmp_path / "rendered"
    folder.mkdir()
    _pack(folder, {"a": (("t.yaml", {"kind": "ConfigMap"}),), "b": ()})
    cache = RenderCache(folder)
    assert cache.get("a") is not None and cache.get("b") == ()
    cache.save(complete=True)   # nothing rendered: nothing written
    assert len(list(folder.glob("pack-*.bin"))) == 1
    cache.put("c", ())
    cache.save(complete=True)
    later = RenderCache(folder)
    assert [later.get(k) is not None for k in "abc"] == [True, True, True]
    assert len(list(folder.glob("pack-*.bin"))) == 2


def test_a_partly_filled_cache_answers_first_and_the_rest_is_rendered_in_order(
        files, tmp_path, monkeypatch):
    monkeypatch.setattr(manifests, "_PARALLEL_FROM", 1)
    monkeypatch.setattr(manifests.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    folder = tmp_path / "rendered"
    render_applications(files, REPO, env="stg", cache=RenderCache(folder))
    uncached = render_applications(files, REPO)
    assert len({r.env for r in uncached}) > 1
    assert render_applications(files, REPO, cache=RenderCache(folder)) == uncached
    assert len(list(folder.glob("pack-*.bin"))) == 2   # stg's, then the other environments'
    _no_engine(monkeypatch)
    assert render_applications(files, REPO, cache=RenderCache(folder)) == uncached


def test_a_run_over_part_of_the_platform_drops_nothing(tmp_path):
    """`manifests --service api` asks for a few renders: merging what piled up must not drop
    the rest of the platform's (a full run then renders them again)."""
    folder = tmp_path / "rendered"
    folder.mkdir()
    for i in range(4 * render_cache.MAX_PACKS):
        _pack(folder, {f"e{i}": (("t.yaml", {"n": i}),)})
    partial = RenderCache(folder)
    assert partial.get("e0") is not None
    partial.put("fresh", ())
    partial.save(complete=False)
    (pack,) = folder.glob("pack-*.bin")
    assert len(marshal.loads(pack.read_bytes())) == 4 * render_cache.MAX_PACKS + 1
    # packs from partial runs: each adds its own
    for i in range(render_cache.MAX_PACKS - 1):
        again = RenderCache(folder)
        again.put(f"more{i}", ())
        again.save(complete=False)
        assert again.get(f"more{i}") == ()   # what it wrote, still answered from memory
    assert len(list(folder.glob("pack-*.bin"))) == render_cache.MAX_PACKS
    # a run over the whole platform that asks for two of them keeps those two and what it made
    full = RenderCache(folder)
    assert full.get("e1") is not None and full.get("more2") == ()
    full.put("last", ())
    full.save(complete=True)
    (pack,) = folder.glob("pack-*.bin")
    assert sorted(marshal.loads(pack.read_bytes())) == ["e1", "last", "more2"]


def test_the_files_of_the_format_before_packs_go_when_a_pack_is_written(tmp_path):
    folder = tmp_path / "rendered"
    folder.mkdir()
    legacy = folder / f"{'a' * 64}.json"
    legacy.write_text("[]")
    (folder / f"{'a' * 64}.json.tag").write_text("0" * 64)
    other = folder / "notes.json"   # not one of them: kept
    other.write_text("{}")
    cache = RenderCache(folder)
    cache.put("k", ())
    cache.save(complete=False)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("pack-")) == \
        ["notes.json"]
