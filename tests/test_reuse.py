"""A compile reuses what the last one made of each unchanged service, and its output is always
byte for byte what a full compile writes, with the same diagnostics.

The project has services in two team modules built with a shared helper, dependencies across
the modules (a wave in one module follows a service of the other), pins in a versions file,
warnings (one of them allowed), and a Git chart folder. Hypothesis applies random changes between
two compiles; the second compile must write the tree and print the diagnostics of a full
compile (`--no-cache`), and reuse the services the changes cannot reach.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import REPO, edit, owned_tree, run_cli, scaled

PLATFORM = '''
from gitops_dsl import *
from _team_a import SERVICES as A
from _team_b import SERVICES as B
from _waves import first, second, third

dev = Environment("dev", cluster=Cluster("dev", "https://dev.example:6443"), zone="internal")
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internal")

platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[dev, prod],
    projects=[Project("app")], services=[*A, *B],
)
'''

WAVES = '''
from gitops_dsl import Waves

first, second, third = Waves("first", "second", "third")
'''

HELPER = '''
from gitops_dsl import Image, Overlay, Service

REPLICAS = 2


def service(name, wave=None, deps=(), config=None, values=None, tag="1.0", **extra):
    return Service(name, project="app", wave=wave, depends_on=list(deps),
                   image=Image(f"ghcr.io/acme/{name}", tag), config=config or {"LOG_LEVEL": "info"},
                   values={"replicaCount": REPLICAS, **(values or {})},
                   per_env={"prod": Overlay(values={"replicaCount": REPLICAS + 1})}, **extra)
'''

TEAM_A = '''
from gitops_dsl import GitPath, Service
from _helpers import service
from _waves import first

SERVICES = [
    service("db", wave=first),
    service("cache", wave=first, config={"API_TOKEN": "x"}),
    service("audit", wave=first, config={"DB_PASSWORD": "x"}, allow={"GD501": "a test fixture"}),
    Service("kafka", project="app", wave=first, chart=GitPath("charts/kafka", tool="kustomize")),
]
'''

TEAM_B = '''
from _helpers import service
from _policies import FRONT

SERVICES = [
    service("api", deps=["db"], tag=None, values={"podAnnotations": {"tier": "front"}}, sync=FRONT),
    service("web", deps=["api"], tag=None),
    service("worker", deps=["cache"], values={"podAnnotations": {"queue": "jobs"}}, sync=FRONT),
]
'''

# one SyncPolicy object that two services hold (keys hash such shared objects once)
POLICIES = '''
from gitops_dsl import SyncPolicy

FRONT = SyncPolicy(self_heal=True)
'''

FILES = {
    "platforms/demo.py": PLATFORM,
    "platforms/_waves.py": WAVES,
    "platforms/_helpers.py": HELPER,
    "platforms/_team_a.py": TEAM_A,
    "platforms/_team_b.py": TEAM_B,
    "platforms/_policies.py": POLICIES,
    "platforms/versions.yaml": "services:\n  api:\n    image: 1.0.0\n  web:\n    image: 2.0.0\n",
    "charts/kafka/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kafka\n",
    "charts/kafka/kustomization.yaml": "resources: [deployment.yaml]\n",
    "charts/shared/kustomization.yaml": "resources: []\n",
    "pyproject.toml": '[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n'
                      '[tool.gitops-dsl.severity]\nGD501 = "warning"\n',
}


def _hand_edit(project: Path) -> None:
    """The same size: only the modification time tells (and then the bytes)."""
    path = project / "build/gitops/values/db/values.yaml"
    text = path.read_text()
    assert "replicaCount: 2\n" in text
    path.write_text(text.replace("replicaCount: 2\n", "replicaCount: 9\n"))


#: name -> (change, the team modules it leaves alone: their services may be reused)
CHANGES = {
    "a value of one service": (edit("platforms/_team_b.py", '"front"', '"edge"'), {"a"}),
    "a pin, in place": (edit("platforms/versions.yaml", "1.0.0", "1.1.0"), {"a"}),
    "a dependency moves a wave in the other module": (
        edit("platforms/_team_a.py", 'service("db", wave=first)', 'service("db", deps=["kafka"])'),
        set()),
    "lines inserted above the services": (edit("platforms/_team_a.py", "SERVICES = [",
                                                "\n\n\nSERVICES = ["), {"b"}),
    "a new warning": (edit("platforms/_team_b.py", 'service("web", deps=["api"], tag=None)',
                            'service("web", deps=["api"], tag=None, config={"SECRET_KEY": "y"})'),
                      {"a"}),
    "an allow": (edit("platforms/_team_a.py", 'config={"API_TOKEN": "x"})',
                       'config={"API_TOKEN": "x"}, allow={"GD501": "fixture"})'), {"b"}),
    "a service added": (edit("platforms/_team_b.py", "SERVICES = [",
                              'SERVICES = [\n    service("mailer", deps=["web"]),'), {"a"}),
    "a service removed": (edit("platforms/_team_b.py", '    service("worker", deps=["cache"], '
                                'values={"podAnnotations": {"queue": "jobs"}}, sync=FRONT),\n', ""),
                          {"a"}),
    "a sync policy two services share": (edit("platforms/_policies.py", "self_heal=True",
                                              "self_heal=False"), {"a"}),
    "the waves' numbers": (edit("platforms/_waves.py", '"third")', '"third", start=5)'), set()),
    "the shared helper": (edit("platforms/_helpers.py", "REPLICAS = 2", "REPLICAS = 4"), set()),
    "an environment": (edit("platforms/demo.py", "dev.example:6443", "dev.example:6444"), set()),
    "a chart folder read by render": (edit("charts/kafka/kustomization.yaml", "deployment.yaml",
                                            "deployment.yaml, ../shared"), set()),
    "a hand edit of a reused service's file": (_hand_edit, {"a", "b"}),
    # the warning GD501 on cache points at its call: moved one column to the right
    "a warning's column": (edit("platforms/_team_a.py", '    service("cache"', '     service("cache"'),
                           {"b"}),
}

SERVICES = {"a": {"db", "cache", "audit", "kafka"}, "b": {"api", "web", "worker"}}
REUSED = re.compile(r"; (\d+) of (\d+) Applications reused")
ENVS = 2   # each service has an Application in dev and prod


def make(project: Path) -> Path:
    for rel, text in FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(textwrap.dedent(text).lstrip())
    return project


def diagnostics(stderr: str) -> list[str]:
    """What the compile said of the platform (not of the output folder's hand edits)."""
    return [line for line in stderr.splitlines() if not line.startswith("build/")]


def compile_change_compile(project: Path, changes: list[str]) -> None:
    first = run_cli("compile", cwd=project)
    assert first.returncode == 0, first.stderr
    assert (project / "build/.gitops-dsl-cache/units.json").is_file()
    for name in changes:
        CHANGES[name][0](project)
    second = run_cli("compile", cwd=project)
    assert second.returncode == 0, second.stderr
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert fresh.returncode == 0, fresh.stderr
    assert owned_tree(project / "build") == owned_tree(project / "fresh"), changes
    assert diagnostics(second.stderr) == diagnostics(fresh.stderr), changes
    untouched = set.intersection({"a", "b"}, *(CHANGES[name][1] for name in changes))
    reused = REUSED.search(second.stdout)
    if untouched and "a chart folder read by render" not in changes:
        assert reused is not None, (changes, second.stdout)
        # (a hand edit of a service's common values file: its Applications are compiled again)
        assert int(reused.group(1)) >= ENVS * (sum(len(SERVICES[t]) for t in untouched) - (
            "a hand edit of a reused service's file" in changes)), (changes, second.stdout)
    if "a chart folder read by render" in changes:
        assert reused is None, second.stdout   # a later input changed: nothing is reused
    assert run_cli("compile", "--check", cwd=project).returncode == 0


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_compiles_as_a_full_compile(tmp_path, change):
    compile_change_compile(make(tmp_path), [change])


@given(st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=4, unique=True))
@settings(max_examples=scaled(8), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_changes_compile_as_a_full_compile(tmp_path_factory, changes):
    compile_change_compile(make(tmp_path_factory.mktemp("project")), changes)


def test_a_one_service_change_renders_and_writes_one_service(tmp_path):
    """Only the edited service is compiled again - keys hash the source lines a service's
    objects were declared on, not whole modules, so its neighbours in the module are reused -
    and only the changed file is written; the warnings of reused services are printed as
    before, with their lines."""
    project = make(tmp_path)
    first = run_cli("compile", cwd=project)
    assert "GD501" in first.stderr and "cache" in first.stderr
    CHANGES["a value of one service"][0](project)
    second = run_cli("compile", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "; 12 of 14 Applications reused" in second.stdout, second.stdout
    assert " 1 written, 0 removed" in second.stdout, second.stdout
    assert diagnostics(second.stderr) == diagnostics(first.stderr)
    # as JSON too: the reused findings keep every field (file, line, column, subject, hint)
    edit("platforms/_team_b.py", '"edge"', '"front"')(project)
    reused = run_cli("compile", "--format", "json", cwd=project)
    assert "; 12 of 14 Applications reused" in reused.stdout, reused.stdout
    full = run_cli("compile", "--format", "json", "--no-cache", "--out", "fresh", cwd=project)
    assert json.loads(reused.stdout.split("\ncompiled")[0]) == \
        json.loads(full.stdout.split("\ncompiled")[0])


def test_a_hand_edited_record_means_a_full_compile(tmp_path):
    """The units live in the output folder, where anyone may edit them: garbled or forged ones
    cost the shortcut, never the output."""
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    units = project / "build/.gitops-dsl-cache/units.json"
    data = json.loads(units.read_text())
    # [digest, its unit, {env: [Application unit [key, paths], values unit]}]
    data["units"]["demo/db"][2]["dev"][0][1] = ["../../outside.yaml"]
    units.write_text(json.dumps(data))
    CHANGES["a value of one service"][0](project)
    second = run_cli("compile", cwd=project)
    assert second.returncode == 0, second.stderr
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert owned_tree(project / "build") == owned_tree(project / "fresh")
    units.write_text("{not json")
    CHANGES["a pin, in place"][0](project)
    third = run_cli("compile", cwd=project)
    assert third.returncode == 0 and REUSED.search(third.stdout) is None, third.stdout
    assert "Traceback" not in third.stderr


def test_guards_see_through_reuse(tmp_path):
    """With the other services reused, removing a service of a protected environment, or
    changing one's Application name there, is still refused, and the folder left as it was."""
    project = make(tmp_path)
    edit("platforms/demo.py", 'zone="internal")\n\nplatform',
          'zone="internal", protected=True)\n\nplatform')(project)
    assert run_cli("compile", cwd=project).returncode == 0
    before = owned_tree(project / "build")
    CHANGES["a service removed"][0](project)
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1 and "deletes Application worker-prod" in refused.stderr, \
        refused.stderr
    assert owned_tree(project / "build") == before
    edit("platforms/_team_b.py", 'service("web", deps=["api"], tag=None)',
          'service("web", deps=["api"], tag=None, app_name="{service}-app-{env}")')(project)
    refused = run_cli("compile", cwd=project)
    assert "changes the name of Application web-prod" in refused.stderr, refused.stderr
    allowed = run_cli("compile", "--allow-delete", "worker", "--allow-delete", "web-prod",
                      cwd=project)
    assert allowed.returncode == 0, allowed.stderr
    assert REUSED.search(allowed.stdout), allowed.stdout
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert owned_tree(project / "build") == owned_tree(project / "fresh")


OTHER = '''
from gitops_dsl import *

qa = Environment("qa", cluster=Cluster("qa", "https://qa.example:6443"), zone="lab")

platform = Platform(
    "other", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[qa],
    projects=[Project("app")],
    services=[Service("tool", project="app", image=Image("ghcr.io/acme/tool", "1.0"))],
)
'''


def test_several_platforms_in_one_folder_reuse_their_own_services(tmp_path):
    project = make(tmp_path)
    (project / "platforms/other.py").write_text(textwrap.dedent(OTHER).lstrip())
    first = run_cli("compile", cwd=project)
    assert first.returncode == 0, first.stderr
    edit("platforms/other.py", '"1.0"', '"1.1"')(project)
    second = run_cli("compile", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "; 14 of 15 Applications reused" in second.stdout, second.stdout
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert owned_tree(project / "build") == owned_tree(project / "fresh")


def test_the_example_platform_reuses_what_a_change_cannot_reach(tmp_path):
    """The repository's own platform (policies, waves, zones, sealed secrets, charts): a value
    of one service changed, the services of the same file are compiled again (their lines are in
    the same file), and the result is a full compile's."""
    import shutil
    from tests.helpers import REPO
    for folder in ("platforms", "charts"):
        shutil.copytree(REPO / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\n'
                                             'out = "build"\n')
    first = run_cli("compile", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    units = json.loads((tmp_path / "build/.gitops-dsl-cache/units.json").read_text())["units"]
    apps = [p.stem for p in (tmp_path / "build/gitops/argo-apps").glob("*/apps/*/*/*.yaml")]
    # a record for each service, with a unit for each of its Applications and their values
    assert len(units) == 15 and sum(len(record[2]) for record in units.values()) == len(apps)
    # what CI does after a push: one pin set in place (gitops-dsl set-image)
    pinned = run_cli("set-image", "plate-web", "2.4.0", "--no-compile", cwd=tmp_path)
    assert pinned.returncode == 0, pinned.stderr
    second = run_cli("compile", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    web = apps.count("plate-web")
    assert web >= 2 and f"; {len(apps) - web} of {len(apps)} Applications reused" in \
        second.stdout, second.stdout
    edit("platforms/plate.py", '"replicaCount": 2}', '"replicaCount": 3}')(tmp_path)
    third = run_cli("compile", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=tmp_path)
    assert owned_tree(tmp_path / "build") == owned_tree(tmp_path / "fresh")
    assert diagnostics(third.stderr) == diagnostics(fresh.stderr)


TEAM_LABELS = '''
import enum
from gitops_dsl import *


class Team(str, enum.Enum):
    A = "team-a"


stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
                    environments=[stg], projects=[Project("app")],
                    services=[Service("api", project="app", image=Image("ghcr.io/acme/api", "1.0"),
                                      labels={"team": Team.A})])
'''


def test_a_platform_the_keys_cannot_see_into_is_compiled_whole_and_says_so(tmp_path):
    """A team's own str enum in labels: written as its text, and since the keys cannot see
    what such an object holds, nothing is reused - the summary says why."""
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms/p.py").write_text(textwrap.dedent(TEAM_LABELS).lstrip())
    (tmp_path / "pyproject.toml").write_text(FILES["pyproject.toml"])
    first = run_cli("compile", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    app = (tmp_path / "build/gitops/argo-apps/internal/apps/stg/app/api.yaml").read_text()
    assert "    team: team-a\n" in app
    edit("platforms/p.py", '"1.0"', '"1.1"')(tmp_path)
    second = run_cli("compile", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "compiled whole: platform demo holds a Team object" in second.stdout, second.stdout
    assert REUSED.search(second.stdout) is None


def test_diff_before_a_compile_reuses_and_says_the_same(tmp_path):
    """`diff` of a change not compiled yet compiles in memory, reusing the unchanged services'
    files from the output folder: it reports exactly what it reports without them."""
    import shutil
    import subprocess
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)
    CHANGES["a value of one service"][0](project)
    CHANGES["a pin, in place"][0](project)
    reusing = run_cli("diff", cwd=project)
    assert reusing.returncode == 0, reusing.stderr
    assert "tier" in reusing.stdout and "1.1.0" in reusing.stdout, reusing.stdout
    shutil.rmtree(project / "build/.gitops-dsl-cache")
    whole = run_cli("diff", cwd=project)
    assert whole.returncode == 0, whole.stderr
    assert reusing.stdout == whole.stdout


def _owned_folder(tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str, int]], int]:
    """An output folder of 40 files and the manifest entries of a compile that wrote them,
    then: one edited (same size), one grown, one removed, one replaced by a folder."""
    import os
    import time
    out = tmp_path / "build"
    owned = {}
    for i in range(40):
        rel = f"apps/app-{i:02d}.yaml" if i % 3 else f"values/ü{i:02d}/values.yaml"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"replicaCount: {i:02d}\n")
        owned[rel] = ("0" * 64, "key", len(f"replicaCount: {i:02d}\n"))
    written_at = time.time_ns() + 1
    while time.time_ns() <= written_at:
        pass
    rels = sorted(owned)
    (out / rels[0]).write_text("replicaCount: 99\n")
    (out / rels[1]).write_text("replicaCount: 100\n")
    (out / rels[2]).unlink()
    (out / rels[3]).unlink()
    (out / rels[3]).mkdir()
    os.utime(out / rels[3], ns=(written_at - 10, written_at - 10))
    return out, owned, written_at


@pytest.mark.parametrize("how", ["child", "no child", "a child that dies"])
def test_the_files_touched_since_the_manifest_are_found_with_or_without_a_child(
        tmp_path, monkeypatch, how):
    import os

    from gitops_dsl import incremental
    out, owned, written_at = _owned_folder(tmp_path)
    monkeypatch.setattr(incremental, "_FORK_FROM", 0 if how != "no child" else 10**9)
    if how == "a child that dies":
        real_fork = os.fork

        def dying_fork() -> int:
            pid = real_fork()
            if pid == 0:
                os._exit(1)   # answers nothing
            return pid
        monkeypatch.setattr(os, "fork", dying_fork)
    touched = incremental._Touched(str(out) + os.sep, owned, written_at)
    assert (touched._child is not None) == (how != "no child")
    forked = touched._child._child if touched._child is not None else None
    if how == "a child that dies":
        assert touched._child.result() is None
    rels = sorted(owned)
    assert {rel for rel in owned if rel in touched} == set(rels[:4])
    touched.close()
    if forked is not None:
        with pytest.raises(ChildProcessError):
            os.waitpid(forked[0], os.WNOHANG)   # the child was waited for: none left behind


@pytest.mark.parametrize("platform", ["the team project", "a platform the keys cannot see into"])
def test_keys_hashed_in_a_child_process_are_the_keys_hashed_in_place(tmp_path, monkeypatch,
                                                                      platform):
    """Large platforms hash their services in a child process while the parent resolves them
    (gitops_dsl.forked): the keys, and a refusal, are exactly what hashing in place gives, and
    what a child that dies without answering leaves the parent to compute."""
    import os

    from gitops_dsl import api, reuse
    from gitops_dsl.cache import CompileCache
    if platform == "the team project":
        project = make(tmp_path)
    else:
        project = tmp_path
        (project / "platforms").mkdir()
        (project / "platforms/p.py").write_text(textwrap.dedent(TEAM_LABELS).lstrip())

    def keyed(threshold: int) -> tuple[dict[str, object], str | None]:
        monkeypatch.setattr(reuse, "_FORK_FROM_SERVICES", threshold)
        result = api.compile(project / "platforms", root=project, severity={"GD501": "warning"},
                             cache=CompileCache(project / "build", None))
        assert result.ok, result.diagnostics
        return dict(result.units or {}), result.unkeyed
    in_place = keyed(10**9)
    assert (len(in_place[0]) == 7) if platform == "the team project" else (
        in_place == ({}, "platform demo holds a Team object, whose content the reuse keys "
                         "cannot see"))
    assert keyed(0) == in_place
    real_fork = os.fork

    def dying_fork() -> int:
        pid = real_fork()
        if pid == 0:
            os._exit(1)
        return pid
    monkeypatch.setattr(os, "fork", dying_fork)
    assert keyed(0) == in_place


LARGE = '''
from gitops_dsl import *
from _many_00 import SERVICES as S0
from _many_01 import SERVICES as S1
from _many_02 import SERVICES as S2
from _many_03 import SERVICES as S3

dev = Environment("dev", cluster=Cluster("dev", "https://dev.example:6443"), zone="internal")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
                    environments=[dev], projects=[Project("app")], services=S0 + S1 + S2 + S3)
'''

MANY = '''
from gitops_dsl import Image, Service

SERVICES = [Service(f"svc-{i:04d}", project="app", image=Image(f"ghcr.io/acme/svc-{i:04d}", "1.0"),
                    values={"replicaCount": 2 if i != 7 else 3}) for i in range({start}, {end})]
'''


def test_a_large_platform_reuses_through_the_cli_as_a_small_one_does(tmp_path):
    """1200 services in four modules, 2400 files: past the sizes from which the keys are hashed
    and the files checked in child processes (gitops_dsl.forked). A change in one module and a
    hand edit of a reused file compile exactly as a full compile."""
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms/demo.py").write_text(textwrap.dedent(LARGE).lstrip())
    for module in range(4):
        (tmp_path / f"platforms/_many_{module:02d}.py").write_text(
            textwrap.dedent(MANY).lstrip().replace("{start}", str(module * 300))
            .replace("{end}", str(module * 300 + 300)))
    (tmp_path / "pyproject.toml").write_text(FILES["pyproject.toml"])
    assert run_cli("compile", cwd=tmp_path).returncode == 0
    from gitops_dsl import incremental
    assert len(list((tmp_path / "build").rglob("*.yaml"))) >= incremental._FORK_FROM
    edit("platforms/_many_00.py", "2 if i != 7 else 3", "2 if i != 7 else 4")(tmp_path)
    hand = tmp_path / "build/gitops/values/svc-0400/values.yaml"
    hand.write_text(hand.read_text().replace("replicaCount: 2", "replicaCount: 5"))
    second = run_cli("compile", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    # the service whose values changed is compiled again, and the hand-edited values file
    # (not its Application)
    assert "; 1199 of 1200 Applications reused" in second.stdout, second.stdout
    assert "hand edit overwritten" in second.stderr
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=tmp_path)
    assert owned_tree(tmp_path / "build") == owned_tree(tmp_path / "fresh")



@given(st.randoms(use_true_random=False))
@settings(max_examples=scaled(20), deadline=None)
def test_the_columns_in_keys_are_the_columns_diagnostics_show(random):
    """Keys hold each location's column (not the call's offset in the bytecode), found by one
    walk over each code object's positions: in any order the locations come, the column is the
    one `Location.column` computes."""
    import attrs

    from gitops_dsl import load as loader
    from gitops_dsl.diagnostics import Location
    from gitops_dsl.reuse import _Columns
    loaded = loader.load(REPO / "platforms")
    assert loaded.platforms, loaded.diagnostics
    found: list[Location] = []

    def walk(value: object) -> None:
        if isinstance(value, Location):
            found.append(value)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
    for platform in loaded.platforms:
        walk(platform)
    assert len(found) > 50
    in_order = sorted(found, key=lambda loc: (loc.file, loc.line, loc.call[1] if loc.call else -1))
    random.shuffle(found)
    for locations in (found, in_order):
        columns = _Columns()
        assert [columns.of(loc) for loc in locations] == [loc.column for loc in locations]


SAME_LINE = '''
from gitops_dsl import *

one, two = Image("ghcr.io/acme/api", "1.0"), Image("ghcr.io/acme/api", "1.0")
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internal",
                   policies=[image_digests])
platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[prod],
    projects=[Project("app")],
    services=[
        Service("api", project="app",
                image=one),
        Service("web", project="app", image=one),
    ],
)
'''


def test_a_service_that_takes_an_equal_object_made_elsewhere_on_the_same_line_is_compiled(
        tmp_path):
    """Two equal images made on one line differ only by their column, which GD304 shows: a
    service that takes the other one is compiled again and its warning points at the new
    column (keys hold columns, not the line's text or the call's bytecode offset)."""
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms/demo.py").write_text(textwrap.dedent(SAME_LINE).lstrip())
    (tmp_path / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\n'
                                             '[tool.gitops-dsl.severity]\nGD304 = "warning"\n')
    first = run_cli("compile", cwd=tmp_path)
    assert first.returncode == 0 and "demo.py:3:12: warning[GD304] api-prod" in first.stderr, \
        first.stderr
    edit("platforms/demo.py", "                image=one),", "                image=two),")(tmp_path)
    second = run_cli("compile", cwd=tmp_path)
    assert "; 1 of 2 Applications reused" in second.stdout, second.stdout
    assert "demo.py:3:46: warning[GD304] api-prod" in second.stderr, second.stderr
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=tmp_path)
    assert diagnostics(second.stderr) == diagnostics(fresh.stderr)


@pytest.mark.parametrize("change", [
    ('zone="internal")\n\nplatform', 'zone="internal", labels={"tier": "gold"})\n\nplatform'),
    ('zone="internal")\n\nplatform', 'zone="internal", namespace="{service}-prod")\n\nplatform'),
    ('zone="internal")\n\nplatform', 'zone="internal", protected=True)\n\nplatform'),
])
def test_an_environment_change_compiles_that_environment_alone(tmp_path, change):
    """A field of one environment changes that environment's Applications only: the other
    environment's are reused with their findings, and the result is a full compile's."""
    project = make(tmp_path)
    first = run_cli("compile", cwd=project)
    assert first.returncode == 0, first.stderr
    before = owned_tree(project / "build")
    edit("platforms/demo.py", *change)(project)
    second = run_cli("compile", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "; 7 of 14 Applications reused" in second.stdout, second.stdout   # dev's
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert owned_tree(project / "build") == owned_tree(project / "fresh")
    assert diagnostics(second.stderr) == diagnostics(fresh.stderr)
    after = owned_tree(project / "build")
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    # of the services' files (not the project's destinations, the overview), only prod's
    own = {p for p in changed if "/apps/" in p or "/values/" in p or p.startswith("configs/")}
    assert own and all("prod" in p for p in own), changed


NAMED_LIKE_SERVICES = '''
from gitops_dsl import *

dev = Environment("dev", cluster=Cluster("dev", "https://dev.example:6443"), zone="internal")
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="lab",
                   labels={"tier": "1"})

platform = Platform(
    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[dev, prod],
    projects=[Project("app")],
    services=[
        Service("api", project="app", app_name="{service}", config={"API_TOKEN_FILE": "/t"},
                chart=HelmChart("https://charts.example.com", "api", "1.0.0"),
                helm=HelmOptions(parameters=[HelmParameter("greeting", "$HOME")])),
        Service("web", project="app", image=Image("ghcr.io/acme/web", "1.0"),
                helm=HelmOptions(parameters=[HelmParameter("greeting", "$HOME")])),
    ],
)
'''


def test_an_application_named_like_its_service_is_reused_with_its_service_or_not_at_all(tmp_path):
    """An Application named like its own service (app_name="{service}", one per zone) has its
    findings filed under the service: when one environment changes, that service's
    Applications are all compiled again (the others' are reused), and every finding is
    printed as a full compile prints it."""
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms/demo.py").write_text(textwrap.dedent(NAMED_LIKE_SERVICES).lstrip())
    (tmp_path / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\n'
                                             '[tool.gitops-dsl.severity]\nGD404 = "warning"\nGD501 = "warning"\n')
    first = run_cli("compile", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "GD125" in first.stderr and "GD501" in first.stderr, first.stderr
    edit("platforms/demo.py", '"tier": "1"', '"tier": "2"')(tmp_path)
    second = run_cli("compile", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "; 1 of 4 Applications reused" in second.stdout, second.stdout   # web in dev
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=tmp_path)
    assert owned_tree(tmp_path / "build") == owned_tree(tmp_path / "fresh")
    assert diagnostics(second.stderr) == diagnostics(fresh.stderr)
    assert diagnostics(second.stderr) == diagnostics(first.stderr)
