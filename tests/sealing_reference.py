"""A test-only unsealer for the sealed-secrets format (what the controller does with its private
key), written from ../shared/reference/sealed-secrets/FORMAT.md and first proven on real kubeseal
output (tests/test_sealing.py), so it can judge gitops-dsl's sealing."""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def scope_label(scope: str, namespace: str, name: str) -> bytes:
    return {"strict": f"{namespace}/{name}", "namespace-wide": namespace,
            "cluster-wide": ""}[scope].encode()


def unseal(private_key_pem: bytes, ciphertext: str, scope: str, namespace: str, name: str) -> bytes:
    """The plaintext, or an exception when the key, scope, namespace or name do not match."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    raw = base64.b64decode(ciphertext, validate=True)
    size = int.from_bytes(raw[:2], "big")
    if len(raw) < 2 + size:
        raise ValueError("truncated")
    session = key.decrypt(raw[2:2 + size], padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
        label=scope_label(scope, namespace, name)))
    return AESGCM(session).decrypt(b"\x00" * 12, raw[2 + size:], None)


def scope_of(sealed_secret: dict) -> str:
    annotations = sealed_secret["metadata"].get("annotations") or {}
    if annotations.get("sealedsecrets.bitnami.com/cluster-wide") == "true":
        return "cluster-wide"
    if annotations.get("sealedsecrets.bitnami.com/namespace-wide") == "true":
        return "namespace-wide"
    return "strict"
