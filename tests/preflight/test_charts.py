"""External charts offline: `charts pull` from a real Helm repository on 127.0.0.1, then render
and preflight with no network; and every way the lock or cache can be wrong."""
from __future__ import annotations

import hashlib
import json
import textwrap

import pytest
import yaml

from tests.helpers import need_engine, run_cli, snapshot
from tests.preflight.helpers import build_chart, crd, helm_repository, manifest, write_project

need_engine()

WIDGET_CRD = crd("acme.io", "Widget")
SERVICES = '''
Service("widgets", project=app, wave=first, chart=HelmChart("{url}", "widgets", "1.0.0")),
Service("web", project=app, wave=second, chart=HelmChart("{url}", "webapp", "2.0.0"),  # web
        values={{"replicas": 2}}),
Service("api", project=app, wave=second, image=Image("ghcr.io/acme/api", "1.0.0")),
'''
# the standard chart's Argo Rollouts kinds: installed on these clusters outside the platform
CLUSTER = (', kinds=[ClusterKind("argoproj.io/v1alpha1", "Rollout"), '
           'ClusterKind("argoproj.io/v1alpha1", "AnalysisTemplate")]')


def charts(folder):
    widgets = build_chart(folder, "widgets", "1.0.0", {"cm.yaml": manifest("v1", "ConfigMap", "w")},
                          crds={"widget.yaml": WIDGET_CRD})
    webapp = build_chart(folder, "webapp", "2.0.0", {
        "widget.yaml": "apiVersion: acme.io/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}\n",
        "deploy.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
                        "data:\n  replicas: {{ .Values.replicas | quote }}\n")})
    return [widgets, webapp]


@pytest.fixture
def pulled(tmp_path):
    """A project whose two external charts were pulled from a local repository, which is then
    gone: everything after this runs with no network."""
    with helm_repository(tmp_path / "repo", charts(tmp_path / "src")) as url:
        project = write_project(tmp_path / "p", SERVICES.format(url=url), {}, cluster=CLUSTER)
        run = run_cli("charts", "pull", cwd=project)
        assert run.returncode == 0, run.stderr
    return project, url, tmp_path / "repo"


def test_pull_locks_and_caches_then_render_and_preflight_work_offline(pulled):
    project, url, repo = pulled
    lock = (project / "platforms/charts.lock").read_text()
    for name, version in (("widgets", "1.0.0"), ("webapp", "2.0.0")):
        archive = (repo / f"{name}-{version}.tgz").read_bytes()
        digest = "sha256:" + hashlib.sha256(archive).hexdigest()
        assert f"- repository: {url}\n  name: {name}\n  version: {version}\n  digest: {digest}\n" in lock
        assert (project / ".gitops-dsl/charts" / f"{digest[7:]}.tgz").read_bytes() == archive
    render = run_cli("manifests", "--check", cwd=project)
    assert render.returncode == 0, render.stdout + render.stderr
    assert "3 rendered, 0 skipped, 0 with problems" in render.stdout
    preflight = run_cli("preflight", "--format", "json", cwd=project)
    assert preflight.returncode == 0, preflight.stderr
    plan = json.loads(preflight.stdout)
    assert [(a["name"], a["rendered"], a["ok"]) for a in plan["applications"]] == [
        ("widgets-stg", True, True), ("api-stg", True, True), ("web-stg", True, True)]
    web = next(a for a in plan["applications"] if a["name"] == "web-stg")
    assert {(r["kind"], r["name"]) for r in web["resources"]} == {("Widget", "web"), ("ConfigMap", "web")}
    assert plan["diagnostics"] == []
    again = run_cli("charts", "pull", cwd=project)   # offline: everything is cached already
    assert again.returncode == 0 and again.stdout.count("cached    ") == 2


def test_a_crd_from_a_later_external_chart_is_caught(pulled):
    project, _, _ = pulled
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('"widgets", "1.0.0")', '"widgets", "1.0.0"), wave=third'
                                             ).replace("wave=first, chart", "chart"))
    run = run_cli("preflight", cwd=project)
    assert run.returncode == 1
    assert "error[GD702] web-stg: Widget/web (webapp/templates/widget.yaml) (acme.io/v1)" in run.stderr
    assert "its CRD comes from widgets-stg in the same or a later wave" in run.stderr


def test_a_chart_missing_from_the_cache_is_named_with_the_command(pulled):
    project, _, _ = pulled
    for archive in (project / ".gitops-dsl/charts").glob("*.tgz"):
        archive.unlink()
    run = run_cli("preflight", cwd=project)
    assert run.returncode == 0, run.stderr
    assert ("warning[GD707] web-stg: not rendered, so not judged: chart webapp 2.0.0 from "
            in run.stderr) and "is not in the chart cache" in run.stderr
    assert "run `gitops-dsl charts pull`" in run.stderr
    assert run_cli("preflight", "--strict", cwd=project).returncode == 1


