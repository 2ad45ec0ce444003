"""A source's tool block as Argo CD keeps it: a block that sets nothing is dropped from the
Application by the controller on every refresh (argo-cd util/argo/argo.go `NormalizeSource`,
controller/appcontroller.go `normalizeApplication`), so the app-of-apps that applied it sees its
child differ for good (argoproj/argo-cd#4501: `directory: {recurse: false}`), and the source's
tool is discovered instead. gitops-dsl writes no such block, and refuses a folder Argo CD would
then discover as something other than what the platform says."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_dsl.argo.source_type import named_tools, sets_nothing
from tests.helpers import REPO, make_project, one_environment, run_cli

PLATFORM = one_environment('''
    Service("flat", project="app", chart=GitPath("k8s/flat", tool="directory", recurse=False)),
    Service("deep", project="app", chart=GitPath("k8s/deep", tool="directory")),
    Service("some", project="app",
            chart=GitPath("k8s/some", tool="directory", recurse=False, include="*.yaml")),
    Service("kust", project="app", chart=GitPath("k8s/kust", tool="kustomize")),
    Service("kust-empty", project="app", chart=GitPath("k8s/kust", tool="kustomize"),
            kustomize=KustomizeOptions()),
    Service("manual", project="app", image=Image("ghcr.io/acme/manual", "1.0.0"),
            sync=SyncPolicy(automated=False, retry=False)),
''')
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"


def _project(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "p", PLATFORM)
    for name in ("flat", "deep", "some", "kust"):
        (project / "k8s" / name).mkdir(parents=True)
        (project / "k8s" / name / "cm.yaml").write_text(CONFIG_MAP)
    (project / "k8s/kust/kustomization.yaml").write_text("resources: [cm.yaml]\n")
    return project


def _applications(build: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(build.rglob("*.yaml")):
        if "charts" in path.relative_to(build).parts:
            continue   # (templates)
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Application":
                found[doc["metadata"]["name"]] = doc
    return found


def _sources(app: dict) -> list[dict]:
    spec = app["spec"]
    return spec.get("sources") or [spec["source"]]


def test_no_block_that_sets_nothing_is_written(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr
    apps = _applications(project / "build")
    # plain manifests one level deep: no block, as Argo CD keeps it; discovered as a directory
    assert "directory" not in _sources(apps["flat-stg"])[0]
    assert _sources(apps["deep-stg"])[0]["directory"] == {"recurse": True}
    assert _sources(apps["some-stg"])[0]["directory"] == {"recurse": False, "include": "*.yaml"}
    assert "kustomize" not in _sources(apps["kust-stg"])[0]
    assert "kustomize" not in _sources(apps["kust-empty-stg"])[0]
    assert apps["manual-stg"]["spec"]["syncPolicy"] == {"syncOptions": ["CreateNamespace=true"]}
    for tree in (project / "build", REPO / "build"):
        for name, app in _applications(tree).items():
            for source in _sources(app):
                kept = named_tools(source)
                assert [t for t in ("helm", "kustomize", "directory", "plugin")
                        if t in source] == kept, (name, source)
            assert app["spec"].get("syncPolicy", None) != {}, name


def test_a_folder_argo_cd_would_discover_as_a_chart_fails_the_compile(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "k8s/flat/Chart.yaml").write_text("apiVersion: v2\nname: flat\nversion: 0.1.0\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1
    assert ("error[GD405] flat: GitPath 'k8s/flat' holds a Chart.yaml: as plain manifests with "
            "nothing set (recurse=False) its source names no tool") in run.stderr, run.stderr
    # said to be plain manifests (the block is kept), the folder is read as such
    (project / "platforms/demo.py").write_text(PLATFORM.replace(
        'GitPath("k8s/flat", tool="directory", recurse=False)',
        'GitPath("k8s/flat", tool="directory", recurse=False, include="*.yaml")'))
    assert "Chart.yaml" not in run_cli("compile", cwd=project).stderr


@pytest.mark.parametrize(("tool", "block", "nothing"), [
    # each block's IsZero (pkg/apis/application/v1alpha1/types.go), and what NormalizeSource keeps
    ("directory", {}, True),
    ("directory", {"recurse": False}, True),
    ("directory", {"recurse": False, "jsonnet": {}}, True),
    ("directory", {"recurse": True}, False),
    ("directory", {"include": "*.yaml"}, False),
    ("directory", {"exclude": "x*"}, False),
    ("directory", {"jsonnet": {"libs": ["vendor"]}}, False),
    ("kustomize", {}, True),
    ("kustomize", {"forceCommonLabels": True}, True),     # not among IsZero's fields
    ("kustomize", {"namePrefix": "a-"}, False),
    ("kustomize", {"images": ["nginx:1.27"]}, False),
    ("helm", {}, True),
    ("helm", {"releaseName": "shop"}, False),
    ("helm", {"valuesObject": {"a": 1}}, False),
    ("plugin", {}, False),                                # never normalized away
])
def test_what_sets_nothing_is_argo_cds_is_zero(tool: str, block: dict, nothing: bool) -> None:
    assert sets_nothing(tool, block) is nothing
    assert named_tools({"path": "x", tool: block}) == ([] if nothing else [tool])


def test_a_sync_policy_that_sets_nothing_is_not_written() -> None:
    """A `syncPolicy` with nothing in it is dropped the same way (util/argo/argo.go
    `NormalizeApplicationSpec`, `SyncPolicy.IsZero`; argoproj/argo-cd#19043)."""
    from gitops_dsl.model.sync import Retry, SyncOptions, SyncPolicy
    from gitops_dsl.render.apps import render_sync_policy
    assert render_sync_policy(SyncPolicy(automated=False, retry=False, options=SyncOptions())) is None
    assert render_sync_policy(SyncPolicy(automated=False, retry=Retry(limit=2))) is not None
