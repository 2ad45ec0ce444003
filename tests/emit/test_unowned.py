"""A file that no compile wrote, in a folder Argo CD applies whole (a zone's projects/ and roots/,
an environment's apps/ tree), is deployed by Argo CD all the same: `compile --check` fails on it
and `compile` warns. Files Argo CD does not read there (README.md) and files elsewhere are not
its business."""
from __future__ import annotations

import shutil

import pytest

from tests.helpers import make_project, run_cli


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=root).returncode == 0
    assert run_cli("compile", "--check", cwd=root).returncode == 0
    return root


@pytest.mark.parametrize("where", [
    "gitops/argo-apps/internal/apps/stg/app/old-api.yaml",        # a restored old Application
    "gitops/argo-apps/internal/apps/stg/extra/deep/copy.yml",     # the root recurses
    "gitops/argo-apps/internet/roots/qa.json",
    "gitops/argo-apps/internet/projects/legacy.yaml",
])
def test_an_unowned_manifest_where_argo_cd_applies_everything_fails_the_check(project, where):
    target = project / "build" / where
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "build/gitops/argo-apps/internal/apps/stg/app/api.yaml", target)
    check = run_cli("compile", "--check", cwd=project)
    assert check.returncode == 1
    assert f"unowned:     build/{where} (not written by gitops-dsl, in a folder Argo CD applies " \
           "whole" in check.stdout
    # a compile does not mend it, so the check does not say it would
    assert "build is not current: remove the unowned files (a compile never touches a file " \
           "it did not write)\n" in check.stderr and "gitops-dsl compile" not in check.stderr
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 0
    assert f"build/{where}: warning: not written by gitops-dsl" in compiled.stderr
    assert target.exists()                       # reported, never deleted: it is not ours
    target.unlink()
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_a_file_added_to_the_compiled_standard_chart_fails_the_check(project):
    """The standard chart in the output folder is read whole by the repo server: a template
    added there by hand is rendered with every Application of the chart, so `compile --check`
    fails on it (it said "current"), and `compile` and `diff --against build` name it."""
    extra = project / "build/gitops/charts/service/templates/zz-extra.yaml"
    extra.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: surprise\n")
    check = run_cli("compile", "--check", cwd=project)
    assert check.returncode == 1
    assert check.stdout == ("unowned:     build/gitops/charts/service/templates/zz-extra.yaml (not "
                            "written by gitops-dsl, in a chart folder the repo server reads whole: "
                            "the chart Argo CD renders is not the platform's; remove it, or add it "
                            "to the chart folder beside the platform)\n")
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 0 and extra.is_file()
    assert "build/gitops/charts/service/templates/zz-extra.yaml: warning: not written by " \
        "gitops-dsl, in a chart folder" in compiled.stderr
    assert "zz-extra.yaml: warning" in run_cli("diff", "--against", "build", cwd=project).stderr
    extra.unlink()
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_files_argo_cd_does_not_apply_are_left_alone(project):
    (project / "build/gitops/argo-apps/internal/apps/stg/NOTES.md").write_text("notes\n")
    (project / "build/gitops/argo-apps/internal/apps/stg/app/api.yaml.orig").write_text("x\n")
    (project / "build/gitops/mine.yaml").write_text("kind: ConfigMap\n")   # no root reads it
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_diff_against_the_output_folder_names_what_it_does_not_compare(project):
    """`diff --against build` compares what gitops-dsl wrote with what it would write; a file no
    compile wrote in a folder Argo CD applies whole is deployed all the same, so the diff says
    so beside its "no changes". A file the compile wrote and will remove (its service gone) is
    in the diff, not in the warning."""
    stray = project / "build/gitops/argo-apps/internal/apps/stg/app/old-api.yaml"
    shutil.copy(project / "build/gitops/argo-apps/internal/apps/stg/app/api.yaml", stray)
    run = run_cli("diff", "--against", "build", cwd=project)
    assert (run.returncode, run.stdout) == (0, "no changes\n")
    assert run.stderr == ("build/gitops/argo-apps/internal/apps/stg/app/old-api.yaml: warning: "
                          "not written by gitops-dsl, in a folder Argo CD applies whole: it is "
                          "deployed as it is; remove it, or make it part of the platform (no diff "
                          "compares it)\n")
    stray.unlink()
    platform = project / "platforms/demo.py"
    platform.write_text(platform.read_text().replace('Service("api"', 'Service("web"'))
    removed = run_cli("diff", "--against", "build", cwd=project)
    assert "- api-stg removed" in removed.stdout, removed.stdout
    assert "warning" not in removed.stderr, removed.stderr


