"""The CLI as a new user runs it: real subprocesses on scratch projects."""
from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import MINIMAL, REPO, make_project, run_cli, snapshot


def compiled(project: Path) -> dict:
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    return snapshot(project / "build")


def assert_user_error(result, file_line: str, code: str) -> None:
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert f"{file_line}" in text and f"error[{code}]" in text, text
    assert "Traceback" not in text and "gitops_dsl/" not in text, text
    assert len(text.splitlines()) <= 25, text  # one screen


def test_compile_writes_the_tree_and_a_noop_writes_nothing(project):
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "written" in result.stdout
    build = project / "build"
    for rel in ["gitops/argo-apps/internal/apps/stg/app/api.yaml", "gitops/argo-apps/internal/roots/stg.yaml",
                "gitops/argo-apps/internet/projects/app.yaml", "gitops/values/api/values.yaml",
                "gitops/values/api/values-prod.yaml", "configs/prod/api/config.yaml",
                "gitops/bootstrap/internet/argocd-cm-patch.yaml", "gitops/charts/service/Chart.yaml",
                "README.md", ".gitops-dsl-manifest"]:
        assert (build / rel).is_file(), rel
    before = snapshot(build)
    again = run_cli("compile", cwd=project)
    assert again.returncode == 0 and "0 written, 0 removed" in again.stdout
    assert snapshot(build) == before


def test_check_passes_right_after_compile_and_fails_without_output(project):
    assert run_cli("compile", "--check", cwd=project).returncode == 1
    compiled(project)
    result = run_cli("compile", "--check", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "build is current" in result.stdout


def test_hand_edit_fails_check_naming_the_file(project):
    compiled(project)
    target = project / "build/gitops/values/api/values-prod.yaml"
    target.write_text(target.read_text().replace("replicaCount: 3", "replicaCount: 4"))
    result = run_cli("compile", "--check", cwd=project)
    assert result.returncode == 1
    assert "hand-edited: build/gitops/values/api/values-prod.yaml" in result.stdout
    assert "-replicaCount: 4" in result.stdout and "+replicaCount: 3" in result.stdout
    assert result.stderr.endswith("build is not current: run `gitops-dsl compile`\n")
    fixed = run_cli("compile", cwd=project)
    assert "hand edit overwritten" in fixed.stderr
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_foreign_file_survives_compile(project):
    compiled(project)
    foreign = project / "build/gitops/argo-apps/internal/NOTES.md"
    foreign.write_text("kept by hand\n")
    (project / "build/CODEOWNERS").write_text("* @acme/platform\n")
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace('"api"', '"api2"'))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    assert foreign.read_text() == "kept by hand\n"
    assert (project / "build/CODEOWNERS").is_file()
    assert not (project / "build/gitops/values/api").exists()  # the renamed service's old files
    assert (project / "build/gitops/values/api2/values.yaml").is_file()
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_foreign_file_in_the_way_stops_the_compile_before_any_write(project):
    compiled(project)
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace('"api"', '"web"'))
    blocker = project / "build/gitops/values/web/values.yaml"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("mine\n")
    before = snapshot(project / "build")
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1
    assert "build/gitops/values/web/values.yaml" in result.stderr and "not written by gitops-dsl" in result.stderr
    assert snapshot(project / "build") == before
    check = run_cli("compile", "--check", cwd=project)   # what mends it, in order
    assert check.returncode == 1
    assert "not owned:   build/gitops/values/web/values.yaml" in check.stdout
    assert check.stderr.endswith("build is not current: move the files gitops-dsl did not write "
                                 "out of the way, then run `gitops-dsl compile`\n"), check.stderr


def test_syntax_error_is_one_screen_with_file_and_line_and_build_unchanged(project):
    before = compiled(project)
    platform = project / "platforms/demo.py"
    lines = platform.read_text().splitlines()
    lines[3] = "stg = Environment(\"stg\", cluster=Cluster(\"stg\", \"https://stg.example:6443\", zone="
    platform.write_text("\n".join(lines) + "\n")
    result = run_cli("compile", cwd=project)
    assert_user_error(result, "platforms/demo.py:4", "GD100")
    assert "syntax error" in result.stderr
    assert "build left unchanged" in result.stderr
    assert snapshot(project / "build") == before


def test_exception_at_import_names_the_users_line(project):
    before = compiled(project)
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text() + "\n\ndef helper():\n    return {}['missing']\n\n\nhelper()\n")
    result = run_cli("compile", cwd=project)
    lines = platform.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "missing" in text)
    assert_user_error(result, f"platforms/demo.py:{line}", "GD100")
    assert "KeyError: 'missing'" in result.stderr
    assert snapshot(project / "build") == before


