"""The plate platform: the example estate that gitops-dsl compiles into build/.

Modelled on a real hand-written Argo CD tree (two environments, one Application file per service
per environment, drifting by hand), with its mistakes fixed rather than copied:

- the apps that read the `app-env-secrets` Secret now sync in a wave after the secret store that
  makes it, and say so with depends_on (the compiler refuses the opposite order);
- value files cannot point at nothing: every $values/ and $configs/ file is written by the compile;
- stg and prod differ only where an Overlay or an Environment says so;
- prod images are pinned (a policy of the prod environment), the prod revision history is 10;
- image tags and chart versions live in versions.yaml, where CI and bots bump them;
- CRDs (operators wave) come before the custom resources that use them (infrastructure wave):
  the Argo Rollouts and sealed-secrets controllers the standard chart needs are installed there,
  and external-secrets is at a version that serves the external-secrets.io/v1 API we write;
- kube-prometheus-stack renders Services for the control plane into kube-system, so the
  monitoring project admits that namespace (`gitops-dsl preflight` judges all of this).
"""
from _sealed import FINGERPRINTS, PLATE_API

from gitops_dsl import *

# ---------------------------------------------------------------- repositories and environments

gitops = Repo("https://github.com/acme/plate-gitops.git", revision="main")

internal = Zone("internal", instance="argocd-internal")   # business network: dev and stg
internet = Zone(                  # internet-facing network: its own Argo CD deploys prod
    "internet", instance="argocd-internet",
    # nothing internal may cross into it: compile fails if prod names any of these
    deny_hosts=["acme.internal"],
    deny_registries=["harbor.acme.internal"],
    deny_repos=["https://git.acme.internal/*"],
)

dev = Environment(
    "dev", zone=internal,
    cluster=Cluster("in-cluster", IN_CLUSTER, sealing_cert_fingerprint=FINGERPRINTS["dev"],
                    kube_version="1.31.0"),
)
stg = Environment(
    "stg", zone=internal,
    cluster=Cluster("stg", "https://stg.k8s.acme.internal:6443",
                    sealing_cert_fingerprint=FINGERPRINTS["stg"], kube_version="1.31.0"),
    sync=SyncPolicy(retry=Retry(limit=5)),
)
prod = Environment(
    "prod", zone=internet,
    cluster=Cluster("prod", "https://prod.k8s.acme.example:6443",
                    sealing_cert_fingerprint=FINGERPRINTS["prod"], kube_version="1.30.4"),
    sync=SyncPolicy(retry=Retry(limit=3, backoff=Backoff("5s", 2, "3m"))),
    revision_history_limit=10,
    policies=[pinned_images, resources_required],
    protected=True,                 # compile refuses to delete a prod Application unless told to
)

# ---------------------------------------------------------------- projects

