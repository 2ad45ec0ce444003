"""GD410 admits and refuses exactly as Argo CD's AppProject does (argo-cd
pkg/apis/application/v1alpha1/app_project_types.go `IsSourcePermitted`, `isDestinationMatched`:
gobwas globs, `*` stopping at `/` in repository URLs, `{a,b}`, `!` entries that admit the
rest)."""
from __future__ import annotations

import pytest

from tests.checks.test_rules import compile_case

# the platform's own repository is https://example.com/acme/gitops.git (the standard chart)
SOURCES = [
    ('["https://example.com/*"]', True),                 # `*` does not cross `/`
    ('["https://example.com/**"]', False),
    ('["https://example.com/acme/*"]', False),
    ('["https://example.com/acme/{gitops,tools}"]', False),
    ('["https://example.com/acme/{docs,tools}"]', True),
    ('["!https://example.com/forbidden/*"]', False),     # a lone deny entry admits the rest
    ('["*", "!https://example.com/acme/*"]', True),
]


@pytest.mark.parametrize("repos, refused", SOURCES)
def test_source_repositories(tmp_path, repos, refused):
    result, _ = compile_case(tmp_path, f'p = platform(svc("api"), projects=[Project("app", '
                                       f'source_repos={repos})])')
    found = [d for d in result.diagnostics if d.code == "GD410"]
    assert bool(found) is refused, [d.format() for d in result.diagnostics]
    if refused:
        assert "reads https://example.com/acme/gitops.git" in found[0].message


DESTINATIONS = [
    ('[Destination("*", "!kube-system")]', "api", False),     # admits every other namespace
    ('[Destination("*", "!kube-system")]', "kube-system", True),
    ('[Destination("*", "*"), Destination("*", "!kube-*")]', "kube-public", True),
    ('[Destination("https://*.example:6443", "{api,web}")]', "web", False),
    ('[Destination("https://*.example:6443", "{api,web}")]', "db", True),
    ('[Destination("!https://stg.example:6443", "*")]', "api", True),   # stg refused, prod not admitted
]


@pytest.mark.parametrize("destinations, namespace, refused", DESTINATIONS)
def test_destinations(tmp_path, destinations, namespace, refused):
    result, _ = compile_case(tmp_path, f'p = platform(svc("api", namespace="{namespace}"), '
                                       f'projects=[Project("app", destinations={destinations})])')
    found = [d for d in result.diagnostics if d.code == "GD410"]
    assert bool(found) is refused, [d.format() for d in result.diagnostics]