def test_wrong_argument_points_at_the_constructor_call(tmp_path):
    source = MINIMAL.replace('"stg", cluster=Cluster("stg", "https://stg.example:6443")',
                             '"stg", cluster="stg"')
    project = make_project(tmp_path / "p", source)
    result = run_cli("compile", cwd=project)
    line = next(i for i, t in enumerate(source.lstrip().splitlines(), 1) if 'cluster="stg"' in t)
    assert_user_error(result, f"platforms/demo.py:{line}:7", "GD101")
    assert "Environment.cluster: expected Cluster, got str 'stg'" in result.stderr


def test_unknown_keyword_suggests_the_right_one(tmp_path):
    source = MINIMAL.replace('depends_on=["db"]', 'dependson=["db"]')
    project = make_project(tmp_path / "p", source)
    result = run_cli("compile", cwd=project)
    assert_user_error(result, "platforms/demo.py:", "GD102")
    assert "Service() got an unknown argument 'dependson'" in result.stderr
    assert "did you mean 'depends_on'?" in result.stderr


def test_wave_inversion_and_cycle_are_errors_naming_both_services(tmp_path):
    inverted = MINIMAL.replace('Service("db", project="app", wave=first',
                               'Service("db", project="app", wave=second')
    project = make_project(tmp_path / "inv", inverted)
    result = run_cli("compile", cwd=project)
    lines = inverted.lstrip().splitlines()
    api_line = next(i for i, t in enumerate(lines, 1) if 'Service("api"' in t)
    db_line = next(i for i, t in enumerate(lines, 1) if 'Service("db"' in t)
    assert_user_error(result, f"platforms/demo.py:{api_line}:9", "GD201")
    assert f"api (wave second=1) depends on db (wave second=1, declared at platforms/demo.py:{db_line}" \
        in result.stderr
    assert not (project / "build").exists()

    cyclic = MINIMAL.replace('Service("db", project="app", wave=first,',
                             'Service("db", project="app", depends_on=["api"],').replace(
        "wave=second, ", "")
    project = make_project(tmp_path / "cyc", cyclic)
    result = run_cli("compile", cwd=project)
    assert_user_error(result, "platforms/demo.py:", "GD202")
    assert "dependency cycle in prod: api -> db -> api" in result.stderr


def test_json_diagnostics(tmp_path):
    source = MINIMAL.replace('project="app", wave=second', 'project="ap", wave=second')
    project = make_project(tmp_path / "p", source)
    result = run_cli("compile", "--format", "json", cwd=project)
    assert result.returncode == 1
    items = json.loads(result.stdout)
    assert [(i["code"], i["severity"], i["file"]) for i in items] == [
        ("GD402", "error", "platforms/demo.py")]
    assert "did you mean 'app'?" in items[0]["hint"]


