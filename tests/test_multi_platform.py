"""Several platforms in one folder of platform files: one output folder, one overview with a
section per platform, one versions file they share (or one each), and a clear error when two of
them would share a zone's folders."""
from __future__ import annotations

import textwrap

from tests.helpers import run_cli

TEAM = '''
from gitops_dsl import *
gitops = Repo("https://example.com/acme/gitops.git")
{env} = Environment("{env}", cluster=Cluster("{env}", "https://{env}.example:6443"), zone="{zone}")
platform = Platform("{name}", gitops_repo=gitops, environments=[{env}], projects=[Project("{name}")],
                    services=[Service("{service}", project="{name}", image=Image("ghcr.io/acme/{service}"))])
'''


def project(tmp_path, zone_b: str = "team-b"):
    root = tmp_path / "repo"
    (root / "platforms").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n')
    for name, env, zone, service in (("alpha", "stg", "team-a", "api"), ("beta", "dev", zone_b, "web")):
        (root / "platforms" / f"{name}.py").write_text(textwrap.dedent(TEAM.format(
            name=name, env=env, zone=zone, service=service)).lstrip())
    (root / "platforms/versions.yaml").write_text(
        "services:\n  api:\n    image: 1.0.0\n  web:\n    image: 2.0.0\n    envs:\n      dev:\n"
        "        image: 2.1.0\n")
    return root


def test_two_platforms_share_the_output_folder_the_overview_and_the_versions_file(tmp_path):
    root = project(tmp_path)
    run = run_cli("compile", cwd=root)
    assert run.returncode == 0, run.stderr
    overview = (root / "build/README.md").read_text()
    assert "# alpha: compiled Argo CD tree" in overview and "# beta: compiled Argo CD tree" in overview
    web = (root / "build/gitops/values/web/values-dev.yaml").read_text()
    assert "tag: 2.1.0" in web
    # set-image edits the shared file for the platform that has the service
    edit = run_cli("set-image", "api", "1.1.0", cwd=root)
    assert edit.returncode == 0, edit.stderr
    assert "tag: 1.1.0" in (root / "build/gitops/values/api/values.yaml").read_text()


def test_a_pin_for_a_service_no_platform_has_is_still_gd413(tmp_path):
    root = project(tmp_path)
    with (root / "platforms/versions.yaml").open("a") as handle:
        handle.write("  gone:\n    image: 1.0.0\n")
    run = run_cli("compile", cwd=root)
    assert run.returncode == 1 and run.stderr.count("error[GD413]") == 1 and "'gone'" in run.stderr


def test_two_platforms_in_one_zone_are_refused_with_the_reason(tmp_path):
    root = project(tmp_path, zone_b="team-a")
    run = run_cli("compile", cwd=root)
    assert run.returncode == 1
    assert "platforms 'alpha' and 'beta' share zone 'team-a' in one output folder" in run.stderr
    assert "separate output folders" in run.stderr
    # `validate` says so too (it said "2 platform(s) valid": the clash is found by rendering)
    checked = run_cli("validate", cwd=root)
    assert checked.returncode == 1 and "error[GD116]" in checked.stderr, checked.stdout
    assert not (root / "build").exists()
