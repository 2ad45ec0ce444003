"""Codes reported while platform files load and DSL objects are created (not runnable rules).

They are listed here so `gitops-dsl rules` shows every code a user can meet.
"""
from .registry import model_code

model_code("GD100", summary="a platform file cannot be imported",
           explanation="A syntax error, or an exception raised while the file runs. The diagnostic "
                       "points at the line in your file; gitops-dsl's own frames are left out.",
           bad="stg = Environment(\"stg\", cluster=Cluster(\"stg\", URL)  # missing )",
           good="stg = Environment(\"stg\", cluster=Cluster(\"stg\", URL), zone=\"internal\")")
model_code("GD101", summary="a wrong type or value passed to a DSL class",
           explanation="Every DSL class checks its arguments when it is created, so an invalid object "
                       "cannot exist. The diagnostic names the class, the field and what it expects.",
           bad='Environment("stg", cluster="stg", zone="internal")',
           good='Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="internal")')
model_code("GD102", summary="an unknown keyword argument",
           explanation="A misspelled argument would otherwise be silently lost; the hint suggests the "
                       "closest real one and lists them all.",
           bad='Service("api", dependson=["db"])', good='Service("api", depends_on=["db"])')
model_code("GD111", summary="a name longer than Kubernetes, Helm or gitops-dsl allow",
           explanation="Service names become Helm release names (at most 53 characters), namespaces "
                       "are DNS-1123 labels (63), environment names are suffixes of Application names.",
           bad='Service("a-very-long-service-name-that-goes-on-and-on-and-on-x")',
           good='Service("orders-api", release_name="orders")')
model_code("GD115", summary="no platform found",
           explanation="gitops-dsl imports every platforms/*.py (not _helpers) and compiles every "
                       "module-level Platform. A missing folder or a folder without one is an error.",
           bad="platforms/ holding only helpers", good="platform = Platform(...) at module level")
model_code("GD116", summary="two platforms write the same output file",
           explanation="Platforms compiled into one folder must not share service, environment or zone "
                       "names where that makes their files collide.",
           bad='Platform("a", ...) and Platform("b", ...) both with Service("api") in "stg"',
           good="distinct service or environment names")
model_code("GD118", summary="a user rule raised an exception",
           explanation="Your own rule crashed; the diagnostic names the rule and its line. Other "
                       "rules still run, and nothing is written.",
           bad="@rule('ACME001')\ndef f(app): return app.nope", good="@rule('ACME001')\ndef f(app): ...")
model_code("GD119", summary="a suppression without a reason, or of an unknown code",
           explanation="allow={...} on an object and [tool.gitops-dsl.allow] need a rule code and a "
                       "reason, which the build overview lists for reviewers.",
           bad='Service("api", allow={"GD301": ""})',
           good='Service("api", allow={"GD301": "vendor image, only published as latest"})')
model_code("GD406", summary="a chart version that is a range, 'latest' or missing",
           explanation="Checked when HelmChart(...) is created: a floating version changes what a "
                       "commit deploys, and Argo CD resolves ranges at sync time.",
           bad='HelmChart("https://charts.example", "db", ">=12.12.0")',
           good='HelmChart("https://charts.example", "db", "12.12.10")')
model_code("GD502", summary="a SealedSecrets value is not sealed-secrets ciphertext",
           explanation="Checked when SealedSecrets(...) is created: only base64 of a sealed-secrets "
                       "value (RSA block length, RSA-OAEP session key, AES-GCM payload) is accepted, "
                       "and the refused value is never printed.",
           bad='SealedSecrets({"prod": {"DB_PASSWORD": "hunter2"}})',
           good='SealedSecrets({"prod": {"DB_PASSWORD": "AgB...(kubeseal --raw output)"}})')
model_code("GD413", summary="the versions file pins an unknown service or environment",
           explanation="Every entry of the versions file must name a service and environment of its "
                       "platform; a typo would pin nothing.",
           bad="services:\n  plate-apii:\n    image: 1.2.3",
           good="services:\n  plate-api:\n    image: 1.2.3")
model_code("GD415", summary="the versions file is not valid",
           explanation="Not YAML, or not the shape `services: <service>: {image, chart, envs: "
                       "<env>: {image, chart}}`, or a value that is not a tag, digest or exact "
                       "version. The file has a JSON schema: gitops-dsl schema versions.",
           bad="services:\n  api:\n    image: [1, 2]", good="services:\n  api:\n    image: 1.2.3")

# ------------------------------------------------------------------ preflight (gitops-dsl preflight)
model_code("GD701", summary="preflight: the project does not permit a rendered resource",
           explanation="Argo CD checks every rendered resource against the Application's AppProject "
                       "before applying anything (controller/sync.go validateSyncPermissions): one "
                       "resource in a namespace that is not a destination, or a cluster-scoped kind "
                       "not in the cluster resource whitelist (the Namespace that CreateNamespace=true "
                       "creates included), fails the whole sync and the Application stays Missing.",
           bad='kube-prometheus-stack rendering Services into kube-system, Project("monitoring")',
           good='values={"kubeProxy": {"enabled": False}, ...} keeping it in its namespace')
model_code("GD702", summary="preflight: a custom resource whose CRD is not installed before it",
           explanation="A kind whose CRD is not on the cluster fails the sync. The CRD must come from "
                       "the same Application or an earlier wave of the same environment, or be declared "
                       "with Cluster(kinds=[ClusterKind(...)]). A warning when an earlier chart could "
                       "not be rendered (not in the chart cache), so the CRD may be there.",
           bad='Service("api") (a Rollout) and no Argo Rollouts anywhere',
           good='Service("argo-rollouts", wave=operators, chart=HelmChart(...)) and depends_on')
