"""A stateful test: add, remove and rename services, environments and zones, change values, and
compile into the same output folder after each step. The folder always equals a fresh compile
into an empty folder, and a foreign file planted in it survives."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gitops_dsl import Cluster, Environment, Image, Overlay, Platform, Project, Repo, Service, Zone
from gitops_dsl.api import compile_platforms, write
from gitops_dsl.files import MANIFEST
from tests.strategies import standard_values as helm_values

NAMES = [f"svc{i}" for i in range(8)]
ENVS = ["dev", "stg", "prod", "qa"]
ZONES = ["internal", "internet", "edge"]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class Compiles(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.out = self.folder / "build"
        self.services: dict[str, dict] = {"svc0": {}}
        self.envs: dict[str, str] = {"stg": "internal"}
        self.foreign = self.out / "gitops" / "NOTES.md"
        self.compile()
        self.foreign.write_text("kept by hand\n")

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def platform(self) -> Platform:
        zones = {z: Zone(z) for z in sorted(set(self.envs.values()))}
        envs = [Environment(e, zone=zones[z], cluster=Cluster(f"{e}-c", f"https://{e}.example:6443"))
                for e, z in self.envs.items()]
        services = [Service(n, project="app", image=Image(f"ghcr.io/acme/{n}", "1.0.0"),
                            values=v.get("values", {}),
                            per_env={e: Overlay(values=o) for e, o in v.get("per_env", {}).items()
                                     if e in self.envs})
                    for n, v in self.services.items()]
        return Platform("p", gitops_repo=Repo("https://git.example/g.git"), environments=envs,
                        projects=[Project("app")], services=services)

    def compile(self):
        result = compile_platforms([self.platform()])
        assert result.ok, [d.format() for d in result.diagnostics]
        plan = write(result, self.out)
        assert plan.conflicts == ()

    @rule(name=st.sampled_from(NAMES), values=helm_values)
    def add_service(self, name, values):
        self.services[name] = {"values": values}
        self.compile()

    @precondition(lambda self: len(self.services) > 1)
    @rule(data=st.data())
    def remove_service(self, data):
        del self.services[data.draw(st.sampled_from(sorted(self.services)))]
        self.compile()

    @rule(data=st.data(), new=st.sampled_from(NAMES))
    def rename_service(self, data, new):
        old = data.draw(st.sampled_from(sorted(self.services)))
        self.services[new] = self.services.pop(old)
        self.compile()

    @rule(data=st.data(), values=helm_values)
    def change_values(self, data, values):
        name = data.draw(st.sampled_from(sorted(self.services)))
        env = data.draw(st.sampled_from(sorted(self.envs)))
        if data.draw(st.booleans()):
            self.services[name]["values"] = values
        else:
            self.services[name].setdefault("per_env", {})[env] = values
        self.compile()

    @rule(env=st.sampled_from(ENVS), zone=st.sampled_from(ZONES))
    def add_or_move_environment(self, env, zone):
        self.envs[env] = zone
        self.compile()

    @precondition(lambda self: len(self.envs) > 1)
    @rule(data=st.data())
    def remove_environment(self, data):
        del self.envs[data.draw(st.sampled_from(sorted(self.envs)))]
        self.compile()

    @rule(data=st.data(), new=st.sampled_from(ZONES))
    def rename_zone(self, data, new):
        old = data.draw(st.sampled_from(sorted(set(self.envs.values()))))
        self.envs = {e: (new if z == old else z) for e, z in self.envs.items()}
        self.compile()

    @invariant()
    def folder_equals_a_fresh_compile(self):
        fresh_result = compile_platforms([self.platform()])    # from scratch, not the last result
        with tempfile.TemporaryDirectory() as fresh:
            write(fresh_result, Path(fresh))
            expected = tree(Path(fresh))
        actual = tree(self.out)
        assert actual.pop("gitops/NOTES.md") == b"kept by hand\n"
        assert actual == expected
        assert MANIFEST in actual


Compiles.TestCase.settings = settings(max_examples=max(15, settings().max_examples // 4),
                                      stateful_step_count=8, deadline=None)
test_compile_into_the_same_folder = Compiles.TestCase