def test_settings_from_pyproject_and_flags(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\nout = "rendered"\n')
    assert run_cli("compile", cwd=project).returncode == 0
    assert (project / "rendered/README.md").is_file() and not (project / "build").exists()
    assert run_cli("compile", "--out", "elsewhere", cwd=project).returncode == 0
    assert (project / "elsewhere/README.md").is_file()
    (project / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatform = "x"\n')
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "unknown [tool.gitops-dsl] setting(s) platform" in result.stderr


def test_no_platform_found(tmp_path):
    project = make_project(tmp_path / "p", "X = 1\n")
    result = run_cli("compile", cwd=project)
    assert_user_error(result, "", "GD115")


def test_help_and_version():
    assert "compile" in run_cli("--help", cwd=REPO).stdout
    assert run_cli("--version", cwd=REPO).stdout.startswith("gitops-dsl, version ")


def test_the_same_mistake_in_a_loop_is_reported_once_with_a_count(tmp_path):
    from tests.helpers import make_project, run_cli
    source = '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="z")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
    environments=[stg], projects=[Project("app")], services=[
        Service(f"svc{i}", project="app", image=Image("ghcr.io/a/x", "1"), depends_on=["nope"])
        for i in range(7)
    ])
'''
    project = make_project(tmp_path, source)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert run.stderr.count("error[GD401]") == 1
    assert "(6 more like it at this line: svc1, svc2, svc3, svc4, svc5, ...)" in run.stderr
    assert "7 errors, 0 warnings" in run.stderr


def test_bytecode_in_the_platforms_folder_is_never_run(tmp_path):
    """A bytecode file committed into platforms/__pycache__ (an unchecked hash-based one is
    never compared with its source) must not run instead of the source a reviewer read: the
    compile imports every platform module from its source, and writes no bytecode."""
    import py_compile
    import sys
    project = make_project(tmp_path / "p", MINIMAL.replace('Service("api"', 'Service(NAME')
                           .replace("from gitops_dsl import *", "from gitops_dsl import *\n"
                                    "from _names import NAME"))
    (project / "platforms" / "_names.py").write_text('NAME = "api"\n')
    planted = tmp_path / "planted.py"
    planted.write_text('NAME = "evil"\n')
    tag = sys.implementation.cache_tag
    py_compile.compile(str(planted), cfile=str(project / "platforms" / "__pycache__" /
                                               f"_names.{tag}.pyc"),
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "build/gitops/values/api").is_dir()
    assert not (project / "build/gitops/values/evil").exists()
    assert sorted(p.name for p in (project / "platforms" / "__pycache__").iterdir()) == \
        [f"_names.{tag}.pyc"]


def test_leaving_without_teardown_keeps_exit_handlers_output_and_status(tmp_path):
    """The command ends with os._exit (no interpreter teardown): exit handlers still run,
    everything printed arrives, and the exit status is the command's."""
    marker = tmp_path / "handler-ran"
    project = make_project(tmp_path / "p", MINIMAL.replace(
        "from gitops_dsl import *",
        "from gitops_dsl import *\nimport atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')"))
    result = run_cli("compile", cwd=project, process=True)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "yes"
    assert result.stdout.rstrip().endswith("unchanged") and "written" in result.stdout
    listing = run_cli("rules", cwd=project, process=True)   # a long output, every line of it
    assert listing.returncode == 0 and listing.stdout.endswith("\n")
    assert listing.stdout.count("\n") > 40 and "GD101" in listing.stdout
    failing = run_cli("compile", "--platforms", "nowhere", cwd=project, process=True)
    assert failing.returncode not in (0, None) and "Traceback" not in failing.stderr


def test_a_thread_a_platform_started_is_waited_for(tmp_path):
    """With a thread still running, the command exits the ordinary way, which waits for it
    (leaving with os._exit would cut it off)."""
    marker = tmp_path / "thread-finished"
    project = make_project(tmp_path / "p", MINIMAL.replace(
        "from gitops_dsl import *",
        "from gitops_dsl import *\nimport pathlib, threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), "
        f"pathlib.Path({str(marker)!r}).write_text('done'))).start()"))
    result = run_cli("compile", cwd=project, process=True)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "done"


def test_temp_files_of_a_killed_write_are_swept_under_the_lock(tmp_path):
    """A compile killed while it replaced a file of the output folder or of its cache (a record,
    the units, the kept manifest parse) leaves a temp file beside it; the next compile that
    writes (holding the folder's lock) removes them."""
    project = make_project(tmp_path / "p", MINIMAL)
    assert run_cli("compile", cwd=project).returncode == 0
    build = project / "build"
    planted = [build / ".gitops-dsl-journal.gitops-dsl-tmp-99999",
               build / ".gitops-dsl-cache" / ".manifest.bin.gitops-dsl-tmp-99999",
               build / ".gitops-dsl-cache" / ".units.json.gitops-dsl-tmp-99998"]
    for path in planted:
        path.write_bytes(b"half written")
    platform = next((project / "platforms").glob("*.py"))
    platform.write_text(platform.read_text().replace('"info"', '"debug"', 1))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not any(path.exists() for path in planted)


def test_a_command_started_with_a_standard_stream_closed_still_tells_by_its_status(tmp_path):
    """Started with standard output or error closed (`>&-`, `2>&-`: a cron job, a daemon),
    Python has no such stream (None): the command's status is still its verdict - 0 for a
    compile that succeeded, 1 for one that failed - never 1 from flushing a stream that is not
    there."""
    import itertools
    import os
    import subprocess
    import sys
    good = MINIMAL.replace('Project("app")', 'Project("app", cluster_resources=[ResourceKind("", "Namespace")])')
    bad = good.replace('depends_on=["db"]', 'depends_on=["no"]')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    try:   # preflight too, where the Helm engine is (it prints the findings, then the plan)
        import helm_python  # noqa: F401
        commands = (["compile"], ["preflight"])
    except ImportError:
        commands = (["compile"],)
    for fd, command in itertools.product((1, 2), commands):
        # (new projects each time: nothing rendered is cached, every chart renders)
        project = make_project(tmp_path / f"p{fd}{command[0]}", good)
        broken = make_project(tmp_path / f"b{fd}{command[0]}", bad)
        for folder, expected in ((project, 0), (broken, 1)):
            run = subprocess.run([sys.executable, "-m", "gitops_dsl", *command],
                                 cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL if fd == 2 else None,
                                 stderr=subprocess.DEVNULL if fd == 1 else None,
                                 pass_fds=(), preexec_fn=lambda fd=fd: os.close(fd))
            assert run.returncode == expected, (fd, command, folder.name, run.returncode)
