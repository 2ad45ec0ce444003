"""The versions file: pins machines bump (set-image, set-chart, promote) with minimal line edits."""
from __future__ import annotations

import difflib
import json

import jsonschema
import yaml

from gitops_dsl.versions.file import set_pin
from tests.helpers import MINIMAL, REPO, make_project, run_cli, snapshot

PINNED = MINIMAL.replace('image=Image("ghcr.io/acme/api", "1.0.0")', 'image=Image("ghcr.io/acme/api")').replace(
    'HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")',
    'HelmChart("registry-1.docker.io/bitnamicharts", "redis")').replace(
    'zone="internet")', 'zone="internet", policies=[pinned_images])')
VERSIONS = """# pins bumped by CI
---
services:
  # our API
  api:
    image: 1.0.0  # renovate: datasource=docker depName=ghcr.io/acme/api
    envs:
      stg:
        image: 1.1.0-rc.1
  db:
    chart: 19.6.0  # renovate: datasource=helm
"""


def project_with_versions(tmp_path):
    project = make_project(tmp_path / "p", PINNED)
    (project / "platforms" / "versions.yaml").write_text(VERSIONS)
    assert run_cli("compile", cwd=project).returncode == 0
    return project


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_tags_come_from_the_versions_file(tmp_path):
    project = project_with_versions(tmp_path)
    values = yaml.safe_load((project / "build/gitops/values/api/values.yaml").read_text())
    stg = yaml.safe_load((project / "build/gitops/values/api/values-stg.yaml").read_text())
    assert values["image"] == {"repository": "ghcr.io/acme/api", "tag": "1.0.0"}
    assert stg["image"] == {"tag": "1.1.0-rc.1"}
    app = yaml.safe_load((project / "build/gitops/argo-apps/internet/apps/prod/app/db.yaml").read_text())
    assert app["spec"]["sources"][0]["targetRevision"] == "19.6.0"


def test_set_image_changes_only_the_intended_line(tmp_path):
    project = project_with_versions(tmp_path)
    before = snapshot(project / "build")
    result = run_cli("set-image", "api", "1.2.0", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "platforms/versions.yaml").read_text()
    assert changed_lines(VERSIONS, text) == [
        "-    image: 1.0.0  # renovate: datasource=docker depName=ghcr.io/acme/api",
        "+    image: 1.2.0  # renovate: datasource=docker depName=ghcr.io/acme/api"]
    after = snapshot(project / "build")
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert changed == [".gitops-dsl-manifest", "README.md", "gitops/values/api/values.yaml"]
    assert "tag: 1.2.0" in (project / "build/gitops/values/api/values.yaml").read_text()


def test_set_image_for_one_environment_inserts_lines_and_keeps_the_rest(tmp_path):
    project = project_with_versions(tmp_path)
    assert run_cli("set-image", "api", "1.0.1", "--env", "prod", cwd=project).returncode == 0
    text = (project / "platforms/versions.yaml").read_text()
    assert changed_lines(VERSIONS, text) == ["+      prod:", "+        image: 1.0.1"]
    assert run_cli("set-chart", "db", "19.7.0", "--env", "stg", "--no-compile", cwd=project).returncode == 0
    text2 = (project / "platforms/versions.yaml").read_text()
    assert changed_lines(text, text2) == ["+    envs:", "+      stg:", "+        chart: 19.7.0"]
    assert run_cli("compile", "--check", cwd=project).returncode == 1  # --no-compile left build stale


def test_a_forbidden_tag_is_refused_and_nothing_is_written(tmp_path):
    project = project_with_versions(tmp_path)
    before = snapshot(project)
    result = run_cli("set-image", "api", "latest", "--env", "prod", cwd=project)
    assert result.returncode == 1
    assert "error[GD301] api-prod: image ghcr.io/acme/api:latest is not pinned" in result.stderr
    assert "platforms/versions.yaml:" in result.stderr  # the diagnostic points at the pin
    assert snapshot(project) == before
    unknown = run_cli("set-image", "nope", "1.0.0", cwd=project)
    assert unknown.returncode == 2 and "no service 'nope'" in unknown.stderr   # a usage error


def test_promote_copies_pins_and_shows_the_change(tmp_path):
    project = project_with_versions(tmp_path)
    result = run_cli("promote", "api", "--from", "stg", "--to", "prod", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "api: image 1.1.0-rc.1 -> prod" in result.stdout
    assert 'values.image.tag: "1.0.0" -> "1.1.0-rc.1"' in result.stdout
    text = (project / "platforms/versions.yaml").read_text()
    assert changed_lines(VERSIONS, text) == ["+      prod:", "+        image: 1.1.0-rc.1"]
    again = run_cli("promote", "--all", "--from", "stg", "--to", "prod", cwd=project)
    assert "nothing to promote" in again.stdout
    assert run_cli("compile", "--check", cwd=project).returncode == 0


def test_unknown_entries_and_bad_values_are_diagnostics(tmp_path):
    project = make_project(tmp_path / "p", PINNED)
    (project / "platforms/versions.yaml").write_text(
        "services:\n  apii:\n    image: 1.0.0\n  api:\n    envs:\n      production:\n        image: x\n")
    result = run_cli("validate", cwd=project)
    assert "platforms/versions.yaml:2:1: error[GD413] versions file pins unknown service 'apii'" in \
        result.stderr.replace(":2:3:", ":2:1:")
    assert "unknown environment 'production'" in result.stderr and "did you mean 'prod'?" in result.stderr


def test_set_pin_edits_are_minimal():
    text = "services:\n  a:  # keep me\n    image: '1.0'\n\n  b:\n    chart: 1.0.0\n"
    out = set_pin(text, "a", "image", "2.0")
    assert out == "services:\n  a:  # keep me\n    image: \"2.0\"\n\n  b:\n    chart: 1.0.0\n"
    out = set_pin(text, "c", "image", "3.0.0")
    assert out.endswith("  b:\n    chart: 1.0.0\n  c:\n    image: 3.0.0\n")
    assert set_pin("services:\n", "a", "chart", "1.0.0") == "services:\n  a:\n    chart: 1.0.0\n"


def test_the_example_versions_file_matches_the_shipped_schema():
    schema = json.loads(run_cli("schema", "versions", cwd=REPO).stdout)
    data = yaml.safe_load((REPO / "platforms/versions.yaml").read_text())
    jsonschema.validate(data, schema)
    assert data["services"]["plate-api"]["image"]  # the example takes its tags from the file
    bad = {"services": {"api": {"image": "latest tag"}}}
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted an invalid tag")


def test_the_documented_renovate_regex_finds_every_annotated_pin():
    import re
    readme = (REPO / "docs" / "guides" / "versions.md").read_text()
    pattern = json.loads(readme.split("**Recipe: Renovate**")[1].split("```json")[1].split("```")[0])[
        "customManagers"][0]["matchStrings"][0]
    regex = re.compile(pattern.replace("(?<", "(?P<"))
    text = (REPO / "platforms/versions.yaml").read_text()
    data = yaml.safe_load(text)
    annotated = [line for line in text.splitlines() if "# renovate:" in line]
    # every chart pin carries its Renovate annotation
    assert len(annotated) == sum(1 for pins in data["services"].values() if "chart" in pins) == 9
    for line in annotated:
        match = regex.search(line)
        assert match, line
        service = next(s for s, pins in data["services"].items() if pins.get("chart") == match["currentValue"])
        assert match["datasource"] in ("helm", "docker") and match["depName"], service
        assert match["datasource"] != "helm" or match["registryUrl"].startswith("https://")