def test_a_corrupt_cache_entry_is_an_error(pulled):
    project, _, _ = pulled
    archive = sorted((project / ".gitops-dsl/charts").glob("*.tgz"))[0]
    archive.write_bytes(b"not the chart")
    run = run_cli("preflight", cwd=project)
    assert run.returncode == 1 and "error[GD708]" in run.stderr
    assert "the cached archive" in run.stderr and "delete it and run `gitops-dsl charts pull`" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("digest: sha256:", "digest: sha256:zz", 1), "is not sha256:<64 hex digits>"),
    (lambda t: t + "  - [\n", "not valid YAML"),
    (lambda t: t.replace("  name: webapp\n", ""), "entry without a string `name`"),
    (lambda t: "charts: 5\n", "expected a mapping with a `charts:` list"),
])
def test_a_lock_edited_by_hand_is_a_clear_error(pulled, edit, message):
    project, _, _ = pulled
    lock = project / "platforms/charts.lock"
    lock.write_text(edit(lock.read_text()))
    for command in (["preflight"], ["manifests"], ["render"], ["charts", "list"]):
        run = run_cli(*command, cwd=project)
        assert run.returncode == 1, command
        assert "charts.lock" in run.stderr and "error[GD708]" in run.stderr and message in run.stderr
        assert "Traceback" not in run.stderr


def test_a_repository_that_changed_a_published_chart_is_refused(tmp_path):
    with helm_repository(tmp_path / "repo", charts(tmp_path / "src")) as url:
        project = write_project(tmp_path / "p", SERVICES.format(url=url), {}, cluster=CLUSTER)
        assert run_cli("charts", "pull", cwd=project).returncode == 0
    lock_before = (project / "platforms/charts.lock").read_bytes()
    for archive in (project / ".gitops-dsl/charts").glob("*.tgz"):
        archive.unlink()
    changed = build_chart(tmp_path / "src2", "webapp", "2.0.0", {"cm.yaml": manifest("v1", "ConfigMap", "x")})
    widgets = charts(tmp_path / "src3")[0]
    with helm_repository(tmp_path / "repo2", [widgets, changed]) as url2:
        demo = project / "platforms/demo.py"
        demo.write_text(demo.read_text().replace(url, url2))
        lock = project / "platforms/charts.lock"
        lock.write_text(lock.read_text().replace(url, url2))
        lock_before = lock.read_bytes()
        run = run_cli("charts", "pull", cwd=project)
    assert run.returncode == 1
    assert "webapp 2.0.0" in run.stderr and "now serves an archive with digest" in run.stderr
    assert (project / "platforms/charts.lock").read_bytes() == lock_before


def test_an_unreachable_repository_is_a_clear_error(tmp_path):
    project = write_project(tmp_path / "p", SERVICES.format(url="http://127.0.0.1:9"), {}, cluster=CLUSTER)
    run = run_cli("charts", "pull", cwd=project)
    assert run.returncode == 1 and "charts pull failed" in run.stderr and "Traceback" not in run.stderr
    assert not (project / "platforms/charts.lock").exists()


