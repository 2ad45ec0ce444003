"""The example platform compiles into a tree that Argo CD accepts and that closes on itself."""
from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.api import write
from gitops_dsl.emit.yaml import load
from tests.helpers import REPO, need_engine, run_cli, shared


@pytest.fixture(scope="module")
def result():
    result = compile_platforms(REPO / "platforms", root=REPO)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


@pytest.fixture(scope="module")
def docs(result):
    return {path: load(data) for path, data in result.files.items()
            if path.endswith(".yaml") and "/templates/" not in path}


def apps(docs, env=None):
    return {d["metadata"]["name"]: d for p, d in docs.items()
            if isinstance(d, dict) and d.get("kind") == "Application" and "/apps/" in p
            and (env is None or f"/apps/{env}/" in p)}


def test_every_argo_document_validates_strictly_against_the_crds(result, tmp_path):
    crds = shared("reference", "argocd-crds")
    validator = shared("tools", "validate_argocd.py")
    write(result, tmp_path / "build")
    run = subprocess.run([sys.executable, str(validator), "--crds", str(crds), "--lint", "--werror",
                          str(tmp_path / "build")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert re.match(r"validated \d+ documents, 0 invalid \(\d+ other documents skipped, 0 warnings\)", last)
    assert int(last.split()[1]) >= 45


def test_yamllint_strict(result, tmp_path):
    write(result, tmp_path / "build")
    run = subprocess.run([sys.executable, "-m", "yamllint", "-s", "-c",
                          str(shared("tools", "yamllint-strict.yaml")), str(tmp_path / "build")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_every_value_file_and_chart_path_resolves_to_a_written_file(result, docs):
    for name, app in apps(docs).items():
        sources = app["spec"]["sources"]
        refs = {s["ref"]: s for s in sources if "ref" in s}
        for source in sources:
            if "ref" in source:
                assert "path" not in source and "chart" not in source, name
            for value_file in source.get("helm", {}).get("valueFiles", []):
                ref, _, repo_path = value_file.partition("/")
                assert ref[1:] in refs, (name, value_file)
                tree = "gitops/" if repo_path.startswith("build/gitops/") else "configs/"
                out_path = tree + repo_path.split("/", 2)[2]
                assert out_path in result.files, (name, value_file)
            if "path" in source and "ref" not in source:
                path = source["path"]
                if path.startswith("build/gitops/"):
                    assert any(f.startswith("gitops/" + path[len("build/gitops/"):] + "/")
                               for f in result.files), path
                else:
                    assert (REPO / path / "Chart.yaml").is_file(), path


def test_configs_ref_only_where_the_chart_reads_config(docs):
    for name, app in apps(docs).items():
        chart = app["spec"]["sources"][0]
        has_configs = any(s.get("ref") == "configs" for s in app["spec"]["sources"])
        assert has_configs == (chart.get("path") == "build/gitops/charts/service"
                               and any("$configs/" in f for f in chart["helm"]["valueFiles"])), name


def test_closure_every_application_belongs_to_exactly_one_root(result, docs):
    roots = {p: d for p, d in docs.items() if "/roots/" in p}
    zone_apps = {p: d for p, d in docs.items() if p.endswith("/zone.yaml")}
    app_paths = [p for p in docs if "/apps/" in p]
    for path in app_paths:
        owners = [r for r in roots.values()
                  if ("gitops/" + r["spec"]["source"]["path"][len("build/gitops/"):] + "/") in path]
        assert len(owners) == 1, path
    for path in roots:
        owners = [z for z in zone_apps.values()
                  if any(path.startswith("gitops/" + s["path"][len("build/gitops/"):] + "/")
                         for s in z["spec"]["sources"])]
        assert len(owners) == 1, path


def test_waves_are_integer_strings_and_dependencies_sync_earlier(docs):
    for env in ("dev", "stg", "prod"):
        env_apps = apps(docs, env)
        waves = {d["metadata"]["labels"]["app.kubernetes.io/name"]:
                 d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] for d in env_apps.values()}
        assert all(re.fullmatch(r"-?[0-9]+", w) for w in waves.values())
        order = {k: int(v) for k, v in waves.items()}
        # the secret store before every reader of app-env-secrets; CRDs before their users
        for reader in ("plate-cache", "plate-api", "plate-worker", "plate-admin"):
            assert order["openbao-secrets"] < order[reader]
        assert order["external-secrets"] < order["openbao-secrets"]
        assert order["prometheus"] < order["loki"] < order["grafana"]
        assert order["kafka"] < order["plate-worker"] < order["plate-api"]


def test_environment_differences_are_the_declared_ones(docs):
    stg, prod, dev = apps(docs, "stg"), apps(docs, "prod"), apps(docs, "dev")
    assert all(a["spec"]["syncPolicy"]["retry"]["limit"] == 5 for a in stg.values())
    for app in prod.values():
        retry = app["spec"]["syncPolicy"]["retry"]
        assert retry == {"limit": 3, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}}
        assert app["spec"]["revisionHistoryLimit"] == 10
    assert all(a["spec"]["revisionHistoryLimit"] == 3 for a in stg.values())
    assert "plate-llm-stg" in stg and "plate-llm-prod" not in prod and "plate-llm-dev" not in dev
    assert prod["openbao-secrets-prod"]["spec"]["syncPolicy"]["automated"]["prune"] is False
    assert stg["openbao-secrets-stg"]["spec"]["syncPolicy"]["automated"]["prune"] is True


def test_openbao_secrets_manager_options(docs):
    app = apps(docs, "prod")["openbao-secrets-prod"]
    options = app["spec"]["syncPolicy"]["syncOptions"]
    assert "CreateNamespace=false" in options and "PrunePropagationPolicy=foreground" in options
    assert {"group": "", "kind": "Secret", "jsonPointers": ["/data"]} in app["spec"]["ignoreDifferences"]
    assert {"group": "external-secrets.io", "kind": "ExternalSecret", "jsonPointers": ["/status"]} \
        in app["spec"]["ignoreDifferences"]


def test_plate_cache_is_pinned_redis_from_the_bitnami_oci_registry(docs):
    source = apps(docs, "prod")["plate-cache-prod"]["spec"]["sources"][0]
    assert (source["repoURL"], source["chart"], source["targetRevision"]) == (
        "registry-1.docker.io/bitnamicharts", "redis", "19.6.0")
    assert "finalizers" not in apps(docs, "prod")["plate-cache-prod"]["metadata"]  # stateful


def test_prod_images_are_pinned(result, docs):
    for path, data in docs.items():
        if path.startswith("gitops/values/") and isinstance(data, dict) and "image" in data:
            assert data["image"].get("tag") not in (None, "", "latest"), path


def test_manifest_generate_paths_lists_exactly_the_inputs(docs):
    app = apps(docs, "prod")["plate-api-prod"]
    paths = app["metadata"]["annotations"]["argocd.argoproj.io/manifest-generate-paths"].split(";")
    value_files = [f.split("/", 1)[1] for f in app["spec"]["sources"][0]["helm"]["valueFiles"]]
    assert sorted(paths) == sorted(["/" + f for f in value_files] + ["/build/gitops/charts/service"])


def test_projects_admit_every_source_and_destination(docs):
    projects = {(p.split("/")[2], d["metadata"]["name"]): d["spec"] for p, d in docs.items()
                if d.get("kind") == "AppProject" and "/projects/" in p}
    for path, app in docs.items():
        if app.get("kind") != "Application" or "/apps/" not in path:
            continue
        spec = projects[(path.split("/")[2], app["spec"]["project"])]
        for source in app["spec"]["sources"]:
            assert source["repoURL"] in spec["sourceRepos"]
        destination = app["spec"]["destination"]
        assert any(fnmatch.fnmatchcase(destination["server"], d["server"]) and
                   fnmatch.fnmatchcase(destination["namespace"], d["namespace"])
                   for d in spec["destinations"]), path


def test_bootstrap_is_a_patch_not_a_whole_configmap(docs):
    patch = docs["gitops/bootstrap/internet/argocd-cm-patch.yaml"]
    assert patch["metadata"]["name"] == "argocd-cm" and set(patch["data"]) == {
        "resource.customizations.health.argoproj.io_Application", "installationID"}
    assert "hs.status = obj.status.health.status" in patch["data"][
        "resource.customizations.health.argoproj.io_Application"]
    assert docs["gitops/bootstrap/internet/argo-cd-values.yaml"]["configs"]["cm"]["installationID"] == \
        "argocd-internet"
    kustomization = docs["gitops/bootstrap/internet/kustomization.yaml"]
    assert kustomization["resources"] == ["project.yaml", "zone.yaml"]


def test_internet_zone_has_only_prod(result):
    internet = [p for p in result.files if p.startswith("gitops/argo-apps/internet/")]
    assert internet and all("/internal/" not in p and "/stg" not in p and "/dev" not in p for p in internet)


def test_hash_seed_does_not_change_a_byte(tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        run = run_cli("compile", "--platforms", str(REPO / "platforms"), "--out", str(out), cwd=REPO,
                      env={"PYTHONHASHSEED": seed})
        assert run.returncode == 0, run.stderr
        outs.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()
                     and ".gitops-dsl-cache" not in p.parts})   # a local cache: absolute paths
    assert outs[0] == outs[1] and len(outs[0]) > 100


def test_committed_build_is_current():
    run = run_cli("compile", "--check", cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_example_passes_preflight_naming_each_uncached_chart():
    """No network here: the example's external charts are not cached, so they are named (GD707,
    a warning) and everything that can be rendered is judged without an error."""
    need_engine()
    import json
    run = subprocess.run([sys.executable, "-m", "gitops_dsl", "preflight", "--format", "json",
                          "--cache", str(REPO / "tests" / "no-such-cache")], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    errors = [d for d in plan["diagnostics"] if d["severity"] == "error"]
    assert errors == []
    skipped = {a["name"] for a in plan["applications"] if not a["rendered"]}
    named = {d["subject"] for d in plan["diagnostics"] if d["code"] == "GD707"}
    assert skipped == named and "prometheus-prod" in skipped
    judged = {a["name"] for a in plan["applications"] if a["rendered"]}
    assert {"plate-api-prod", "openbao-secrets-prod", "plate-web-stg"} <= judged
    for d in plan["diagnostics"]:
        if d["code"] == "GD707":
            assert "gitops-dsl charts pull" in d["message"]
