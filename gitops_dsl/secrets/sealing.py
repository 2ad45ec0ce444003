"""Sealing values offline for the bitnami sealed-secrets controller.

The format (sealed-secrets `pkg/crypto/crypto.go`, HybridEncrypt): base64 of
    uint16 big-endian N || RSA-OAEP-SHA256(session key, label) (N bytes) || AES-256-GCM(plaintext)
with a fresh 32-byte session key, a zero 12-byte nonce (the key is used once), no AAD, and the
OAEP label binding the value to its scope: "<namespace>/<name>" (strict), "<namespace>"
(namespace-wide) or "" (cluster-wide). Sealing is randomized; unsealing needs the controller's
private key, which this tool never has.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import os
from typing import TYPE_CHECKING

from ..errors import GitopsDslError

if TYPE_CHECKING:
    from cryptography import x509

SCOPES = ("strict", "namespace-wide", "cluster-wide")


class SealingError(GitopsDslError, ValueError):
    """A certificate or a request that cannot be sealed for (a user error)."""


def label(scope: str, namespace: str | None, name: str | None) -> bytes:
    if scope == "strict":
        if not namespace or not name:
            raise SealingError("the strict scope needs both --namespace and --name")
        return f"{namespace}/{name}".encode()
    if scope == "namespace-wide":
        if not namespace:
            raise SealingError("the namespace-wide scope needs --namespace")
        return namespace.encode()
    if scope == "cluster-wide":
        return b""
    raise SealingError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")


def load_certificate(pem: bytes, *, now: datetime.datetime | None = None) -> x509.Certificate:
    """The first certificate of a PEM file; it must hold an RSA key and not be expired (as
    kubeseal requires)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise SealingError(f"not a PEM certificate ({exc})") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise SealingError("the certificate does not hold an RSA key")
    now = now or datetime.datetime.now(datetime.UTC)
    if cert.not_valid_after_utc < now:
        raise SealingError(f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; fetch the "
                           "controller's current one (kubeseal --fetch-cert)")
    return cert


def fingerprint(cert: x509.Certificate) -> str:
    """sha256 of the certificate's DER bytes, as `sha256:<hex>`: what Cluster and SealedSecrets
    record to tell which key a value was sealed for."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return "sha256:" + hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def seal(cert: x509.Certificate, plaintext: bytes, *, scope: str = "strict", namespace: str | None = None,
         name: str | None = None) -> str:
    """One sealed value, exactly as `kubeseal --raw` prints it (without a newline)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    session_key = os.urandom(32)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=label(scope, namespace, name))
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SealingError("the certificate does not hold an RSA key")
    wrapped = public_key.encrypt(session_key, oaep)
    payload = AESGCM(session_key).encrypt(b"\x00" * 12, plaintext, None)
    return base64.b64encode(len(wrapped).to_bytes(2, "big") + wrapped + payload).decode("ascii")
