"""Invariant 6, secrecy: no plaintext secret value of the platform reaches the output, whether
it was sealed properly or put somewhere by mistake (then the compile fails without echoing it)."""
from __future__ import annotations

import base64
import string

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_dsl import SealedSecrets
from gitops_dsl.api import compile_platforms
from gitops_dsl.diagnostics import ModelError
from gitops_dsl.model.charts import StandardChart
from gitops_dsl.resolve import resolve
from gitops_dsl.secrets.sealing import seal
from tests.helpers import scaled
from tests.strategies import platforms
from tests.sealing_reference import unseal
from tests.test_sealing import CERT, KEY_PEM

# random, and marked so that a match in the output can only be a leak, not a coincidence
secret_text = st.tuples(st.text(alphabet=string.ascii_letters + string.digits + "!#%&*+-=?@^_",
                                min_size=4, max_size=30), st.binary(min_size=6, max_size=12)).map(
    lambda parts: f"S3CRET{parts[0]}{parts[1].hex()}")


def texts(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def leaked(result, plaintexts) -> list[str]:
    blobs = list(result.files.values()) + [t.encode() for t in texts(result)]
    found = []
    for plain in plaintexts:
        for needle in (plain.encode(), base64.b64encode(plain.encode())):
            if any(needle in blob for blob in blobs):
                found.append(plain)
    return found


@given(platforms(max_services=4), st.data())
# each example unseals by hand (RSA-OAEP in Python): fewer of them by default, many more with
# HYPOTHESIS_PROFILE=deep
@settings(max_examples=scaled(20))
def test_sealed_values_reach_the_output_only_as_ciphertext_the_cluster_can_open(platform, data):
    """Sealed with the service's scope, Secret name and namespace (as `gitops-dsl seal
    --service` does), each value reaches the output as ciphertext that the controller's key opens
    for exactly the Secret the chart renders (its name, namespace and scope from the output),
    and never as plaintext."""
    resolved = {(a.service.name, a.env.name): a for a in resolve(platform).apps}
    plaintexts, services, wanted = [], [], {}
    for service in platform.services:
        apps = [a for (s, _), a in resolved.items() if s == service.name]
        if not apps or not isinstance(apps[0].chart, StandardChart):
            services.append(service)
            continue
        scope = data.draw(st.sampled_from(["strict", "namespace-wide", "cluster-wide"]))
        name = data.draw(st.sampled_from([None, "app-secrets"]))
        values = {}
        for app in apps:
            plain = data.draw(secret_text)
            plaintexts.append(plain)
            wanted[app.name] = plain
            values[app.env.name] = {"SECRET_VALUE": seal(
                CERT, plain.encode(), scope=scope, namespace=app.namespace,
                name=name or app.release_name)}
        services.append(attrs.evolve(service, secrets=SealedSecrets(values, scope=scope, name=name)))
    result = compile_platforms([attrs.evolve(platform, services=services)])
    assert result.ok, texts(result)
    assert leaked(result, plaintexts) == []
    opened = {}
    for path, document in result.tree.items():
        data_ = document.data
        if document.format != "yaml" or not isinstance(data_, dict) or "sealedSecret" not in data_:
            continue
        sealed = data_["sealedSecret"]
        apps = [a for a in resolved.values() if path in _value_paths(result, a)]
        assert len(apps) == 1, path
        app = apps[0]
        opened[app.name] = unseal(KEY_PEM, sealed["encryptedData"]["SECRET_VALUE"], sealed["scope"],
                                  app.namespace, sealed["name"]).decode()
    assert opened == wanted


def _value_paths(result, app) -> set[str]:
    """The output paths of the value files of an App's Application."""
    doc = result.tree[f"gitops/argo-apps/{app.zone.name}/apps/{app.env.name}/{app.project}/"
                      f"{app.service.name}.yaml"].data
    from tests.properties.invariants import _out_path
    refs = {s["ref"]: s for s in doc["spec"]["sources"] if "ref" in s}
    out = set()
    for value_file in doc["spec"]["sources"][0].get("helm", {}).get("valueFiles", []):
        ref, _, repo_path = value_file.partition("/")
        out.add(_out_path(result, refs[ref[1:]]["repoURL"], repo_path))
    return out


@given(platforms(max_services=3), secret_text, st.sampled_from(["sealed", "config", "values"]))
def test_a_misplaced_plaintext_fails_and_is_never_echoed(platform, plain, where):
    service = platform.services[0]
    try:
        if where == "sealed":
            broken = attrs.evolve(service, secrets=SealedSecrets(
                {e.name: {"DB_PASSWORD": plain} for e in platform.environments}), chart=None,
                image=service.image or __import__("gitops_dsl").Image("ghcr.io/acme/x", "1.0.0"))
        elif where == "config":
            broken = attrs.evolve(service, config={"DB_PASSWORD": plain}, chart=None,
                                  image=service.image or __import__("gitops_dsl").Image("ghcr.io/a/x", "1"))
        else:
            broken = attrs.evolve(service, values={"auth": {"password": plain}})
    except ModelError as exc:
        assert plain not in f"{exc.message} {exc.hint} {exc!r}"
        return
    result = compile_platforms([attrs.evolve(platform, services=[broken, *platform.services[1:]])])
    assert not result.ok
    assert leaked(result, [plain]) == []