model_code("GD703", summary="preflight: an apiVersion the installed CRD does not serve",
           explanation="A custom resource must use a version its CRD serves: external-secrets.io/v1 "
                       "first appears in external-secrets 0.16.0; 0.10.x serves v1beta1.",
           bad="ExternalSecret external-secrets.io/v1 with the external-secrets 0.10.4 chart",
           good="the external-secrets 0.16+ chart, or apiVersion v1beta1")
model_code("GD704", summary="preflight: a namespace that nothing creates before it is used",
           explanation="With CreateNamespace=false, or for a resource that names another namespace, "
                       "the namespace must exist: created by an earlier wave (CreateNamespace or a "
                       "Namespace object), by the same Application, or declared with "
                       "Cluster(namespaces=[...]).",
           bad='SyncOptions(create_namespace=False) and nobody creates the namespace',
           good="create_namespace=True, or the namespace made by an earlier wave")
model_code("GD705", summary="preflight: two Applications of one cluster render the same resource",
           explanation="Argo CD tracks a resource for one Application; two that render it fight over "
                       "it (shared-resource warning, endless syncs).",
           bad="two services with the same release name rendering one ClusterRole",
           good="one owner per resource")
model_code("GD706", summary="preflight: a chart failed to render",
           explanation="The Helm engine (or kustomize) refused the chart with these values: Argo CD "
                       "would fail to generate manifests (ComparisonError).",
           bad='values that a template cannot handle', good="values the chart accepts")
model_code("GD707", summary="preflight: an Application that could not be rendered offline",
           explanation="An external chart not in the chart lock or cache (or a Kustomize folder "
                       "without kubectl) is named with the command that fetches it; a warning, an error "
                       "with --strict. Never silent: what was not rendered was not judged.",
           severity="warning",
           bad="a new HelmChart(...) and no `gitops-dsl charts pull`",
           good="`gitops-dsl charts pull`, then commit platforms/charts.lock")
model_code("GD708", summary="preflight: the chart lock or a cached chart does not match",
           explanation="platforms/charts.lock is written by `gitops-dsl charts pull`; an entry edited "
                       "by hand, or a cached archive whose sha256 differs from the lock, is refused.",
           bad="a digest changed by hand in charts.lock", good="`gitops-dsl charts pull`")
model_code("GD709", summary="preflight: a CRD or namespace that only another environment's root "
                            "creates", severity="warning",
           explanation="Roots of different environments sync independently: a CRD or namespace made "
                       "by another environment's Application on the same cluster may not exist yet.",
           bad="the CRD installed by dev's wave 0, used by stg on the same cluster",
           good="install it in each environment, or declare it on the cluster")
model_code("GD710", summary="preflight: the project does not admit the Application's source or destination",
           explanation="Before syncing anything Argo CD validates the Application against its "
                       "AppProject (util/argo/argo.go ValidatePermissions): every source repository "
                       "must be admitted by sourceRepos and the destination by destinations, matched "
                       "with gobwas globs (`*` stops at `/` in repository URLs, `{a,b}` alternatives, "
                       "`!` entries that refuse what they name). Otherwise the Application shows "
                       "InvalidSpecError and nothing of it is synced.",
           bad='Project("apps", source_repos=["https://github.com/acme/*"]) and a chart in '
               'https://github.com/acme/platform/charts',
           good='source_repos=["https://github.com/acme/**"], or leave source_repos=None')
model_code("GD711", summary="preflight: a namespaced resource with no namespace anywhere",
           explanation="Argo CD gives a namespaced resource without metadata.namespace the "
                       "Application's destination namespace (controller/state.go "
                       "NormalizeTargetObjects); when the Application has none either, the "
                       "comparison fails with InvalidSpecError \"Namespace for <name> <kind> is "
                       "missing.\" and nothing is synced.",
           bad="a CRD-only Application (no namespace) whose chart also renders a ConfigMap",
           good="Service(namespace=...) for the Application, or metadata.namespace in the template")
model_code("GD712", summary="preflight: later waves start although an Application cannot render",
           severity="warning",
           explanation="An Application whose manifests fail to generate has no resources, and "
                       "Argo CD rates an Application without resources Healthy "
                       "(controller/health.go setApplicationHealth). The root's Application health "
                       "check passes that on, so the next waves of the environment sync anyway: "
                       "what depends on the failing Application starts without it.",
           bad="loki failing to render (bucketNames unset) in wave 1, its dependents in wave 2",
           good="values that render, then the dependents")
model_code("GD713", summary="preflight: charts that ask the cluster what preflight cannot know",
           severity="warning",
           explanation="Argo CD renders a chart with the target cluster's own Kubernetes version "
                       "and API list unless the Application names them (controller/state.go "
                       "GetRepoObjs sends the cluster's; reposerver/repository/repository.go "
                       "helmTemplate uses them when helm.kubeVersion or helm.apiVersions is "
                       "unset). Offline, Helm's built-in capabilities answer: the groups and "
                       "versions its client library knows, without kinds. They agree with a "
                       "cluster only on a stable version of Kubernetes' own groups asked without "
                       "a kind; a chart whose templates ask with a kind, about a beta version or "
                       "another group (or compute what they ask), or consult "
                       ".Capabilities.KubeVersion, may render other resources there than offline, "
                       "and what preflight judged may not be what Argo CD applies. Said once per "
                       "cluster, naming the Applications and the APIs.",
           bad='Cluster("prod", ...) and a chart with {{ if .Capabilities.APIVersions.Has '
               '"monitoring.coreos.com/v1" }}',
           good='Cluster("prod", ..., api_versions=["monitoring.coreos.com/v1", ...])')
