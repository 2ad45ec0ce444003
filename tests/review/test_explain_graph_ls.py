"""explain (provenance on the example platform), graph, ls, and explain for generated files."""
from __future__ import annotations

import json
import re

from tests.helpers import REPO, run_cli

PLATE = (REPO / "platforms" / "plate.py").read_text().splitlines()


def line_of(text: str, after: str | None = None) -> int:
    start = 0
    if after is not None:
        start = next(i for i, t in enumerate(PLATE) if after in t)
    return next(i for i, t in enumerate(PLATE[start:], start + 1) if text in t)


def test_explain_names_the_layer_and_line_of_each_value():
    out = run_cli("explain", "plate-api", "--env", "prod", "--format", "json", cwd=REPO)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)["plate-api-prod"]
    origin = {v["path"]: (v["layer"], v["at"]) for v in data["values"]}
    prod_line = line_of('prod = Environment(')
    service_line = line_of("\"plate-api\", project=app") - 1  # the line of `Service(`
    overlay_line = line_of('"prod": Overlay(values={"replicaCount": 3}', after='"plate-api", project=app')
    platform_line = line_of("platform = Platform(")
    assert origin["sync.retry.limit"] == ("environment", f"platforms/plate.py:{prod_line}")
    assert origin["revision_history_limit"] == ("environment", f"platforms/plate.py:{prod_line}")
    assert origin["sync.options.ApplyOutOfSyncOnly"] == ("platform", f"platforms/plate.py:{platform_line}")
    assert origin["sync.prune"] == ("default", "gitops-dsl")
    assert origin["values.port"] == ("service", f"platforms/plate.py:{service_line}")
    assert origin["values.replicaCount"] == ("overlay", f"platforms/plate.py:{overlay_line}")
    assert origin["config.LOG_LEVEL"] == ("overlay", f"platforms/plate.py:{overlay_line}")
    assert origin["config.KAFKA_BROKERS"] == ("service", f"platforms/plate.py:{service_line}")
    versions = (REPO / "platforms" / "versions.yaml").read_text().splitlines()
    tag_line = next(i for i, t in enumerate(versions, 1) if "image: 1.8.2" in t)
    dev_line = next(i for i, t in enumerate(versions, 1) if "image: 1.9.0-rc.1" in t)
    assert origin["values.image.tag"] == ("versions", f"platforms/versions.yaml:{tag_line}")
    dev = json.loads(run_cli("explain", "plate-api", "--env", "dev", "--format", "json",
                             cwd=REPO).stdout)["plate-api-dev"]
    dev_origin = {v["path"]: (v["layer"], v["at"]) for v in dev["values"]}
    assert dev_origin["values.image.tag"] == ("versions (environment)",
                                              f"platforms/versions.yaml:{dev_line}")
    assert "gitops/argo-apps/internet/apps/prod/app/plate-api.yaml" in data["files"]
    assert "configs/prod/plate-api/secrets.yaml" in data["files"]
    secret = [v for v in data["values"] if v["path"].startswith("secrets.")]
    assert secret and all(v["value"] == "(sealed, not shown)" for v in secret)


def test_explain_a_generated_file():
    out = run_cli("explain", "build/gitops/values/plate-web/values-prod.yaml", cwd=REPO).stdout
    assert "made by Service('plate-web')" in out
    assert re.search(r"at platforms/plate.py:\d+", out)


def test_graph_mermaid_and_dot():
    mermaid = run_cli("graph", "--env", "prod", cwd=REPO).stdout
    assert mermaid.startswith("flowchart LR\n  %% environment prod, zone internet")
    assert mermaid.index('["wave 0: operators"]') < mermaid.index('["wave 4: apis"]')
    assert "  n_plate_cache --> n_plate_api" in mermaid
    dot = run_cli("graph", "--env", "prod", "--format", "dot", cwd=REPO).stdout
    assert dot.startswith('digraph "prod" {') and '"plate-cache" -> "plate-api";' in dot
    assert run_cli("graph", "--env", "nope", cwd=REPO).returncode == 2   # a usage error


