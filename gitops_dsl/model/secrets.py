"""Secrets that can be committed: sealed ciphertext, or references to a secret store.

A plaintext value cannot be put here: `SealedSecrets` accepts only well-formed sealed-secrets
ciphertext, and `ExternalSecret` holds only references.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import dns_label, duration_check, go_duration, non_empty_str, one_of, optional, to_dict
from ._init import quick_init

SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_RSA_BLOCK_SIZES = (256, 384, 512)  # RSA-2048/3072/4096 (sealed-secrets FORMAT.md section 1)


def is_sealed_ciphertext(text: str) -> bool:
    """True for a value shaped as sealed-secrets produces it: base64 of len(N) ++ RSA(N) ++ AES-GCM."""
    if not isinstance(text, str) or len(text) < 350:
        return False
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) < 2:
        return False
    size = int.from_bytes(raw[:2], "big")
    return size in _RSA_BLOCK_SIZES and len(raw) >= 2 + size + 16


def _keys(owner: str) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, dict):
            raise ModelError("GD101", f"{owner}.{attribute.name}: expected a dict, got "
                                      f"{type(value).__name__}")
    return check


def _sealed_values(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise ModelError("GD101", "SealedSecrets: expected {environment: {KEY: ciphertext}}, got "
                                  f"{type(value).__name__}")
    for env, items in value.items():
        if not isinstance(env, str) or not isinstance(items, dict) or not items:
            raise ModelError("GD101", f"SealedSecrets[{env!r}]: expected a non-empty dict of KEY: "
                                      "ciphertext")
        for key, text in items.items():
            if not isinstance(key, str) or not SECRET_KEY.match(key):
                raise ModelError("GD101", f"SealedSecrets[{env!r}]: {key!r} is not a valid Secret key",
                                 "keys use letters, digits, '-', '_' and '.'")
            if not is_sealed_ciphertext(text):
                # never echo the value: it may be a plaintext secret pasted by mistake
                raise ModelError("GD502", f"SealedSecrets[{env!r}][{key!r}] is not sealed-secrets "
                                          "ciphertext (value not shown)",
                                 "seal it with `kubeseal --raw` (or `gitops-dsl seal`) for this "
                                 "environment's cluster, namespace and Secret name")


_FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{64}$")


def _fingerprints(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, dict):
        raise ModelError("GD101", "SealedSecrets.cert_fingerprints: expected {environment: 'sha256:...'}")
    for env, text in value.items():
        if not isinstance(env, str) or not isinstance(text, str) or not _FINGERPRINT.match(text):
            raise ModelError("GD101", f"SealedSecrets.cert_fingerprints[{env!r}]: expected 'sha256:' and "
                                      "64 hex digits", "copy it from the output of `gitops-dsl seal`")


def _freeze_sealed(value: Any) -> Any:
    if isinstance(value, dict):
        return {env: dict(items) if isinstance(items, dict) else items for env, items in value.items()}
    return value


#: what a sealed value is bound to (sealed-secrets scopes)
SealScope = Literal["strict", "namespace-wide", "cluster-wide"]
StoreKind = Literal["ClusterSecretStore", "SecretStore"]

@quick_init
@attrs.frozen
class SealedSecrets:
    """Sealed-secrets ciphertext per environment: {"prod": {"DB_PASSWORD": "AgB..."}}.

    A sealed value is bound to its namespace, Secret name and the cluster's key, so each
    environment carries its own ciphertext and nothing is layered across environments.
    `name` defaults to the service name; scope is "strict" unless sealed otherwise.
    """

    #: `{env: {key: ciphertext}}`, each value sealed with `gitops-dsl seal` or `kubeseal --raw` for
    #: that environment's cluster
    values: dict[str, Any] = attrs.field(converter=_freeze_sealed, validator=_sealed_values)
    #: the Secret's name; default the service's release name
    name: str | None = attrs.field(default=None, kw_only=True, validator=optional(dns_label(253)))
    #: what a value is bound to (it must match how it was sealed)
    scope: SealScope = attrs.field(default="strict", kw_only=True,
                                   validator=one_of(*get_args(SealScope)))
    #: the Secret's `type`
    type: str = attrs.field(default="Opaque", kw_only=True, validator=non_empty_str)
    #: `{env: sha256:...}` of the certificate each environment's values were sealed with (checked
    #: against `Cluster.sealing_cert_fingerprint`: GD505)
    cert_fingerprints: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                    validator=_fingerprints)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    def __repr__(self) -> str:  # never show ciphertext in logs or errors
        return f"SealedSecrets(<{sum(len(v) for v in self.values.values())} sealed values>)"


@attrs.frozen
class SecretRef:
    """One key of a secret store: `key` is the remote path, `property` the field inside it."""

    #: the remote path in the store
    key: str = attrs.field(validator=non_empty_str)
    #: the field inside it
    property: str | None = attrs.field(default=None, validator=optional(non_empty_str))


def _refs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: SecretRef(*v) if isinstance(v, tuple) else v for k, v in value.items()}
    return value


def _ref_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise ModelError("GD101", "ExternalSecret.data: expected a non-empty dict of KEY: SecretRef")
    for key, ref in value.items():
        if not isinstance(key, str) or not SECRET_KEY.match(key):
            raise ModelError("GD101", f"ExternalSecret.data: {key!r} is not a valid Secret key")
        if not isinstance(ref, SecretRef):
            raise ModelError("GD101", f"ExternalSecret.data[{key!r}]: expected SecretRef(key, property), "
                                      f"got {type(ref).__name__} (value not shown)",
                             "an ExternalSecret holds references to a secret store, never values")


@quick_init
@attrs.frozen
class ExternalSecret:
    """A Secret that External Secrets fills from a store (OpenBao, Vault, ...)."""

    #: the SecretStore or ClusterSecretStore to read from
    store: str = attrs.field(validator=dns_label(253))
    #: `{Secret key: SecretRef(...)}` (a `(key, property)` tuple is accepted)
    data: dict[str, SecretRef] = attrs.field(converter=_refs, validator=_ref_map)
    #: the kind of `store`
    store_kind: StoreKind = attrs.field(default="ClusterSecretStore", kw_only=True,
                                        validator=one_of(*get_args(StoreKind)))
    #: the Secret's name; default the service's release name
    name: str | None = attrs.field(default=None, kw_only=True, validator=optional(dns_label(253)))
    #: how often External Secrets re-reads the store
    refresh_interval: str = attrs.field(default="1h", kw_only=True, converter=go_duration,
                                        validator=duration_check)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)
