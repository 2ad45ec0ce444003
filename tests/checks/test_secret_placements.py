"""Plaintext secrets are found wherever they reach an output file or a bundle, whatever put
them there (one scanner, `secrets.scan`): each placement alone fails the compile (GD504 for a
service's, GD506 for a project's or a root's), nothing is written, and no value is printed;
the same platform with a reference instead compiles."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import make_project, one_environment, run_cli

BASE = '''
from gitops_dsl import *

gitops = Repo("https://example.com/acme/gitops.git")
stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal"{env})
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet")
platform = Platform(
    "demo", gitops_repo=gitops, environments=[stg, prod],
    projects=[Project("app"{project})],
    services=[
        Service("db", project="app",
                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0"){db}),
        Service("api", project="app", image=Image("ghcr.io/acme/api", "1.0.0"){api}),
        Service("k", project="app", chart=GitPath("k8s/k", tool="helm")),
    ],
)
'''
SECRET = "hunter2-is-my-password"
TOKEN = "ghp_" + "a" * 36

PLACEMENTS = {
    "a third-party chart's env list": dict(
        db=f', values={{"master": {{"extraEnvVars": [{{"name": "REDIS_PASSWORD", "value": "{SECRET}"}}]}}}}'),
    "a zone overlay's values": dict(
        db=f', per_zone={{"internet": ZoneOverlay(values={{"auth": {{"password": "{SECRET}"}}}})}}'),
    "a Helm parameter": dict(
        db=f', helm=HelmOptions(parameters=[HelmParameter("auth.password", "{SECRET}")])'),
    "valuesObject": dict(
        db=f', helm=HelmOptions(values_object={{"auth": {{"password": "{SECRET}"}}}})'),
    "a label": dict(api=f', labels={{"deploy-token": "{TOKEN}"}}'),
    "an annotation": dict(api=f', annotations={{"hook": "https://ci:{SECRET}@hooks.example/x"}}'),
    "info": dict(api=f', info={{"api_token": "{SECRET}"}}'),
    "a role description": dict(
        project=f', roles=[Role("ci", description="uses {TOKEN}")]'),
    "an environment's root annotations": dict(
        env=f', root_annotations={{"notify": "https://bot:{SECRET}@chat.example/hook"}}'),
    "a chart folder's own values.yaml": dict(chart_values=f"auth:\n  password: {SECRET}\n"),
    "a JDBC URL's parameters": dict(
        db=f', values={{"externalDatabase": {{"url": "jdbc:postgresql://db:5432/app?user=app&password={SECRET}"}}}}'),
    "a config file carried in a value": dict(
        db=f', values={{"extraConfig": "maxmemory 1gb\\nsave 60 1\\n", "conf": '
           f'"[client]\\nuser = app\\npassword = {SECRET}\\n"}}'),
    "a Slack webhook in a chart's alerting config": dict(
        db=', values={"alertmanager": {"config": {"global": {"slack_api_url": '
           '"https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx"}}}}'),
    "an Authorization header": dict(
        api=f', annotations={{"probe-headers": "Authorization: Bearer {SECRET}-0123456789"}}'),
    "an Azure storage connection string": dict(
        api=', config={"STORAGE": "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey='
            'abcdefghijklmnopqrstuvwxyz0123456789ABCD==;"}'),
    "a JSON config file carried in a value": dict(
        db=', values={"configJson": "{\\"db\\": {\\"user\\": \\"app\\", \\"password\\": '
           f'\\"{SECRET}\\"}}}}"}}'),
    "a YAML config file carried in a value": dict(
        db=', values={"applicationYaml": "spring:\\n  datasource:\\n    url: jdbc:postgresql://db/app'
           f'\\n    dbPassword: {SECRET}\\n"}}'),
    "an env list carried as YAML for a template's tpl": dict(
        db=', values={"extraEnvVarsYaml": "- name: MODE\\n  value: cluster\\n- name: REDIS_PASSWORD'
           f'\\n  value: {SECRET}\\n"}}'),
    "keys listed under a key a secret is the value of": dict(
        db=f', values={{"metrics": {{"apiKey": ["{SECRET}"]}}}}'),
    "a YAML config file in flow style carried in a value": dict(
        db=', values={"settingsYaml": "{datasource: {url: jdbc:postgresql://db/app, '
           f'dbPassword: {SECRET}}}}}"}}'),
    "an ADO.NET connection string": dict(
        api=f', config={{"DB": "Server=db;Database=app;User Id=app;Password={SECRET};"}}'),
}


def project_with(tmp_path: Path, placement: dict[str, str]) -> Path:
    source = BASE.format(env=placement.get("env", ""), project=placement.get("project", ""),
                         db=placement.get("db", ""), api=placement.get("api", ""))
    project = make_project(tmp_path / "p", source)
    chart = project / "k8s" / "k"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: k\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(placement.get("chart_values", "replicas: 1\n"))
    if "chart_template" in placement:
        (chart / "templates" / "secret.yaml").write_text(placement["chart_template"])
    return project


@pytest.mark.parametrize("name", sorted(PLACEMENTS))
def test_a_plaintext_secret_is_found_where_it_is(tmp_path: Path, name: str) -> None:
    project = project_with(tmp_path, PLACEMENTS[name])
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1, (name, run.stdout, run.stderr)
    assert "error[GD504]" in run.stderr or "error[GD506]" in run.stderr, run.stderr
    assert SECRET not in run.stderr and TOKEN not in run.stderr
    assert not (project / "build").exists()


def test_the_same_platform_without_secrets_compiles(tmp_path: Path) -> None:
    """The control: references (existingSecret, $VARS, argocd-vault-plugin's `<key>`
    placeholders, a list of Secret names) and ordinary values are no finding."""
    project = project_with(tmp_path, dict(
        db=', values={"auth": {"existingSecret": "redis", "password": "<redis-password>"}, '
           '"global": {"imagePullSecrets": ["regcred"]}, "metrics": {"apiKey": ["${METRICS_KEY}"]}, '
           '"master": {"extraEnvVars": '
           '[{"name": "REDIS_PASSWORD", "value": "$(REDIS_PASSWORD)"}, {"name": "MODE", '
           '"value": "cluster"}, {"name": "API_TOKEN", "value": "<api-token>"}]}}',
        api=', labels={"team": "core"}, annotations={"hook": "https://hooks.example/x"}, '
            'config={"DB": "Server=db;Database=app;User Id=app;Password=$(DB_PASSWORD);", '
            '"URL": "jdbc:postgresql://db:5432/app?sslmode=require&password={{ .Values.p }}", '
            '"AUTH": "Basic authentication is on for the admin UI", '
            '"JSON": "{\\"db\\": {\\"existingSecret\\": \\"db\\", \\"port\\": 5432}}", '
            '"CONF": "[client]\\nuser = app\\npassword = ${DB_PASSWORD}\\npasswordFile: /run/x\\n", '
            '"YAML": "spring:\\n  datasource:\\n    dbPassword: ${DB_PASSWORD}\\n", '
            '"ENV": "- name: MODE\\n  value: cluster\\n- name: REDIS_PASSWORD\\n  value: $(REDIS_PASSWORD)\\n"}'))
    run = run_cli("compile", cwd=project)
    assert run.returncode == 0, run.stderr


def test_a_vault_placeholder_is_no_plaintext_secret_but_is_never_replaced(tmp_path: Path) -> None:
    """`<path:...#key>` holds no secret (not GD504), but nothing replaces it in what Helm
    renders (GD507): in any layer, a Helm parameter, or a Git chart folder's values or
    templates."""
    project = project_with(tmp_path, dict(
        chart_values="auth:\n  password: <path:kv/data/k#password>\n",
        chart_template="apiVersion: v1\nkind: Secret\nmetadata:\n  name: k\nstringData:\n"
                       "  token: <path:kv/data/k#token>\n",
        db=', values={"auth": {"password": "<path:kv/data/redis#password>"}}, '
           'per_env={"prod": Overlay(values={"extraEnvVars": [{"name": "TOKEN", '
           '"value": "<path:kv/data/api#token#3 | base64encode>"}]})}, '
           'helm=HelmOptions(parameters=[HelmParameter("metrics.apiKey", "<path:kv/data/m#key>")])'))
    run = run_cli("compile", "--format", "json", cwd=project)
    assert run.returncode == 1
    found = json.loads(run.stdout)
    assert {d["code"] for d in found} == {"GD507"}, found
    messages = sorted(d["message"].split(" is an ")[0] for d in found)
    assert messages == ["db: helm.parameters.metrics.apiKey in Application db-prod",
                        "db: helm.parameters.metrics.apiKey in Application db-stg",
                        "db: per_env[prod].values.extraEnvVars[0].value",
                        "db: values.auth.password",
                        "k: k8s/k/templates/secret.yaml", "k: k8s/k/values.yaml"], messages


FOLDERS = one_environment('''
    Service("deep", project="app", chart=GitPath("k8s/deep", tool="directory")),
    Service("flat", project="app", chart=GitPath("k8s/flat", tool="directory", recurse=False)),
    Service("kust", project="app", chart=GitPath("k8s/kust", tool="kustomize")),
    Service("named", project="app", chart=GitPath("k8s/named", tool="kustomize"),
            kustomize=KustomizeOptions(name_prefix="a-")),
''')


def test_a_placeholder_in_a_folder_is_judged_by_the_tool_its_source_names(tmp_path: Path) -> None:
    """In a Kustomize or plain-manifests folder whose source names its tool, nothing replaces a
    placeholder (GD507); one whose source names none is discovered, and a plugin may claim it."""
    project = make_project(tmp_path / "p", FOLDERS)
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n"
              "  token: <path:kv/data/s#token>\n")
    for name in ("deep", "flat", "kust", "named"):
        (project / "k8s" / name).mkdir(parents=True)
        (project / "k8s" / name / "secret.yaml").write_text(secret)
    for name in ("kust", "named"):
        (project / "k8s" / name / "kustomization.yaml").write_text("resources: [secret.yaml]\n")
    run = run_cli("compile", "--format", "json", cwd=project)
    assert run.returncode == 1
    found = sorted(d["message"] for d in json.loads(run.stdout))
    assert found == [
        "deep: k8s/deep/secret.yaml is an argocd-vault-plugin placeholder, which no plugin "
        "replaces: Argo CD renders the folder as plain manifests",
        "named: k8s/named/secret.yaml is an argocd-vault-plugin placeholder, which no plugin "
        "replaces: Argo CD renders the folder with Kustomize"], found