def test_ls():
    assert run_cli("ls", "zones", cwd=REPO).stdout == "internal\ninternet\n"
    assert run_cli("ls", "environments", cwd=REPO).stdout == "dev\nprod\nstg\n"
    services = run_cli("ls", "services", cwd=REPO).stdout.split()
    assert "plate-llm" in services and services == sorted(services)
    projects = json.loads(run_cli("ls", "projects", "--format", "json", cwd=REPO).stdout)
    assert [p["name"] for p in projects] == ["app", "monitoring", "tools"]
    envs = json.loads(run_cli("ls", "environments", "--format", "json", cwd=REPO).stdout)
    assert {"name": "prod", "zone": "internet", "cluster": "prod",
            "server": "https://prod.k8s.acme.example:6443", "protected": True} in envs


def test_explain_credits_a_zone_layer_at_its_line_and_names_the_zones_values_file(tmp_path):
    from tests.helpers import MINIMAL, make_project
    source = MINIMAL.replace(
        'image=Image("ghcr.io/acme/api", "1.0.0"), config={"LOG_LEVEL": "info"},',
        'image=Image("ghcr.io/acme/api", "1.0.0"), config={"LOG_LEVEL": "info"},\n'
        '                per_zone={"internet": ZoneOverlay(\n'
        '                    image=Image("mirror.example/acme/api", "1.0.0"),\n'
        '                    values={"resources": {"limits": {"memory": "1Gi"}}})},')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    text = (project / "platforms/demo.py").read_text().splitlines()
    zone_line = next(i for i, t in enumerate(text, 1) if "ZoneOverlay(" in t)
    image_line = next(i for i, t in enumerate(text, 1) if "mirror.example" in t)
    service_image_line = next(i for i, t in enumerate(text, 1) if 'Image("ghcr.io/acme/api"' in t)
    out = run_cli("explain", "api", "--env", "prod", "--format", "json", cwd=project)
    data = json.loads(out.stdout)["api-prod"]
    origin = {v["path"]: (v["layer"], v["at"]) for v in data["values"]}
    assert origin["values.image.repository"] == ("zone", f"platforms/demo.py:{image_line}")
    assert origin["values.resources.limits.memory"] == ("zone", f"platforms/demo.py:{zone_line}")
    assert origin["values.replicaCount"] == ("overlay", origin["values.replicaCount"][1])
    assert "gitops/values/api/values-zone-internet.yaml" in data["files"]
    assert "gitops/values/api/values.yaml" not in data["files"]     # not read in prod
    # where no zone layer applies, the service's layer and file
    stg = json.loads(run_cli("explain", "api", "--env", "stg", "--format", "json",
                             cwd=project).stdout)["api-stg"]
    origin = {v["path"]: (v["layer"], v["at"]) for v in stg["values"]}
    assert origin["values.image.repository"] == ("service", f"platforms/demo.py:{service_image_line}")
    assert "gitops/values/api/values.yaml" in stg["files"]


def test_explain_never_shows_a_credential_allowed_by_name(tmp_path):
    """`explain` output is pasted into issues and chats: a value that looks like a credential is
    masked there too, even where the platform allows GD504 for it by name."""
    from tests.helpers import MINIMAL, make_project
    hook = "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/" + "q" * 24
    project = make_project(tmp_path / "p", MINIMAL.replace(
        '"redis", "19.6.0")),', f'"redis", "19.6.0"), values={{"alerts": {{"url": "{hook}"}}}}, '
                                'allow={"GD504": "a test webhook, rotated weekly"}),'))
    for fmt in ("text", "json"):
        out = run_cli("explain", "db", "--env", "stg", "--format", fmt, cwd=project)
        assert out.returncode == 0, out.stderr
        assert "values.alerts.url" in out.stdout and "hooks.slack" not in out.stdout, out.stdout
