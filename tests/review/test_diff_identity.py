"""`diff` pairs Applications as Argo CD does - by instance, namespace and name, not by file - and
says what Argo CD will do with each: rename (delete + create), release rename, moves, AppProject
changes that block syncs, roots and zone apps. Run through the CLI, on real compiled trees."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import attrs

from gitops_dsl.api import compile_platforms, renames
from gitops_dsl.emit.yaml import load
from gitops_dsl.review.diff import diff_trees
from tests.helpers import MINIMAL, run_cli
from tests.review.test_diff import change, committed_project
from tests.strategies import platforms


def _repo(tmp_path: Path, source: str = MINIMAL) -> Path:
    return committed_project(tmp_path / "repo", source)


def _json(project: Path, *args: str) -> dict:
    result = run_cli("diff", "--format", "json", *args, cwd=project)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_new_application_name_is_a_delete_and_a_create_even_with_one_environment_per_zone(tmp_path):
    # MINIMAL has one environment per zone: only the names change, nothing else does
    project = _repo(tmp_path)
    change(project, 'Service("api", project="app"', 'Service("api", app_name="{env}-{service}", project="app"')
    text = run_cli("diff", cwd=project)
    assert text.stdout != "no changes\n"
    assert "  > api-prod renamed to prod-api: delete + create" in text.stdout
    assert run_cli("diff", "--exit-code", cwd=project).returncode == 1
    data = _json(project)
    renamed = {(c["old_app"], c["app"]) for c in data["changes"] if c["kind"] == "renamed"}
    assert renamed == {("api-stg", "stg-api"), ("api-prod", "prod-api")}
    assert all("deletes its workloads" in c["note"] for c in data["changes"])
    md = run_cli("diff", "--format", "markdown", cwd=project).stdout
    assert "**Renames that delete workloads:**" in md
    assert "- **api-prod → prod-api** (internet/prod)" in md


def test_the_same_name_in_another_file_is_the_same_application(tmp_path):
    # the service is renamed, its Application keeps its name: Argo CD sees one changed app
    project = _repo(tmp_path)
    change(project, 'Service("api", project="app"', 'Service("web", app_name="api-{env}", project="app"')
    data = _json(project)
    kinds = {(c["kind"], c["app"]) for c in data["changes"]}
    assert kinds == {("changed", "api-stg"), ("changed", "api-prod")}, kinds


def test_a_release_rename_a_namespace_move_and_a_project_move_say_what_argo_cd_does(tmp_path):
    source = MINIMAL.replace('projects=[Project("app")]', 'projects=[Project("app"), Project("other")]')
    project = _repo(tmp_path, source)
    change(project, 'Service("db", project="app", wave=first,',
           'Service("db", project="other", wave=first, release_name="cache", namespace="data",')
    data = _json(project, "--env", "prod")
    (db,) = [c for c in data["changes"] if c["app"] == "db-prod"]
    assert db["kind"] == "changed"
    assert "Helm release renamed (db -> cache): workloads re-created" in db["note"]
    assert "Argo CD prunes the old release's objects" in db["note"]
    assert "moved to another project: app -> other" in db["note"]
    assert "moved to another namespace: demo-prod -> data" in db["note"]


def _trees(tmp_path: Path) -> tuple[Path, Path]:
    """The committed build/ and an edited copy of it (what a hand-made or older tree holds)."""
    project = _repo(tmp_path)
    edited = tmp_path / "edited"
    shutil.copytree(project / "build", edited)
    return project / "build", edited


def _tree_diff(build: Path, edited: Path, *args: str):
    """`diff` of the edited tree against the committed one, as a repository without platform
    files would run it."""
    return run_cli("diff", "--tree", str(edited), "--against-tree", str(build), *args,
                   cwd=edited.parent)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, text)
    path.write_text(text.replace(old, new))


def test_a_project_that_drops_a_destination_blocks_the_applications_that_need_it(tmp_path):
    build, edited = _trees(tmp_path)
    _edit(edited / "gitops/argo-apps/internet/projects/app.yaml",
          "  - server: https://prod.example:6443\n    namespace: demo-prod\n", "")
    result = _tree_diff(build, edited, "--exit-code")
    assert result.returncode == 1
    assert "project app changed (zone internet)" in result.stdout
    assert "BLOCKS api-prod: destination https://prod.example:6443 namespace demo-prod is not " \
           "among the project's destinations" in result.stdout
    data = json.loads(_tree_diff(build, edited, "--format", "json").stdout)
    (app,) = data["projects"]
    assert {"path": "destinations", "old": {"server": "https://prod.example:6443",
                                            "namespace": "demo-prod"}, "new": None} in app["fields"]
    assert sorted(b.split(":")[0] for b in app["blockers"]) == ["api-prod", "db-prod"]


def test_a_removed_source_repository_blocks_too_and_a_deny_entry_is_read_as_argo_cd_does(tmp_path):
    build, edited = _trees(tmp_path)
    _edit(edited / "gitops/argo-apps/internal/projects/app.yaml",
          "  - registry-1.docker.io/bitnamicharts\n", "  - '!registry-1.docker.io/bitnamicharts'\n")
    out = _tree_diff(build, edited).stdout
    assert "BLOCKS db-stg: source registry-1.docker.io/bitnamicharts is not in the project's " \
           "sourceRepos" in out
    assert "BLOCKS api-stg" not in out      # the gitops repository is still admitted


def test_a_renamed_root_deletes_the_environment_through_its_finalizer(tmp_path):
    build, edited = _trees(tmp_path)
    _edit(edited / "gitops/argo-apps/internal/roots/stg.yaml", "name: demo-root-stg", "name: stg-root")
    out = _tree_diff(build, edited).stdout
    assert "  > demo-root-stg (root) renamed to stg-root: delete + create" in out
    assert "deletes every Application of the environment" in out


def test_an_application_change_the_view_does_not_model_still_shows(tmp_path):
    build, edited = _trees(tmp_path)
    _edit(edited / "gitops/argo-apps/internet/apps/prod/app/api.yaml",
          "  revisionHistoryLimit:", "  info:\n  - name: Team\n    value: payments\n  revisionHistoryLimit:")
    result = _tree_diff(build, edited, "--exit-code")
    assert result.returncode == 1
    assert "  ~ api-prod" in result.stdout and "manifest.spec.info" in result.stdout


# ---------------------------------------------------------------- property


def _identities(files) -> dict[tuple[str, str, str], str]:
    """Argo CD identity -> file, for every Application of a compiled tree."""
    out = {}
    for path, data in files.items():
        if not path.endswith(".yaml") or not (path.startswith("gitops/argo-apps/")
                                              or path.endswith("/zone.yaml")):
            continue
        doc = load(data)
        if isinstance(doc, dict) and doc.get("kind") == "Application":
            zone = path.split("/")[2]
            out[(zone, doc["metadata"].get("namespace", "argocd"), doc["metadata"]["name"])] = path
    return out


@st.composite
def renamed(draw, platform):
    """The platform with some services' Application names or release names changed."""
    services = []
    for service in platform.services:
        how = draw(st.integers(0, 3))
        if how == 1:
            service = attrs.evolve(service, app_name="{env}-{service}")
        elif how == 2:
            service = attrs.evolve(service, release_name=f"r-{service.name}")
        services.append(service)
    return attrs.evolve(platform, services=services)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_every_application_that_comes_or_goes_is_in_the_diff_with_its_action(data):
    before = data.draw(platforms(max_services=4))
    after = data.draw(st.one_of(renamed(before), platforms(max_services=4)))
    old_result, new_result = compile_platforms([before]), compile_platforms([after])
    assert old_result.ok and new_result.ok
    old, new = dict(old_result.files), dict(new_result.files)
    diff = diff_trees(old, new, renames=renames(new_result))
    report = json.loads(json.dumps(diff.as_json()))
    gone = {c["old_app"] if c["kind"] == "renamed" else c["app"]: c["kind"]
            for c in report["changes"] if c["kind"] in ("removed", "renamed")}
    came = {c["app"]: c["kind"] for c in report["changes"] if c["kind"] in ("added", "renamed")}
    envs = {(e["zone"], e["env"], e["kind"]) for e in report["environments"]}
    old_ids, new_ids = _identities(old), _identities(new)
    for identity in old_ids.keys() - new_ids.keys():
        root = old_ids[identity].split("/")
        if root[3] == "roots" and (root[2], root[4][:-5], "removed") in envs:
            continue
        assert identity[2] in gone, (identity, report)
    for identity in new_ids.keys() - old_ids.keys():
        root = new_ids[identity].split("/")
        if root[3] == "roots" and (root[2], root[4][:-5], "added") in envs:
            continue
        assert identity[2] in came, (identity, report)
    for identity in old_ids.keys() & new_ids.keys():   # the same Application is never re-made
        assert identity[2] not in came or came[identity[2]] not in ("added",), identity
    differs = any(old.get(p) != new.get(p) for p in set(old) | set(new))
    assert diff.empty is not differs
