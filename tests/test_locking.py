"""Concurrent runs queue up on a lock: no lost update, no mixed tree."""
from __future__ import annotations

import os
import subprocess

import yaml

from tests.helpers import CLI, REPO, make_project

SERVICES = "\n".join(
    f'        Service("s{i}", project="app", image=Image("ghcr.io/acme/s{i}")),' for i in range(8))
SOURCE = f'''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
                    environments=[stg], projects=[Project("app")], services=[
{SERVICES}
    ])
'''


def start(project, *args):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([*CLI, *args], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_concurrent_set_image_runs_lose_no_edit(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    (project / "platforms/versions.yaml").write_text(
        "services:\n" + "".join(f"  s{i}:\n    image: 1.0.0\n" for i in range(8)))
    runs = [start(project, "set-image", f"s{i}", f"2.0.{i}") for i in range(8)]
    results = [(r.wait(timeout=300), r.communicate()) for r in runs]
    assert all(code == 0 for code, _ in results), [err for _, (_, err) in results]
    pins = yaml.safe_load((project / "platforms/versions.yaml").read_text())["services"]
    assert {name: pin["image"] for name, pin in pins.items()} == {f"s{i}": f"2.0.{i}" for i in range(8)}
    values = [yaml.safe_load((project / f"build/gitops/values/s{i}/values.yaml").read_text())
              for i in range(8)]
    assert [v["image"]["tag"] for v in values] == [f"2.0.{i}" for i in range(8)]


def test_two_compiles_of_different_states_never_mix(tmp_path):
    one = make_project(tmp_path / "p", SOURCE.replace('"ghcr.io/acme/s', '"ghcr.io/acme/one-s')
                       .replace(')),', ', "1.0.0")),'))
    two = one / "platforms2"
    two.mkdir()
    (two / "demo.py").write_text((one / "platforms/demo.py").read_text().replace("one-s", "two-s"))
    for _ in range(4):
        runs = [start(one, "compile"), start(one, "compile", "--platforms", "platforms2")]
        assert all(r.wait(timeout=300) == 0 for r in runs)
        texts = [(one / f"build/gitops/values/s{i}/values.yaml").read_text() for i in range(8)]
        kinds = {("one-s" in t, "two-s" in t) for t in texts}
        assert kinds in ({(True, False)}, {(False, True)}), kinds     # all of one state
        assert subprocess.run([*CLI, "compile", "--check"] if "one-s" in texts[0] else
                              [*CLI, "compile", "--check", "--platforms", "platforms2"], cwd=one,
                              env={**os.environ, "PYTHONPATH": str(REPO)}).returncode == 0
