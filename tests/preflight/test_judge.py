"""Each preflight rule: a small platform that breaks exactly that rule gets the right code at the
right line, naming the rendered resource; a fixed variant passes."""
from __future__ import annotations

from gitops_dsl.diagnostics import Severity
from tests.helpers import need_engine
from tests.preflight.helpers import codes, crd, judged, line_of, manifest, write_project

need_engine()

CONFIG = manifest("v1", "ConfigMap", "settings")


def errors(plan):
    return [d for d in plan.diagnostics if d.severity is Severity.ERROR]


def test_a_resource_outside_the_projects_destinations_fails_the_sync(tmp_path):
    services = 'Service("mon", project=app, chart=GitPath("k8s/mon", tool="directory")),'
    broken = write_project(tmp_path / "a", services, {
        "k8s/mon/svc.yaml": manifest("v1", "Service", "kubelet", "kube-system")})
    plan = judged(broken)
    [d] = errors(plan)
    assert d.code == "GD701" and d.location.line == line_of(broken, 'app = Project("app"')
    assert "Service/kubelet (svc.yaml)" in d.message
    assert "namespace kube-system on https://stg.example:6443 is not a destination" in d.message
    fixed = write_project(tmp_path / "b", services, {"k8s/mon/svc.yaml": manifest("v1", "Service", "kubelet")})
    assert codes(judged(fixed)) == []


def test_a_cluster_scoped_kind_needs_the_whitelist(tmp_path):
    services = 'Service("ops", project=app, chart=GitPath("k8s/ops", tool="directory")),'
    files = {"k8s/ops/role.yaml": manifest("rbac.authorization.k8s.io/v1", "ClusterRole", "ops")}
    plan = judged(write_project(tmp_path / "a", services, files))
    assert codes(plan) == ["GD701"] and "not in project app's clusterResourceWhitelist" in \
        plan.diagnostics[0].message
    fixed = write_project(tmp_path / "b", services, files, resources='ResourceKind("", "Namespace"), '
                          'ResourceKind("rbac.authorization.k8s.io", "ClusterRole")')
    assert codes(judged(fixed)) == []


def test_create_namespace_needs_namespace_in_the_project(tmp_path):
    services = 'Service("x", project=app, chart=GitPath("k8s/x", tool="directory")),'
    plan = judged(write_project(tmp_path / "a", services, {"k8s/x/cm.yaml": CONFIG}, resources=""))
    [d] = plan.diagnostics
    assert d.code == "GD701" and "resource :Namespace is not permitted in project" in d.message
    assert codes(judged(write_project(tmp_path / "b", services, {"k8s/x/cm.yaml": CONFIG}))) == []


def test_a_custom_resource_needs_its_crd_from_an_earlier_wave(tmp_path):
    files = {"k8s/op/crd.yaml": crd("acme.io", "Widget"),
             "k8s/use/widget.yaml": manifest("acme.io/v1", "Widget", "w")}
    late = '''
    Service("op", project=app, wave=second, chart=GitPath("k8s/op", tool="directory")),
    Service("use", project=app, wave=first, chart=GitPath("k8s/use", tool="directory")),  # uses
    '''
    project = write_project(tmp_path / "a", late, files)
    [d] = judged(project).diagnostics
    assert (d.code, d.severity, d.location.line) == ("GD702", Severity.ERROR, line_of(project, "# uses"))
    assert "Widget/w (widget.yaml) (acme.io/v1): its CRD comes from op-stg in the same or a later " \
           "wave" in d.message
    early = late.replace("wave=second", "wave=X").replace("wave=first", "wave=second").replace(
        "wave=X", "wave=first")
    assert codes(judged(write_project(tmp_path / "b", early, files))) == []
    # the same Application may ship the CRD with its resources (CRDs are applied first)
    both = 'Service("op", project=app, chart=GitPath("k8s/op", tool="directory")),'
    assert codes(judged(write_project(tmp_path / "c", both, {
        "k8s/op/crd.yaml": crd("acme.io", "Widget"),
        "k8s/op/w.yaml": manifest("acme.io/v1", "Widget", "w")}))) == []


