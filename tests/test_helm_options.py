"""HelmOptions: the `helm:` fields Argo CD has beyond value files - written with Argo CD's
spelling, layered from Service to Overlay, applied by `manifests` the way the repo server
passes them to Helm, imported from hand-written trees and compared by the round trip."""
from __future__ import annotations

import yaml

from gitops_dsl.api import compile as compile_platforms
from tests.argo_schema import problems
from tests.helpers import MINIMAL, empty_project, make_project, need_engine, run_cli

WITH_OPTIONS = MINIMAL.replace(
    'values={"replicaCount": 1},',
    'values={"replicaCount": 1},\n'
    '                helm=HelmOptions(parameters=[HelmParameter("image.pullPolicy", "Always"),\n'
    '                                             HelmParameter("podAnnotations.build", "0123",\n'
    '                                                           force_string=True)],\n'
    '                                 pass_credentials=True, skip_tests=True),',
).replace(
    'per_env={"prod": Overlay(values={"replicaCount": 3})}',
    'per_env={"prod": Overlay(values={"replicaCount": 3}, helm=HelmOptions(\n'
    '                    parameters=[HelmParameter("image.pullPolicy", "IfNotPresent")],\n'
    '                    pass_credentials=False))}')


def application(project, env: str, service: str = "api") -> dict:
    path = next((project / "build/gitops/argo-apps").glob(f"*/apps/{env}/*/{service}.yaml"))
    return yaml.safe_load(path.read_text())


def test_options_are_written_with_argo_cds_spelling_and_layered_per_environment(tmp_path):
    project = make_project(tmp_path / "p", WITH_OPTIONS)
    assert run_cli("compile", cwd=project).returncode == 0
    stg = application(project, "stg")["spec"]["sources"][0]["helm"]
    prod = application(project, "prod")["spec"]["sources"][0]["helm"]
    assert stg["parameters"] == [{"name": "image.pullPolicy", "value": "Always"},
                                 {"name": "podAnnotations.build", "value": "0123", "forceString": True}]
    assert stg["passCredentials"] is True and stg["skipTests"] is True
    # the overlay's parameter replaces the service's of the same name; the others stay
    assert prod["parameters"] == [{"name": "podAnnotations.build", "value": "0123", "forceString": True},
                                  {"name": "image.pullPolicy", "value": "IfNotPresent"}]
    assert prod["passCredentials"] is False and prod["skipTests"] is True
    for env in ("stg", "prod"):
        assert problems(application(project, env)) == []


def test_manifests_applies_parameters_as_helm_does(tmp_path):
    """`--set` types the value (true, numbers), `--set-string` keeps it a string, parameters win
    over every values file - Helm's own parser, as Argo CD's repo server calls it."""
    need_engine()
    project = make_project(tmp_path / "p", WITH_OPTIONS)
    result = compile_platforms(project / "platforms", root=project)
    assert result.ok
    from gitops_dsl.charts.manifests import render_applications
    files = {p: result.files[p] for p in result.files}
    rendered = {r.app: r for r in render_applications(files, project)}
    for app, policy in (("api-stg", "Always"), ("api-prod", "IfNotPresent")):
        objects = [o for _, o in rendered[app].objects if o["kind"] in ("Deployment", "Rollout")]
        assert objects, rendered[app]
        pod = objects[0]["spec"]["template"]
        assert {c["imagePullPolicy"] for c in pod["spec"]["containers"]} == {policy}
        assert pod["metadata"]["annotations"]["build"] == "0123"   # not the number 123


def test_options_on_a_folder_argo_cd_does_not_render_with_helm_are_an_error(tmp_path):
    source = MINIMAL.replace(
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'chart=GitPath("k8s/db", tool="directory"),\n'
        '                helm=HelmOptions(parameters=[HelmParameter("a", "1")])),')
    project = make_project(tmp_path / "p", source)
    (project / "k8s/db").mkdir(parents=True)
    (project / "k8s/db/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n")
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "error[GD123]" in run.stderr and "demo.py:13" in run.stderr


TREE = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-{env}
  namespace: argocd
spec:
  project: app
  source:
    repoURL: https://charts.example.com
    chart: web
    targetRevision: 2.0.0
    helm:
      version: v3
      valuesObject:
        replicaCount: 3
      passCredentials: true
      ignoreMissingValueFiles: {missing}
      parameters:
        - name: image.tag
          value: "{tag}"
          forceString: true
        - name: replicas
          value: "2"
      fileParameters:
        - name: config
          path: files/config.json
  destination:
    server: https://{env}.example:6443
    namespace: web
