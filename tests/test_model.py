"""The DSL classes validate their own fields and remember the user's line."""
from __future__ import annotations

import pytest

from gitops_dsl import (Backoff, Cluster, Environment, ExternalSecret, HelmChart, IgnoreDifference,
                        Image, Overlay, Project, Repo, Retry, SealedSecrets, SecretRef, Service,
                        SyncOptions, SyncPolicy, Wave, Waves, Zone)
from gitops_dsl.diagnostics import ModelError
from gitops_dsl.model.secrets import is_sealed_ciphertext


def raises(code: str, func, *args, **kwargs) -> ModelError:
    with pytest.raises(ModelError) as info:
        func(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


def test_objects_remember_the_line_that_created_them():
    service = Service("api", project="app"); line = __import__("sys")._getframe().f_lineno  # noqa: E702
    assert service.location.file == __file__
    assert service.location.line == line
    assert service.location.column == 15  # the column of `Service(` on that line


def test_model_error_points_at_the_callers_line():
    error = raises("GD110", Service, "Bad_Name")
    assert error.location.file == __file__
    assert "DNS-1123" in error.message and "'Bad_Name'" in error.message


@pytest.mark.parametrize("name", ["", "-api", "api-", "API", "a_b", "a.b", "a" * 54])
def test_service_names_must_be_kubernetes_names(name):
    with pytest.raises(ModelError) as info:
        Service(name)
    assert info.value.code in {"GD110", "GD111"}


def test_service_name_limit_is_the_helm_release_limit():
    Service("a" * 53)
    assert raises("GD111", Service, "a" * 54).message.endswith("at most 53 are allowed")


def test_chart_versions_must_be_exact():
    HelmChart("https://charts.example", "x", "1.2.3")
    for version in ["1.2.*", ">=1.0.0 <2.0.0", "", "latest", "1.2"]:
        raises("GD406", HelmChart, "https://charts.example", "x", version)


def test_oci_scheme_is_dropped_as_argo_cd_wants():
    chart = HelmChart("oci://registry-1.docker.io/bitnamicharts", "redis", "19.6.0")
    assert chart.repo_url == "registry-1.docker.io/bitnamicharts" and chart.is_oci


def test_sync_options_are_typed():
    assert SyncOptions(create_namespace=True).create_namespace is True
    raises("GD101", SyncOptions, create_namespace="true")
    raises("GD101", SyncOptions, prune_propagation_policy="Foreground")
    with pytest.raises(TypeError):
        SyncOptions(createNamespace=True)  # noqa - an unknown option cannot be written


def test_durations_accept_go_strings_and_seconds():
    assert Backoff(5, 2, "3m").duration == "5s"
    raises("GD101", Backoff, "5 seconds")
    raises("GD101", Retry, limit=-2)


def test_values_must_be_yaml_data():
    raises("GD101", Service, "api", values={"a": {1, 2}})
    raises("GD101", Service, "api", values={"a": float("nan")})
    raises("GD101", Service, "api", values={1: "x"})
    service = Service("api", values={"a": [1, {"b": None}], "c": 1.5})
    assert service.values == {"a": [1, {"b": None}], "c": 1.5}


def test_values_are_copied_so_later_mutation_cannot_leak_in():
    values = {"a": {"b": 1}}
    service = Service("api", values=values)
    values["a"]["b"] = 2
    assert service.values == {"a": {"b": 1}}


def test_config_values_are_strings():
    error = raises("GD101", Service, "api", config={"PORT": 8080})
    assert "PORT" in error.message


def test_sealed_secrets_refuse_plaintext_without_echoing_it():
    error = raises("GD502", SealedSecrets, {"prod": {"DB_PASSWORD": "hunter2-very-secret"}})
    assert "hunter2" not in error.message and "hunter2" not in error.hint
    assert "hunter2" not in repr(error)


def test_sealed_ciphertext_shape():
    import base64
    block = (512).to_bytes(2, "big") + b"\x01" * 512 + b"\x02" * 20
    good = base64.b64encode(block).decode()
    assert is_sealed_ciphertext(good)
    assert not is_sealed_ciphertext(base64.b64encode(b"\x00\x10" + b"x" * 600).decode())
    assert not is_sealed_ciphertext(good[:-8])
    assert not is_sealed_ciphertext("A" * 700 + "!")
    secrets = SealedSecrets({"prod": {"KEY": good}})
    assert good not in repr(secrets)


def test_external_secret_holds_references_only():
    secret = ExternalSecret("openbao", {"TOKEN": SecretRef("plate/prod", "token")})
    assert secret.data["TOKEN"].property == "token"
    raises("GD101", ExternalSecret, "openbao", {"TOKEN": "plaintext"})


def test_ignore_difference_must_ignore_something():
    raises("GD101", IgnoreDifference, "Secret")
    raises("GD101", IgnoreDifference, "Secret", json_pointers=["data"])
    raises("GD101", IgnoreDifference, "Deployment", group="apps/v1", json_pointers=["/spec/replicas"])


def test_waves_number_in_order():
    a, b, c = Waves("a", "b", "c")
    assert (a.number, b.number, c.number) == (0, 1, 2)
    assert isinstance(a, Wave)
    raises("GD112", Waves, "a", "a")


def test_environment_zone_from_a_name():
    env = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="internal")
    assert env.zone == Zone("internal")


def test_repo_path_cannot_escape():
    Repo("https://example.com/r.git", path="build/gitops")
    raises("GD101", Repo, "https://example.com/r.git", path="../x")
    raises("GD101", Repo, "https://example.com/r.git", path="/abs")
    raises("GD101", Repo, "not a url")


def test_default_project_is_refused():
    raises("GD101", Project, "default")


def test_image_tag_and_digest():
    image = Image("ghcr.io/acme/api", "1.0", digest="sha256:" + "a" * 64)
    assert image.reference == "ghcr.io/acme/api:1.0@sha256:" + "a" * 64
    raises("GD101", Image, "ghcr.io/acme/api:1.0")
    raises("GD101", Image, "ghcr.io/acme/api", digest="sha256:xyz")


def test_overlay_shares_the_service_fields():
    overlay = Overlay(values={"a": 1}, sync=SyncPolicy(prune=False), wave=3)
    assert overlay.values == {"a": 1} and overlay.wave == 3


def test_directory_options_belong_to_plain_manifests():
    from gitops_dsl import GitPath
    from gitops_dsl.diagnostics import ModelError
    assert GitPath("k8s", tool="directory", recurse=False, include="*.yaml").include == "*.yaml"
    for options in ({"recurse": False}, {"include": "*.yaml"}, {"exclude": "x*"}):
        with pytest.raises(ModelError, match="options of plain manifests"):
            GitPath("charts/x", tool="helm", **options)


def test_skip_crds_belongs_to_helm_charts():
    from gitops_dsl import GitPath, HelmChart
    from gitops_dsl.diagnostics import ModelError
    assert HelmChart("https://charts.example", "x", "1.0.0", skip_crds=True).skip_crds
    assert GitPath("charts/x", skip_crds=True).skip_crds
    with pytest.raises(ModelError, match="skip_crds is an option of Helm charts"):
        GitPath("k8s", tool="directory", skip_crds=True)
