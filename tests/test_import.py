"""`gitops-dsl import` on every hand-written tree in ../shared/reference/real-world: it imports
without crashing, the round trip is equal except for what the importer reported, and the trees'
known mistakes surface (as diagnostics of the compiled import, or as import notes)."""
from __future__ import annotations

import attrs
import pytest

from tests.helpers import app_yaml, empty_project, run_cli, shared

TREES = {
    "kimjoongwon__prj-devops": (14, ["spec.syncOptions is not an Application field"]),
    "FleetOps-V2__fleetops-deployments": (27, ["[GD114]", "[GD306]"]),
    "Black-And-White-Club__all-infrastructure": (36, ["[GD504]"]),
    "MALIEV-Co-Ltd__maliev-gitops": (141, ["[GD420]"]),
    "SeSACTHON__backend/head-acbd1561": (124, ["[GD206]", "ApplicationSet dev-apis expanded",
                                               "dev-api-info duplicates dev-api-info"]),
    "SeSACTHON__backend/hist-2e8703b0": (32, ["[GD504]", "duplicates"]),
    "SeSACTHON__backend/hist-5341203e": (41, ["value file", "not found in the tree",
                                              "spec.syncWave is not an Application field"]),
}


@pytest.mark.parametrize("tree", sorted(TREES))
def test_import_round_trip(tree, tmp_path):
    path = shared("reference", "real-world", *tree.split("/"))
    count, surfaced = TREES[tree]
    result = run_cli("import", str(path), "--check-roundtrip", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"round trip: {count} Applications" in result.stdout
    assert result.stdout.strip().endswith("0 not reported")
    for text in surfaced:
        assert text in result.stderr + result.stdout, text


def test_import_writes_a_platform_that_compiles(tmp_path):
    path = shared("reference", "real-world", "kimjoongwon__prj-devops")
    project = tmp_path / "p"
    empty_project(project)
    out = run_cli("import", str(path), "--out", "platforms/legacy.py", "--name", "cocdev", cwd=project)
    assert out.returncode == 0, out.stderr
    source = (project / "platforms/legacy.py").read_text()
    assert "Service(" in source and "per_env={" in source
    assert "'plate-web'" in source and "'stg': Overlay(" in source
    compiled = run_cli("compile", cwd=project)
    assert compiled.returncode == 0, compiled.stderr
    # Argo CD's default project is kept, and warned about, never declared or written
    assert (project / "build/gitops/argo-apps/main/apps/prod/default/plate-web.yaml").is_file()
    assert "warning[GD420]" in compiled.stderr
    assert not list((project / "build").rglob("projects/default.yaml"))
    again = run_cli("import", str(path), "--out", "platforms/legacy.py", cwd=project)
    assert again.returncode == 1 and "exists" in again.stderr


def test_an_annotation_that_is_not_imported_is_said(tmp_path):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "api.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api-prod\n"
        "  namespace: argocd\n  annotations:\n    notifications.argoproj.io/subscribe.on-sync: slack\n"
        "spec:\n  project: app\n  source:\n    repoURL: https://example.com/acme/charts.git\n"
        "    targetRevision: main\n    path: charts/api\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: api\n")
    result = run_cli("import", str(tmp_path / "tree"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "annotation notifications.argoproj.io/subscribe.on-sync not imported" in result.stderr


def _tree(tmp_path, source: str):
    tree = tmp_path / "tree"
    (tree / "apps").mkdir(parents=True)
    (tree / "apps" / "web.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-prod\n"
        "  namespace: argocd\nspec:\n  project: app\n  source:\n"
        "    repoURL: https://example.com/acme/deploy.git\n    targetRevision: main\n"
        f"{source}  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n")
    return tree


def test_a_chart_folder_without_a_helm_block_is_imported_as_helm_as_argo_cd_detects_it(tmp_path):
    tree = _tree(tmp_path, "    path: charts/web\n")
    (tree / "charts/web/templates").mkdir(parents=True)
    (tree / "charts/web/Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    imported = run_cli("import", str(tree), cwd=tmp_path).stdout
    assert "GitPath('charts/web'" in imported and "tool='helm'" in imported
    (tree / "charts/web/kustomization.yaml").write_text("resources: []\n")   # Kustomize wins
    imported = run_cli("import", str(tree), cwd=tmp_path).stdout
    assert "tool='kustomize'" in imported


def test_a_plugin_source_is_reported_never_silently_changed(tmp_path):
    tree = _tree(tmp_path, "    path: deploy\n    plugin:\n      name: sops\n")
    (tree / "deploy").mkdir()
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert "config management plugin" in result.stderr
    assert "web-prod: source type: 'plugin' -> 'directory' (reported)" in result.stdout


def test_directory_options_are_imported_and_round_trip(tmp_path):
    tree = _tree(tmp_path, "    path: k8s/web\n    directory:\n      include: '*.yaml'\n"
                           "      exclude: secret*\n")
    (tree / "k8s/web").mkdir(parents=True)
    imported = run_cli("import", str(tree), cwd=tmp_path).stdout
    # Argo CD reads one level unless recurse: true - and so does the import
    assert "tool='directory', recurse=False, include='*.yaml', exclude='secret*')" in imported
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert result.returncode == 0 and "0 difference(s)" in result.stdout, result.stdout


def test_skip_crds_is_imported_compiled_and_round_trips(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: prom-prod\n"
        "  namespace: argocd\nspec:\n  project: monitoring\n  source:\n"
        "    repoURL: https://prometheus-community.github.io/helm-charts\n"
        "    chart: kube-prometheus-stack\n    targetRevision: 65.1.0\n"
        "    helm:\n      skipCrds: true\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: monitoring\n")
    imported = run_cli("import", str(tree), cwd=tmp_path)
    assert "skip_crds=True)" in imported.stdout and "skipCrds" not in imported.stderr
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert result.returncode == 0 and "0 difference(s)" in result.stdout, result.stdout


def _originals(tree) -> dict[str, dict]:
    """Every Application of a hand-written tree, by name, read straight from its files."""
    import yaml
    found = {}
    for path in sorted(tree.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Application":
                found[doc["metadata"]["name"]] = doc
    return found


def _effective_release(doc: dict, tree) -> str | None:
    """Argo CD's release name for a Helm source: helm.releaseName, else the Application's name;
    None for a source Argo CD does not render with Helm (util/app/discovery)."""
    spec = doc["spec"]
    source = spec.get("source") or spec["sources"][0]
    helm = source.get("helm")
    folder = tree / source["path"] if source.get("path") else None
    is_helm = bool(source.get("chart")) or helm is not None or (
        folder is not None and folder.is_dir() and any(folder.glob("*Chart.yaml")))
    if not is_helm:
        return None
    return (helm or {}).get("releaseName") or doc["metadata"]["name"]


def test_every_imported_application_keeps_its_name_release_and_namespace(tmp_path):
    """prj-devops, one Application at a time: the compiled import has an Application of the same
    name, in the same namespace, and (for a Helm source) the same release name - so adopting it
    renames no Application and no workload."""
    import yaml
    path = shared("reference", "real-world", "kimjoongwon__prj-devops")
    project = tmp_path / "p"
    empty_project(project)
    imported = run_cli("import", str(path), "--out", "platforms/legacy.py", cwd=project)
    assert imported.returncode == 0
    assert run_cli("compile", cwd=project).returncode == 0
    compiled = {}
    for app_file in (project / "build/gitops/argo-apps").glob("*/apps/*/*/*.yaml"):
        doc = yaml.safe_load(app_file.read_text())
        compiled[doc["metadata"]["name"]] = doc
    originals = _originals(path)
    # the app-of-apps over every environment stays, as the one root they share: same name, the
    # same sync policy, reading each environment's folder
    assert ("cocdev-platform-apps: an app-of-apps over the imported Applications: kept as the "
            "root of environments prod, shared, stg, which share it") in imported.stderr
    root = originals.pop("cocdev-platform-apps")
    [kept] = [yaml.safe_load(f.read_text())
              for f in (project / "build/gitops/argo-apps").glob("*/roots/*.yaml")]
    assert kept["metadata"]["name"] == "cocdev-platform-apps"
    assert {k for k, v in kept["spec"]["syncPolicy"]["automated"].items() if v is True} == \
        {k for k, v in root["spec"]["syncPolicy"]["automated"].items() if v is True}
    assert [s["path"].rsplit("/", 1)[1] for s in kept["spec"]["sources"]] == ["prod", "shared", "stg"]
    assert len(originals) == 13 and set(compiled) == set(originals)
    for name, original in sorted(originals.items()):
        mine = compiled[name]
        source = mine["spec"].get("source") or mine["spec"]["sources"][0]
        assert mine["spec"]["destination"]["namespace"] == original["spec"]["destination"]["namespace"]
        expected = _effective_release(original, path)
        if expected is None:
            assert "helm" not in source or not source["helm"].get("releaseName"), name
        else:
            assert source.get("helm", {}).get("releaseName") == expected, name


def test_names_that_follow_no_template_are_kept_per_environment(tmp_path):
    """api-stg and prod-api: no one template makes both, so each environment keeps its own."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for env, name, release in (("stg", "api-stg", None), ("prod", "prod-api", "api-main")):
        helm = f"    helm:\n      releaseName: {release}\n" if release else ""
        (tree / f"{name}.yaml").write_text(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: {name}\n  namespace: argocd\nspec:\n  project: app\n  source:\n"
            "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
            f"{helm}  destination:\n    server: https://{env}.example:6443\n    namespace: api-{env}\n")
    project = tmp_path / "p"
    empty_project(project)
    result = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip",
                     cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    source = (project / "platforms/legacy.py").read_text()
    assert "app_name='prod-api', release_name='api-main'" in source
    assert "release_name='api-stg'" in source   # Argo CD's default: the Application's name
    assert "0 difference(s)" in result.stdout


def test_the_round_trip_reports_a_name_it_could_not_keep(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    long_name = "api-" + "x" * 70 + "-stg"
    (tree / "api.yaml").write_text(app_yaml(
        long_name, "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n",
        "https://stg.example:6443", "api"))
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert "name" in result.stdout and "0 difference(s)" not in result.stdout
    assert "not a DNS-1123 label of at most 63" in result.stderr + result.stdout


def _two_apps(tmp_path):
    """A tree whose stg Application has no retry and no automated sync, and whose prod
    Application retries twice: what each does, the import must keep."""
    tree = tmp_path / "tree"
    tree.mkdir()
    source = "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
    (tree / "stg.yaml").write_text(app_yaml("api-stg", source, "https://stg.example:6443", "api"))
    (tree / "prod.yaml").write_text(
        app_yaml("api-prod", source, "https://prod.example:6443", "api")
        + "  syncPolicy:\n    automated:\n      prune: true\n    retry:\n      limit: 2\n")
    return tree


def test_an_import_adds_no_sync_behaviour_the_tree_does_not_have(tmp_path):
    """No platform default leaks into an imported Application: without `retry` Argo CD never
    retries a failed sync, and so does the compiled Application (`retry=False`)."""
    import yaml
    tree = _two_apps(tmp_path)
    project = empty_project(tmp_path / "p")
    assert run_cli("import", str(tree), "--out", "platforms/legacy.py", cwd=project).returncode == 0
    assert run_cli("compile", cwd=project).returncode == 0
    compiled = [yaml.safe_load(p.read_text())
                for p in (project / "build/gitops/argo-apps").glob("*/apps/*/*/api.yaml")]
    by_name = {d["metadata"]["name"]: d["spec"].get("syncPolicy") or {} for d in compiled}
    assert "retry" not in by_name["api-stg"] and "automated" not in by_name["api-stg"]
    assert by_name["api-prod"]["retry"]["limit"] == 2 and by_name["api-prod"]["automated"]["prune"]
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert result.returncode == 0 and "0 not reported" in result.stdout, result.stdout


def test_the_round_trip_counts_a_sync_policy_difference(tmp_path):
    """A platform default that leaked (here: `retry=False` left out of the imported file) is a
    difference the importer did not report: the round trip fails on it."""
    from gitops_dsl.importer import import_tree
    from gitops_dsl.importer.roundtrip import compare, compile_import
    imported = import_tree([_two_apps(tmp_path)])
    assert compare(list(imported.apps), compile_import(imported)[1]) == []
    assert imported.source.count("retry=False, ") == 1   # the stg Application's
    leaked = attrs.evolve(imported, source=imported.source.replace("retry=False, ", ""))
    differences = compare(list(leaked.apps), compile_import(leaked)[1])
    assert [(d.app, d.field, d.reported) for d in differences] == [("api-stg", "sync.retry", False)]


CONFIGS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api-stg
  namespace: argocd
spec:
  project: app
  sources:
    - repoURL: https://charts.example.com
      chart: api
      targetRevision: 1.0.0
      helm:
        valueFiles:
          - $configs/api/config.yaml
    - repoURL: https://example.com/acme/configs.git
      targetRevision: main
      ref: configs
  destination:
    server: https://stg.example:6443
    namespace: api
"""


def test_a_configs_repository_dropped_by_the_import_is_a_difference_it_reports(tmp_path):
    """An Application reading value files from a second repository through a `ref` source: the
    import keeps the values but not the repository (later changes there would no longer reach
    the Application), says so, and the round trip counts the dropped repository."""
    from gitops_dsl.importer import import_tree
    from gitops_dsl.importer.roundtrip import compare, compile_import
    tree = tmp_path / "tree"
    (tree / "api").mkdir(parents=True)
    (tree / "api.yaml").write_text(CONFIGS)
    (tree / "api" / "config.yaml").write_text("replicaCount: 2\n")
    result = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "source https://example.com/acme/configs.git (ref configs) is not kept" in \
        result.stdout + result.stderr
    imported = import_tree([tree])
    differences = {d.field: d for d in compare(list(imported.apps), compile_import(imported)[1])}
    assert sorted(differences) == ["repositories", "value files"]
    assert differences["repositories"].reported and differences["value files"].reported
    assert differences["repositories"].original == ["https://charts.example.com",
                                                    "https://example.com/acme/configs"]
    assert (differences["value files"].original, differences["value files"].compiled) == \
        (["https://example.com/acme/configs/api/config.yaml"], [])
    # without the importer's notes the same differences fail the round trip
    [app] = imported.apps
    app.notes[:] = [n for n in app.notes if "is not kept" not in n and "relocated" not in n]
    unexplained = sorted((d.field, d.reported) for d in compare(list(imported.apps),
                                                                  compile_import(imported)[1]))
    assert unexplained == [("repositories", False), ("value files", False)]
    # a note about another file explains nothing
    app.notes.append("value file $configs/api/other.yaml relocated into the gitops-dsl layout")
    [files] = [d for d in compare(list(imported.apps), compile_import(imported)[1])
               if d.field == "value files"]
    assert not files.reported


def test_value_files_of_a_configs_repository_are_kept_as_that_repositorys(tmp_path):
    """Seed 004's layout: Applications read `$configs/<svc>/config.yaml` and `secrets.yaml` from
    a configs repository of their own, after their other values. The import keeps both, in
    order, read from that repository (RepoFile), so later changes there still reach the
    Application; the round trip finds every repository and value file again."""
    import yaml
    tree = tmp_path / "tree"
    (tree / "apps").mkdir(parents=True)
    (tree / "k8s/web").mkdir(parents=True)
    (tree / "k8s/web/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n")
    (tree / "apps/web.yaml").write_text(app_yaml(
        "web-stg", "    repoURL: https://example.com/acme/gitops.git\n    targetRevision: main\n"
        "    path: k8s/web\n", "https://stg.example:6443", "web"))
    (tree / "apps/api.yaml").write_text(CONFIGS.replace(
        "          - $configs/api/config.yaml\n",
        "          - $configs/api/config.yaml\n          - $configs/api/secrets.yaml\n"))
    project, run = _imported(tree, tmp_path / "p")
    assert "value file $configs/api/config.yaml kept: read from https://example.com/acme/configs.git" \
        in run.stderr
    assert "is not kept" not in run.stderr
    assert "api-stg" not in run.stdout.replace("round trip", "")   # no difference for it
    text = (project / "platforms/legacy.py").read_text()
    assert "RepoFile(Repo('https://example.com/acme/configs.git', 'main'), 'api/config.yaml')" in text
    assert run_cli("compile", cwd=project).returncode == 0
    [app] = [yaml.safe_load(f.read_text())
             for f in (project / "build/gitops/argo-apps").glob("*/apps/stg/*/api.yaml")]
    chart, *refs = app["spec"]["sources"]
    assert chart["helm"]["valueFiles"][-2:] == ["$configs-repo/api/config.yaml",
                                                "$configs-repo/api/secrets.yaml"]
    assert {"repoURL": "https://example.com/acme/configs.git", "targetRevision": "main",
            "ref": "configs-repo"} in refs


def test_a_dropped_duplicate_is_no_value_file_difference(tmp_path):
    """Two files hold an Application of one name (hist-2e8703b0 keeps a parallel, orphaned
    tree): the first is imported, the second dropped with a note. Nothing of the dropped one is
    compiled, so the value files the kept one reads through a configs repository are no
    difference of the dropped one that the import failed to report."""
    tree = tmp_path / "tree"
    (tree / "apps").mkdir(parents=True)
    (tree / "apps/api.yaml").write_text(CONFIGS)
    (tree / "k8s/web").mkdir(parents=True)   # a folder of the imported repository: its own
    (tree / "k8s/web/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n")
    (tree / "apps/web.yaml").write_text(app_yaml(
        "web-stg", "    repoURL: https://example.com/acme/gitops.git\n    targetRevision: main\n"
        "    path: k8s/web\n", "https://stg.example:6443", "web"))
    (tree / "orphaned").mkdir()
    (tree / "orphaned/api.yaml").write_text(app_yaml(
        "api-stg", "    repoURL: https://charts.example.com\n    chart: api\n"
        "    targetRevision: 1.0.0\n", "https://stg.example:6443", "api"))
    project, run = _imported(tree, tmp_path / "p")
    assert "a second Application for service api in stg" in run.stderr, run.stderr
    assert "value file $configs/api/config.yaml kept" in run.stderr
    assert "NOT REPORTED" not in run.stdout


def _imported(tree, folder):
    """A new project with `tree` imported into platforms/legacy.py, the round trip checked:
    the project folder and the import's run."""
    project = empty_project(folder)
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", "--check-roundtrip",
                  cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    return project, run


def _rooted_tree(tmp_path):
    """A tree with an app-of-apps per environment (dev-root reads apps/dev, prod-root apps/prod)."""
    tree = tmp_path / "tree"
    source = "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
    for env in ("dev", "prod"):
        (tree / "apps" / env).mkdir(parents=True)
        (tree / "apps" / env / "api.yaml").write_text(
            app_yaml(f"api-{env}", source, f"https://{env}.example:6443", "api"))
        (tree / "roots").mkdir(exist_ok=True)
        (tree / "roots" / f"{env}.yaml").write_text(app_yaml(
            f"{env}-root", "    repoURL: https://example.com/acme/gitops.git\n"
            f"    targetRevision: main\n    path: apps/{env}\n",
            "https://kubernetes.default.svc", "argocd", project="default")
            + "  syncPolicy:\n    automated:\n      prune: true\n")
    return tree


def test_an_app_of_apps_per_environment_is_kept_as_that_environments_root(tmp_path):
    """Roots keep their names: the compiled root of each environment takes the tree's app-of-apps
    over (same name, same sync policy) instead of running beside it and managing the same
    Applications."""
    import yaml
    tree = _rooted_tree(tmp_path)
    project = empty_project(tmp_path / "p")
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", cwd=project)
    assert run.returncode == 0, run.stderr
    assert "kept as the root of environment dev (Environment(root_name='dev-root'))" in run.stderr
    assert run_cli("compile", cwd=project).returncode == 0
    roots = {yaml.safe_load(p.read_text())["metadata"]["name"]: yaml.safe_load(p.read_text())
             for p in (project / "build/gitops/argo-apps").glob("*/roots/*.yaml")}
    assert sorted(roots) == ["dev-root", "prod-root"]
    policy = roots["dev-root"]["spec"]["syncPolicy"]
    assert policy["automated"]["prune"] is True and "retry" not in policy
    check = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert check.returncode == 0 and check.stdout.strip().endswith("0 not reported"), check.stdout


def test_an_app_of_apps_over_several_environments_is_kept_as_the_root_they_share(tmp_path):
    """One app-of-apps over both environments (one folder of Applications): after the import,
    one compiled root of that name reads both environments' folders, so the live Application is
    taken over and nothing is detached by hand; the round trip holds it to that."""
    import yaml
    tree = tmp_path / "tree"
    source = "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
    (tree / "apps").mkdir(parents=True)
    for env in ("dev", "prod"):
        (tree / "apps" / f"api-{env}.yaml").write_text(
            app_yaml(f"api-{env}", source, f"https://{env}.example:6443", "api"))
    (tree / "platform-apps.yaml").write_text(app_yaml(
        "platform-apps", "    repoURL: https://example.com/acme/gitops.git\n"
        "    targetRevision: main\n    path: apps\n", "https://kubernetes.default.svc", "argocd",
        project="default") + "  syncPolicy:\n    automated:\n      prune: true\n")
    project, run = _imported(tree, tmp_path / "p")
    assert "kept as the root of environments dev, prod, which share it" in run.stderr
    assert run.stdout.strip().endswith("0 not reported"), run.stdout
    assert run_cli("compile", cwd=project).returncode == 0
    [root] = [yaml.safe_load(f.read_text())
              for f in (project / "build/gitops/argo-apps").glob("*/roots/*.yaml")]
    assert root["metadata"]["name"] == "platform-apps"
    automated = root["spec"]["syncPolicy"]["automated"]
    assert automated["prune"] is True and not automated.get("selfHeal")
    assert [(s["path"], s["directory"]) for s in root["spec"]["sources"]] == [
        ("build/gitops/argo-apps/main/apps/dev", {"recurse": True}),
        ("build/gitops/argo-apps/main/apps/prod", {"recurse": True})]
    # the roots of environments that share one must agree on its settings
    text = (project / "platforms/legacy.py").read_text()
    (project / "platforms/legacy.py").write_text(text.replace(
        "root_sync=", "root_labels={'team': 'a'}, root_sync=", 1))
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1 and "error[GD127]" in refused.stderr, refused.stderr


def test_an_app_of_apps_over_the_roots_is_kept_as_the_zone_application(tmp_path):
    """The tree's top app-of-apps deploys nothing but the environments' roots: it becomes the
    zone Application (the zone's own root) under its name, so the whole tree is taken over by
    name; renaming it later is refused, since the old one (applied by hand) would stay."""
    import yaml
    tree = _rooted_tree(tmp_path)
    (tree / "root.yaml").write_text(app_yaml(
        "root", "    repoURL: https://example.com/acme/gitops.git\n    targetRevision: main\n"
        "    path: roots\n", "https://kubernetes.default.svc", "argocd", project="default"))
    project, run = _imported(tree, tmp_path / "p")
    assert "root: an app-of-apps over the imported roots: kept as the zone Application" in run.stderr
    assert run.stdout.strip().endswith("0 not reported"), run.stdout
    assert run_cli("compile", cwd=project).returncode == 0
    zone_app = yaml.safe_load((project / "build/gitops/bootstrap/main/zone.yaml").read_text())
    assert zone_app["metadata"]["name"] == "root"
    text = (project / "platforms/legacy.py").read_text()
    (project / "platforms/legacy.py").write_text(text.replace("root_name='root'", "root_name='top'"))
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1, refused.stderr
    assert "renames the zone Application root of zone main" in refused.stderr
    assert "--allow-delete root" in refused.stderr
    assert run_cli("compile", "--allow-delete", "root", cwd=project).returncode == 0


@pytest.mark.parametrize("edit, field", [
    (("release_name='{service}-{env}'", "release_name='{service}'"), "release name"),
    (("chart=HelmChart('https://charts.example.com', 'api', '1.0.0')",
      "chart=GitPath('k8s/api', repo=Repo('https://charts.example.com'), tool='directory')"),
     "source type"),
    (("values_object={'replicaCount': 2}", "values_object={'replicaCount': 3}"), "values"),
    (("project='app'", "project='other'"), "project"),
])
def test_the_round_trip_fails_on_each_kind_of_difference(tmp_path, edit, field):
    """What the import writes, changed by hand in one respect: the round trip names that
    difference, unreported - a release name, a source type, the effective values, a project."""
    from gitops_dsl.importer import import_tree
    from gitops_dsl.importer.roundtrip import compare, compile_import
    tree = tmp_path / "tree"
    tree.mkdir()
    source = ("    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
              "    helm:\n      valuesObject:\n        replicaCount: 2\n")
    for env in ("stg", "prod"):
        (tree / f"{env}.yaml").write_text(app_yaml(f"api-{env}", source, f"https://{env}.example:6443", "api"))
    imported = import_tree([tree])
    assert compare(list(imported.apps), compile_import(imported)[1]) == []
    old, new = edit
    assert old in imported.source
    source_text = imported.source.replace(old, new)
    if field == "project":
        source_text = source_text.replace("projects=[Project('app')]", "projects=[Project('app'), Project('other')]")
    changed = attrs.evolve(imported, source=source_text)
    found = {(d.field, d.reported) for d in compare(list(changed.apps), compile_import(changed)[1])}
    assert (field, False) in found, found


def test_the_round_trip_fails_when_a_kept_root_is_renamed(tmp_path):
    from gitops_dsl.importer import import_tree
    from gitops_dsl.importer.roundtrip import compare, compile_import
    imported = import_tree([_rooted_tree(tmp_path)])
    assert [d for d in compare(list(imported.apps), compile_import(imported)[1]) if not d.reported] == []
    renamed = attrs.evolve(imported, source=imported.source.replace("root_name='dev-root'",
                                                                    "root_name='dev-apps'"))
    unreported = [(d.app, d.field) for d in compare(list(renamed.apps), compile_import(renamed)[1])
                  if not d.reported]
    assert unreported == [("dev-root", "name")]


def test_a_project_per_environment_is_kept(tmp_path):
    """A separated production in an AppProject of its own: the import keeps each environment's
    project (Overlay(project=...)), the compiled Applications name them, and the round trip
    compares the project of every Application."""
    import yaml
    tree = tmp_path / "tree"
    tree.mkdir()
    source = "    repoURL: https://charts.example.com\n    chart: api\n    targetRevision: 1.0.0\n"
    (tree / "stg.yaml").write_text(app_yaml("api-stg", source, "https://stg.example:6443", "api",
                                            project="apps"))
    (tree / "prod.yaml").write_text(app_yaml("api-prod", source, "https://prod.example:6443", "api",
                                             project="prod"))
    project = empty_project(tmp_path / "p")
    run = run_cli("import", str(tree), "--out", "platforms/legacy.py", cwd=project)
    assert run.returncode == 0 and "Overlay(project=" in (project / "platforms/legacy.py").read_text()
    assert run_cli("compile", cwd=project).returncode == 0
    projects = {}
    for path in (project / "build/gitops/argo-apps").glob("*/apps/*/*/api.yaml"):
        doc = yaml.safe_load(path.read_text())
        projects[doc["metadata"]["name"]] = doc["spec"]["project"]
    assert projects == {"api-stg": "apps", "api-prod": "prod"}
    prod_project = next((project / "build/gitops/argo-apps").glob("*/projects/prod.yaml"))
    destinations = yaml.safe_load(prod_project.read_text())["spec"]["destinations"]
    assert destinations == [{"server": "https://prod.example:6443", "namespace": "api"}]
    check = run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert check.returncode == 0 and check.stdout.strip().endswith("0 not reported"), check.stdout