app = Project(
    "app", description="plate product services and their data stores",
    cluster_resources=[ResourceKind("", "Namespace")],
    roles=[Role("developers", [Permission("get"), Permission("sync")], groups=["acme:plate-devs"])],
    sync_windows=[
        # no automatic prod rollouts over the weekend; a person can still sync by hand
        SyncWindow("deny", "0 18 * * 5", "62h", environments=[prod], manual_sync=True,
                   time_zone="Europe/Berlin"),
    ],
)
monitoring = Project(
    "monitoring", description="metrics, logs and dashboards",
    # kube-prometheus-stack puts the Services that scrape the control plane (coredns, kube-proxy,
    # kube-scheduler, ...) into kube-system: without it there, Argo CD refuses its whole sync
    destinations=[Destination("*", "monitoring"), Destination("*", "kube-system")],
    cluster_resources=[
        ResourceKind("", "Namespace"),
        ResourceKind("apiextensions.k8s.io", "CustomResourceDefinition"),
        ResourceKind("rbac.authorization.k8s.io", "ClusterRole"),
        ResourceKind("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ResourceKind("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ResourceKind("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ],
)
tools = Project(
    "tools", description="cluster tools: ingress controller, external secrets and the OpenBao store",
    cluster_resources=[
        ResourceKind("", "Namespace"),
        ResourceKind("apiextensions.k8s.io", "CustomResourceDefinition"),
        ResourceKind("rbac.authorization.k8s.io", "ClusterRole"),
        ResourceKind("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ResourceKind("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ResourceKind("networking.k8s.io", "IngressClass"),
        ResourceKind("external-secrets.io", "ClusterSecretStore"),
        ResourceKind("external-secrets.io", "ClusterExternalSecret"),
        ResourceKind("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ],
)

# ---------------------------------------------------------------- waves
# CRDs first (operators), then what uses them, then data, then consumers of data.

operators, infrastructure, databases, workers, apis = Waves(
    "operators", "infrastructure", "databases", "workers", "apis")

bitnami = "registry-1.docker.io/bitnamicharts"      # an OCI registry: no oci:// in Argo CD
grafana_charts = "https://grafana.github.io/helm-charts"

# what prod's resources_required policy asks of every container, for the operators' own charts
# (each chart names the place of its containers' resources; preflight checks them as rendered)
small = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}

# made by openbao-secrets in every plate namespace; read (envFrom) by the services below
app_env_secrets = Resource("Secret", "app-env-secrets")

standard_resources = {
    "resources": {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"memory": "512Mi"},
    },
}

# ---------------------------------------------------------------- services

services = [
    # ------------------------------------------------------------ operators
    Service(
        "ingress-nginx", project=tools, wave=operators, namespace="ingress-nginx",
        chart=HelmChart("https://kubernetes.github.io/ingress-nginx", "ingress-nginx"),
        values={"controller": {
            "replicaCount": 1, "ingressClassResource": {"default": True},
            "resources": {"requests": {"cpu": "100m", "memory": "90Mi"},
                          "limits": {"memory": "512Mi"}},
            "admissionWebhooks": {"createSecretJob": {"resources": small},
                                  "patchWebhookJob": {"resources": small}},
        }},
        per_env={"prod": Overlay(values={"controller": {"replicaCount": 2}})},
        info={"Purpose": "ingress controller of the environment's cluster"},
    ),
    # the controllers of the custom resources the standard chart renders (Rollout and
    # AnalysisTemplate, SealedSecret): without their CRDs, every plate service fails to sync
    Service(
        "argo-rollouts", project=tools, wave=operators, namespace="argo-rollouts",
        chart=HelmChart("https://argoproj.github.io/argo-helm", "argo-rollouts"),
        values={"installCRDs": True, "controller": {"resources": small}},
    ),
    Service(
        "sealed-secrets", project=tools, wave=operators, namespace="sealed-secrets",
        chart=HelmChart("https://bitnami-labs.github.io/sealed-secrets", "sealed-secrets"),
        # the name kubeseal looks for by default
        values={"fullnameOverride": "sealed-secrets-controller", "resources": small},
    ),
    Service(
        "external-secrets", project=tools, wave=operators, namespace="external-secrets",
        chart=HelmChart("https://charts.external-secrets.io", "external-secrets"),
        values={"installCRDs": True, "resources": small, "webhook": {"resources": small},
                "certController": {"resources": small}},
        # its CRDs exceed the 262144-byte last-applied annotation of client-side apply
        sync=SyncPolicy(options=SyncOptions(server_side_apply=True)),
    ),
    Service(
        "prometheus", project=monitoring, wave=operators, namespace="monitoring",
        chart=HelmChart("https://prometheus-community.github.io/helm-charts",
                        "kube-prometheus-stack"),
        values={"grafana": {"enabled": False},
                "prometheus": {"prometheusSpec": {"retention": "7d"}},
                "prometheusOperator": {"resources": small,
                                       "admissionWebhooks": {"patch": {"resources": small}}},
                "kube-state-metrics": {"resources": small},
                "prometheus-node-exporter": {"resources": small}},
        per_env={"prod": Overlay(values={"prometheus": {"prometheusSpec": {"retention": "30d"}}})},
        sync=SyncPolicy(options=SyncOptions(server_side_apply=True)),
        stateful=True,
    ),
    # ------------------------------------------------------------ infrastructure
    Service(
        "openbao-secrets", project=tools, wave=infrastructure, namespace="external-secrets",
        chart=GitPath("charts/secrets-store"),
        depends_on=["external-secrets"],
        provides=[Resource("Secret", "app-env-secrets", namespace="{platform}-{env}")],
        values={
            "openbao": {"server": "https://openbao.acme.example", "path": "secret"},
            "secretName": "app-env-secrets",
        },
        per_env={
            "dev": Overlay(values={"namespaces": ["plate-dev"], "remoteKey": "plate/dev"}),
            "stg": Overlay(values={"namespaces": ["plate-stg"], "remoteKey": "plate/stg"}),
            "prod": Overlay(values={"namespaces": ["plate-prod"], "remoteKey": "plate/prod"},
                            sync=SyncPolicy(prune=False)),
        },
        sync=SyncPolicy(options=SyncOptions(
            create_namespace=False,              # made by the external-secrets app, one wave earlier
            prune_propagation_policy="foreground",
            prune_last=True,
        )),
        ignore_differences=[
            IgnoreDifference("Secret", json_pointers=["/data"]),
            IgnoreDifference("ExternalSecret", group="external-secrets.io", json_pointers=["/status"]),
        ],
        info={"Purpose": "OpenBao store and the app-env-secrets Secret of each plate namespace"},
    ),
    Service(
        "loki", project=monitoring, wave=infrastructure, namespace="monitoring",
        chart=HelmChart(grafana_charts, "loki"),
        depends_on=["prometheus"],               # its ServiceMonitor needs the CRD
        values={"deploymentMode": "SingleBinary", "loki": {"auth_enabled": False},
                "singleBinary": {"replicas": 1}},
        stateful=True,
    ),
    # ------------------------------------------------------------ databases
    Service(
        "plate-cache", project=app, wave=databases,
        chart=HelmChart(bitnami, "redis"),
        depends_on=["openbao-secrets"],
        reads=[app_env_secrets],                 # its password
        values={"architecture": "standalone",
                "auth": {"existingSecret": "app-env-secrets",
                         "existingSecretPasswordKey": "REDIS_PASSWORD"}},
        per_env={"prod": Overlay(values={"master": {"persistence": {"size": "20Gi"}}})},
        stateful=True,
    ),
    Service(
        "kafka", project=app, wave=databases,
        chart=HelmChart(bitnami, "kafka"),
        values={"controller": {"replicaCount": 1}, "listeners": {"client": {"protocol": "PLAINTEXT"}}},
        per_env={"prod": Overlay(values={"controller": {"replicaCount": 3}})},
        stateful=True,
    ),
    # grafana has no wave: it goes one wave after its latest dependency (loki)
    Service(
        "grafana", project=monitoring, namespace="monitoring",
        chart=HelmChart(grafana_charts, "grafana"),
        depends_on=["prometheus", "loki"],
        values={"resources": small, "datasources": {"datasources.yaml": {"apiVersion": 1, "datasources": [
            {"name": "Prometheus", "type": "prometheus",
             "url": "http://prometheus-kube-prometheus-prometheus.monitoring:9090"},
            {"name": "Loki", "type": "loki", "url": "http://loki-gateway.monitoring"},
        ]}}},
    ),
    # ------------------------------------------------------------ workers
    Service(
        "plate-worker", project=app, wave=workers,
        image=Image("ghcr.io/acme/plate-worker"),
        depends_on=["kafka", "plate-cache", "openbao-secrets", "argo-rollouts"],
        reads=[app_env_secrets],
        values=standard_resources,
        config={"LOG_LEVEL": "info", "KAFKA_BROKERS": "kafka:9092", "REDIS_HOST": "plate-cache-master"},
        per_env={"prod": Overlay(values={"replicaCount": 2}, config={"LOG_LEVEL": "warn"})},
    ),
    # ------------------------------------------------------------ apis
    Service(
        "plate-api", project=app, wave=apis,
        image=Image("ghcr.io/acme/plate-api"),
        depends_on=["plate-cache", "kafka", "openbao-secrets", "argo-rollouts", "sealed-secrets"],
        reads=[app_env_secrets],
        values={"port": 3006, "analysis": {"enabled": True}, **standard_resources},
        config={"LOG_LEVEL": "info", "KAFKA_BROKERS": "kafka:9092", "REDIS_HOST": "plate-cache-master"},
        secrets=SealedSecrets(PLATE_API, cert_fingerprints=FINGERPRINTS),
        per_env={
            # dev promotes without the smoke test
            "dev": Overlay(config={"LOG_LEVEL": "debug"}, values={"analysis": {"enabled": False}}),
            "prod": Overlay(values={"replicaCount": 3}, config={"LOG_LEVEL": "warn"}),
        },
    ),
    Service(
        "plate-web", project=app, wave=apis,
        image=Image("ghcr.io/acme/plate-web"),
        depends_on=["argo-rollouts"],
        values={"port": 3000, **standard_resources,
                "ingress": {"enabled": True, "className": "nginx", "host": "web.plate.acme.example"}},
        config={"API_URL": "http://plate-api"},
        per_env={
            "dev": Overlay(values={"ingress": {"host": "web.dev.plate.acme.internal"}}),
            "stg": Overlay(values={"ingress": {"host": "web.stg.plate.acme.internal"}}),
            # the HPA owns the replica count in prod; the chart then leaves it out of the Rollout
            "prod": Overlay(values={"autoscaling": {"enabled": True, "minReplicas": 2,
                                                    "maxReplicas": 6}}),
        },
    ),
    Service(
        "plate-admin", project=app, wave=apis,
        image=Image("ghcr.io/acme/plate-admin"),
        depends_on=["openbao-secrets", "argo-rollouts"],
        reads=[app_env_secrets],
        values={"port": 3000, **standard_resources},
        config={"API_URL": "http://plate-api"},
    ),
    Service(
        "plate-llm", project=app, wave=apis, environments=[stg],
        image=Image("ghcr.io/acme/plate-llm"),
        depends_on=["openbao-secrets", "argo-rollouts", "external-secrets"],
        values={"port": 8000, **standard_resources},
        config={"MODEL": "small"},
        secrets=ExternalSecret("openbao", {"LLM_PROVIDER_KEY": SecretRef("plate/stg/llm", "provider_key")}),
    ),
]

platform = Platform(
    "plate",
    gitops_repo=gitops,
    environments=[dev, stg, prod],
    zones=[internal, internet],
    projects=[app, monitoring, tools],
    services=services,
    sync=SyncPolicy(options=SyncOptions(apply_out_of_sync_only=True)),
    revision_history_limit=3,
)
