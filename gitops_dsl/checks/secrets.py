"""GD5xx: secrets never in plaintext, sealed values where they are needed."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..model.charts import GitPath
from ..model.secrets import SealedSecrets
from ..secrets.keys import is_secret_key
from ..secrets.scan import credential, plaintext, plaintext_in_document
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..diagnostics import Location
    from .registry import CheckContext

SECRET_NAME = re.compile(r"(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|"
                         r"ACCESS_?KEY)", re.IGNORECASE)


@builtin("GD501", summary="a config key looks like a secret",
         bad='config={"DB_PASSWORD": "hunter2"}',
         good='secrets=SealedSecrets({"prod": {"DB_PASSWORD": "AgB..."}})', per_service=True)
def secret_in_config(ctx: CheckContext) -> Iterator[Finding]:
    """Config becomes a ConfigMap in git, readable by anyone with the repository. Keys named like
    passwords, tokens or keys belong in SealedSecrets or an ExternalSecret."""
    for service in ctx.resolved.services.values():
        layers = [(service.config, service.location)]
        layers += [(o.config, o.location) for o in service.per_env.values()]
        for config, location in layers:
            for key in sorted(config):
                if _config_secret(key):
                    yield Finding(f"{service.name}: config key {key!r} looks like a secret "
                                  "(value not shown)",
                                  "move it to secrets=SealedSecrets(...) or ExternalSecret(...)",
                                  location, service.name, service)


@functools.lru_cache(maxsize=10_000)   # config keys repeat in every service
def _config_secret(key: str) -> bool:
    return bool(SECRET_NAME.search(key)) or is_secret_key(key)


@builtin("GD504", summary="a credential in plain config, Helm values or anything an Application carries",
         bad='values={"auth": {"password": "admin123"}}, or an env entry '
             '{"name": "DB_PASSWORD", "value": "..."} in a chart\'s values, a label, an annotation',
         good='values={"auth": {"existingSecret": "app-env-secrets"}}', per_service=True)
def credential_in_values(ctx: CheckContext) -> Iterator[Finding]:
    """A literal password, token or key lands in git as plain text, and travels in every zone
    bundle that carries it (the reference tree committed `changeme` and `admin123`). One
    scanner (`secrets.scan`) looks at every value that reaches an output file: the values of
    every layer (service, environment, zone), config, the Application as rendered (labels,
    annotations, info, Helm parameters, valuesObject, Kustomize and namespace metadata), and a
    Git chart folder's own values files. It finds values under keys that name a secret,
    `{name, value}` env entries, credential shapes whatever their key (private keys, cloud and
    forge tokens, JWTs, a password in a URL or connection string, webhook URLs, Authorization
    headers, `password = ...` lines of a file carried in a value), and all of these inside a
    JSON or YAML file carried in a string. A reference is none: `$VAR`, `{{ ... }}`, or an
    argocd-vault-plugin placeholder (`<path:kv/data/db#password>`; GD507 says where no plugin
    replaces it)."""
    from ..render.apps import application_data
    advice = ("reference a Secret (e.g. existingSecret) made from SealedSecrets or an "
              "ExternalSecret")
    for service in ctx.resolved.services.values():
        # what the service writes in every environment: found about the service
        hits: dict[str, Location | None] = {}
        for prefix, values, config, location in _value_layers(service):
            for where in plaintext(values, prefix):
                hits.setdefault(where, location)
            for key, value in sorted(config.items()):
                if credential(value):
                    hits.setdefault(f"config.{key}", location)
        for where, location in sorted(hits.items()):
            yield Finding(f"{service.name}: {where} holds what looks like a credential "
                          "(value not shown)", advice, location, service.name, service)
    # what each Application carries: found about the Application alone (two of a service reading
    # one chart folder each say so; the report shows it once)
    folders: dict[str, list[str]] = {}
    for app in ctx.resolved.apps:
        service = app.service
        found: dict[str, Location | None] = {}
        # (rendered once: the render stage writes this very data)
        for where in plaintext_in_document(application_data(app, ctx.root),
                                           f"Application {app.name}"):
            found.setdefault(where, service.location)
        chart = app.chart
        if isinstance(chart, GitPath) and chart.repo is None and ctx.root is not None:
            if chart.path not in folders:
                folders[chart.path] = _chart_folder_secrets(folder_files(ctx, app))
            for where in folders[chart.path]:
                found.setdefault(where, chart.location or service.location)
        for where, location in sorted(found.items()):
            yield Finding(f"{service.name}: {where} holds what looks like a credential "
                          "(value not shown)", advice, location, app.name, service)


@builtin("GD507", summary="an argocd-vault-plugin placeholder in what Helm renders",
         bad='values={"auth": {"password": "<path:kv/data/db#password>"}}',
         good='secrets=ExternalSecret("vault", {"DB_PASSWORD": SecretRef("kv/data/db", "password")}) '
              'and values={"auth": {"existingSecret": "db"}}', per_service=True)
def vault_placeholder_in_values(ctx: CheckContext) -> Iterator[Finding]:
    """argocd-vault-plugin replaces a `<path:kv/data/db#password>` placeholder in what it renders
    itself, as Argo CD's config management plugin (argoproj-labs/argocd-vault-plugin
    pkg/kube/util.go). Argo CD hands a source to a plugin only when the source names the plugin,
    or names no tool at all and the plugin claims its folder (argo-cd
    reposerver/repository/repository.go `GetAppSourceType`: a source that sets `helm`,
    `kustomize`, `directory` or `plugin` is rendered that way; util/app/discovery/discovery.go
    asks the plugins only otherwise). Every Application gitops-dsl renders with Helm sets
    `helm` (its release name at least), so Helm reads the values and writes a template's text
    as it is: the placeholder itself becomes the password. Looked for in the values of every
    layer, Helm parameters and `valuesObject`, the files of a Git chart folder (its values and
    templates), and those of a Kustomize or plain-manifests folder whose source names its tool
    (one that names none is discovered, and a plugin may claim it). A tree migrated from one
    that rendered through the plugin keeps its placeholders and fails only in the cluster."""
    from ..secrets.scan import vault_placeholders
    advice = ("take the value from a Secret: secrets=ExternalSecret(store, {KEY: SecretRef(path, "
              "key)}) with the same path and key, referenced from the values (existingSecret, "
              "an env entry's valueFrom)")
    for service in ctx.resolved.services.values():
        hits: dict[str, Location | None] = {}
        for prefix, values, _, location in _value_layers(service):
            if "<path:" in str(values):   # (str of a dict is made in C: most values hold none)
                for where in vault_placeholders(values, prefix):
                    hits.setdefault(where, location)
        for where, location in sorted(hits.items()):
            yield Finding(f"{service.name}: {where} is an argocd-vault-plugin placeholder, which "
                          "no plugin replaces: Argo CD renders the chart with Helm",
                          advice, location, service.name, service)
    folders: dict[str, list[str]] = {}
    for app in ctx.resolved.apps:
        helm, chart = app.helm, app.chart
        found: list[tuple[str, Location | None]] = []
        if helm is not None and (helm.parameters or helm.values_object):
            carried = {"parameters": {p.name: p.value for p in helm.parameters},
                       "values_object": helm.values_object}
            if "<path:" in str(carried):
                found += [(f"{where} in Application {app.name}", app.service.location)
                          for where in sorted(vault_placeholders(carried, "helm"))]
        renders = "the chart with Helm"
        if isinstance(chart, GitPath) and chart.repo is None and ctx.root is not None:
            renders = _named_tool(app, chart)
            if renders:
                if chart.path not in folders:
                    folders[chart.path] = _chart_folder_placeholders(folder_files(ctx, app))
                found += [(path, chart.location or app.service.location)
                          for path in folders[chart.path]]
        for where, location in found:
            yield Finding(f"{app.service.name}: {where} is an argocd-vault-plugin placeholder, "
                          f"which no plugin replaces: Argo CD renders {renders}",
                          advice, location, app.name, app.service)


def _named_tool(app: Any, chart: GitPath) -> str:
    """How Argo CD renders a Git folder whose source names its tool; "" for one that names none,
    which Argo CD discovers (a plugin may then claim it: argo/source_type.py)."""
    from ..render.apps import directory_block, kustomize_block
    if chart.tool == "helm":
        return "the chart with Helm"
    if chart.tool == "kustomize":
        return "the folder with Kustomize" if kustomize_block(app) is not None else ""
    return "the folder as plain manifests" if directory_block(chart) is not None else ""


def _value_layers(service: Any) -> list[tuple[str, dict[str, Any], dict[str, str], Location | None]]:
    """What a service writes in every environment, by layer: (where, values, config, location)."""
    layers: list[tuple[str, dict[str, Any], dict[str, str], Location | None]] = [
        ("values", service.values, service.config, service.location)]
    layers += [(f"per_env[{env}].values", o.values, o.config, o.location)
               for env, o in sorted(service.per_env.items())]
    layers += [(f"per_zone[{zone}].values", o.values, {}, o.location)
               for zone, o in sorted(service.per_zone.items())]
    return layers


def folder_files(ctx: CheckContext, app: Any) -> dict[str, bytes]:
    """The files of an Application's Git folder and of what it reaches, by repository path, read
    once per check run; none when the folder cannot be read (GD602 says why)."""
    from ..render.closure import NotClosed, chart_folder_files
    path = app.chart.path
    assert ctx.root is not None
    if path not in ctx.folder_files:
        try:
            ctx.folder_files[path] = chart_folder_files([app], ctx.root)
        except (NotClosed, OSError):
            ctx.folder_files[path] = None
    return ctx.folder_files[path] or {}


def _chart_folder_placeholders(files: dict[str, bytes]) -> list[str]:
    """The files of a Git folder and what it reaches (a chart's templates and value files alike:
    Helm writes a template's text as it is) that hold an argocd-vault-plugin placeholder."""
    from ..secrets.scan import holds_vault_placeholder
    return [path for path, content in sorted(files.items())
            if b"<path:" in content and holds_vault_placeholder(content.decode("utf-8", "replace"))]


@builtin("GD506", summary="a credential in an AppProject or a root Application",
         bad='Role("deploy", description="token ghp_...") or Environment(root_annotations='
             '{"webhook": "https://user:pass@hooks.example"})',
         good="a reference to where the credential is kept, never the credential")
def credential_in_platform_documents(ctx: CheckContext) -> Iterator[Finding]:
    """What is not a service's - a project's roles and description, an environment's root
    Application (its labels and annotations) - is committed and carried to the zone as well:
    the same scanner as GD504 looks at those documents as rendered."""
    from ..argo import to_data
    from ..render import PROJECT_WAVE
    from ..render.projects import render_project
    from ..render.roots import render_root, root_groups
    from ..resolve import platform_in_zone
    platform = ctx.resolved.platform
    projects = {p.name: p for p in platform.projects}
    hits: dict[str, Any] = {}
    for zone in ctx.resolved.zones:
        zone_apps = [a for a in ctx.resolved.apps if a.zone.name == zone.name]
        for name in sorted({a.project for a in zone_apps if a.project in projects}):
            used = [a for a in zone_apps if a.project == name]
            data = to_data(render_project(projects[name], zone, used, PROJECT_WAVE))
            for where in plaintext_in_document(data, f"AppProject {name}"):
                hits.setdefault(where, projects[name])
        seen_by_zone = platform_in_zone(platform, zone)
        for envs in root_groups(platform, zone, ctx.resolved.environments):
            data = to_data(render_root(seen_by_zone, zone, envs))
            for where in plaintext_in_document(data, f"root of {envs[0].name}"):
                hits.setdefault(where, envs[0])
    for where, owner in sorted(hits.items(), key=lambda item: item[0]):
        yield Finding(f"{where} holds what looks like a credential (value not shown)",
                      "keep credentials in SealedSecrets or an ExternalSecret, never in a "
                      "document Argo CD reads", getattr(owner, "location", None), where, owner)


def _chart_folder_secrets(files: dict[str, bytes]) -> list[str]:
    """Plaintext secrets in the YAML files of a Git chart folder (what travels with it)."""
    from ..safe_yaml import UnsafeYaml, load_all
    found: list[str] = []
    for path, content in sorted(files.items()):
        if not path.endswith((".yaml", ".yml", ".json")) or "/templates/" in f"/{path}":
            continue   # templates are Go text until Helm renders them
        try:
            documents = load_all(content)
        except (UnsafeYaml, ValueError):
            continue
        for doc in documents:
            found += plaintext(doc, path)
    return found


@builtin("GD503", summary="sealed secrets are missing for an environment the service runs in",
         bad='SealedSecrets({"stg": {...}}) on a service that also runs in prod',
         good='SealedSecrets({"stg": {...}, "prod": {...}})', per_service=True)
def sealed_secret_missing(ctx: CheckContext) -> Iterator[Finding]:
    """A sealed value is bound to one cluster and namespace, so every environment needs its own;
    without it the service starts without its Secret."""
    for app in ctx.resolved.apps:
        if isinstance(app.secrets, SealedSecrets) and not app.sealed:
            yield Finding(f"{app.name}: no sealed values for {app.env.name}",
                          f"seal the values for {app.env.name}'s cluster and add them under "
                          f"{app.env.name!r}", app.secrets.location, app.name, app.service)


@builtin("GD505", summary="sealed values were sealed for another cluster's certificate",
         bad='Cluster("prod", URL, sealing_cert_fingerprint="sha256:aa...") and '
             'SealedSecrets(..., cert_fingerprints={"prod": "sha256:bb..."})',
         good="re-seal the values with the prod controller's current certificate", per_service=True)
def sealed_for_another_cluster(ctx: CheckContext) -> Iterator[Finding]:
    """A value sealed with another cluster's key can never be unsealed where it is deployed; the
    controller logs `no key could decrypt secret` and the Secret never appears."""
    for app in ctx.resolved.apps:
        secrets = app.secrets
        expected = app.env.cluster.sealing_cert_fingerprint
        if not isinstance(secrets, SealedSecrets) or expected is None:
            continue
        got = secrets.cert_fingerprints.get(app.env.name)
        if got is not None and got != expected:
            yield Finding(f"{app.name}: sealed with certificate {got[:19]}..., but cluster "
                          f"{app.env.cluster.name} has {expected[:19]}...",
                          f"re-seal: gitops-dsl seal --service {app.service.name} --env {app.env.name} "
                          "--key KEY", secrets.location, app.name, app.service)
