"""Your platform: environments, projects and services, compiled by `gitops-dsl compile` into
build/. Change it, run `gitops-dsl compile`, commit platforms/ and build/ together, and review the
diff (`gitops-dsl diff`). gitops-dsl's DSL reference (docs/reference/dsl.md) documents every
class and field."""
from gitops_dsl import *

# Where the compiled tree is published (commit build/ to this repository).
gitops = Repo("https://github.com/your-org/your-gitops-repo.git", revision="main")

# One environment per stage; each names its cluster and the network zone of its Argo CD.
stg = Environment("stg", zone="internal", cluster=Cluster("in-cluster", IN_CLUSTER))
prod = Environment(
    "prod", zone="internal",
    cluster=Cluster("prod", "https://prod.example.com:6443"),
    sync=SyncPolicy(retry=Retry(limit=3)),          # prod retries less and keeps more history
    revision_history_limit=10,
    policies=[pinned_images, resources_required],   # rules only prod enforces
    protected=True,                                 # no Application deleted without --allow-delete
)

# Sync waves: what must exist before what (a dependency always sits in an earlier wave).
databases, apis = Waves("databases", "apis")

app = Project("app", description="our product", cluster_resources=[ResourceKind("", "Namespace")])

platform = Platform(
    "shop",
    gitops_repo=gitops,
    environments=[stg, prod],
    projects=[app],
    services=[
        # a third-party chart; its version lives in versions.yaml
        Service("cache", project=app, wave=databases, stateful=True,
                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis"),
                values={"architecture": "standalone"}),
        # no chart: the standard service chart; the image tag lives in versions.yaml
        Service("api", project=app, wave=apis, depends_on=["cache"],
                image=Image("ghcr.io/your-org/api"),
                values={"resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                      "limits": {"memory": "256Mi"}}},
                config={"LOG_LEVEL": "info"},
                per_env={"prod": Overlay(values={"replicaCount": 2})}),
    ],
)
