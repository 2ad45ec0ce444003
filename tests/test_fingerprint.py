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
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import REPO, edit, owned_tree, run_cli, scaled

PLATFORM = '''
import json
import os
import sys
from pathlib import Path

from gitops_dsl import *

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import shared_defaults  # noqa: E402 - a module outside platforms/
from _helpers import LEVEL  # noqa: E402 - a helper module in platforms/

owners = json.loads((HERE.parent / "data" / "owners.json").read_text())
_overrides = HERE.parent / "data" / "overrides.json"   # only when it exists: os.stat, no open()
if _overrides.is_file():
    owners.update(json.loads(_overrides.read_text()))
owners["api"] = os.environ.get("DEMO_OWNER", owners["api"])
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


_ENVIRON: dict[str, str] = {}   # what the next compile runs with (see compile_change_compile)


def _environ(name: str, value: str):
    def apply(project: Path) -> None:
        _ENVIRON[name] = value
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
    "a file only asked about": (_write("data/overrides.json", '{"api": "team-c"}\n'), True),
    "environment variable read": (_environ("DEMO_OWNER", "team-d"), True),
    "environment variable not read": (_environ("SOMETHING_ELSE", "x"), False),
    # a platform may list or stat any file of the repository without opening it: a new file
    # anywhere in it means a full compile (which finds nothing to write)
    "a file in the chart folder": (_write("charts/kafka/extra.yaml", "kind: ConfigMap\n"), True),
    "a file nobody reads": (_write("docs/notes.md", "hello\n"), True),
    "a file in .git": (_write(".git/notes", "hello\n"), False),
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
    _ENVIRON.clear()
    first = run_cli("compile", cwd=project)
    assert first.returncode == 0, first.stderr
    assert REPLAYED not in first.stdout
    for name in changes:
        CHANGES[name][0](project)
    before = owned_tree(project / "build")
    second = run_cli("compile", cwd=project, env=_ENVIRON)
    must_notice = any(CHANGES[name][1] for name in changes)
    assert (REPLAYED in second.stdout) == (not must_notice), (changes, second.stdout)
    if second.returncode != 0:   # the change made the platform fail: noticed, nothing written
        assert must_notice and "compile failed" in second.stderr, second.stderr
        assert owned_tree(project / "build") == before
        return
    fresh = run_cli("compile", "--no-cache", "--out", "fresh", cwd=project, env=_ENVIRON)
    assert fresh.returncode == 0, fresh.stderr
    assert owned_tree(project / "build") == owned_tree(project / "fresh")
    assert run_cli("compile", "--check", cwd=project, env=_ENVIRON).returncode == 0


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
    from gitops_dsl.cache import CompileCache
    project = make(tmp_path)
    result = compile_platform(project / "platforms", root=project,
                              cache=CompileCache(project / "build", None))
    assert result.ok and result.inputs is not None
    read = {Path(p).relative_to(project).as_posix() for p in result.inputs.files
            if p.startswith(str(project))}
    assert {"platforms/demo.py", "platforms/_helpers.py", "platforms/versions.yaml",
            "lib/shared_defaults.py", "data/owners.json"} <= read
    # outside the project, only where git would find a repository holding it (GD603 judges
    # links by what is committed, so whether the project is in a Git work tree is an input)
    from gitops_dsl.argo.links import git_discovery
    outside = {p for p in result.inputs.files if not p.startswith(str(project))}
    assert outside <= {str(p) for p in git_discovery(project)}, outside
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


def test_another_pyyaml_is_another_compiler(tmp_path, monkeypatch):
    """PyYAML is told by its files (what the key of a compile that never imports it can see):
    a PyYAML that changes, on the same module path, changes the key."""
    from gitops_dsl import fingerprint
    from gitops_dsl.workspace.settings import load_settings
    project = make(tmp_path)
    monkeypatch.chdir(project)
    settings_now = load_settings()
    stand_in = tmp_path / "site" / "yaml"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text("__version__ = '6.0.1'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "yaml", raising=False)   # (a loaded one is the one found)
    key = fingerprint.tool_key(settings_now)
    assert fingerprint.tool_key(settings_now) == key
    (stand_in / "__init__.py").write_text("__version__ = '6.0.2'\n")
    assert fingerprint.tool_key(settings_now) != key
    (stand_in / "__init__.py").write_text("__version__ = '6.0.1'\n")
    (stand_in / "_yaml.so").write_bytes(b"")   # its C half installed
    assert fingerprint.tool_key(settings_now) != key


def test_a_replayed_compile_loads_neither_the_compiler_nor_pyyaml(tmp_path):
    """What makes a no-op compile fast: replaying it imports only the record's readers (the
    model, the checks, the renderers, the emitter and PyYAML are left where they are)."""
    project = make(tmp_path)
    probe = ("import sys\n"
             "from gitops_dsl.cli import main\n"
             "try:\n"
             "    main(['compile'])\n"
             "except SystemExit:\n"
             "    pass\n"
             "heavy = ('yaml', 'gitops_dsl.model', 'gitops_dsl.checks', 'gitops_dsl.render',\n"
             "         'gitops_dsl.emit.files', 'gitops_dsl.api')\n"
             "print('loaded:', sorted(m for m in sys.modules if m in heavy))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.run([sys.executable, "-c", probe], cwd=project, env=env,
                           capture_output=True, text=True, timeout=120)
    assert "loaded: ['gitops_dsl.api'" in first.stdout, first.stdout + first.stderr
    again = subprocess.run([sys.executable, "-c", probe], cwd=project, env=env,
                           capture_output=True, text=True, timeout=120)
    assert REPLAYED in again.stdout, again.stdout + again.stderr
    assert "loaded: []" in again.stdout, again.stdout


def test_an_interrupted_write_is_never_replayed(tmp_path):
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    from gitops_dsl.emit.journal import signed_journal as _signed_journal
    (project / "build/.gitops-dsl-journal").write_bytes(   # as a write of ours leaves it
        _signed_journal(project / "build", ["write gitops/values/api/values.yaml"]))
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


def test_a_platform_that_runs_a_program_is_never_replayed(tmp_path):
    """What a program prints cannot be known without running it again."""
    project = make(tmp_path)
    platform = project / "platforms/demo.py"
    platform.write_text("import subprocess\nsubprocess.run(['true'], check=True)\n"
                        + platform.read_text())
    for _ in range(2):
        again = run_cli("compile", cwd=project)
        assert again.returncode == 0 and REPLAYED not in again.stdout, again.stderr
    assert not (project / "build/.gitops-dsl-cache/inputs.json").exists()


def test_a_record_edited_by_hand_is_never_believed(tmp_path):
    """The record is authenticated (see `bound`): a record rewritten to say that the platform
    now in platforms/ - which fails - compiled cleanly is not replayed, and neither is one whose
    warnings were taken out."""
    import hashlib
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    record_path = project / "build/.gitops-dsl-cache/inputs.json"
    record = json.loads(record_path.read_text())
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace('Project("app")', 'Project("App!")'))
    record["files"][str(platform.resolve())] = hashlib.sha256(platform.read_bytes()).hexdigest()
    record_path.write_text(json.dumps(record, sort_keys=True))
    failed = run_cli("compile", cwd=project)
    assert failed.returncode == 1 and REPLAYED not in failed.stdout, failed.stdout


def test_strict_derives_its_verdict(tmp_path):
    """--strict never rests on what the last compile recorded: it compiles (and fails on the
    warnings it finds itself)."""
    project = make(tmp_path)
    assert run_cli("compile", cwd=project).returncode == 0
    assert REPLAYED in run_cli("compile", cwd=project).stdout
    strict = run_cli("compile", "--strict", cwd=project)
    assert strict.returncode == 0 and REPLAYED not in strict.stdout
    assert "services reused" not in strict.stdout


def test_replayed_diagnostics_point_at_the_file_from_where_the_command_runs(tmp_path):
    project = make(tmp_path)
    with (project / "pyproject.toml").open("a") as settings_file:
        settings_file.write('[tool.gitops-dsl.severity]\nGD405 = "warning"\n')
    (project / "charts/kafka/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace(
        'projects=[Project("app")]', 'projects=[Project("app"), Project("unused")]'))

    def gitops_dsl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        # the installed command (`python -m` puts the working folder on the module path, and
        # another module path is another compiler: see `fingerprint.tool_key`)
        return subprocess.run([str(Path(sys.executable).parent / "gitops-dsl"), *args], cwd=cwd,
                              text=True, capture_output=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    compiled = gitops_dsl("compile", cwd=project)
    assert "platforms/demo.py:" in compiled.stderr, compiled.stderr
    replayed = gitops_dsl("compile", cwd=project / "platforms")
    assert REPLAYED in replayed.stdout, replayed.stdout
    assert replayed.stderr.startswith("demo.py:"), replayed.stderr
    assert "platforms/demo.py" not in replayed.stderr
    elsewhere = gitops_dsl("compile", "--no-cache", cwd=project / "platforms")
    assert [line for line in elsewhere.stderr.splitlines() if "[GD" in line] == \
        [line for line in replayed.stderr.splitlines() if "[GD" in line]
