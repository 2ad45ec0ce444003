"""Differential test of the fast paths: after any sequence of edits, an ordinary `compile` (input
record, units, code cache, replay) writes exactly the tree and prints exactly the diagnostics of
`compile --no-cache` into a fresh folder, and `diff --against build` answers as it does with the
caches off.

A seeded random walk over a project whose output depends on every kind of input: services in
two modules built with a helper, values at every layer (service, environment overlay, zone
overlay, environment labels), waves, pins (by hand and by `set-image`), a Git chart folder, an
optional file the platform only asks about (`os.path.exists`), an environment variable, the
settings, a rule outside the work tree that makes git ignore the chart folder. Between compiles
the walk also touches and back-dates files, checks out older commits (with and without the local
cache), and puts back an older output folder with its files' times (as an archive or a CI cache
would) beside the newer cache.

The default run walks a few steps for two seeds; GITOPS_DSL_DIFFERENTIAL_STEPS and
GITOPS_DSL_DIFFERENTIAL_SEEDS make the walk longer and wider (`.ci/run` walks longer).
"""
from __future__ import annotations

import ast
import json
import os
import pprint
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from gitops_dsl.emit.manifest import read_manifest
from tests.helpers import owned_tree, run_cli

PLATFORM = '''
import json
import os
from pathlib import Path

from gitops_dsl import *
from _helpers import service
from _state import STATE

HERE = Path(__file__).resolve().parent
_extra = HERE.parent / "overrides" / "api.json"
EXTRA = json.loads(_extra.read_text()) if os.path.exists(_extra) else {}
LEVEL = os.environ.get("DEMO_LOG_LEVEL", "info")

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal",
                  labels=STATE["env_labels"])
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet",
                   namespace=STATE["prod"]["namespace"], annotations=STATE["prod"]["annotations"],
                   revision_history_limit=STATE["prod"]["history"])
waves = dict(zip(STATE["waves"], Waves(*STATE["waves"])))

platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[stg, prod],
    projects=[Project("app")],
    services=[
        *[service(name, waves[spec["wave"]], spec, LEVEL, EXTRA if name == "api" else {})
          for name, spec in sorted(STATE["services"].items())],
        Service("kafka", project="app", wave=waves[STATE["waves"][0]],
                chart=GitPath("charts/kafka", tool="directory")),
    ],
)
'''

HELPER = '''
from gitops_dsl import Image, Overlay, Service, ZoneOverlay


def service(name, wave, spec, level, extra):
    return Service(
        name, project="app", wave=wave, image=Image(f"ghcr.io/acme/{name}"),
        config={"LOG_LEVEL": level, **extra},
        values={"replicaCount": spec["replicas"]},
        per_env={"prod": Overlay(values={"replicaCount": spec["replicas"] + spec["prod_extra"]})},
        per_zone={"internet": ZoneOverlay(values={"ingress": {"enabled": spec["public"]}})},
    )
'''


def initial_state() -> dict:
    return {"waves": ["first", "second"], "env_labels": {"tier": "stg"},
            "prod": {"namespace": "{service}", "annotations": {}, "history": 3},
            "services": {name: {"wave": wave, "replicas": 1, "prod_extra": 1, "public": False}
                         for name, wave in (("api", "second"), ("db", "first"),
                                            ("web", "second"))}}


def write_state(project: Path, state: dict) -> None:
    (project / "platforms" / "_state.py").write_text(
        "STATE = " + pprint.pformat(state, width=100) + "\n")


def write_versions(project: Path, state: dict) -> None:
    lines = ["services:\n"]
    for name in sorted(state["services"]):
        lines.append(f"  {name}:\n    image: 1.0.0\n")
    (project / "platforms" / "versions.yaml").write_text("".join(lines))


def make(project: Path) -> dict:
    (project / "platforms").mkdir(parents=True)
    (project / "charts" / "kafka").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n')
    (project / "platforms" / "demo.py").write_text(PLATFORM.lstrip())
    (project / "platforms" / "_helpers.py").write_text(HELPER.lstrip())
    (project / "charts" / "kafka" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kafka\ndata:\n  retention: 7d\n")
    state = initial_state()
    write_state(project, state)
    write_versions(project, state)
    git(project, "init", "-q", "-b", "main")
    return state


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          cwd=project, check=True, capture_output=True, text=True)
    return done.stdout


