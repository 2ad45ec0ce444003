"""Argo CD's own decisions on AppProject entries, as a table: source repositories
(`AppProject.IsSourcePermitted`), destinations (`isDestinationMatched`, with `!` entries) and
resource lists (`isResourceInList`, Go's filepath.Match). The cases are the behaviour
argo-cd's pkg/apis/application/v1alpha1/types_test.go (TestAppProject_IsSourcePermitted,
TestAppProject_IsNegatedSourcePermitted, TestAppProject_IsDestinationPermitted,
TestAppProject_IsNegatedDestinationPermitted) pins at commit 37ee0097, plus the cases a platform
team writes most."""
from __future__ import annotations

import pytest

from gitops_dsl.argo.globs import (destination_permitted, kind_listed, normalize_git_url,
                                   resource_match, source_permitted)

GH = "https://github.com"
IN = "https://kubernetes.default.svc"

SOURCES = [
    (["*"], f"{GH}/argoproj/test.git", True),
    ([f"{GH}/argoproj/test.git"], f"{GH}/argoproj/test.git", True),
    ([f"{GH}/argoproj/test"], f"{GH}/ArgoProj/Test.git", True),           # case, `.git`
    ([f"{GH}/argoproj/*"], f"{GH}/argoproj/argoproj.git", True),
    ([f"{GH}/t1/test.git", f"{GH}/t2/test.git"], f"{GH}/t2/test.git", True),
    ([f"{GH}/argoproj/test1.git"], f"{GH}/argoproj/test2.git", False),
    ([f"{GH}/argoproj/*.git"], f"{GH}/argoproj1/test2.git", False),
    ([f"{GH}/argoproj/foo"], f"{GH}/argoproj/foo1", False),
    (["https://gitlab.com/group/*"], "https://gitlab.com/group/repo/owner", False),  # `*` stops at /
    (["https://gitlab.com/group/*/*"], "https://gitlab.com/group/repo/owner", True),
    (["https://gitlab.com/group/**"], "https://gitlab.com/group/sub/repo/owner", True),
    ([f"{GH}/acme/{{api,web}}"], f"{GH}/acme/web.git", True),               # alternatives
    ([f"{GH}/acme/{{api,web}}"], f"{GH}/acme/db.git", False),
    (["git@github.com:acme/*"], "git@github.com:acme/repo.git", True),      # scp-like SSH
    # deny entries
    ([f"!{GH}/argoproj/test.git"], f"{GH}/argoproj/test.git", False),
    ([f"!{GH}/argoproj/*"], f"{GH}/argoproj/argoproj.git", False),
    ([f"{GH}/t1/test.git", f"!{GH}/t2/test.git"], f"{GH}/t2/test.git", False),
    (["!https://gitlab.com/group/**"], "https://gitlab.com/group/sub/repo/owner", False),
    ([f"!{GH}/argoproj/*.git", "*"], f"{GH}/argoproj1/test2.git", True),
    # a lone deny entry admits every repository it does not name
    ([f"!{GH}/forbidden/*"], f"{GH}/acme/repo", True),
    ([f"*", f"!{GH}/forbidden/*"], f"{GH}/forbidden/repo", False),
]


@pytest.mark.parametrize("entries, repo, admitted", SOURCES)
def test_source_repositories_as_argo_cd_admits_them(entries, repo, admitted):
    assert source_permitted(entries, repo) is admitted


def d(server="", namespace="", name=""):
    return {"server": server, "namespace": namespace, "name": name}


