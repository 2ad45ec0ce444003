"""Which Argo CD version has each field: the table names fields of the real CRDs, the check
finds what an older version lacks, and a zone's version reaches the compile (GD128)."""
from __future__ import annotations

import yaml

from gitops_dsl.argo.versions import FIRST, WRITTEN_FOR, parse, unsupported
from tests.helpers import MINIMAL, make_project, run_cli, shared


def _schema_paths(node: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in (node.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        found |= {path} | _schema_paths(value, path)
    if isinstance(node.get("items"), dict):
        found |= _schema_paths(node["items"], prefix)
    return found


def test_every_field_of_the_table_is_a_field_of_argo_cds_crds():
    """Read against the CRDs of the version gitops-dsl writes for: a misspelt path in the
    table would never match and so never warn."""
    known = {}
    for kind, name in (("Application", "application"), ("AppProject", "appproject")):
        crd = yaml.safe_load(shared("reference", "argocd-crds", f"{name}-crd.yaml").read_text())
        known[kind] = _schema_paths(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    missing = [(kind, path) for kind, path in FIRST if path not in known[kind]]
    assert missing == []
    assert all(version <= WRITTEN_FOR for version in FIRST.values())


def test_an_older_argo_cd_lacks_what_came_after_it():
    document = {"kind": "Application", "spec": {
        "sources": [{"repoURL": "https://charts.example.com", "chart": "redis",
                     "helm": {"valuesObject": {"a": 1}, "version": "v4"}},
                    {"repoURL": "https://example.com/gitops.git", "ref": "values"}],
        "syncPolicy": {"retry": {"limit": 2, "refresh": True}}}}
    assert unsupported(document, (3, 5)) == []
    assert unsupported(document, (3, 1)) == ["spec.sources.helm.version: v4 (Argo CD 3.5; before, only v3)",
                                             "spec.syncPolicy.retry.refresh (Argo CD 3.2)"]
    assert "spec.sources (Argo CD 2.6)" in unsupported(document, (2, 5))
    assert "spec.sources.helm.valuesObject (Argo CD 2.8)" in unsupported(document, (2, 7))
    assert parse("2.14") == (2, 14)


def test_a_zone_s_argo_cd_version_is_checked_through_the_cli(tmp_path):
    project = make_project(tmp_path, MINIMAL.replace('zone="internal"', 'zone=Zone("internal", argocd_version="2.5")'))
    run = run_cli("compile", cwd=project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "error[GD128]" in run.stderr and "spec.sources (Argo CD 2.6)" in run.stderr, run.stderr
    fine = make_project(tmp_path / "fine", MINIMAL.replace('zone="internal"', 'zone=Zone("internal", argocd_version="3.4")'))
    assert run_cli("compile", cwd=fine).returncode == 0
    bad = make_project(tmp_path / "bad", MINIMAL.replace('zone="internal"', 'zone=Zone("internal", argocd_version="three")'))
    refused = run_cli("compile", cwd=bad)
    assert refused.returncode == 1 and "error[GD101]" in refused.stderr and "Traceback" not in refused.stderr
