"""The mistakes listed in ../shared/reference/real-world/README.md that the DSL can express,
each reproduced as a small platform and caught with the matching code. (Those the DSL cannot
express at all are listed in the docs, "Mistakes from real trees".)"""
from __future__ import annotations

import pytest

from tests.checks.test_rules import compile_case

MISTAKES = {
    # kimjoongwon/prj-devops 2: apps read app-env-secrets, made one wave later by the secrets manager
    "prj-devops-2-secret-made-later": ("GD204", '''
web = svc("plate-web", reads=[Resource("Secret", "app-env-secrets")])  # wave 0 by default
p = platform(web, svc("openbao-secrets-manager", wave=1, image=None,
                      chart=HelmChart("https://charts.example", "sm", "1.0.0"),
                      provides=[Resource("Secret", "app-env-secrets")]))'''),
    # prj-devops 7: prod images tagged latest
    "prj-devops-7-latest-in-prod": ("GD301", '''
p = platform(svc("plate-server", image=Image("harbor.example/prod/plate-server", "latest")),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                               policies=[pinned_images])])'''),
    # prj-devops 8: sync-options annotation on the prod Application object
    "prj-devops-8-sync-options-annotation": ("GD120", '''
p = platform(svc("secrets", per_env={"prod": Overlay(annotations={
    "argocd.argoproj.io/sync-options": "Validate=true"})}))'''),
    # SeSACTHON head 3: istiod (needs istio-base's CRDs) in the same wave as istio-base
    "sesac-3-istiod-same-wave-as-base": ("GD201", '''
p = platform(svc("istio-base", wave=4), svc("istiod", wave=4, depends_on=["istio-base"]))'''),
    # SeSACTHON head 4: APIs after workers in dev, before them in prod
    "sesac-4-wave-order-differs": ("GD206", '''
p = platform(svc("sse-gateway", wave=42),
             svc("apis", wave=40, per_env={"prod": Overlay(wave=60)}))'''),
    # SeSACTHON head 5: workers use RabbitMQ, prod does not deploy it
    "sesac-5-dependency-missing-in-prod": ("GD203", '''
p = platform(svc("rabbitmq", environments=[stg]), svc("workers", wave=1, depends_on=["rabbitmq"]))'''),
    # SeSACTHON head 6: KEDA/HPA scale prod while selfHeal resets /spec/replicas
    "sesac-6-autoscaler-vs-selfheal": ("GD306", '''
p = platform(svc("scan-api", image=None, chart=HelmChart("https://charts.example", "api", "1.0.0"),
                 values={"autoscaling": {"enabled": True}}))'''),
    # SeSACTHON head 9: apps in the default project
    "sesac-9-no-project": ("GD402", '''p = platform(svc("cert-manager", project=None))'''),
    # SeSACTHON head 10: refresh: hard committed on an Application -> refresh loop
    "sesac-10-refresh-annotation": ("GD120", '''
p = platform(svc("crds", annotations={"argocd.argoproj.io/refresh": "hard"}))'''),
    # SeSACTHON 2e87 3: a directory source over a kustomization.yaml
    "sesac-2e87-3-directory-over-kustomization": ("GD405", '''
import pathlib
folder = pathlib.Path(__file__).parent.parent / "k8s" / "workers"
folder.mkdir(parents=True, exist_ok=True)
(folder / "kustomization.yaml").write_text("resources: []\\n")
p = platform(svc("workers", image=None, chart=GitPath("k8s/workers", tool="directory")))'''),
    # SeSACTHON 2e87 6: umbrella chart with open version ranges
    "sesac-2e87-6-open-chart-range": ("GD406", '''
c = HelmChart("https://charts.bitnami.com/bitnami", "postgresql", ">=12.12.0")'''),
    # SeSACTHON 2e87 6: placeholder passwords committed in values
    "sesac-2e87-6-placeholder-passwords": ("GD504", '''
p = platform(svc("grafana", image=None, chart=HelmChart("https://charts.example", "grafana", "8.5.2"),
                 values={"adminPassword": "admin123"}))'''),
    # SeSACTHON 5341203e 1: value files / charts that no longer exist
    "sesac-5341-1-chart-deleted": ("GD405", '''
p = platform(svc("backend", image=None, chart=GitPath("charts/growbin-backend")))'''),
    # SeSACTHON 5341203e 4, MALIEV 1, FleetOps 5: prod follows HEAD / main
    "maliev-1-prod-follows-branch": ("GD303", '''
p = platform(svc("chatbot", image=None, chart=GitPath("2-environments/prod", tool="directory",
                 repo=Repo("https://github.com/maliev/chatbot.git", "HEAD"))),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                               policies=[pinned_revisions])])'''),
    # MALIEV 2: projects defined but not used
    "maliev-2-project-unused": ("GD411", '''p = platform(svc("api"), projects=[app, Project("maliev-legacy")])'''),
    # MALIEV 4: ClusterSecretStore applied in the same wave as the CRDs that define it
    "maliev-4-cr-with-its-crd": ("GD204", '''
p = platform(
    svc("external-secrets", image=None, chart=HelmChart("https://charts.example", "eso", "1.0.0"),
        provides=[Resource("CustomResourceDefinition", "clustersecretstores.external-secrets.io",
                           namespace="")]),
    svc("external-secrets-config", image=None, chart=GitPath("charts", tool="directory"),
        reads=[Resource("CustomResourceDefinition", "clustersecretstores.external-secrets.io",
                        namespace="")]))'''),
    # FleetOps 2: dev and prod deploy the same chart into one shared namespace
    "fleetops-2-shared-namespace": ("GD114", '''
cluster = Cluster("one", "https://one.example:6443")
p = platform(svc("platform", namespace="fleetops-platform"),
             envs=[Environment("dev", cluster=cluster, zone="z"),
                   Environment("prod", cluster=cluster, zone="z")])'''),
    # FleetOps 4: `argocd.argoproj.io/SyncOptions` is not an Argo CD annotation
    "fleetops-4-wrong-annotation-key": ("GD120", '''
p = platform(svc("api", annotations={"argocd.argoproj.io/SyncOptions": "Prune=true"}))'''),
    # Black-And-White-Club 6 / hand-numbered waves: grafana before its datasources
    "bwc-6-grafana-before-datasources": ("GD201", '''
p = platform(svc("grafana", wave=5, depends_on=["loki"]), svc("loki", wave=20))'''),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_is_caught(name, tmp_path):
    code, body = MISTAKES[name]
    result, _ = compile_case(tmp_path, body)
    assert code in [d.code for d in result.diagnostics], [d.format() for d in result.diagnostics]
    assert not result.ok or code in ("GD206", "GD411")  # warnings pass, everything else fails