def test_a_crd_declared_on_the_cluster_is_accepted(tmp_path):
    services = 'Service("use", project=app, chart=GitPath("k8s/use", tool="directory")),'
    files = {"k8s/use/widget.yaml": manifest("acme.io/v1", "Widget", "w")}
    assert codes(judged(write_project(tmp_path / "a", services, files))) == ["GD702"]
    declared = write_project(tmp_path / "b", services, files,
                             cluster=', kinds=[ClusterKind("acme.io/v1", "Widget")]')
    assert codes(judged(declared)) == []


def test_the_api_version_must_be_one_the_crd_serves(tmp_path):
    services = '''
    Service("op", project=app, wave=first, chart=GitPath("k8s/op", tool="directory")),
    Service("use", project=app, wave=second, chart=GitPath("k8s/use", tool="directory")),  # uses
    '''
    files = {"k8s/op/crd.yaml": crd("external-secrets.io", "ExternalSecret", ("v1beta1",)),
             "k8s/use/es.yaml": manifest("external-secrets.io/v1", "ExternalSecret", "db")}
    project = write_project(tmp_path / "a", services, files)
    [d] = judged(project).diagnostics
    assert (d.code, d.location.line) == ("GD703", line_of(project, "# uses"))
    assert "uses external-secrets.io/v1, which the installed CRD does not serve (served: v1beta1)" \
        in d.message
    files["k8s/op/crd.yaml"] = crd("external-secrets.io", "ExternalSecret", ("v1", "v1beta1"))
    assert codes(judged(write_project(tmp_path / "b", services, files))) == []


def test_a_namespace_must_exist_or_be_created_before(tmp_path):
    no_create = '''
    Service("x", project=app, wave=second, namespace="shared",  # here
            chart=GitPath("k8s/x", tool="directory"),
            sync=SyncPolicy(options=SyncOptions(create_namespace=False))),
    '''
    files = {"k8s/x/cm.yaml": CONFIG, "k8s/ns/cm.yaml": manifest("v1", "ConfigMap", "other")}
    project = write_project(tmp_path / "a", no_create, files)
    [d] = judged(project).diagnostics
    assert (d.code, d.location.line) == ("GD704", line_of(project, "# here"))
    assert "goes to namespace shared, which nothing creates before it" in d.message
    creator = no_create + '''
    Service("ns", project=app, wave=first, namespace="shared",
            chart=GitPath("k8s/ns", tool="directory")),
    '''
    assert codes(judged(write_project(tmp_path / "b", creator, files))) == []
    declared = write_project(tmp_path / "c", no_create, files, cluster=', namespaces=["shared"]')
    assert codes(judged(declared)) == []


def test_two_applications_rendering_one_resource_fight(tmp_path):
    services = '''
    Service("a", project=app, chart=GitPath("k8s/a", tool="directory")),
    Service("b", project=app, chart=GitPath("k8s/b", tool="directory")),  # second
    '''
    role = manifest("rbac.authorization.k8s.io/v1", "ClusterRole", "reader")
    resources = 'ResourceKind("", "Namespace"), ResourceKind("rbac.authorization.k8s.io", "ClusterRole")'
    project = write_project(tmp_path / "a", services, {"k8s/a/r.yaml": role, "k8s/b/r.yaml": role},
                            resources=resources)
    [d] = judged(project).diagnostics
    assert (d.code, d.location.line) == ("GD705", line_of(project, "# second"))
    assert "ClusterRole/reader (r.yaml) is rendered by a-stg too" in d.message
    other = manifest("rbac.authorization.k8s.io/v1", "ClusterRole", "writer")
    assert codes(judged(write_project(tmp_path / "b", services, {"k8s/a/r.yaml": role,
                                                                  "k8s/b/r.yaml": other},
                                      resources=resources))) == []


