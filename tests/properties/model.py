"""A small, separately written model of what a user declared: for each service in each
environment, the Application Argo CD should get, computed from the DSL objects by the rules the
documentation states (layering, inferred waves, namespaces, cascade, values). It shares no code with the
compiler's resolve and render stages, so the fidelity property compares two implementations."""
from __future__ import annotations

from typing import Any

from gitops_dsl import (ExternalSecret, GitPath, HelmChart, Platform, SealedSecrets, Service,
                        SyncPolicy, Wave)

DEFAULT_SYNC: dict[str, Any] = {
    "automated": True, "prune": True, "self_heal": True, "allow_empty": False,
    "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "max_duration": "3m"},
              "refresh": None},
    "options": {"create_namespace": True},
}
OPTION_KEYS = {
    "create_namespace": "CreateNamespace", "prune_propagation_policy": "PrunePropagationPolicy",
    "prune_last": "PruneLast", "apply_out_of_sync_only": "ApplyOutOfSyncOnly",
    "server_side_apply": "ServerSideApply", "respect_ignore_differences": "RespectIgnoreDifferences",
    "validate": "Validate", "skip_dry_run_on_missing_resource": "SkipDryRunOnMissingResource",
    "replace": "Replace", "fail_on_shared_resource": "FailOnSharedResource", "prune": "Prune",
    "delete": "Delete", "client_side_apply_migration": "ClientSideApplyMigration",
}
FINALIZERS = {"foreground": ["resources-finalizer.argocd.argoproj.io"],
              "background": ["resources-finalizer.argocd.argoproj.io/background"], "none": None}


def helm_merge(base: Any, top: Any) -> Any:
    """Helm's rule: maps merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(top, dict):
        out = dict(base)
        for key, value in top.items():
            out[key] = helm_merge(out[key], value) if key in out else value
        return out
    return top


def _policy_layer(policy: SyncPolicy | None) -> dict[str, Any]:
    """A SyncPolicy as nested data with only what it sets (None inherits)."""
    if policy is None:
        return {}
    layer: dict[str, Any] = {k: getattr(policy, k) for k in ("automated", "prune", "self_heal",
                                                              "allow_empty")
                             if getattr(policy, k) is not None}
    if policy.retry is False:
        layer["retry"] = False   # no retries: replaces whatever was layered before
    elif policy.retry is not None:
        retry = {k: getattr(policy.retry, k) for k in ("limit", "refresh")
                 if getattr(policy.retry, k) is not None}
        if policy.retry.backoff is not None:
            retry["backoff"] = {k: getattr(policy.retry.backoff, k)
                                for k in ("duration", "factor", "max_duration")
                                if getattr(policy.retry.backoff, k) is not None}
        layer["retry"] = retry
    if policy.options is not None:
        layer["options"] = {k: getattr(policy.options, k) for k in OPTION_KEYS
                            if getattr(policy.options, k) is not None}
    return layer


def _sync(layers: list[SyncPolicy | None]) -> dict[str, Any]:
    """The Application's syncPolicy as Argo CD reads it."""
    merged: dict[str, Any] = DEFAULT_SYNC
    for layer in layers:
        merged = helm_merge(merged, _policy_layer(layer))
    out: dict[str, Any] = {}
    if merged["automated"]:
        out["automated"] = {"prune": merged["prune"], "selfHeal": merged["self_heal"],
                            "allowEmpty": merged["allow_empty"]}
    options = sorted(f"{OPTION_KEYS[k]}={str(v).lower() if isinstance(v, bool) else v}"
                     for k, v in merged["options"].items() if v is not None)
    if options:
        out["syncOptions"] = options
    retry = merged["retry"]
    if retry is False:
        return out   # no retry block: Argo CD retries nothing
    out["retry"] = {"limit": retry["limit"]}
    backoff = retry.get("backoff")
    if backoff:
        out["retry"]["backoff"] = {"duration": backoff["duration"], "factor": backoff["factor"],
                                   "maxDuration": backoff["max_duration"]}
    if retry.get("refresh") is not None:
        out["retry"]["refresh"] = retry["refresh"]
    return out


def runs_in(platform: Platform, service: Service) -> list[str]:
    names = [e.name for e in platform.environments]
    return [n for n in names if service.environments is None or n in service.environments]


def waves(platform: Platform, env: str) -> dict[str, int]:
    """Each service's wave in one environment: the declared one (the environment's overlay
    first), or one after its latest dependency in that environment (0 without any)."""
    services = {s.name: s for s in platform.services if env in runs_in(platform, s)}
    found: dict[str, int] = {}

    def wave(name: str) -> int:
        if name not in found:
            service = services[name]
            overlay = service.per_env.get(env)
            declared = overlay.wave if overlay is not None and overlay.wave is not None else service.wave
            if declared is not None:
                found[name] = declared.number if isinstance(declared, Wave) else int(declared)
            else:
                deps = overlay.depends_on if overlay is not None and overlay.depends_on is not None \
                    else service.depends_on
                found[name] = max((wave(d) for d in deps if d in services), default=-1) + 1
        return found[name]
    return {name: wave(name) for name in services}


