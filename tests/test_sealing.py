"""Sealing is correct for the real controller: the reference unsealer is first proven on real
kubeseal output, then it judges gitops-dsl's own sealing, for all three scopes."""
from __future__ import annotations

import base64
import datetime
import json

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_dsl.model.secrets import is_sealed_ciphertext
from gitops_dsl.secrets.sealing import SealingError, fingerprint, load_certificate, seal
from tests.helpers import scaled, shared
from tests.sealing_reference import scope_of, unseal

SCOPES = ["strict", "namespace-wide", "cluster-wide"]


def make_key_pair(days: int = 30, bits: int = 2048):
    """A throwaway key and self-signed certificate, made in the test: nothing is committed."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


KEY_PEM, CERT_PEM = make_key_pair()
CERT = load_certificate(CERT_PEM)


def vectors(name: str) -> dict:
    return json.loads(shared("reference", "sealed-secrets", "vectors", name).read_text())


@pytest.mark.slow   # RSA-OAEP by hand over every vector: the slow tier
@pytest.mark.parametrize("file", ["kubeseal-v0.17.0-raw.json", "third-party-wingkwong-v0.14.1.json"])
def test_reference_unsealer_opens_real_kubeseal_values(file):
    data = vectors(file)
    key = data["private_key_pem"].encode()
    assert data["vectors"]
    for v in data["vectors"]:
        plain = base64.b64decode(v["plaintext_b64"])
        assert unseal(key, v["ciphertext"], v["scope"], v["namespace"], v["name"]) == plain
        assert is_sealed_ciphertext(v["ciphertext"])
        for other in SCOPES:
            if other != v["scope"]:
                with pytest.raises(ValueError):  # the same value read as bound to another scope
                    unseal(key, v["ciphertext"], other, v["namespace"] or "prod",
                           v["name"] or "api-keys")
        if v["scope"] != "cluster-wide":
            with pytest.raises(ValueError):
                unseal(key, v["ciphertext"], v["scope"], v["namespace"] + "x", v["name"])
        if v["scope"] == "strict":
            with pytest.raises(ValueError):
                unseal(key, v["ciphertext"], v["scope"], v["namespace"], v["name"] + "x")


@pytest.mark.parametrize("scope", SCOPES)
def test_reference_unsealer_opens_whole_sealed_secrets(scope):
    key = vectors("kubeseal-v0.17.0-raw.json")["private_key_pem"].encode()
    doc = yaml.safe_load(shared("reference", "sealed-secrets", "vectors",
                                f"kubeseal-v0.17.0-sealedsecret-{scope}.yaml").read_text())
    assert scope_of(doc) == scope
    meta = doc["metadata"]
    opened = {k: unseal(key, v, scope, meta["namespace"], meta["name"])
              for k, v in doc["spec"]["encryptedData"].items()}
    assert opened == {"password": b"s3cr3t", "token": b"hunter2"}


@pytest.mark.parametrize("scope", SCOPES)
def test_gitops_dsl_sealing_round_trips(scope):
    sealed = seal(CERT, b"hunter2", scope=scope, namespace="plate-prod", name="plate-api")
    assert is_sealed_ciphertext(sealed)
    assert unseal(KEY_PEM, sealed, scope, "plate-prod", "plate-api") == b"hunter2"
    assert sealed != seal(CERT, b"hunter2", scope=scope, namespace="plate-prod", name="plate-api")


def test_strict_binds_namespace_and_name():
    sealed = seal(CERT, b"hunter2", scope="strict", namespace="plate-prod", name="plate-api")
    for namespace, name in [("plate-stg", "plate-api"), ("plate-prod", "plate-web")]:
        with pytest.raises(ValueError):
            unseal(KEY_PEM, sealed, "strict", namespace, name)
    other_key, _ = make_key_pair()
    with pytest.raises(ValueError):
        unseal(other_key, sealed, "strict", "plate-prod", "plate-api")


@settings(max_examples=scaled(40), deadline=None)
@given(st.binary(max_size=300), st.sampled_from(SCOPES),
       st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
       st.from_regex(r"[a-z][a-z0-9.-]{0,30}", fullmatch=True))
def test_sealing_then_independent_unsealing_returns_the_plaintext(plaintext, scope, namespace, name):
    sealed = seal(CERT, plaintext, scope=scope, namespace=namespace, name=name)
    assert unseal(KEY_PEM, sealed, scope, namespace, name) == plaintext


def test_certificate_checks():
    with pytest.raises(SealingError, match="not a PEM certificate"):
        load_certificate(b"nope")
    with pytest.raises(SealingError, match="expired"):
        load_certificate(CERT_PEM, now=datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc))
    with pytest.raises(SealingError, match="needs both"):
        seal(CERT, b"x", scope="strict", namespace="ns")
    assert fingerprint(CERT).startswith("sha256:") and len(fingerprint(CERT)) == 71


def test_4096_bit_values_have_the_controller_prefix():
    _, cert_pem = make_key_pair(bits=4096)
    assert seal(load_certificate(cert_pem), b"x", scope="cluster-wide").startswith(("AgA", "AgB", "AgC",
                                                                                    "AgD"))
    # a fresh session key per value: sealing the same value twice never gives the same text
    assert seal(CERT, b"x", scope="cluster-wide") != seal(CERT, b"x", scope="cluster-wide")
