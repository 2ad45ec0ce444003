"""Argo CD's substitution of Helm parameters (pkg/apis/application/v1alpha1/types.go
`Env.Envsubst` over Go's src/os/env.go `Expand`), case by case."""
from __future__ import annotations

import pytest

from gitops_dsl.argo.envsubst import expand, expand_path, references

ENV = {"ARGOCD_APP_NAME": "api-stg", "ARGOCD_APP_NAMESPACE": "plate"}


@pytest.mark.parametrize("text, expanded", [
    ("plain", "plain"),
    ("$ARGOCD_APP_NAME", "api-stg"),
    ("${ARGOCD_APP_NAME}-x", "api-stg-x"),
    ("$ARGOCD_APP_NAME.svc", "api-stg.svc"),          # a name stops at the first other character
    ("$ARGOCD_APP_NAMEx", ""),                          # ... and runs as long as it can
    ("pa$$word", "pa$word"),                            # `$$` is a literal `$`
    ("pa$word", "pa"),                                  # an unknown name becomes nothing
    ("cost: 5$", "cost: 5$"),                           # a `$` at the end stays
    ("a$.b", "a$.b"),                                   # before anything but a name, it stays
    ("${}x", "x"),                                      # bad syntax is eaten
    ("${open", "open"),
    ("$1st", "st"), ("$-x", "x"), ("${*}", ""),         # shell specials name one character
])
def test_expand_as_go_os_expand(text, expanded):
    assert expand(text, ENV) == expanded


def test_references_name_what_the_reader_loses():
    assert references("$ARGOCD_APP_NAME and $$ and $.") == []
    assert references("pa$word ${} $1") == ["$word", "${}", "$1"]


def test_a_ref_source_prefix_is_kept():
    assert expand_path("$values/envs/$ARGOCD_APP_NAME.yaml", {"values"}, ENV) == "$values/envs/api-stg.yaml"
    assert expand_path("$other/x.yaml", {"values"}, ENV) == "/x.yaml"
