"""Helm values files (gitops tree) and configs files (configs tree)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..emit.yaml import canonical
from ..model.secrets import SealedSecrets
from . import names

if TYPE_CHECKING:
    from ..resolve import App

def config_values(app: App) -> dict[str, Any]:
    """config.yaml: ConfigMap data for the standard chart (envFrom)."""
    return {"config": {k: app.config[k] for k in sorted(app.config)}}


def secrets_values(app: App) -> dict[str, Any]:
    """secrets.yaml: a SealedSecret or an ExternalSecret for the standard chart, never plaintext."""
    secrets = app.secrets
    assert secrets is not None  # has_secrets(app)
    name = secrets.name or app.release_name
    if isinstance(secrets, SealedSecrets):
        data = {
            "name": name, "type": secrets.type, "scope": secrets.scope,
            "encryptedData": {k: app.sealed[k] for k in sorted(app.sealed)},
        }
        if app.env.name in secrets.cert_fingerprints:
            data["certFingerprint"] = secrets.cert_fingerprints[app.env.name]
        return {"sealedSecret": data}
    refs = []
    for key in sorted(secrets.data):
        ref = secrets.data[key]
        remote = {"key": ref.key}
        if ref.property:
            remote["property"] = ref.property
        refs.append({"secretKey": key, "remoteRef": remote})
    return {"externalSecret": {
        "name": name, "refreshInterval": secrets.refresh_interval,
        "storeRef": {"kind": secrets.store_kind, "name": secrets.store}, "data": refs,
    }}


def values_documents(apps: Sequence[App]) -> list[tuple[str, Any, App]]:
    """(output path, data, app) for values.yaml, values-<env>.yaml, config.yaml, secrets.yaml."""
    from .apps import has_secrets

    out: list[tuple[str, Any, App]] = []
    common_written: set[tuple[str, str | None]] = set()
    for app in apps:
        service = app.service.name
        scope = (service, app.values_zone)
        if app.values and scope not in common_written:  # the same in every environment (of a zone)
            common_written.add(scope)
            # user maps are written key-sorted: declaration order never shows in the output
            out.append((names.values_file(service, zone=app.values_zone), canonical(app.values), app))
        if app.env_values:
            out.append((names.values_file(service, app.env.name), canonical(app.env_values), app))
        if app.chart.consumes_config:
            if app.config:
                out.append((names.config_file(app), config_values(app), app))
            if has_secrets(app):
                out.append((names.secrets_file(app), secrets_values(app), app))
    return out