"""


def test_imported_options_are_kept_and_round_trip(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "web-stg.yaml").write_text(TREE.format(env="stg", tag="1.0", missing="true"))
    (tree / "web-prod.yaml").write_text(TREE.format(env="prod", tag="0.9", missing="false"))
    project = tmp_path / "p"
    empty_project(project)
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip",
                  cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 difference(s)" in run.stdout and "not modelled" not in run.stderr
    source = (project / "platforms/legacy.py").read_text()
    assert "HelmParameter('image.tag', '0.9', force_string=True)" in source
    assert "HelmFileParameter('config', 'files/config.json')" in source
    assert run_cli("compile", cwd=project).returncode == 0
    spec = application(project, "prod", "web")["spec"]
    helm = (spec.get("source") or spec["sources"][0])["helm"]   # the tree's single-source form
    assert helm["passCredentials"] is True and helm["ignoreMissingValueFiles"] is False
    assert helm["fileParameters"] == [{"name": "config", "path": "files/config.json"}]
    assert {"name": "image.tag", "value": "0.9", "forceString": True} in helm["parameters"]
    assert helm["version"] == "v3" and helm["valuesObject"] == {"replicaCount": 3}
    assert "values_object={'replicaCount': 3}" in source


def test_parameters_are_substituted_as_the_repo_server_does(tmp_path):
    """reposerver/repository/repository.go helmTemplate runs every parameter value through
    Env.Envsubst (Go's os.Expand): a build variable becomes its value, `$$` a literal `$`, an
    unknown name nothing. Compile warns about the `$` that Argo CD substitutes away (GD125)."""
    need_engine()
    source = MINIMAL.replace(
        'values={"replicaCount": 1},',
        'values={"replicaCount": 1},\n'
        '                helm=HelmOptions(parameters=[\n'
        '                    HelmParameter("podAnnotations.app", "$ARGOCD_APP_NAME/${ARGOCD_APP_NAMESPACE}"),\n'
        '                    HelmParameter("podAnnotations.cost", "$$5", force_string=True),\n'
        '                    HelmParameter("podAnnotations.price", "5$USD", force_string=True)]),')
    project = make_project(tmp_path / "p", source)
    result = compile_platforms(project / "platforms", root=project)
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.code == "GD125"][:1]
    assert "parameter podAnnotations.price holds $USD" in warning.message
    assert {d.subject for d in result.diagnostics if d.code == "GD125"} == {"api-stg", "api-prod"}
    from gitops_dsl.charts.manifests import render_applications
    rendered = {r.app: r for r in render_applications(dict(result.files), project)}
    app = rendered["api-stg"]
    assert app.error is None and app.skipped is None, app
    [pod] = [o["spec"]["template"]["metadata"] for _, o in app.objects
             if o["kind"] in ("Deployment", "Rollout")]
    namespace = app.namespace
    assert pod["annotations"]["app"] == f"api-stg/{namespace}"
    assert pod["annotations"]["cost"] == "$5"
    assert pod["annotations"]["price"] == "5"


def test_the_standard_chart_runs_a_plain_deployment_where_asked(tmp_path):
    """`values={"workload": "Deployment"}`: a Deployment with RollingUpdate instead of an Argo
    Rollouts Rollout, so the Rollouts controller is not needed (no preview Service, no
    AnalysisTemplate, the HPA scales the Deployment); any other workload is refused (GD416)."""
    need_engine()
    from gitops_dsl.charts.manifests import render_applications
    from gitops_dsl.preflight import run_preflight
    source = MINIMAL.replace('values={"replicaCount": 1},',
                             'values={"replicaCount": 1, "workload": "Deployment",\n'
                             '                        "autoscaling": {"enabled": True}},')
    project = make_project(tmp_path / "p", source)
    result = compile_platforms(project / "platforms", root=project)
    assert result.ok, [d.format() for d in result.diagnostics]
    rendered = {r.app: r for r in render_applications(dict(result.files), project)}
    objects = {(o["kind"], o["metadata"]["name"]): o for _, o in rendered["api-stg"].objects}
    assert sorted(objects) == [("ConfigMap", "api"), ("Deployment", "api"),
                               ("HorizontalPodAutoscaler", "api"), ("Service", "api")]
    deployment = objects[("Deployment", "api")]
    assert deployment["apiVersion"] == "apps/v1" and deployment["spec"]["strategy"] == {"type": "RollingUpdate"}
    assert objects[("HorizontalPodAutoscaler", "api")]["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    # no Argo Rollouts kind anywhere, so preflight needs no Rollouts CRD for it
    plan = run_preflight(result, project)
    assert not [d for d in plan.diagnostics if d.code == "GD702" and d.subject.startswith("api-")]
    wrong = make_project(tmp_path / "q", source.replace('"Deployment"', '"StatefulSet"'))
    codes = [d.code for d in compile_platforms(wrong / "platforms", root=wrong).diagnostics]
    assert "GD416" in codes


CHART_FOLDER = MINIMAL.replace(
    'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
    'chart=GitPath("charts/db", value_files=["values-{env}.yaml"]),  # chart\n'
    '                per_env={"prod": Overlay(values={"size": "large"})}),')


def _chart_folder(project, envs=("stg", "prod")):
    chart = project / "charts" / "db"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("size: small\nreplicas: 1\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n"
        "  size: {{ .Values.size | quote }}\n  replicas: {{ .Values.replicas | quote }}\n")
    for env in envs:
        (chart / f"values-{env}.yaml").write_text(f"replicas: {3 if env == 'prod' else 2}\nsize: file\n")


def test_a_chart_folders_own_value_files_are_read_per_environment(tmp_path):
    """GitPath(value_files=["values-{env}.yaml"]): the chart folder's own file of each environment
    comes first in helm.valueFiles (relative to the folder, as Argo CD reads it), gitops-dsl's
    values after it; `manifests` renders them in that order."""
    need_engine()
    project = make_project(tmp_path / "p", CHART_FOLDER)
    _chart_folder(project)
    assert run_cli("compile", cwd=project).returncode == 0
    helm = application(project, "prod", "db")["spec"]["sources"][0]["helm"]
    assert helm["valueFiles"][0] == "values-prod.yaml"
    assert all(f.startswith("$values/") for f in helm["valueFiles"][1:])
    from gitops_dsl.charts.manifests import render_applications
    result = compile_platforms(project / "platforms", root=project)
    rendered = {r.app: r for r in render_applications(dict(result.files), project)}
    data = {a: next(o for _, o in r.objects if o["kind"] == "ConfigMap")["data"]
            for a, r in rendered.items() if a.startswith("db-")}
    # the environment's file over the chart's defaults; the platform's values over the file
    assert data == {"db-stg": {"size": "file", "replicas": "2"},
                    "db-prod": {"size": "large", "replicas": "3"}}


def test_a_missing_chart_folder_value_file_is_an_error_unless_allowed(tmp_path):
    project = make_project(tmp_path / "p", CHART_FOLDER)
    _chart_folder(project, envs=("stg",))
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1 and "error[GD405] db-prod: value file 'values-prod.yaml'" in run.stderr
    line = next(i for i, text in enumerate((project / "platforms/demo.py").read_text().splitlines(), 1)
                if "# chart" in text)
    assert f"demo.py:{line}:" in run.stderr   # the GitPath's line
    allowed = make_project(tmp_path / "q", CHART_FOLDER.replace(
        'value_files=["values-{env}.yaml"]),', 'value_files=["values-{env}.yaml"]),\n'
        '                helm=HelmOptions(ignore_missing_value_files=True),'))
    _chart_folder(allowed, envs=("stg",))
    assert run_cli("compile", cwd=allowed).returncode == 0


def test_a_chart_folder_value_file_that_is_not_a_regular_file_is_an_error_not_a_hang(tmp_path):
    """A FIFO where values-prod.yaml should be: the render says so and goes on (the read never
    blocks: gitops_dsl.untrusted). Helm itself refuses to load a chart folder holding one, so
    every environment of the chart fails to render, each saying why."""
    import os
    need_engine()
    from gitops_dsl.charts.manifests import render_applications
    project = make_project(tmp_path / "p", CHART_FOLDER)
    _chart_folder(project, envs=("stg",))
    os.mkfifo(project / "charts" / "db" / "values-prod.yaml")
    result = compile_platforms(project / "platforms", root=project, severity={"GD405": "off"})
    assert result.ok
    rendered = {r.app: r for r in render_applications(dict(result.files), project)}
    for app in ("db-prod", "db-stg"):
        assert rendered[app].error and "values-prod.yaml" in rendered[app].error, rendered[app]