def test_the_folders_a_bundles_applications_read_are_their_sources_and_not_their_files(tmp_path):
    """`source_folders` reads the Applications' `path:` lines: a source's folder counts, a file
    parameter's or a patch's path (a file) does not; in such a folder a foreign manifest file is
    named, a foreign file Argo CD does not read there is not."""
    from gitops_dsl.emit.unowned import READ_WITH_THE_SOURCE, foreign_files, source_folders
    app = (b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n"
           b"  - repoURL: https://example.com/g.git\n    path: 'k8s/extras'\n"
           b"  - repoURL: https://example.com/g.git\n    path: k8s/chart\n    helm:\n"
           b"      fileParameters:\n      - name: x\n        path: k8s/chart/files/x.txt\n")
    files = {"build/gitops/argo-apps/z/apps/prod/app/a.yaml": app,
             "k8s/extras/cm.yaml": b"kind: ConfigMap\n",
             "k8s/chart/Chart.yaml": b"name: chart\n", "k8s/chart/files/x.txt": b"x\n",
             "k8s/unread/cm.yaml": b"kind: ConfigMap\n"}
    assert source_folders(files) == ["k8s/chart", "k8s/extras"]
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    for extra in ("k8s/extras/debug.yaml", "k8s/extras/notes.txt", "k8s/unread/debug.yaml"):
        (tmp_path / extra).write_text("kind: ConfigMap\n")
    found = foreign_files(tmp_path, files.keys(), trees=["build/gitops/argo-apps"], charts=[],
                          sources=source_folders(files))
    assert found == [("k8s/extras/debug.yaml", READ_WITH_THE_SOURCE)]


def test_a_file_git_ignores_is_not_foreign_for_argo_cd_never_reads_it(project):
    """A file manager's `.DS_Store` in the standard chart's folder, ignored by git: never
    committed, so the chart Argo CD renders is the platform's. The same file committable is
    named."""
    import subprocess
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    stray = project / "build/gitops/charts/service/.DS_Store"
    stray.write_bytes(b"\0")
    (project / ".gitignore").write_text(".DS_Store\n")
    check = run_cli("compile", "--check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    (project / ".gitignore").write_text("")
    check = run_cli("compile", "--check", cwd=project)
    assert check.returncode == 1 and "unowned:     build/gitops/charts/service/.DS_Store" in check.stdout


def test_a_generated_file_git_ignores_is_said_and_fails_the_check(tmp_path):
    """A broad rule of the repository (`values-*.yaml`, meant for local values) matches files
    the compile writes: they are never committed, so Argo CD never reads them, though the
    output folder holds them. `compile` warns; `compile --check` fails until the rule stops
    matching (a file committed before the rule was added is tracked: not ignored)."""
    import subprocess
    root = make_project(tmp_path / "p")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".gitignore").write_text("values-*.yaml\n")
    run = run_cli("compile", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "build/gitops/values/api/values-prod.yaml: warning: git ignores this generated file" \
        in run.stderr, run.stderr
    check = run_cli("compile", "--check", cwd=root)
    assert check.returncode == 1
    assert "ignored:     build/gitops/values/api/values-prod.yaml" in check.stdout, check.stdout
    (root / ".gitignore").write_text("")
    assert run_cli("compile", "--check", cwd=root).returncode == 0


def test_an_output_folder_git_ignores_whole_is_kept_out_on_purpose(tmp_path):
    """`build/` in .gitignore: a project that publishes its trees to the repositories Argo CD
    reads (`gitops-dsl publish`) and keeps them out of its own. Not a rule that catches some
    generated files by accident: no warning for each of them."""
    import subprocess
    root = make_project(tmp_path / "p")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".gitignore").write_text("build/\n")
    run = run_cli("compile", cwd=root)
    assert run.returncode == 0 and "git ignores" not in run.stderr, run.stderr
    assert run_cli("compile", "--check", cwd=root).returncode == 0


def test_a_rule_that_catches_every_generated_file_is_said_in_a_few_lines(tmp_path):
    import subprocess
    root = make_project(tmp_path / "p")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".gitignore").write_text("*.yaml\n")
    run = run_cli("compile", cwd=root)
    warned = [line for line in run.stderr.splitlines() if "git ignores" in line]
    assert len(warned) == 21 and "more generated files git ignores there" in warned[-1], run.stderr
    check = run_cli("compile", "--check", cwd=root)
    assert check.returncode == 1 and check.stdout.count("ignored:") > 21
