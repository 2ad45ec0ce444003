"""A zone's bundle is closed: unpacked into checkouts of the zone's repositories, every path
that an Application of the zone reads exists there - with custom repository paths, a separate
configs repository, and chart folders of the repository (argocd-facts 19)."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_dsl import (Cluster, Environment, GitPath, Image, Platform, Project, Repo, Service,
                        Zone)
from gitops_dsl.api import compile_platforms, resolved_platforms
from gitops_dsl.zones.bundle import bundle_files
from gitops_dsl.argo.globs import normalize_git_url
from gitops_dsl.emit.yaml import load
from tests.helpers import make_project, run_cli, scaled

OUTER = "https://example.com/acme/outer.git"
OUTER_CONFIGS = "https://example.com/acme/outer-configs.git"
CHART = {"Chart.yaml": b"apiVersion: v2\nname: x\nversion: 1.0.0\n",
         "templates/cm.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"}


def unresolved_reads(trees: dict[str, dict[str, bytes]], repos: dict[str, str]) -> list[str]:
    """Every path a zone Application names in one of the zone's repositories that the unpacked
    trees lack. `repos` maps a normalized repository URL to its tree."""
    missing = []
    for path, data in trees["gitops"].items():
        doc = load(data) if "argo-apps/" in path and path.endswith(".yaml") else None
        if not isinstance(doc, dict) or doc.get("kind") != "Application":
            continue
        spec = doc["spec"]
        sources = spec.get("sources") or [spec["source"]]
        refs = {s["ref"]: repos.get(normalize_git_url(s["repoURL"])) for s in sources if "ref" in s}
        for source in sources:
            tree = repos.get(normalize_git_url(source["repoURL"]))
            if tree is not None and "path" in source:
                folder = source["path"].strip("/")
                if not any(p == folder or p.startswith(folder + "/") for p in trees[tree]):
                    missing.append(f"{doc['metadata']['name']}: {source['path']}")
            for value_file in (source.get("helm") or {}).get("valueFiles", []):
                ref, _, rest = value_file.partition("/")
                ref_tree = refs.get(ref[1:])
                if ref_tree is not None and rest not in trees[ref_tree]:
                    missing.append(f"{doc['metadata']['name']}: {value_file}")
    return missing


def split(members: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    trees: dict[str, dict[str, bytes]] = {"gitops": {}, "configs": {}}
    for name, data in members.items():
        tree, _, rest = name.partition("/")
        trees[tree][rest] = data
    return trees


repo_paths = st.sampled_from([None, "", "deploy", "a/b/c"])


@settings(max_examples=scaled(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gitops_path=repo_paths, configs_path=repo_paths, separate=st.booleans(),
       own_repo=st.booleans(), chart_path=st.sampled_from(["charts/x", "helm/apps/x"]),
       platform_path=repo_paths)
def test_every_path_a_zone_application_reads_is_in_its_bundle(tmp_path_factory, gitops_path,
                                                              configs_path, separate, own_repo,
                                                              chart_path, platform_path):
    root = tmp_path_factory.mktemp("repo")
    for rel, data in CHART.items():
        (root / chart_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / chart_path / rel).write_bytes(data)
    zone = Zone("edge", gitops_repo=Repo(OUTER, path=gitops_path) if own_repo else None,
                configs_repo=(Repo(OUTER_CONFIGS if separate else OUTER, path=configs_path)
                              if own_repo else None))
    inner = Zone("inner")
    envs = [Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone=inner),
            Environment("prod", cluster=Cluster("prod", "https://prod:6443"), zone=zone)]
    platform = Platform(
        "demo", gitops_repo=Repo("https://example.com/acme/gitops.git", path=platform_path),
        environments=envs, projects=[Project("app")],
        services=[Service("api", project="app", image=Image("ghcr.io/acme/api", "1"),
                          values={"replicaCount": 1}, config={"LOG": "x"}),
                  Service("x", project="app", chart=GitPath(chart_path), values={"a": 1})])
    result = compile_platforms([platform], root=root)
    assert result.ok, [d.format() for d in result.diagnostics]
    members = bundle_files(result.files, resolved_platforms(result), "edge", root)
    trees = split(members)
    seen_by = platform if not own_repo else None
    gitops_url = OUTER if own_repo else seen_by.gitops_repo.url
    configs_url = (OUTER_CONFIGS if separate else OUTER) if own_repo else gitops_url
    repos = {normalize_git_url(gitops_url): "gitops"}
    repos.setdefault(normalize_git_url(configs_url), "configs")
    assert not unresolved_reads(trees, repos)
    assert all("/inner/" not in name and "/stg/" not in name for name in members)
    if not (own_repo and separate):
        assert trees["configs"] == {}


def test_unpack_lays_files_where_the_zones_applications_read_them(tmp_path):
    source = f'''
from gitops_dsl import *

outer = Zone("edge", gitops_repo=Repo("{OUTER}", path="deploy"),
             configs_repo=Repo("{OUTER_CONFIGS}", path="cfg"))
stg = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="internal")
prod = Environment("prod", cluster=Cluster("prod", "https://prod:6443"), zone=outer)
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
                    environments=[stg, prod], projects=[Project("app")], services=[
    Service("api", project="app", image=Image("ghcr.io/acme/api", "1"), config={{"LOG": "x"}}),
    Service("x", project="app", chart=GitPath("charts/x"), values={{"a": 1}}),
])
'''
    project = make_project(tmp_path / "p", source)
    for rel, data in CHART.items():
        (project / "charts/x" / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / "charts/x" / rel).write_bytes(data)
    bundle = tmp_path / "edge.tar.gz"
    made = run_cli("bundle", "--zone", "edge", "--out", str(bundle), cwd=project)
    assert made.returncode == 0, made.stderr
    gitops, configs = tmp_path / "outer", tmp_path / "outer-configs"
    refused = run_cli("unpack", str(bundle), "--into", str(gitops), "--allow-unsigned", cwd=tmp_path)
    assert refused.returncode == 1 and "--configs-into" in refused.stderr and not gitops.exists()
    done = run_cli("unpack", str(bundle), "--into", str(gitops), "--configs-into", str(configs),
                   "--allow-unsigned", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (gitops / "deploy/argo-apps/edge/roots/prod.yaml").is_file()
    assert (gitops / "charts/x/Chart.yaml").is_file()
    assert (configs / "cfg/prod/api/config.yaml").is_file()
    trees = {"gitops": {str(p.relative_to(gitops)): p.read_bytes() for p in gitops.rglob("*") if p.is_file()},
             "configs": {str(p.relative_to(configs)): p.read_bytes() for p in configs.rglob("*")
                         if p.is_file()}}
    assert not unresolved_reads(trees, {normalize_git_url(OUTER): "gitops",
                                        normalize_git_url(OUTER_CONFIGS): "configs"})
    # the checker is not vacuous: without the chart folder or a value file, it finds the gap
    for tree, prefix in (("gitops", "charts/x/"), ("configs", "cfg/prod/api/config.yaml")):
        partial = {t: {p: d for p, d in files.items() if not (t == tree and p.startswith(prefix))}
                   for t, files in trees.items()}
        assert unresolved_reads(partial, {normalize_git_url(OUTER): "gitops",
                                          normalize_git_url(OUTER_CONFIGS): "configs"})
    app = load((gitops / "deploy/argo-apps/edge/apps/prod/app/api.yaml").read_bytes())
    assert "$configs/cfg/prod/api/config.yaml" in app["spec"]["sources"][0]["helm"]["valueFiles"]


def test_a_chart_input_outside_the_repository_is_refused_at_compile_and_bundle(tmp_path):
    source = '''
from gitops_dsl import *

stg = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="edge")
platform = Platform("demo", gitops_repo=Repo("https://example.com/acme/gitops.git"),
                    environments=[stg], projects=[Project("app")], services=[
    Service("x", project="app", chart=GitPath("k8s/x", tool="kustomize")),
])
'''
    project = make_project(tmp_path / "p", source)
    (project / "k8s/x").mkdir(parents=True)
    (project / "k8s/x/kustomization.yaml").write_text("resources: [../../../elsewhere]\n")
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 1 and "GD602" in compiled.stderr and "Traceback" not in compiled.stderr
    bundled = run_cli("bundle", "--zone", "edge", "--out", str(tmp_path / "b.tar.gz"), cwd=project)
    assert bundled.returncode == 1 and not (tmp_path / "b.tar.gz").exists()
    assert Path(project / "platforms").is_dir()
