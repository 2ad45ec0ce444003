"""GD5xx: secrets never in plaintext, sealed values where they are needed."""
from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Iterator

from ..model.secrets import SealedSecrets
from ..secrets.keys import is_secret_key
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..diagnostics import Location
    from . import CheckContext

SECRET_NAME = re.compile(r"(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|"
                         r"ACCESS_?KEY)", re.IGNORECASE)
# Values that are credentials whatever their key: key material and well-known token shapes.
CREDENTIAL_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b"
    r"|\bglpat-[A-Za-z0-9_-]{20,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}\b|\bsk_live_[A-Za-z0-9]{16,}\b"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|://[^/\s:@]+:[^/\s@]{3,}@")
# Keys whose string value would be a literal secret (a reference such as existingSecret is fine).
_SECRET_VALUE_KEY = re.compile(r"^(password|passwd|secret|token|api_?key|private_?key|"
                               r"admin_?password|root_?password|client_?secret)$", re.IGNORECASE)


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


def _entries(data: Any) -> Iterator[tuple[str, str, Any]]:
    """(where its map is, key, value) of every map entry in a values tree, depth first (the
    place of a map is written only for maps that hold maps or lists)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, f"{path}.{key}" if path else str(key)))
                yield path, key, value
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]") for i, value in enumerate(node)
                         if isinstance(value, (dict, list)))


@functools.lru_cache(maxsize=100_000)   # values keys repeat in every service
def _secret_key(key: str) -> tuple[bool, bool]:
    """Whether a values key is one whose string value is a literal secret, and whether it names
    a secret."""
    return bool(_SECRET_VALUE_KEY.match(key)), is_secret_key(key)


def _reference(value: str) -> bool:
    """A value that points at a secret instead of being one: a template or an env reference."""
    return value.startswith(("$", "{{")) or value.strip() == ""


@builtin("GD504", summary="a credential in plain config or Helm values",
         bad='values={"auth": {"password": "admin123"}}',
         good='values={"auth": {"existingSecret": "app-env-secrets"}}', per_service=True)
def credential_in_values(ctx: CheckContext) -> Iterator[Finding]:
    """A literal password, token or key in values or config lands in git as plain text (the
    reference tree committed `changeme` and `admin123`)."""
    for service in ctx.resolved.services.values():
        layers: list[tuple[object, dict[str, Any], dict[str, str], Location | None]] = [
            (service, service.values, service.config, service.location)]
        layers += [(o, o.values, o.config, o.location) for o in service.per_env.values()]
        for _, values, config, location in layers:
            hits = []
            for parent, key, value in _entries(values):
                if not isinstance(value, str) or not value:
                    continue
                literal, named = _secret_key(key)
                if literal or (named and not _reference(value)) or CREDENTIAL_VALUE.search(value):
                    hits.append(f"values.{parent}.{key}" if parent else f"values.{key}")
            hits += [f"config.{k}" for k, v in sorted(config.items()) if CREDENTIAL_VALUE.search(v)]
            for where in sorted(set(hits)):
                yield Finding(f"{service.name}: {where} holds what looks like a credential "
                              "(value not shown)",
                              "reference a Secret (e.g. existingSecret) made from SealedSecrets or an "
                              "ExternalSecret", location, service.name, service)


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