def _last(*values: Any, default: Any) -> Any:
    chosen = default
    for value in values:
        if value is not None:
            chosen = value
    return chosen


def expected(platform: Platform, service: Service, env_name: str) -> dict[str, Any]:
    """The parts of the Application that the platform file determines."""
    env = next(e for e in platform.environments if e.name == env_name)
    overlay = service.per_env.get(env_name)
    layers = [platform, env, service, overlay]
    namespace = (overlay.namespace if overlay is not None and overlay.namespace else None) \
        or service.namespace or env.namespace
    namespace = namespace.replace("{platform}", platform.name).replace("{env}", env_name) \
        .replace("{service}", service.name)
    cascade = _last(platform.cascade, env.cascade, "none" if service.stateful else None,
                    service.cascade, overlay.cascade if overlay else None, default="foreground")
    labels = {**platform.labels, **env.labels, **service.labels, **(overlay.labels if overlay else {}),
              "app.kubernetes.io/name": service.name,
              "app.kubernetes.io/part-of": f"{platform.name}-root-{env_name}",
              "gitops-dsl.io/environment": env_name, "gitops-dsl.io/platform": platform.name}
    if env.protected:
        labels["gitops-dsl.io/protected"] = "true"
    annotations = {**env.annotations, **service.annotations,
                   **(overlay.annotations if overlay else {}),
                   "argocd.argoproj.io/sync-wave": str(waves(platform, env_name)[service.name])}
    ignore = overlay.ignore_differences if overlay is not None and overlay.ignore_differences \
        is not None else service.ignore_differences
    info = {**service.info, **(overlay.info if overlay else {})}
    chart = overlay.chart if overlay is not None and overlay.chart is not None else service.chart
    out: dict[str, Any] = {
        "name": f"{service.name}-{env_name}",
        "labels": labels,
        "annotations": annotations,
        "finalizers": FINALIZERS[cascade],
        "project": service.project,
        "destination": {"server": env.cluster.server, "namespace": namespace},
        "syncPolicy": _sync([layer.sync if layer is not None else None for layer in layers]),
        "revisionHistoryLimit": _last(*(getattr(layer, "revision_history_limit", None)
                                        for layer in layers if layer is not None), default=10),
        "ignoreDifferences": sorted(
            ({k: v for k, v in (("group", d.group), ("kind", d.kind), ("name", d.name),
                                ("namespace", d.namespace),
                                ("jsonPointers", list(d.json_pointers) or None),
                                ("jqPathExpressions", list(d.jq_path_expressions) or None),
                                ("managedFieldsManagers", list(d.managed_fields_managers) or None))
              if v not in (None, "")} for d in ignore or ()), key=repr),
        "info": sorted(({"name": k, "value": v} for k, v in info.items()), key=repr),
    }
    release = service.release_name or service.name
    if isinstance(chart, HelmChart):
        out["chart"] = {"repoURL": chart.repo_url, "chart": chart.chart,
                        "targetRevision": chart.version, "releaseName": release}
    elif isinstance(chart, GitPath):
        repo = chart.repo or platform.gitops_repo
        out["chart"] = {"repoURL": repo.url, "path": chart.path,
                        "targetRevision": chart.revision or repo.revision}
    else:
        out["chart"] = {"repoURL": platform.gitops_repo.url, "releaseName": release,
                        "targetRevision": platform.gitops_repo.revision}
    out["values"] = _values(platform, service, env, overlay, chart, release)
    return out


def _values(platform: Platform, service: Service, env: Any, overlay: Any, chart: Any,
            release: str) -> dict[str, Any]:
    """The Helm values Argo CD merges from the Application's value files."""
    if isinstance(chart, GitPath) and chart.tool != "helm":
        return {}
    common = dict(service.values)
    zone_layer = service.per_zone.get(env.zone.name)
    if zone_layer is not None:
        common = helm_merge(common, zone_layer.values)
    values = helm_merge(common, overlay.values if overlay is not None else {})
    if chart is not None:
        return values
    image = service.image
    if image is not None:
        declared = {"repository": image.repository, "tag": image.tag, "digest": image.digest,
                    "pullPolicy": image.pull_policy}
        values = helm_merge({"image": {k: v for k, v in declared.items() if v}}, values)
    config = {**service.config, **(overlay.config if overlay is not None else {})}
    if config:
        values = helm_merge(values, {"config": config})
    secrets = service.secrets
    if isinstance(secrets, SealedSecrets) and secrets.values.get(env.name):
        values = helm_merge(values, {"sealedSecret": {
            "name": secrets.name or release, "type": secrets.type, "scope": secrets.scope,
            "encryptedData": dict(secrets.values[env.name])}})
    elif isinstance(secrets, ExternalSecret):
        values = helm_merge(values, {"externalSecret": {
            "name": secrets.name or release, "refreshInterval": secrets.refresh_interval,
            "storeRef": {"kind": secrets.store_kind, "name": secrets.store},
            "data": [{"secretKey": k, "remoteRef": {"key": r.key, **({"property": r.property}
                                                                       if r.property else {})}}
                     for k, r in sorted(secrets.data.items())]}})
    return values