class Walk:
    """The project, the platform state the walk edits, and what it keeps to go back to."""

    def __init__(self, project: Path, rng: random.Random) -> None:
        self.project = project
        self.rng = rng
        self.state = make(project)
        self.env: dict[str, str] = {}
        self.snapshots: list[Path] = []   # older output folders, copied with their times
        self.commits: list[str] = []
        self.names = set(self.state["services"])

    # -- edits -------------------------------------------------------------------------------
    def service_value(self) -> str:
        name = self.rng.choice(sorted(self.state["services"]))
        field = self.rng.choice(["replicas", "prod_extra", "public"])
        spec = self.state["services"][name]
        spec[field] = (not spec[field]) if field == "public" else self.rng.randint(1, 4)
        write_state(self.project, self.state)
        return f"{name}.{field} = {spec[field]}"

    def env_label(self) -> str:
        self.state["env_labels"] = {"tier": self.rng.choice(["stg", "staging", "test"])}
        write_state(self.project, self.state)
        return f"stg labels {self.state['env_labels']}"

    def prod_env(self) -> str:
        """A field of the other environment: only its Applications change."""
        prod = self.state["prod"]
        field = self.rng.choice(["namespace", "annotations", "history"])
        prod[field] = (self.rng.choice(["{service}", "{service}-{env}", "apps"]) if field == "namespace"
                       else {"team": self.rng.choice(["a", "b"])} if field == "annotations"
                       else self.rng.randint(1, 5))
        write_state(self.project, self.state)
        return f"prod {field} = {prod[field]}"

    def add_service(self) -> str:
        name = self.rng.choice(["queue", "mail", "search", "auth"])
        if name in self.state["services"]:
            return f"{name} is there already"
        self.state["services"][name] = {"wave": self.rng.choice(self.state["waves"]),
                                        "replicas": 1, "prod_extra": 0, "public": True}
        self.names.add(name)
        write_state(self.project, self.state)
        write_versions(self.project, self.state)
        return f"add {name}"

    def remove_service(self) -> str:
        names = sorted(set(self.state["services"]) - {"api"})
        if not names:
            return self.add_service()
        name = self.rng.choice(names)
        del self.state["services"][name]
        write_state(self.project, self.state)
        write_versions(self.project, self.state)
        return f"remove {name}"

    def rename_service(self) -> str:
        names = sorted(set(self.state["services"]) - {"api"})
        if not names:
            return self.add_service()
        old = self.rng.choice(names)
        new = old + "2" if not old.endswith("2") else old[:-1]
        if new in self.state["services"]:
            return self.service_value()
        self.state["services"][new] = self.state["services"].pop(old)
        self.names.add(new)
        write_state(self.project, self.state)
        write_versions(self.project, self.state)
        return f"rename {old} -> {new}"

    def waves(self) -> str:
        self.state["waves"] = ["early", "late"] if self.state["waves"][0] == "first" else \
            ["first", "second"]
        mapping = dict(zip(["first", "second", "early", "late"], ["early", "late", "first", "second"]))
        for spec in self.state["services"].values():
            spec["wave"] = mapping[spec["wave"]]
        write_state(self.project, self.state)
        return f"waves {self.state['waves']}"

    def pin_by_hand(self) -> str:
        path = self.project / "platforms" / "versions.yaml"
        text = path.read_text()
        tag = self.rng.choice(["1.0.0", "1.0.1", "1.1.0"])
        name = self.rng.choice(sorted(self.state["services"]))
        lines = text.splitlines(keepends=True)
        at = lines.index(f"  {name}:\n")
        lines[at + 1] = f"    image: {tag}\n"
        path.write_text("".join(lines))
        return f"pin {name} {tag} by hand"

    def set_image(self) -> str:
        name = self.rng.choice(sorted(self.state["services"]))
        tag = self.rng.choice(["2.0.0", "2.0.1"])
        done = run_cli("set-image", name, tag, "--env", "stg", "--no-compile", cwd=self.project,
                       env=self.env)
        exclude = self.project / ".git" / "info" / "exclude"
        if done.returncode != 0 and exclude.is_file() and "charts/" in exclude.read_text():
            # the chart folder is ignored (`ignore_rule`): the platform does not compile (GD405),
            # and set-image checks it before it edits anything
            assert "error[GD405]" in done.stderr and "refused" in done.stderr, done.stderr
            return f"set-image {name} {tag} --env stg refused (GD405)"
        assert done.returncode == 0, done.stderr
        return f"set-image {name} {tag} --env stg"

    def chart_file(self) -> str:
        path = self.project / "charts" / "kafka" / "configmap.yaml"
        days = self.rng.choice(["7d", "8d", "30d"])
        text = path.read_text()
        path.write_text(text[:text.index("retention:")] + f"retention: {days}\n")
        return f"chart folder retention {days}"

    def chart_new_file(self) -> str:
        path = self.project / "charts" / "kafka" / "extra.yaml"
        if path.exists():
            path.unlink()
            return "chart folder: extra.yaml removed"
        path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kafka-extra\n")
        return "chart folder: extra.yaml added"

    def optional_file(self) -> str:
        path = self.project / "overrides" / "api.json"
        if path.exists():
            path.unlink()
            return "overrides/api.json removed"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"FEATURE": self.rng.choice(["on", "off"])}))
        return "overrides/api.json appears"

    def ignore_rule(self) -> str:
        """A rule where the repository's files do not show it (`.git/info/exclude`) that makes
        git ignore the chart folder (GD405: Argo CD's checkout does not have it), or none."""
        path = self.project / ".git" / "info" / "exclude"
        if path.is_file() and "charts/" in path.read_text():
            path.write_text("")
            return "exclude: no rule"
        path.parent.mkdir(exist_ok=True)
        path.write_text("charts/\n")
        git(self.project, "rm", "-q", "-r", "--cached", "--ignore-unmatch", "charts")   # untracked
        return "exclude: charts/ ignored"

    def environment_variable(self) -> str:
        if "DEMO_LOG_LEVEL" in self.env and self.rng.random() < 0.4:
            del self.env["DEMO_LOG_LEVEL"]
            return "DEMO_LOG_LEVEL unset"
        self.env["DEMO_LOG_LEVEL"] = self.rng.choice(["debug", "warn"])
        return f"DEMO_LOG_LEVEL={self.env['DEMO_LOG_LEVEL']}"

    def settings(self) -> str:
        path = self.project / "pyproject.toml"
        base = '[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n'
        if "severity" in path.read_text():
            path.write_text(base)
            return "settings: default severities"
        path.write_text(base + '[tool.gitops-dsl.severity]\nGD420 = "error"\nGD411 = "off"\n')
        return "settings: severities"

    def helper(self) -> str:
        path = self.project / "platforms" / "_helpers.py"
        text = path.read_text()
        swap = (("ghcr.io/acme/", "ghcr.io/acmx/") if "ghcr.io/acme/" in text
                else ("ghcr.io/acmx/", "ghcr.io/acme/"))
        path.write_text(text.replace(*swap))   # the same size
        return f"helper: {swap[1]}"

    def touch(self) -> str:
        path = self.rng.choice(self.inputs())
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5 * 10**9))
        return f"touch {path.relative_to(self.project)}"

    def back_dated_edit(self) -> str:
        """An edit that keeps the file's size and its modification time."""
        path = self.project / "platforms" / "_helpers.py"
        info = path.stat()
        text = path.read_text()
        swap = (("ghcr.io/acme/", "ghcr.io/acmx/") if "ghcr.io/acme/" in text
                else ("ghcr.io/acmx/", "ghcr.io/acme/"))
        path.write_text(text.replace(*swap))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        return "back-dated helper edit"

    def commit(self) -> str:
        git(self.project, "add", "-A", ".")
        git(self.project, "commit", "-q", "--allow-empty", "-m", f"step {len(self.commits)}")
        self.commits.append(git(self.project, "rev-parse", "HEAD").strip())
        return f"commit {self.commits[-1][:8]}"

    def checkout_older(self) -> str:
        if not self.commits:
            return self.commit()
        sha = self.rng.choice(self.commits)
        keep_cache = self.rng.random() < 0.5
        if not keep_cache:
            shutil.rmtree(self.project / "build" / ".gitops-dsl-cache", ignore_errors=True)
        git(self.project, "checkout", "-q", sha, "--", ".")
        self.reload_state()
        return f"checkout {sha[:8]} ({'with' if keep_cache else 'without'} the local cache)"

    def snapshot(self) -> str:
        if not (self.project / "build").is_dir():
            return self.commit()
        target = self.project.parent / f"snapshot-{len(self.snapshots)}"
        shutil.copytree(self.project / "build", target, copy_function=shutil.copy2,
                        ignore=shutil.ignore_patterns(".gitops-dsl-cache"))
        self.snapshots.append(target)
        return f"snapshot of build/ kept as {target.name}"

    def restore_snapshot(self) -> str:
        if not self.snapshots:
            return self.snapshot()
        source = self.rng.choice(self.snapshots)
        build = self.project / "build"
        for entry in build.iterdir():
            if entry.name != ".gitops-dsl-cache":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(source, build, copy_function=shutil.copy2, dirs_exist_ok=True)
        return f"build/ restored from {source.name} with its times, beside the newer cache"

    # -- support -----------------------------------------------------------------------------
    def inputs(self) -> list[Path]:
        return sorted(p for p in (self.project / "platforms").iterdir() if p.is_file()) + [
            self.project / "charts" / "kafka" / "configmap.yaml", self.project / "pyproject.toml"]

    def reload_state(self) -> None:
        text = (self.project / "platforms" / "_state.py").read_text()
        self.state = ast.literal_eval(text[len("STATE = "):])
        self.names |= set(self.state["services"])

    EDITS = ("service_value", "env_label", "add_service", "remove_service", "rename_service",
             "waves", "prod_env", "pin_by_hand", "set_image", "chart_file", "chart_new_file", "optional_file",
             "ignore_rule", "environment_variable", "settings", "helper", "touch", "back_dated_edit", "commit",
             "checkout_older", "snapshot", "restore_snapshot")

    def step(self) -> str:
        return getattr(self, self.rng.choice(self.EDITS))()