def test_a_crd_from_another_environments_root_is_not_ordered(tmp_path):
    services = '''
    Service("op", project=app, environments=["dev"], chart=GitPath("k8s/op", tool="directory")),
    Service("use", project=app, environments=["stg"], wave=second,  # uses
            chart=GitPath("k8s/use", tool="directory")),
    '''
    extra = 'dev = Environment("dev", cluster=cluster, zone="z")\n'
    files = {"k8s/op/crd.yaml": crd("acme.io", "Widget"),
             "k8s/use/widget.yaml": manifest("acme.io/v1", "Widget", "w")}
    project = write_project(tmp_path, services, files, envs=", dev", extra=extra)
    [d] = judged(project).diagnostics
    assert (d.code, d.severity, d.location.line) == ("GD709", Severity.WARNING,
                                                     line_of(project, "# uses"))
    assert "comes from op-dev, another environment's root" in d.message


def test_the_plan_walks_waves_in_order_and_shows_the_sync_windows(tmp_path):
    services = '''
    Service("late", project=app, wave=third, chart=GitPath("k8s/x", tool="directory")),
    Service("early", project=app, wave=first, chart=GitPath("k8s/x", tool="directory"),
            namespace="early"),
    '''
    extra = ""
    project = write_project(tmp_path, services, {"k8s/x/cm.yaml": CONFIG}, extra=extra)
    text = (project / "platforms/demo.py").read_text().replace(
        "app = Project(\"app\", cluster_resources=[",
        "app = Project(\"app\", sync_windows=[SyncWindow(\"deny\", \"0 18 * * 5\", \"62h\", "
        "services=[\"late\"])], cluster_resources=[")
    (project / "platforms/demo.py").write_text(text)
    from gitops_dsl.preflight import format_text
    out = format_text(judged(project))
    assert out.splitlines() == [
        "environment stg (zone z, cluster stg)",
        "  wave 0 (first)",
        "    early-stg                        ok: 1 resource(s) (ConfigMap 1)",
        "  wave 2 (third)",
        "    late-stg                         ok: 1 resource(s) (ConfigMap 1); sync window deny "
        "'0 18 * * 5' for 62h",
        "2 Application(s): 2 rendered and judged, 0 not; 0 error(s), 0 warning(s)"]


