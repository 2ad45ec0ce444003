"""A no-op compile skips the work only by proof: change any one input and the compile notices.

A project whose output depends on every kind of input: the platform file, a helper module in
platforms/, a module imported from outside platforms/, a data file the platform opens, the
versions file, a chart folder of the repository, the settings. Hypothesis applies random changes
(to inputs, to things that are not inputs, and to the output folder itself) between two compiles;
the second compile may replay the first (print its outcome, write nothing) only when no input
changed and the output folder is as the first left it, and its tree must always equal a fresh
compile's.
"""
from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import edit, owned_tree, run_cli, scaled

PLATFORM = '''
import json
import sys
from pathlib import Path

from gitops_dsl import *

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import shared_defaults  # noqa: E402 - a module outside platforms/
from _helpers import LEVEL  # noqa: E402 - a helper module in platforms/

owners = json.loads((HERE.parent / "data" / "owners.json").read_text())
gitops = Repo("https://example.com/acme/gitops.git")
stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
first, second = Waves("first", "second")

platform = Platform(
    "demo", gitops_repo=gitops, environments=[stg], projects=[Project("app")],
    services=[
        Service("api", project="app", wave=second, image=Image("ghcr.io/acme/api"),
                config={"LOG_LEVEL": LEVEL}, labels={"owner": owners["api"]},
                values={"replicaCount": shared_defaults.REPLICAS}),
        Service("kafka", project="app", wave=first, chart=GitPath("charts/kafka", tool="directory")),
    ],
)
'''

FILES = {
    "platforms/demo.py": textwrap.dedent(PLATFORM).lstrip(),
    "platforms/_helpers.py": 'LEVEL = "info"\n',
    "platforms/versions.yaml": "services:\n  api:\n    image: 1.0.0\n",
    "lib/shared_defaults.py": "REPLICAS = 2\n",
    "data/owners.json": '{"api": "team-a"}\n',
    "charts/kafka/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kafka\n",
    "pyproject.toml": '[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n',
}


def _write(rel: str, text: str):
    def apply(project: Path) -> None:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    return apply


def _touch(rel: str):
    def apply(project: Path) -> None:
        info = (project / rel).stat()
        os.utime(project / rel, ns=(info.st_atime_ns, info.st_mtime_ns + 10**10))
    return apply


def _remove(rel: str):
    def apply(project: Path) -> None:
        (project / rel).unlink()
    return apply


def _hand_edit(project: Path) -> None:
    path = project / "build/configs/stg/api/config.yaml"   # not the file "output file removed" removes
    path.write_text(path.read_text() + "# edited\n")


#: name -> (change, whether the compile must notice: an input changed, or the output folder did)
CHANGES = {
    "platform, same size": (edit("platforms/demo.py", ":6443", ":6444"), True),
    "helper module, a comment": (edit("platforms/_helpers.py", "\n", "  # logging\n"), True),
    "module outside platforms/": (edit("lib/shared_defaults.py", "2", "3"), True),
    "data file the platform opens": (edit("data/owners.json", "team-a", "team-b"), True),
    "versions file": (edit("platforms/versions.yaml", "1.0.0", "1.2.0"), True),
    "kustomization in a chart folder": (_write("charts/kafka/kustomization.yaml",
                                               "resources: [deployment.yaml]\n"), True),
    "settings": (_write("pyproject.toml", '[tool.gitops-dsl]\nplatforms = "platforms"\n'
                        'out = "build"\n[tool.gitops-dsl.severity]\nGD403 = "off"\n'), True),
    "new module in platforms/": (_write("platforms/notes.py", "X = 1\n"), True),
    "hand edit of an output file": (_hand_edit, True),
    "output file removed": (_remove("build/gitops/values/api/values.yaml"), True),
    "platform touched, same bytes": (_touch("platforms/demo.py"), False),
    "a file in the chart folder": (_write("charts/kafka/extra.yaml", "kind: ConfigMap\n"), False),
    "a file nobody reads": (_write("docs/notes.md", "hello\n"), False),
}

REPLAYED = "(no input changed)"


def make(project: Path) -> Path:
    for rel, text in FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    return project


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_is_noticed_or_harmless(tmp_path, change):
    compile_change_compile(make(tmp_path), [change])