def allow_deletes(walk: Walk) -> list[str]:
    return [arg for name in sorted(walk.names) for arg in ("--allow-delete", name)]


def check_against_the_slow_path(walk: Walk, fresh: Path, what: list[str]) -> None:
    project = walk.project
    # diff first: with the caches (the record, the units) and without them
    fast_diff = run_cli("diff", "--against", "build", "--format", "json", cwd=project, env=walk.env)
    slow_diff = run_cli("diff", "--against", "build", "--format", "json", cwd=project,
                        env={**walk.env, "GITOPS_DSL_NO_CACHE": "1", "XDG_CACHE_HOME":
                             str(project.parent / "no-secret-here" / "x")})
    assert (fast_diff.returncode, fast_diff.stdout) == (slow_diff.returncode, slow_diff.stdout), \
        (what, fast_diff.stderr, slow_diff.stderr)
    # the slow path starts from the same output folder (a checkout can leave files of a later
    # compile that the older manifest does not own: neither path deletes what it does not own),
    # copied with its files' times, without the cache
    same = fresh.parent / "same"
    shutil.rmtree(same, ignore_errors=True)
    if (project / "build").is_dir():
        shutil.copytree(project / "build", same, copy_function=shutil.copy2, symlinks=True,
                        ignore=shutil.ignore_patterns(".gitops-dsl-cache"))
    fast = run_cli("compile", *allow_deletes(walk), cwd=project, env=walk.env)
    slow = run_cli("compile", "--no-cache", *allow_deletes(walk), "--out", str(same), cwd=project,
                   env=walk.env)
    assert fast.returncode == slow.returncode, (what, fast.stderr, slow.stderr)
    diagnostics = [line for line in fast.stderr.splitlines() if "[GD" in line]
    assert diagnostics == [line for line in slow.stderr.splitlines() if "[GD" in line], what
    if fast.returncode == 0:
        assert owned_tree(project / "build") == owned_tree(same), what
        # and what the folder owns is what a compile into an empty folder writes
        shutil.rmtree(fresh, ignore_errors=True)
        assert run_cli("compile", "--no-cache", "--out", str(fresh), cwd=project,
                       env=walk.env).returncode == 0
        owned = read_manifest(project / "build")
        assert {rel: data for rel, data in owned_tree(project / "build").items()
                if rel in owned} == {rel: data for rel, data in owned_tree(fresh).items()
                                     if rel in read_manifest(fresh)}, what
        assert owned.keys() == read_manifest(fresh).keys(), what
        check = run_cli("compile", "--check", cwd=project, env=walk.env)
        # current, but for what a checkout left behind in a folder Argo CD applies whole
        # (files of a later compile that the restored manifest does not own: --check names them)
        assert check.returncode == 0 or all(
            line.startswith("unowned:") for line in check.stdout.splitlines()), (what, check.stdout)