DEPLOYMENT = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      initContainers:
      - name: migrate
        image: ghcr.io/acme/migrate@sha256:{digest}
        resources: {{requests: {{cpu: 10m, memory: 16Mi}}, limits: {{memory: 32Mi}}}}
      containers:
      - name: web
        image: {image}
{resources}'''


def test_policies_judge_the_containers_a_chart_really_renders(tmp_path):
    """A folder of plain manifests: the compile cannot see its images, the render can."""
    policed = 'stg = Environment("stg", cluster=cluster, zone="z", policies=[pinned_images, resources_required])'
    services = 'Service("web", project=app, chart=GitPath("k8s/web", tool="directory")),'
    latest = DEPLOYMENT.format(digest="a" * 64, image="registry.example:5000/acme/web:latest",
                               resources="")
    broken = write_project(tmp_path / "a", services, {"k8s/web/deploy.yaml": latest})
    source = broken / "platforms" / "demo.py"
    source.write_text(source.read_text().replace('stg = Environment("stg", cluster=cluster, zone="z")',
                                                 policed))
    found = {(d.code, d.location.line) for d in errors(judged(broken))}
    line = line_of(broken, 'Service("web"')
    assert found == {("GD301", line), ("GD302", line)}
    messages = " ".join(d.message for d in judged(broken).diagnostics)
    assert "container web runs registry.example:5000/acme/web:latest" in messages
    assert "container web has no requests.cpu, requests.memory, limits.memory" in messages
    pinned = DEPLOYMENT.format(digest="a" * 64, image="registry.example:5000/acme/web:1.4.2",
                               resources="        resources: {requests: {cpu: 1, memory: 1Gi}, "
                                         "limits: {memory: 1Gi}}\n")
    fixed = write_project(tmp_path / "b", services, {"k8s/web/deploy.yaml": pinned})
    source = fixed / "platforms" / "demo.py"
    source.write_text(source.read_text().replace('stg = Environment("stg", cluster=cluster, zone="z")',
                                                 policed))
    assert codes(judged(fixed)) == []


def test_a_directory_source_reads_what_argo_cd_reads(tmp_path):
    """recurse, include and exclude, compiled to the Application and honoured by the render."""
    services = ('Service("mon", project=app, chart=GitPath("k8s/mon", tool="directory", '
                'recurse=False, include="{svc,cm}*.yaml", exclude="cm-skip*")),')
    project = write_project(tmp_path, services, {
        "k8s/mon/svc.yaml": manifest("v1", "Service", "mon"),
        "k8s/mon/cm.yaml": manifest("v1", "ConfigMap", "mon"),
        "k8s/mon/cm-skip.yaml": manifest("v1", "ConfigMap", "skipped"),
        "k8s/mon/other.yaml": manifest("v1", "Secret", "not-included"),
        "k8s/mon/sub/svc-deep.yaml": manifest("v1", "Service", "not-recursed")})
    plan = judged(project)
    [verdict] = plan.verdicts
    assert sorted(f"{o['kind']}/{o['metadata']['name']}" for _, o in verdict.unit.objects) == [
        "ConfigMap/mon", "Service/mon"]
    directory = verdict.unit.application["spec"]["sources"][0]["directory"]
    assert directory == {"recurse": False, "include": "{svc,cm}*.yaml", "exclude": "cm-skip*"}


def test_a_source_the_project_does_not_admit_leaves_the_application_unsynced(tmp_path):
    # Argo CD validates the Application against its project before syncing anything
    # (util/argo/argo.go ValidatePermissions, IsSourcePermitted): `*` stops at `/`, so
    # https://example.com/* does not admit https://example.com/acme/gitops.git. Compile says so
    # (GD410); with that rule off, preflight still does.
    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.preflight import run_preflight
    from tests.preflight.helpers import CORE_RESOURCES
    services = 'Service("x", project=app, chart=GitPath("k8s/x", tool="directory")),'
    extra = (f'app = Project("app", cluster_resources=[{CORE_RESOURCES}], '
             'source_repos=["https://example.com/*"])  # narrow')
    project = write_project(tmp_path / "a", services, {"k8s/x/cm.yaml": CONFIG}, extra=extra)
    result = compile_platforms(project / "platforms", root=project, severity={"GD410": "off"})
    assert result.ok
    [d] = run_preflight(result, project).diagnostics
    assert d.code == "GD710" and d.location.line == line_of(project, "# narrow")
    assert "application repo https://example.com/acme/gitops.git is not permitted" in d.message
    wide = write_project(tmp_path / "b", services, {"k8s/x/cm.yaml": CONFIG},
                         extra=extra.replace("example.com/*", "example.com/**"))
    assert codes(judged(wide)) == []


# CreateNamespace: gitops-engine pkg/sync/sync_context.go `autoCreateNamespace` and
# controller/sync_namespace.go `syncNamespace` add a Namespace task (which the project must
# permit) only when the namespace does not exist yet or its metadata is managed, and only for
# an Application with a destination namespace
NO_NAMESPACE_KIND = 'ResourceKind("apiextensions.k8s.io", "CustomResourceDefinition")'


def test_create_namespace_of_a_namespace_that_exists_needs_no_namespace_permission(tmp_path):
    services = 'Service("x", project=app, namespace="team-x", chart=GitPath("k8s/x", tool="directory")),'
    files = {"k8s/x/cm.yaml": CONFIG}
    tenant = write_project(tmp_path / "a", services, files, resources=NO_NAMESPACE_KIND,
                           cluster=', namespaces=["team-x"]')
    assert codes(judged(tenant)) == []
    managed = services.replace('namespace="team-x",', 'namespace="team-x", sync=SyncPolicy('
                               'namespace_metadata=NamespaceMetadata(labels={"team": "x"})),')
    plan = judged(write_project(tmp_path / "b", managed, files, resources=NO_NAMESPACE_KIND,
                                cluster=', namespaces=["team-x"]'))
    assert codes(plan) == ["GD701"] and "creates Namespace team-x" in plan.diagnostics[0].message


def test_an_application_without_a_namespace_creates_none(tmp_path):
    services = 'Service("crds", project=app, namespace="", chart=GitPath("k8s/crds", tool="directory")),'
    project = write_project(tmp_path / "a", services, {"k8s/crds/crd.yaml": crd("acme.io", "Widget")},
                            resources=NO_NAMESPACE_KIND)
    assert codes(judged(project)) == []


def test_a_namespaced_resource_with_no_namespace_anywhere_is_refused(tmp_path):
    # controller/state.go NormalizeTargetObjects gives it the destination namespace; with none,
    # CompareAppState reports "Namespace for ... is missing." and nothing syncs
    services = 'Service("crds", project=app, namespace="", chart=GitPath("k8s/crds", tool="directory")),  # here'
    files = {"k8s/crds/crd.yaml": crd("acme.io", "Widget"), "k8s/crds/cm.yaml": CONFIG}
    project = write_project(tmp_path / "a", services, files)
    [d] = judged(project).diagnostics
    assert (d.code, d.severity, d.location.line) == ("GD711", Severity.ERROR, line_of(project, "# here"))
    assert "ConfigMap/settings (cm.yaml) is namespaced but has no namespace" in d.message
    files["k8s/crds/cm.yaml"] = manifest("v1", "ConfigMap", "settings", "acme")
    assert "GD711" not in codes(judged(write_project(tmp_path / "b", services, files)))


# hooks: gitops-engine pkg/sync/hook/helm/type.go `NewType` gives Helm's test, rollback and delete
# hooks no sync phase, so they are never applied (ignore.go `Ignore`, sync_phase.go); hooks are
# not tracked resources and a generateName one is named anew at every sync (reconcile.go
# `splitHooks`)
TEST_HOOK = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  namespace: kube-system\n"
             "  annotations:\n    helm.sh/hook: test\n")
MIGRATION = ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations:\n"
             "    argocd.argoproj.io/hook: PreSync\n")


def test_a_hook_no_sync_applies_is_not_judged(tmp_path):
    services = 'Service("x", project=app, chart=GitPath("k8s/x", tool="directory")),'
    plan = judged(write_project(tmp_path / "a", services, {"k8s/x/cm.yaml": CONFIG,
                                                           "k8s/x/test.yaml": TEST_HOOK}))
    assert codes(plan) == []
    [verdict] = plan.verdicts
    assert [o["kind"] for _, o in verdict.unit.objects] == ["ConfigMap"]
    applied = TEST_HOOK.replace("helm.sh/hook: test", "helm.sh/hook: pre-install")
    plan = judged(write_project(tmp_path / "b", services, {"k8s/x/cm.yaml": CONFIG,
                                                           "k8s/x/test.yaml": applied}))
    assert codes(plan) == ["GD701"]   # a PreSync hook is applied: kube-system is no destination


def test_hooks_named_at_each_sync_are_never_shared(tmp_path):
    services = '''
    Service("a", project=app, namespace="shared", chart=GitPath("k8s/a", tool="directory")),
    Service("b", project=app, namespace="shared", chart=GitPath("k8s/b", tool="directory")),
    '''
    files = {"k8s/a/job.yaml": MIGRATION, "k8s/b/job.yaml": MIGRATION}
    assert "GD705" not in codes(judged(write_project(tmp_path / "a", services, files)))
    named = MIGRATION.replace("generateName: migrate-", "name: migrate")
    files = {"k8s/a/job.yaml": named, "k8s/b/job.yaml": named}
    assert "GD705" in codes(judged(write_project(tmp_path / "b", services, files)))


# rendered output is parsed as gitops-engine parses it (pkg/utils/kube/kube.go SplitYAML: go-yaml
# v2 through sigs.k8s.io/yaml): the CRDs of kube-prometheus-stack list a bare `=` in an enum,
# which PyYAML's safe loader refuses
MATCHER_CRD = crd("monitoring.example.io", "Matcher").replace(
    "        type: object\n",
    "        type: object\n        properties:\n          matchType:\n            type: string\n"
    "            enum:\n            - '!='\n            - =\n            - =~\n            - '!~'\n")


def test_a_chart_whose_crd_holds_a_bare_equals_sign_renders_as_argo_cd_reads_it(tmp_path):
    services = 'Service("mon", project=app, chart=GitPath("k8s/mon")),'
    files = {"k8s/mon/Chart.yaml": "apiVersion: v2\nname: mon\nversion: 1.0.0\n",
             "k8s/mon/crds/matchers.yaml": MATCHER_CRD,
             "k8s/mon/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n"
                                          "data:\n  mode: =\n"}
    plan = judged(write_project(tmp_path / "a", services, files))
    assert codes(plan) == []
    [verdict] = plan.verdicts
    objects = {o["kind"]: o for _, o in verdict.unit.objects}
    enum = objects["CustomResourceDefinition"]["spec"]["versions"][0]["schema"][
        "openAPIV3Schema"]["properties"]["matchType"]["enum"]
    assert enum == ["!=", "=", "=~", "!~"]
    assert objects["ConfigMap"]["data"] == {"mode": "="}


def test_go_yaml_scalars():
    from gitops_dsl.argo.manifest_yaml import load_all
    [doc] = load_all("a: =\nb: y\nc: 0777\nd: 1:20\ne: 2024-01-01\nf: 1_000\ng: 0x1F\nh: .5\n"
                     "i: '='\nj: off\nk: ~\nm: {y: 1, 1: 2, on: 3}\n")
    assert doc == {"a": "=", "b": True, "c": 511, "d": "1:20", "e": "2024-01-01", "f": 1000,
                   "g": 31, "h": 0.5, "i": "=", "j": False, "k": None,
                   "m": {"true": 3, "1": 2}}


def test_merge_keys_and_aliases_anywhere_in_a_mapping():
    # go-yaml v2 merges `<<` wherever it stands among the keys; an alias is the anchored value
    from gitops_dsl.argo.manifest_yaml import load_all
    [doc] = load_all("base: &b {x: 1, w: on}\nlate: {z: 2, <<: *b, x: 3}\nearly: {<<: *b}\n"
                     "list: [*b, *b]\n")
    assert doc == {"base": {"x": 1, "w": True}, "late": {"z": 2, "x": 3, "w": True},
                   "early": {"x": 1, "w": True}, "list": [{"x": 1, "w": True}] * 2}


def test_later_waves_start_although_an_application_cannot_render(tmp_path):
    # controller/health.go setApplicationHealth: no resources is Healthy, so the root's next
    # wave starts (loki in the example, bucketNames unset)
    services = '''
    Service("store", project=app, wave=first, chart=GitPath("k8s/store")),
    Service("api", project=app, wave=second, depends_on=["store"],
            chart=GitPath("k8s/api", tool="directory")),
    '''
    files = {"k8s/store/Chart.yaml": "apiVersion: v2\nname: store\nversion: 1.0.0\n",
             "k8s/store/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                            "  name: {{ required \"bucket is required\" .Values.bucket }}\n",
             "k8s/api/cm.yaml": CONFIG}
    plan = judged(write_project(tmp_path / "a", services, files))
    assert codes(plan) == ["GD706", "GD712"]
    warning = plan.diagnostics[1]
    assert warning.severity is Severity.WARNING and warning.subject == "store-stg"
    assert "its dependents api-stg will sync without it" in warning.message
    files["k8s/store/values.yaml"] = "bucket: data\n"
    assert codes(judged(write_project(tmp_path / "b", services, files))) == []


MONITOR = ('{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" }}\n'
           'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n'
           '  name: {{ .Release.Name }}\nspec:\n  endpoints: [{port: http}]\n{{- end }}\n')


def test_charts_that_ask_the_cluster_what_preflight_cannot_know_are_named(tmp_path):
    """controller/state.go GetRepoObjs sends the live cluster's version and API list, which
    reposerver/repository/repository.go helmTemplate uses where helm.apiVersions is unset: a
    template that asks .Capabilities.APIVersions renders the ServiceMonitor on a cluster with
    the Prometheus operator, and offline (Helm's built-in list) does not. Preflight says so,
    once for the cluster, naming the Applications, including a subchart's question; declaring
    the list renders and judges the ServiceMonitor, and the warning goes."""
    import shutil

    import helm_python as helm
    from tests.preflight.helpers import build_chart
    sub = build_chart(tmp_path / "src", "metrics", "1.0.0", {"monitor.yaml": MONITOR})
    packed = tmp_path / "packed"
    helm.package(str(sub), destination=str(packed))
    [archive] = packed.iterdir()
    services = '''
        Service("api", project=app, chart=GitPath("charts/api")),  # api
        Service("web", project=app, chart=GitPath("charts/web")),  # web
        Service("plain", project=app, chart=GitPath("charts/plain")),  # plain
    '''
    files = {"charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
             "charts/api/templates/monitor.yaml": MONITOR,
             "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
             "charts/web/templates/cm.yaml": manifest("v1", "ConfigMap", "web"),
             "charts/plain/Chart.yaml": "apiVersion: v2\nname: plain\nversion: 1.0.0\n",
             "charts/plain/templates/cm.yaml": manifest("v1", "ConfigMap", "plain")}
    kinds = ', kinds=[ClusterKind("monitoring.coreos.com/v1", "ServiceMonitor")]'
    project = write_project(tmp_path / "a", services, files, cluster=kinds)
    (project / "charts/web/charts").mkdir()
    shutil.copy(archive, project / "charts/web/charts")
    plan = judged(project)
    [warning] = [d for d in plan.diagnostics if d.code == "GD713"]
    assert warning.severity is Severity.WARNING
    assert "cluster stg: the charts of api-stg, web-stg ask whether it serves " \
           "monitoring.coreos.com/v1/ServiceMonitor (.Capabilities.APIVersions)" in warning.message, \
        warning.message
    assert warning.location.line == line_of(project, 'cluster = Cluster("stg"')
    rendered = {v.unit.app.name: {o["kind"] for _, o in v.unit.objects} for v in plan.verdicts}
    assert rendered["api-stg"] == set()   # Helm's built-in list has no ServiceMonitor
    declared = kinds + ', api_versions=["monitoring.coreos.com/v1/ServiceMonitor"]'
    fixed = write_project(tmp_path / "b", services, files, cluster=declared)
    (fixed / "charts/web/charts").mkdir()
    shutil.copy(archive, fixed / "charts/web/charts")
    plan = judged(fixed)
    assert "GD713" not in codes(plan), [d.format() for d in plan.diagnostics]
    rendered = {v.unit.app.name: {o["kind"] for _, o in v.unit.objects} for v in plan.verdicts}
    assert rendered["api-stg"] == {"ServiceMonitor"} and "ServiceMonitor" in rendered["web-stg"]
