"""The standard chart rendered by a real Helm engine (helm-python-sdk), for each example service in
each environment, and `gitops-dsl manifests --check`."""
from __future__ import annotations

import pytest
import yaml

from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.charts.manifests import render_applications
from gitops_dsl.charts.validate import check_rendered, load_crds
from tests.helpers import MINIMAL, REPO, make_project, need_engine, run_cli, shared

need_engine()

STANDARD = ["plate-admin", "plate-api", "plate-llm", "plate-web", "plate-worker"]


@pytest.fixture(scope="module")
def rendered():
    result = compile_platforms(REPO / "platforms", root=REPO)
    files = {p: result.files[p] for p in result.files}
    return {r.app: r for r in render_applications(files, REPO)}, files


def objects(item, kind):
    return [o for _, o in item.objects if o["kind"] == kind]


def test_every_standard_chart_service_renders_in_every_environment(rendered):
    items, _ = rendered
    for service in STANDARD:
        for env in ("dev", "stg", "prod"):
            name = f"{service}-{env}"
            if service == "plate-llm" and env != "stg":
                assert name not in items
                continue
            item = items[name]
            assert item.error is None and item.skipped is None, (name, item.error)
            rollout = objects(item, "Rollout")[0]
            services = {s["metadata"]["name"]: s for s in objects(item, "Service")}
            strategy = rollout["spec"]["strategy"]["blueGreen"]
            # blue-green Services wired to the Rollout
            assert strategy["activeService"] == service and strategy["previewService"] == f"{service}-preview"
            assert set(services) == {service, f"{service}-preview"}
            selector = rollout["spec"]["selector"]["matchLabels"]
            for svc in services.values():
                assert svc["spec"]["selector"] == selector


def test_envfrom_names_what_the_configs_tree_defines(rendered):
    items, files = rendered
    item = items["plate-api-prod"]
    container = objects(item, "Rollout")[0]["spec"]["template"]["spec"]["containers"][0]
    refs = {list(e.values())[0]["name"] for e in container["envFrom"]}
    config = yaml.safe_load(files["configs/prod/plate-api/config.yaml"])["config"]
    secret = yaml.safe_load(files["configs/prod/plate-api/secrets.yaml"])["sealedSecret"]
    assert objects(item, "ConfigMap")[1 if len(objects(item, "ConfigMap")) > 1 else 0]
    configmap = next(c for c in objects(item, "ConfigMap") if c["metadata"]["name"] == "plate-api")
    assert configmap["data"] == config
    sealed = objects(item, "SealedSecret")[0]
    assert sealed["metadata"]["name"] == secret["name"] and sealed["spec"]["encryptedData"] == secret["encryptedData"]
    assert refs == {"plate-api", secret["name"], "app-env-secrets"}


def test_hpa_targets_the_rollout_which_leaves_replicas_out(rendered):
    items, _ = rendered
    prod = items["plate-web-prod"]
    hpa = objects(prod, "HorizontalPodAutoscaler")[0]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                                             "name": "plate-web"}
    assert "replicas" not in objects(prod, "Rollout")[0]["spec"]
    assert objects(items["plate-web-stg"], "Rollout")[0]["spec"]["replicas"] == 1
    assert objects(items["plate-web-stg"], "HorizontalPodAutoscaler") == []


def test_the_smoke_test_runs_against_the_preview_service(rendered):
    items, _ = rendered
    item = items["plate-api-prod"]
    template = objects(item, "AnalysisTemplate")[0]
    job = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]
    assert job["containers"][0]["image"].startswith("grafana/k6")
    strategy = objects(item, "Rollout")[0]["spec"]["strategy"]["blueGreen"]
    analysis = strategy["prePromotionAnalysis"]
    assert analysis["templates"] == [{"templateName": "plate-api-smoke"}]
    assert analysis["args"] == [{"name": "target", "value": "http://plate-api-preview.plate-prod.svc:80"}]
    assert "prePromotionAnalysis" not in objects(items["plate-api-dev"], "Rollout")[0]["spec"]["strategy"]["blueGreen"]


