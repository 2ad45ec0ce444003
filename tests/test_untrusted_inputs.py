"""Inputs the tool reads but does not own - the ownership manifest, the settings - are untrusted:
a tampered or malformed one is a clear message, never a traceback, never a deleted foreign file."""
from __future__ import annotations

import pytest

from tests.helpers import make_project, run_cli


def test_a_manifest_line_naming_a_foreign_file_does_not_delete_it(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    notes = project / "build/NOTES.md"
    notes.write_text("mine\n")
    manifest = project / "build/.gitops-dsl-manifest"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  {'1' * 32}  5  NOTES.md\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    assert notes.read_text() == "mine\n"
    assert "NOTES.md: warning: no longer generated, but not deleted" in run.stderr
    assert "hand edit overwritten" not in run.stderr


@pytest.mark.parametrize("line", ["x  y  ²  gitops/a.yaml", "zz  yy  12  gitops/a.yaml",
                                  f"{'a' * 64}  k  -1  gitops/a.yaml", "garbage", "  ", "\u00b2"])
def test_a_malformed_manifest_line_is_ignored_not_a_traceback(tmp_path, line):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    manifest = project / "build/.gitops-dsl-manifest"
    manifest.write_text(manifest.read_text() + line + "\n")
    for args in (["compile"], ["compile", "--check"], ["diff", "--against", "build"]):
        run = run_cli(*args, cwd=project)
        assert "Traceback" not in run.stderr, (args, run.stderr)


@pytest.mark.parametrize("settings, message", [
    ('[tool.gitops-dsl.severity]\nGD206 = "x"\n', "use \"error\", \"warning\" or \"off\""),
    ('[tool.gitops-dsl]\nallow = 5\n', "[tool.gitops-dsl.allow] must be a table"),
    ('[tool.gitops-dsl]\nseverity = "error"\n', "[tool.gitops-dsl.severity] must be a table"),
    ('tool = 1\n', None),
    ('[tool]\ngitops-dsl = 3\n', "[tool.gitops-dsl] must be a table"),
    ('[tool.gitops-dsl]\ntrusted_keys = "k.pub"\n', "trusted_keys must be a list"),
    ('[tool.gitops-dsl]\nout = 1\n', "out must be a string"),
    ('[tool.gitops-dsl\n', "pyproject.toml"),
])
def test_malformed_settings_are_messages(tmp_path, settings, message):
    project = make_project(tmp_path / "p")
    (project / "pyproject.toml").write_text(settings)
    run = run_cli("compile", cwd=project)
    assert "Traceback" not in run.stderr, run.stderr
    if message is not None:
        assert run.returncode != 0 and message in run.stderr, run.stderr


@pytest.mark.parametrize("field, value, message", [
    ("labels", '{"../x": "v"}', "label key '../x' is not valid in Kubernetes"),
    ("labels", '{"team": "x" * 64}', "is not valid in Kubernetes: at most 63"),
    ("labels", '{"team": "bad value!"}', "label value 'bad value!' is not valid"),
    ("annotations", '{"acme.dev/a b": "free text is fine"}', "annotation key 'acme.dev/a b'"),
])
def test_labels_and_annotations_follow_kubernetes_syntax(tmp_path, field, value, message):
    from tests.helpers import MINIMAL
    source = MINIMAL.replace('Service("api", project="app",', f'Service("api", project="app", {field}={value},')
    project = make_project(tmp_path / "p", source)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "error[GD101]" in run.stderr and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not (project / "build").exists()


@pytest.mark.parametrize("blocker", ["gitops", "gitops/values/api"])
def test_a_file_named_like_a_generated_folder_stops_the_compile(tmp_path, blocker):
    from tests.helpers import snapshot
    project = make_project(tmp_path / "p")
    (project / "build" / blocker).parent.mkdir(parents=True, exist_ok=True)
    (project / "build" / blocker).write_text("mine\n")
    before = snapshot(project / "build")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.count(f"build/{blocker}: error: this file was not written by gitops-dsl") == 1
    assert snapshot(project / "build") == before


def test_a_symlinked_output_folder_is_written_through(tmp_path):
    project = make_project(tmp_path / "p")
    (tmp_path / "elsewhere").mkdir()
    (project / "build").symlink_to(tmp_path / "elsewhere")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "elsewhere/gitops/values/api/values.yaml").is_file()
    assert run_cli("compile", "--check", cwd=project).returncode == 0
