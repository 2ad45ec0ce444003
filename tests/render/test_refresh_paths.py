"""`argocd.argoproj.io/manifest-generate-paths` lists every input of an Application in the gitops
repository, or is not written at all: a path list that misses an input makes Argo CD reuse stale
manifests (argocd-facts 16 and 19)."""
from __future__ import annotations

import posixpath
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_dsl.api import compile as compile_platforms
from tests.helpers import make_project, scaled

PLATFORM = '''
from gitops_dsl import *

gitops = Repo("https://example.com/acme/gitops.git")
stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
platform = Platform("demo", gitops_repo=gitops, environments=[stg], projects=[Project("app")],
                    services=[Service("x", project="app", {image}chart={chart}{extra})]{platform_extra})
'''
KEY = "argocd.argoproj.io/manifest-generate-paths"


def compiled_paths(tmp_path, chart: str, files: dict[str, str], extra: str = "",
                   platform_extra: str = "", image: str = "image=None, "):
    project = make_project(tmp_path / "p", PLATFORM.format(chart=chart, extra=extra, image=image,
                                                           platform_extra=platform_extra))
    for rel, text in files.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    result = compile_platforms(project / "platforms", root=project)
    assert result.ok, [d.format() for d in result.diagnostics]
    app = result.tree["gitops/argo-apps/internal/apps/stg/app/x.yaml"].data
    value = app["metadata"].get("annotations", {}).get(KEY)
    return None if value is None else value.split(";")


CHART = {"charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
         "charts/x/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"}


def test_a_chart_folder_named_with_the_gitops_repo_explicitly_is_listed(tmp_path):
    paths = compiled_paths(tmp_path, 'GitPath("charts/x", repo=gitops)', CHART,
                           extra=', values={"a": 1}')
    assert paths == ["/build/gitops/values/x/values.yaml", "/charts/x"]


def test_helm_file_dependencies_are_listed(tmp_path):
    files = {**CHART, "charts/x/Chart.yaml": (
        "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n"
        "- name: lib\n  version: 0.1.0\n  repository: file://../../libs/lib\n"
        "- name: redis\n  version: 19.6.0\n  repository: oci://registry-1.docker.io/bitnamicharts\n"),
        "libs/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n"}
    assert compiled_paths(tmp_path, 'GitPath("charts/x")', files) == ["/charts/x", "/libs/lib"]


def test_kustomize_bases_components_and_outside_patches_are_listed(tmp_path):
    files = {
        "k8s/overlays/stg/kustomization.yaml": """\
            resources: [../../base, extra.yaml]
            components: [../../../components/monitoring]
            patches:
            - path: ../../../patches/replicas.yaml
            configMapGenerator:
            - name: settings
              files: [conf=../../../shared/app.conf]
            """,
        "k8s/overlays/stg/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e}\n",
        "k8s/base/kustomization.yaml": "resources: [deploy.yaml, ../common]\n",
        "k8s/base/deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n",
        "k8s/common/kustomization.yaml": "resources: [ns.yaml]\n",
        "k8s/common/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n",
        "components/monitoring/kustomization.yaml": "kind: Component\n",
        "patches/replicas.yaml": "- op: add\n",
        "shared/app.conf": "a=1\n",
    }
    paths = compiled_paths(tmp_path, 'GitPath("k8s/overlays/stg", tool="kustomize")', files)
    assert paths == ["/components/monitoring", "/k8s/base", "/k8s/common", "/k8s/overlays/stg",
                     "/patches/replicas.yaml", "/shared/app.conf"]


def test_inputs_that_cannot_be_listed_leave_the_annotation_out(tmp_path):
    remote = {"k8s/app/kustomization.yaml":
              "resources:\n- https://github.com/acme/base//k8s?ref=v1\n"}
    assert compiled_paths(tmp_path / "a", 'GitPath("k8s/app", tool="kustomize")', remote) is None
    other = 'GitPath("charts/x", repo=Repo("https://example.com/acme/charts.git"))'
    assert compiled_paths(tmp_path / "b", other, {}, extra=', values={"a": 1}') is None
    # the standard chart reading a configs tree published to another repository
    configs = ', configs_repo=Repo("https://example.com/acme/configs.git")'
    assert compiled_paths(tmp_path / "c", "None", {}, extra=', config={"A": "1"}',
                          image='image=Image("ghcr.io/a/x", "1"), ', platform_extra=configs) is None


def covered(path: str, listed: list[str]) -> bool:
    path = "/" + path
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in listed)


# A random Kustomize layout, described independently of the compiler: folders with a
# kustomization that reaches other folders (resources/components) and files (patches), each
# folder holding a manifest. The model's answer - every file under every reachable folder and
# every reachable file - is what the annotation must cover.
folder_names = st.sampled_from(["a", "b", "c", "d", "e", "f"])


@st.composite
def layouts(draw):
    folders = draw(st.lists(folder_names, min_size=1, max_size=6, unique=True))
    nested = {f: draw(st.sampled_from(["k8s", "k8s/overlays", "shared", "k8s/base"])) + "/" + f
              for f in folders}
    edges = {f: draw(st.lists(st.sampled_from(folders), max_size=3, unique=True)) for f in folders}
    patches = {f: draw(st.lists(st.sampled_from(folders), max_size=2, unique=True)) for f in folders}
    return folders[0], nested, edges, patches


@settings(max_examples=scaled(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts())
def test_every_file_that_can_change_the_output_is_listed(tmp_path_factory, layout):
    start, nested, edges, patches = layout
    files = {}
    for folder, path in nested.items():
        kustomization = {"resources": ["manifest.yaml"] + [
            posixpath.relpath(nested[t], path) for t in edges[folder] if t != folder],
            "patches": [{"path": posixpath.relpath(f"patches/{t}.yaml", path)} for t in patches[folder]]}
        import yaml
        files[f"{path}/kustomization.yaml"] = yaml.safe_dump(kustomization)
        files[f"{path}/manifest.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {folder}}}\n"
        for t in patches[folder]:
            files[f"patches/{t}.yaml"] = "- op: add\n"
    # the model: folders reachable from the start, and the patch files they name
    reach, todo = set(), [start]
    while todo:
        folder = todo.pop()
        if folder not in reach:
            reach.add(folder)
            todo.extend(edges[folder])
    inputs = {p for p in files if any(p.startswith(nested[f] + "/") for f in reach)}
    inputs |= {f"patches/{t}.yaml" for f in reach for t in patches[f]}
    listed = compiled_paths(tmp_path_factory.mktemp("k"), f'GitPath("{nested[start]}", '
                            'tool="kustomize")', files)
    assert listed is not None
    missing = [p for p in sorted(inputs) if not covered(p, listed)]
    assert not missing, (missing, listed)
    # and nothing unreachable is listed (a folder that is not an input would only cost refreshes,
    # but the list says what the Application reads)
    unreachable = [p for p in files if p not in inputs]
    assert not any(covered(p, listed) for p in unreachable
                   if not any(nested[f] + "/" in "/" + p for f in reach)), (unreachable, listed)