def test_checksum_changes_when_config_changes(tmp_path):
    def checksum(log_level):
        project = make_project(tmp_path / log_level, MINIMAL.replace('"info"', f'"{log_level}"'))
        result = compile_platforms(project / "platforms", root=project)
        files = {p: result.files[p] for p in result.files}
        item = next(r for r in render_applications(files, project) if r.app == "api-stg")
        return objects(item, "Rollout")[0]["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert checksum("info") != checksum("debug")


def test_rendered_objects_validate(rendered):
    items, _ = rendered
    crds = load_crds([shared("reference", "argo-rollouts-crds")])
    for item in items.values():
        if not item.skipped:
            assert check_rendered(item, crds) == [], item.app


def test_render_check_catches_schema_errors_but_leaves_namespaces_to_preflight(rendered):
    items, _ = rendered
    item = items["plate-api-prod"]
    crds = load_crds([shared("reference", "argo-rollouts-crds")])
    import attrs
    broken = [(t, {**o, "metadata": {**o["metadata"], "namespace": "elsewhere"}}) if o["kind"] == "Service"
              else (t, {**o, "spec": {**o["spec"], "strategyy": {}}}) if o["kind"] == "Rollout" else (t, o)
              for t, o in item.objects]
    problems = check_rendered(attrs.evolve(item, objects=tuple(broken)), crds)
    # another namespace is legal when the project admits it: preflight judges that (GD701)
    assert not any("elsewhere" in p for p in problems)
    assert any("strategyy" in p for p in problems)


def test_a_wrong_value_fails_at_compile_time_via_the_schema(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL.replace('{"replicaCount": 1}', '{"replicaCount": "1"}'))
    result = run_cli("compile", cwd=project)
    assert result.returncode == 1 and "error[GD416] api-prod: values.replicaCount: '1' is not of type 'integer'" \
        in result.stderr and "(1 more like it at this line: api-stg)" in result.stderr


def test_a_chart_error_names_the_chart_file(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL.replace(
        'Service("db", project="app", wave=first,\n                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'Service("db", project="app", wave=first, chart=GitPath("charts/broken")),'))
    chart = project / "charts" / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.x.y }\n")
    result = run_cli("manifests", "--check", cwd=project)
    assert result.returncode == 1
    assert "templates/cm.yaml" in result.stderr and ":4" in result.stderr


def test_render_cli_on_the_example(tmp_path):
    result = run_cli("manifests", "--check", "--crds", str(shared("reference", "argo-rollouts-crds")),
                     "--env", "prod", "--out", str(tmp_path / "out"), cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "skipped   plate-cache-prod: chart redis 19.6.0" in result.stdout
    assert (tmp_path / "out/internet/prod/plate-api-prod/rollout-plate-api.yaml").is_file()


def test_render_uses_the_clusters_kubernetes_version(tmp_path):
    source = MINIMAL.replace('Cluster("prod", "https://prod.example:6443")',
                             'Cluster("prod", "https://prod.example:6443", kube_version="1.30.4", '
                             'api_versions=["argoproj.io/v1alpha1/Rollout"])').replace(
        'Service("db", project="app", wave=first,\n                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'Service("db", project="app", wave=first, chart=GitPath("charts/cap")),')
    project = make_project(tmp_path / "p", source)
    chart = project / "charts" / "cap"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cap\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cap\ndata:\n'
        '  kube: "{{ .Capabilities.KubeVersion.Version }}"\n'
        "  rollouts: '{{ .Capabilities.APIVersions.Has \"argoproj.io/v1alpha1/Rollout\" }}'\n")
    result = compile_platforms(project / "platforms", root=project)
    files = {p: result.files[p] for p in result.files}
    app = yaml.safe_load(files["gitops/argo-apps/internet/apps/prod/app/db.yaml"])
    assert app["spec"]["sources"][0]["helm"]["kubeVersion"] == "1.30.4"
    items = {r.app: r for r in render_applications(files, project)}
    assert objects(items["db-prod"], "ConfigMap")[0]["data"] == {"kube": "v1.30.4", "rollouts": "true"}
    assert objects(items["db-stg"], "ConfigMap")[0]["data"]["rollouts"] == "false"


def test_a_chart_folder_at_another_revision_is_not_read_from_the_working_tree(tmp_path):
    """The working tree holds the chart at the branch; an Application that names the folder at a
    tag would render what is at that tag, which render cannot see: it says so instead."""
    source = MINIMAL.replace(
        'Service("db", project="app", wave=first,\n                '
        'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
        'Service("db", project="app", wave=first, chart=GitPath("charts/db", revision="v1.2.0")),'
        '\n        Service("cache", project="app", wave=first, chart=GitPath("charts/db")),')
    project = make_project(tmp_path / "p", source)
    (project / "charts/db/templates").mkdir(parents=True)
    (project / "charts/db/Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 1.0.0\n")
    (project / "charts/db/templates/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    run = run_cli("manifests", "--env", "stg", cwd=project)
    assert run.returncode == 0, run.stderr
    assert ("skipped   db-stg: charts/db at 'v1.2.0' of https://example.com/acme/gitops.git: not "
            "rendered (this working tree is another repository or revision)") in run.stdout
    assert "rendered  cache-stg: 1 objects" in run.stdout


def test_the_default_smoke_test_fails_the_analysis_when_a_check_fails(rendered):
    """k6 exits 0 on failed checks unless a threshold fails: the script must carry one, and the
    Job and metric must turn that exit code into a failed AnalysisRun."""
    items, _ = rendered
    item = items["plate-api-prod"]
    script = next(o for o in objects(item, "ConfigMap") if o["metadata"]["name"] == "plate-api-smoke")
    text = script["data"]["smoke.js"]
    assert "check(res" in text
    assert 'export const options = { thresholds: { checks: ["rate==1.0"] } };' in text
    metric = objects(item, "AnalysisTemplate")[0]["spec"]["metrics"][0]
    assert metric["failureLimit"] == 0 and metric["count"] == 1
    assert metric["provider"]["job"]["spec"]["backoffLimit"] == 0


def test_a_second_manifests_run_reads_the_rendered_cache(tmp_path):
    """`manifests` shares preflight's cache of rendered manifests by input key: on an unchanged
    platform the second run does not need the Helm engine at all (here: it is made to fail)."""
    project = make_project(tmp_path / "p")
    first = run_cli("manifests", "--env", "stg", cwd=project)
    assert first.returncode == 0, first.stderr
    assert any((project / ".gitops-dsl/rendered").iterdir())
    broken = tmp_path / "broken"
    (broken / "helm_python").mkdir(parents=True)
    (broken / "helm_python/__init__.py").write_text("raise ImportError('no Helm engine here')\n")
    second = run_cli("manifests", "--env", "stg", cwd=project, env={"PYTHONPATH": str(broken)})
    assert second.returncode == 0, second.stderr
    assert [line for line in second.stdout.splitlines() if line.startswith("rendered")] == \
        [line for line in first.stdout.splitlines() if line.startswith("rendered")]
    uncached = run_cli("manifests", "--env", "prod", cwd=project, env={"PYTHONPATH": str(broken)})
    assert uncached.returncode != 0 and "Helm engine" in (uncached.stderr + uncached.stdout)


def test_an_edited_render_is_never_judged(tmp_path):
    """A kept render is read back only when this user's gitops-dsl kept it (see `bound`): an
    entry changed by anyone else - here a Deployment's image swapped in every kept render - is a
    miss, and what `manifests` writes is the Helm engine's render again."""
    project = make_project(tmp_path / "p")
    first = run_cli("manifests", "--env", "stg", "--out", "m1", cwd=project)
    assert first.returncode == 0, first.stderr
    rendered = sorted((project / ".gitops-dsl/rendered").glob("pack-*"))
    assert rendered
    edited = 0
    for path in rendered:
        data = path.read_bytes()
        if b"ghcr.io/acme/api:1.0.0" in data:
            path.write_bytes(data.replace(b"ghcr.io/acme/api:1.0.0", b"evil.example/api:1.0.0"))
            edited += 1
    assert edited
    second = run_cli("manifests", "--env", "stg", "--out", "m2", cwd=project)
    assert second.returncode == 0, second.stderr
    first_tree = {p.relative_to(project / "m1"): p.read_bytes()
                  for p in (project / "m1").rglob("*") if p.is_file()}
    second_tree = {p.relative_to(project / "m2"): p.read_bytes()
                   for p in (project / "m2").rglob("*") if p.is_file()}
    assert first_tree == second_tree
    assert b"evil.example" not in b"".join(second_tree.values())