def test_a_chart_that_fails_to_render_is_reported_and_nothing_is_written(tmp_path):
    services = 'Service("x", project=app, chart=GitPath("charts/x"), values={"a": 1}),  # x'
    project = write_project(tmp_path, services, {
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x/templates/cm.yaml": '{{ fail "the value b is required" }}\n'})
    assert run_cli("compile", cwd=project).returncode == 0
    before = snapshot(project / "build")
    run = run_cli("preflight", cwd=project)
    assert run.returncode == 1
    assert "error[GD706] x-stg: charts/x:" in run.stderr and "the value b is required" in run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(project / "build") == before


@pytest.mark.parametrize("command", [["preflight"], ["manifests", "--env", "stg"]])
def test_a_failure_inside_tpl_names_the_cause_without_quoting_the_whole_template(tmp_path, command):
    """Helm wraps an error inside `tpl` with the whole template text, Go-quoted (helm
    pkg/engine/engine.go, "error during tpl function execution for %q"): a chart that passes its
    configuration through `tpl` (loki: 169 lines) made a finding of thousands of characters."""
    config = "\n".join([f"line{i}: {i}" for i in range(1, 40)] +
                       ['quoted: "{{ .Values.storage.bucket.name }}"'] + ["tail: 1"] * 40)
    services = 'Service("x", project=app, chart=GitPath("charts/x"), values={"a": 1}),  # x'
    project = write_project(tmp_path, services, {
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x/values.yaml": "config: |\n" + textwrap.indent(config, "  ") + "\n",
        "charts/x/templates/cm.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                       "data:\n  c: {{ tpl .Values.config . | quote }}\n")})
    assert run_cli("compile", cwd=project).returncode == 0
    run = run_cli(*command, cwd=project)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert ('error during tpl function execution for "line1: 1 ..." (a template of 80 lines): '
            'template: gotpl:40:') in out, out
    assert "at <.Values.storage.bucket.name>: nil pointer evaluating interface {}.bucket" in out   # the cause, in full
    assert "line2: 2" not in out and "tail: 1" not in out


def test_a_repository_index_too_large_to_read_is_refused_before_helm_reads_it(tmp_path):
    """A 200 MB index.yaml (sparse: no disk used): refused by its size within seconds, with
    nothing locked or cached; the control pull from the same repository with its real index
    works (tests above)."""
    import time
    with helm_repository(tmp_path / "repo", charts(tmp_path / "src")) as url:
        index = tmp_path / "repo" / "index.yaml"
        index.unlink()
        with open(index, "wb") as handle:
            handle.truncate(200 * 1024 * 1024)
        project = write_project(tmp_path / "p", SERVICES.format(url=url), {}, cluster=CLUSTER)
        before = snapshot(project)
        start = time.monotonic()
        run = run_cli("charts", "pull", cwd=project)
        assert time.monotonic() - start < 30
    assert run.returncode == 1, run.stdout + run.stderr
    assert "index.yaml is larger than 64 MB" in run.stderr, run.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("command", [["preflight"], ["manifests", "--env", "stg"]])
def test_a_chart_rendering_yaml_nested_deeper_than_a_parser_follows(tmp_path, command):
    """Helm renders the template as it is; the rendered text nests 100,000 levels: a finding for
    that Application (Kubernetes would refuse the object too), never a traceback."""
    services = 'Service("x", project=app, chart=GitPath("charts/x"), values={"a": 1}),  # x'
    project = write_project(tmp_path, services, {
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x/templates/cm.yaml": "a: " + "[" * 100_000 + "]" * 100_000 + "\n"})
    assert run_cli("compile", cwd=project).returncode == 0
    run = run_cli(*command, cwd=project)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert "nested deeper than the parser follows" in run.stdout + run.stderr, run.stdout + run.stderr


def test_a_chart_folder_with_dependencies_it_does_not_vendor_renders_them_as_argo_cd_does(tmp_path):
    """reposerver/repository/repository.go helmTemplate: a missing dependency makes the repo
    server run `helm dependency build` and render again. `charts pull` locks and caches the
    dependency; preflight renders and judges it offline (before the pull it says it cannot)."""
    sub = build_chart(tmp_path / "src", "cache", "3.1.0", {
        "svc.yaml": manifest("v1", "Service", "{{ .Release.Name }}-cache", "kube-system")})
    services = 'Service("shop", project=app, chart=GitPath("k8s/shop")),  # shop'
    with helm_repository(tmp_path / "repo", [sub]) as url:
        files = {"k8s/shop/Chart.yaml": ("apiVersion: v2\nname: shop\nversion: 1.0.0\n"
                                         f"dependencies:\n- name: cache\n  version: 3.1.0\n"
                                         f"  repository: {url}\n"),
                 "k8s/shop/templates/cm.yaml": manifest("v1", "ConfigMap", "shop")}
        project = write_project(tmp_path / "p", services, files, cluster=CLUSTER)
        before = run_cli("preflight", "--format", "json", cwd=project)
        plan = json.loads(before.stdout)
        assert [d["code"] for d in plan["diagnostics"]] == ["GD707"]
        assert "shop does not vendor a dependency that Argo CD's repo server builds: chart " \
            "cache 3.1.0 from" in plan["diagnostics"][0]["message"]
        assert "charts pull" in plan["diagnostics"][0]["message"]
        run = run_cli("charts", "pull", cwd=project)
        assert run.returncode == 0, run.stderr
        assert f"fetched   cache 3.1.0 from {url}" in run.stdout
    # the repository is gone: the dependency comes from the cache
    after = run_cli("preflight", "--format", "json", cwd=project)
    plan = json.loads(after.stdout)
    [shop] = plan["applications"]
    assert {(r["kind"], r["name"]) for r in shop["resources"]} == {
        ("ConfigMap", "shop"), ("Service", "shop-cache")}
    assert [d["code"] for d in plan["diagnostics"]] == ["GD701"]   # the dependency is judged
    assert "Service/shop-cache" in plan["diagnostics"][0]["message"]
    assert not (project / "k8s/shop/charts").exists()   # the repository is left as it was


SCHEMA = ('{"type": "object", "properties": {"replicas": {"type": "integer"}}, '
          '"required": ["replicas"]}\n')


@pytest.mark.parametrize("skip", [False, True])
def test_helm_skip_schema_validation_renders_as_argo_cd_does(tmp_path, skip):
    """reposerver/repository/repository.go (helmTemplate) passes `helm.skipSchemaValidation` to
    `helm template --skip-schema-validation` (util/helm/cmd.go `template`): Helm then checks no
    chart's values.schema.json, the chart's nor a subchart's (pkg/chart/common/util/values.go
    `ToRenderValuesWithSchemaValidation`). Values the schemas reject fail the render without
    the option and render with it; preflight must say the same, and render what Helm renders."""
    sub = build_chart(tmp_path / "src", "cache", "3.1.0", {
        "svc.yaml": manifest("v1", "Service", "{{ .Release.Name }}-cache")},
        values="port: 80\n")
    (sub / "values.schema.json").write_text(
        '{"type": "object", "properties": {"port": {"type": "string"}}}\n')
    import helm_python as helm
    packed = tmp_path / "packed"
    helm.package(str(sub), destination=str(packed))
    [archive] = packed.iterdir()
    option = ", helm=HelmOptions(skip_schema_validation=True)" if skip else ""
    services = (f'Service("x", project=app, chart=GitPath("charts/x"), '
                f'values={{"replicas": "two"}}{option}),  # x')
    project = write_project(tmp_path / "p", services, {
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x/values.schema.json": SCHEMA,
        "charts/x/files/values.schema.json": "not the schema: a file the chart reads\n",
        "charts/x/templates/cm.yaml": (
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n'
            '  replicas: {{ .Values.replicas | quote }}\n'
            '  file: {{ .Files.Get "files/values.schema.json" | trim | quote }}\n')},
        cluster=CLUSTER)
    (project / "charts/x/charts").mkdir()
    (project / "charts/x/charts" / archive.name).write_bytes(archive.read_bytes())
    run = run_cli("preflight", "--format", "json", cwd=project)
    plan = json.loads(run.stdout)
    if not skip:
        assert run.returncode == 1
        [found] = plan["diagnostics"]
        assert found["code"] == "GD706", found
        assert "values don't meet the specifications of the schema(s)" in found["message"]
        return
    assert run.returncode == 0, run.stdout + run.stderr
    [x] = plan["applications"]
    assert {(r["kind"], r["name"]) for r in x["resources"]} == {
        ("ConfigMap", "x"), ("Service", "x-cache")}
    out = tmp_path / "manifests"
    rendered = run_cli("manifests", "--env", "stg", "--out", str(out), cwd=project)
    assert rendered.returncode == 0, rendered.stderr
    [config_map] = out.glob("*/stg/x-stg/configmap-x.yaml")
    data = yaml.safe_load(config_map.read_text())["data"]
    # the values as given, and a file named like a schema below the chart's root still there
    assert data == {"replicas": "two", "file": "not the schema: a file the chart reads"}
    assert (project / "charts/x/values.schema.json").read_text() == SCHEMA   # left as it was
    assert sorted(p.name for p in (project / "charts/x/charts").iterdir()) == [archive.name]


def test_a_chart_copy_that_cannot_be_written_is_a_render_failure(tmp_path, monkeypatch):
    """skipSchemaValidation renders from a copy in a temporary folder; when it cannot be written
    (a full disk), that Application's render fails with the system's reason, as a finding."""
    import errno

    from gitops_dsl.charts import unvalidated

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(unvalidated, "without_schemas", full)
    services = ('Service("x", project=app, chart=GitPath("charts/x"), values={"replicas": 2}, '
                'helm=HelmOptions(skip_schema_validation=True)),  # x')
    project = write_project(tmp_path / "p", services, {
        "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
        "charts/x/values.schema.json": SCHEMA,
        "charts/x/templates/cm.yaml": manifest("v1", "ConfigMap", "x")}, cluster=CLUSTER)
    run = run_cli("preflight", "--format", "json", cwd=project)
    assert "Traceback" not in run.stderr, run.stderr
    plan = json.loads(run.stdout)
    assert run.returncode == 1 and [d["code"] for d in plan["diagnostics"]] == ["GD706"]
    assert "No space left on device" in plan["diagnostics"][0]["message"]


def test_no_temporary_folder_to_render_in_is_a_clear_error(tmp_path, monkeypatch):
    import tempfile
    project = write_project(tmp_path / "p", 'Service("x", project=app, chart=GitPath("charts/x")),',
                            {"charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
                             "charts/x/templates/cm.yaml": manifest("v1", "ConfigMap", "x")},
                            cluster=CLUSTER)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    for command in (["preflight"], ["manifests"]):
        run = run_cli(*command, cwd=project)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert "cannot render:" in run.stderr and "No such file or directory" in run.stderr