DESTINATIONS = [
    ([d(IN, "default")], (IN, "", "default"), True),
    ([d(IN, "default")], (IN, "", "kube-system"), False),
    ([d("https://my-cluster", "default")], (IN, "", "default"), False),
    ([d(IN, "*")], (IN, "", "kube-system"), True),
    ([d("https://*.default.svc", "default")], (IN, "", "default"), True),
    ([d("https://team1-*", "default")], ("https://test2-dev-cluster", "", "default"), False),
    ([d(IN, "test-*")], (IN, "", "test-foo"), True),
    ([d(IN, "test-*")], (IN, "", "test"), False),
    ([d("*", "*")], (IN, "", "test"), True),
    ([d("", "*", "test")], ("", "test", "test"), True),
    ([d("", "*", "test2")], ("", "test", "test"), False),
    ([d(IN, "!{kube-system,argocd}", "host"), d("https://eks", "*", "eks")],
     ("https://eks", "", "kube-system"), True),
    # deny entries
    ([d(f"!{IN}", "default")], (IN, "", "default"), False),
    ([d(IN, "!default")], (IN, "", "kube-system"), True),       # a lone `!` namespace admits the rest
    ([d("!https://my-cluster", "default")], (IN, "", "default"), True),
    ([d(f"!{IN}", "*")], (IN, "", "kube-system"), False),
    ([d("!https://*.default.svc", "default")], (IN, "", "default"), False),
    ([d("!https://team1-*", "default")], ("https://test2-dev-cluster", "", "default"), True),
    ([d(IN, "!test-*")], (IN, "", "test-foo"), False),
    ([d(IN, "!test-*")], (IN, "", "test"), True),
    ([d("", "*", "!test")], ("", "test", "test"), False),
    ([d("", "*", "!test2")], ("", "test", "test"), True),
    ([d("*", "kube-system"), d("*", "!kube-system")], (IN, "", "kube-system"), False),
    ([d("*", "*"), d("*", "!kube-system")], (IN, "", "kube-system"), False),
    ([d(IN, "*"), d(f"!{IN}", "*")], (IN, "", "kube-system"), False),
    ([d("*", "*"), d(f"!{IN}", "kube-system")], (IN, "", "kube-system"), False),
    ([d("*", "*"), d(f"!{IN}", "kube-system"), d("*", "!kube-system")], (IN, "", "default"), True),
    ([d("*", "*"), d(f"!{IN}", "kube-system"), d("*", "!kube-system")],
     ("https://test-dev-cluster", "", "kube-system"), False),
    ([d("", "*", "test"), d("", "*", "!test")], ("", "test", "test"), False),
    ([d("*", "test"), d("!https://test-server", "other")], ("https://test-server", "", "test"), True),
    ([d("*", "*"), d("https://test-server", "!other")], ("https://other-test-server", "", "other"), True),
    # the controller knows a cluster by both: a `!` name entry refuses its cluster by name
    ([d("*", "*"), d("", "*", "!in-cluster")], (IN, "in-cluster", "apps"), False),
]


@pytest.mark.parametrize("entries, target, admitted", DESTINATIONS)
def test_destinations_as_argo_cd_admits_them(entries, target, admitted):
    server, name, namespace = target
    assert destination_permitted(entries, server=server, name=name, namespace=namespace) is admitted


@pytest.mark.parametrize("pattern, value, matched", [
    ("*", "apps", True), ("*", "", True), ("", "", True), ("", "apps", False),
    ("*.k8s.io", "rbac.authorization.k8s.io", True), ("Cluster*", "ClusterRole", True),
    ("[CR]ole", "Role", True), ("[^C]ole", "Role", True), ("[^R]ole", "Role", False),
    ("{Role,ClusterRole}", "Role", False),   # filepath.Match has no alternatives
    ("a/*", "a/b/c", False), ("[", "[", False),
])
def test_resource_lists_match_as_go_filepath_match(pattern, value, matched):
    assert resource_match(pattern, value) is matched


def test_a_cluster_list_entry_may_name_the_resource():
    entries = [{"group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "acme-*"}]
    assert kind_listed(entries, "rbac.authorization.k8s.io", "ClusterRole", "acme-reader")
    assert not kind_listed(entries, "rbac.authorization.k8s.io", "ClusterRole", "admin")


@pytest.mark.parametrize("url, normalized", [
    ("https://GitHub.com/Acme/Repo.git", "https://github.com/acme/repo"),
    ("git@github.com:acme/repo.git", "git@github.com/acme/repo"),
    (" https://github.com/acme/repo/ ", "https://github.com/acme/repo/"),   # a trailing / stays
    ("ssh://git@github.com:acme/repo", ""),    # Go's url.Parse refuses the port: empty
])
def test_urls_normalize_as_util_git_does(url, normalized):
    assert normalize_git_url(url) == normalized
