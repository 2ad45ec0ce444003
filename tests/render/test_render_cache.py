"""The render cache's packs: what a run renders - in this process and in the children it forks -
is kept as one pack, read back only when this user's gitops-dsl wrote it, and merged once
packs pile up."""
from __future__ import annotations

import json
import re

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


def test_renders_of_forked_children_are_kept_and_read_back_without_the_engine(
        files, tmp_path, monkeypatch):
    # every Application shared among two processes (the example has fewer than the threshold)
    monkeypatch.setattr(manifests, "_PARALLEL_FROM", 1)
    monkeypatch.setattr(manifests.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    folder = tmp_path / "rendered"
    first = render_applications(files, REPO, cache=RenderCache(folder))
    assert len(first) > 4 and all(not r.error for r in first)
    packs = sorted(folder.glob("pack-*.json"))
    assert len(packs) == 1
    assert json.loads(packs[0].read_bytes())
    # the second run asks the engine for nothing: the child's renders were kept too
    _no_engine(monkeypatch)
    again = render_applications(files, REPO, cache=RenderCache(folder))
    assert again == first
    assert sorted(folder.glob("pack-*.json")) == packs   # nothing new rendered: nothing written


def test_a_pack_written_by_anyone_else_is_not_read(files, tmp_path, monkeypatch):
    folder = tmp_path / "rendered"
    render_applications(files, REPO, env="stg", cache=RenderCache(folder))
    pack = next(folder.glob("pack-*.json"))
    text = pack.read_text()
    image = re.search(r'"image":"([^"]+)"', text).group(1)
    pack.write_text(text.replace(image, "evil.example/api:1.0.0"))
    cache = RenderCache(folder)
    cache.load()
    assert all(cache.get(key) is None for key in json.loads(pack.read_text()))
    _no_engine(monkeypatch)
    with pytest.raises(AssertionError, match="Helm engine"):
        render_applications(files, REPO, env="stg", cache=RenderCache(folder))


def _pack(folder, entries):
    data = json.dumps(entries).encode()
    bound.write(folder / f"pack-{len(list(folder.glob('pack-*.json'))):02d}.json", data,
                render_cache._SALT)


def test_packs_are_merged_into_the_entries_a_run_used_once_they_pile_up(tmp_path):
    folder = tmp_path / "rendered"
    folder.mkdir()
    for i in range(render_cache.MAX_PACKS):
        _pack(folder, {f"old{i}": [["t.yaml", {"kind": "ConfigMap", "n": i}]]})
    cache = RenderCache(folder)
    assert cache.get("old3") == (("t.yaml", {"kind": "ConfigMap", "n": 3}),)
    assert cache.get("missing") is None
    cache.put("new", (("u.yaml", {"kind": "Secret"}),))
    cache.save()
    (pack,) = folder.glob("pack-*.json")
    assert json.loads(pack.read_bytes()) == {"new": [["u.yaml", {"kind": "Secret"}]],
                                             "old3": [["t.yaml", {"kind": "ConfigMap", "n": 3}]]}
    assert sorted(p.name for p in folder.iterdir()) == [pack.name, pack.name + ".tag"]


def test_a_run_that_renders_adds_one_pack_and_keeps_the_others(tmp_path):
    folder = tmp_path / "rendered"
    folder.mkdir()
    _pack(folder, {"a": [["t.yaml", {"kind": "ConfigMap"}]], "b": []})
    cache = RenderCache(folder)
    assert cache.get("a") is not None and cache.get("b") == ()
    cache.save()   # nothing rendered: nothing written
    assert len(list(folder.glob("pack-*.json"))) == 1
    cache.put("c", ())
    cache.save()
    later = RenderCache(folder)
    assert [later.get(k) is not None for k in "abc"] == [True, True, True]
    assert len(list(folder.glob("pack-*.json"))) == 2