@given(st.lists(st.sampled_from(sorted(CHANGES)), min_size=0, max_size=3, unique=True))
@settings(max_examples=scaled(6), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_compile_replays_only_when_no_input_changed(tmp_path_factory, changes):
    compile_change_compile(make(tmp_path_factory.mktemp("project")), changes)


def compile_change_compile(project: Path, changes: list[str]) -> None:
    """Compile, apply `changes`, compile again: a replay exactly when nothing that matters
    changed, and always the tree a fresh compile writes."""
    first = run_cli("compile", cwd=project)
    assert first.returncode == 0, first.stderr
    assert REPLAYED not in first.stdout
    for name in changes:
        CHANGES[name][0](project)
    before = owned_tree(project / "build")
    second = run_cli("compile", cwd=project)
    must_notice = any(CHANGES[name][1] for name in changes)
    assert (REPLAYED in second.stdout) == (not must_notice), (changes, second.stdout)
    if second.returncode != 0:   # the change made the platform fail: noticed, nothing written
        assert must_notice and "compile failed" in second.stderr, second.stderr
        assert owned_tree(project / "build") == before
        return
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project)
    assert fresh.returncode == 0, fresh.stderr
    assert owned_tree(project / "build") == owned_tree(project / "fresh")
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_the_replay_prints_what_the_compile_printed(tmp_path):
    """Warnings and the summary line come back the same (text and json), and --strict fails on
    the replayed warnings as it fails on the compiled ones."""
    project = make(tmp_path)
    (project / "charts/kafka/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    with (project / "pyproject.toml").open("a") as settings_file:
        settings_file.write('[tool.gitops-dsl.severity]\nGD405 = "warning"\n')
    compiled = run_cli("compile", cwd=project)
    replayed = run_cli("compile", cwd=project)
    assert compiled.returncode == replayed.returncode == 0
    assert "warning[" in compiled.stderr and compiled.stderr == replayed.stderr
    assert replayed.stdout.startswith(compiled.stdout.split(":")[0])
    assert REPLAYED in replayed.stdout and REPLAYED not in compiled.stdout
    as_json = [run_cli("compile", "--format", "json", "--no-cache", cwd=project),
               run_cli("compile", "--format", "json", cwd=project)]
    assert json.loads(as_json[0].stdout.split("\ncompiled")[0]) == \
        json.loads(as_json[1].stdout.split("\ncompiled")[0])
    strict = run_cli("compile", "--strict", cwd=project)
    assert strict.returncode == 1 and "compile failed" in strict.stderr


def test_the_record_of_a_compile_holds_what_it_read(tmp_path):
    """In process: the files and folders a compile read, with the platform's own open() and
    imports, and the chart folder questions; never Python's library or gitops-dsl's files."""
    from gitops_dsl.api import compile as compile_platform
    project = make(tmp_path)
    result = compile_platform(project / "platforms", root=project, record_inputs=True)
    assert result.ok and result.inputs is not None
    read = {Path(p).relative_to(project).as_posix() for p in result.inputs.files
            if p.startswith(str(project))}
    assert {"platforms/demo.py", "platforms/_helpers.py", "platforms/versions.yaml",
            "lib/shared_defaults.py", "data/owners.json"} <= read
    assert all(p.startswith(str(project)) for p in result.inputs.files), result.inputs.files
    assert str(project / "platforms") in result.inputs.listings
    assert str(project / "charts/kafka") in result.inputs.kinds


def test_a_record_made_by_another_gitops_dsl_is_not_used(tmp_path, monkeypatch):
    """The tool key: another version (or an edited source file of gitops-dsl) is another
    compiler, whose record says nothing about this one's output."""
    from gitops_dsl import fingerprint
    from gitops_dsl.workspace.settings import load_settings
    project = make(tmp_path)
    monkeypatch.chdir(project)
    settings_now = load_settings()
    key = fingerprint.tool_key(settings_now)
    assert fingerprint.tool_key(settings_now) == key
    monkeypatch.setattr(fingerprint, "__version__", "999.0")
    assert fingerprint.tool_key(settings_now) != key


def test_an_interrupted_write_is_never_replayed(tmp_path):
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    (project / "build/.gitops-dsl-journal").write_text("write gitops/values/api/values.yaml\n")
    again = run_cli("compile", cwd=project)
    assert again.returncode == 0 and REPLAYED not in again.stdout
    assert "completed from its journal" in again.stderr
    shutil.rmtree(project / "build/.gitops-dsl-cache")
    assert REPLAYED not in run_cli("compile", cwd=project).stdout


def test_a_garbled_record_means_a_full_compile_never_a_traceback(tmp_path):
    """The record lives in the output folder, where anything may happen to it."""
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    record = project / "build/.gitops-dsl-cache/inputs.json"
    data = json.loads(record.read_text())
    for garbled in ({**data, "files": {"/x": 1, "2": None}},
                    {**data, "outcome": {**data["outcome"], "diagnostics": [{"code": 1}]}},
                    {**data, "outcome": {**data["outcome"], "files": "many"}}, "not json {"):
        record.write_text(garbled if isinstance(garbled, str) else json.dumps(garbled))
        again = run_cli("compile", cwd=project)
        assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
        assert REPLAYED not in again.stdout


def test_a_fresh_checkout_replays_from_its_second_compile(tmp_path):
    """git writes a checkout's files in any order, the manifest often before the files it lists:
    the first compile finds every byte right, writes nothing, and settles the folder (the
    manifest becomes its newest file again), so the next compile can replay."""
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    values = project / "build/gitops/values/api/values.yaml"
    later = (project / "build/.gitops-dsl-manifest").stat().st_mtime_ns + 10**9
    os.utime(values, ns=(later, later))                     # as a checkout may leave it
    first = run_cli("compile", cwd=project)
    assert REPLAYED not in first.stdout and " 0 written" in first.stdout
    assert REPLAYED in run_cli("compile", cwd=project).stdout
    values.write_text(values.read_text() + "# hand edit\n")  # bytes changed: never settled
    os.utime(values, ns=(later, later))
    edited = run_cli("compile", cwd=project)
    assert REPLAYED not in edited.stdout and "hand edit overwritten" in edited.stderr