def walk_and_compare(tmp_path: Path, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    walk = Walk(tmp_path / "project", rng)
    first = run_cli("compile", cwd=walk.project)
    assert first.returncode == 0, first.stderr
    walk.commit()
    what: list[str] = []
    for _ in range(steps):
        for _ in range(rng.randint(1, 3)):
            what.append(walk.step())
        check_against_the_slow_path(walk, tmp_path / "fresh", what)
        what.append("| compiled")


STEPS = int(os.environ.get("GITOPS_DSL_DIFFERENTIAL_STEPS", "3"))
SEEDS = int(os.environ.get("GITOPS_DSL_DIFFERENTIAL_SEEDS", "2"))


@pytest.mark.parametrize("seed", range(SEEDS))
def test_an_ordinary_compile_writes_what_a_full_one_writes(tmp_path: Path, seed: int) -> None:
    walk_and_compare(tmp_path, seed, STEPS)


@pytest.mark.parametrize("edit", Walk.EDITS)
def test_each_edit_alone(tmp_path: Path, edit: str) -> None:
    """Every kind of edit, twice in a row, each followed by a compile compared with a full one."""
    rng = random.Random(edit)
    walk = Walk(tmp_path / "project", rng)
    assert run_cli("compile", cwd=walk.project).returncode == 0
    walk.commit()
    walk.service_value()
    check_against_the_slow_path(walk, tmp_path / "fresh", ["value"])
    walk.commit()
    walk.snapshot()
    what = [getattr(walk, edit)()]
    check_against_the_slow_path(walk, tmp_path / "fresh", what)
