"""The seven invariants of DESIGN.md as plain functions over a compile result, so each property
test can run them on random platforms and each "can fail" test on a deliberately broken build."""
from __future__ import annotations

import random
import re
from pathlib import Path

import attrs

from gitops_dsl.api import compile_platforms, write
from gitops_dsl.emit.writer import plan
from gitops_dsl.emit.paths import check_path
from gitops_dsl.emit.yaml import load
from gitops_dsl.resolve import resolve
from tests.argo_schema import is_argo, problems


def compiled(platform):
    result = compile_platforms([platform])
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


def argo_docs(result) -> dict:
    return {p: d.data for p, d in result.tree.items() if d.format == "yaml" and is_argo(d.data)}


def wave_order(platform, result) -> None:
    """Invariant 1: a dependency syncs in a strictly lower wave; projects before roots."""
    docs = argo_docs(result)
    waves = {}
    for path, doc in docs.items():
        if "/apps/" in path:
            env = path.split("/")[4]
            waves[(env, doc["metadata"]["labels"]["app.kubernetes.io/name"])] = int(
                doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
    for app in resolve(platform).apps:
        for dep in app.depends_on:
            assert waves[(app.env.name, dep)] < waves[(app.env.name, app.service.name)], (app.name, dep)
    project_waves = [int(d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
                     for p, d in docs.items() if "/projects/" in p]
    root_waves = [int(d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
                  for p, d in docs.items() if "/roots/" in p]
    assert not project_waves or max(project_waves) < min(root_waves)


def _reversed_keys(data):
    if isinstance(data, dict):
        return {k: _reversed_keys(data[k]) for k in reversed(list(data))}
    if isinstance(data, list):
        return [_reversed_keys(v) for v in data]
    return data


def reordered(platform, seed: int):
    """The same platform declared in another order: lists shuffled, every dict's keys reversed."""
    rnd = random.Random(seed)

    def shuffle(items):
        items = list(items)
        rnd.shuffle(items)
        return items

    def maps(layer):   # every user map of a layer, keys in the opposite order
        names = [f for f in ("values", "config", "labels", "annotations", "info")
                 if hasattr(layer, f)]
        return attrs.evolve(layer, **{f: _reversed_keys(getattr(layer, f)) for f in names})

    services = []
    for service in shuffle(platform.services):
        per_env = {k: maps(service.per_env[k]) for k in reversed(list(service.per_env))}
        services.append(attrs.evolve(maps(service), per_env=per_env,
                                     depends_on=shuffle(service.depends_on)))
    return attrs.evolve(maps(platform), services=services,
                        environments=[maps(e) for e in shuffle(platform.environments)],
                        projects=shuffle(platform.projects), zones=shuffle(platform.zones))


def determinism(platform, seed: int) -> None:
    """Invariant 2: declaration order never changes a byte."""
    assert compiled(reordered(platform, seed)).files == compiled(platform).files


# YAML 1.2's core schema (what Helm's and Argo CD's Go parsers read): plain scalars that are not
# strings there. YAML 1.1 (PyYAML) reads some of them as strings: `1e3`, `0o755`, `0x1F`, ...
_NOT_A_STRING_IN_YAML_12 = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$")


def round_trip(result) -> None:
    """Invariant 4b: every YAML file parses back to exactly the rendered data, and every plain
    scalar means the same to a YAML 1.1 parser (PyYAML) and a YAML 1.2 one (Helm, Argo CD): a
    string is never written so that Go reads a number, a boolean or null."""
    import yaml
    resolver = yaml.resolver.Resolver()
    for path, document in result.tree.items():
        if document.format != "yaml":
            continue
        assert load(result.files[path]) == document.data, path
        for event in yaml.parse(result.files[path]):
            if isinstance(event, yaml.ScalarEvent) and event.style is None:
                as_11 = resolver.resolve(yaml.ScalarNode, event.value, (True, False))
                assert not (as_11 == "tag:yaml.org,2002:str"
                            and _NOT_A_STRING_IN_YAML_12.match(event.value)), (path, event.value)


def fidelity(result) -> None:
    """Invariant 4a: every Argo CD document validates against the CRDs, strict, lint-clean."""
    for path, doc in argo_docs(result).items():
        assert problems(doc) == [], (path, problems(doc))


def _out_path(result, url: str, repo_path: str) -> str | None:
    """The output path of a path in one of the platform's repositories (None: outside them),
    through the Repo paths, whatever they are."""
    platform = result.platforms[0]
    for tree, repo, prefix in (("gitops", platform.gitops_repo, platform.gitops_path),
                               ("configs", platform.configs, platform.configs_path)):
        if repo.url != url:
            continue
        if not prefix:
            return f"{tree}/{repo_path}"
        if repo_path == prefix or repo_path.startswith(prefix + "/"):
            return f"{tree}/{repo_path[len(prefix) + 1:]}".rstrip("/")
    return None


def _glob(pattern: str, value: str) -> bool:
    import fnmatch
    return fnmatch.fnmatchcase(value, pattern)


def closure(result) -> None:
    """Invariant 3: every Application under exactly one root, every root under one zone app;
    every value file an Application names is written, through a `$ref` source of that name that
    points at the repository holding it; its AppProject admits its repositories and destination;
    its refresh paths cover its inputs; every written file is referenced (or a root/overview)."""
    platform = result.platforms[0]
    docs = argo_docs(result)
    files = set(result.files)
    dirs: dict[str, list[str]] = {}
    for path, doc in docs.items():
        if doc["kind"] != "Application":
            continue
        for source in doc["spec"].get("sources") or [doc["spec"]["source"]]:
            out = _out_path(result, source["repoURL"], source.get("path", "-"))
            if out and out.startswith("gitops/argo-apps/"):
                dirs.setdefault(path, []).append(out + "/")
    referenced = set()
    for path, doc in docs.items():
        if "/apps/" in path or "/roots/" in path or "/projects/" in path:
            owners = [o for o, prefixes in dirs.items() if any(path.startswith(p) for p in prefixes)]
            assert len(owners) == 1, (path, owners)
            referenced.add(path)
        if doc["kind"] != "Application" or "/apps/" not in path:
            continue
        zone, project_name = path.split("/")[2], path.split("/")[5]
        sources = doc["spec"]["sources"]
        refs = {s["ref"]: s for s in sources if "ref" in s}
        paths = set((doc["metadata"].get("annotations") or {}).get(
            "argocd.argoproj.io/manifest-generate-paths", "").split(";")) - {""}
        for source in sources:
            if "ref" in source:
                assert "path" not in source
            for value_file in (source.get("helm") or {}).get("valueFiles", []):
                name, _, repo_path = value_file.partition("/")
                assert name.startswith("$") and name[1:] in refs, (path, value_file, sorted(refs))
                ref = refs[name[1:]]
                target = _out_path(result, ref["repoURL"], repo_path)
                assert target in files, (path, value_file)
                assert target.split("/")[0] == ("gitops" if name == "$values" else "configs")
                assert ref["targetRevision"] == (platform.gitops_repo if name == "$values"
                                                 else platform.configs).revision
                if paths:
                    assert "/" + repo_path in paths, (path, value_file, paths)
                referenced.add(target)
            out = _out_path(result, source["repoURL"], source.get("path", "-"))
            if out and out.startswith("gitops/charts/"):
                chart_files = {f for f in files if f.startswith(out + "/")}
                assert out + "/Chart.yaml" in chart_files
                if paths:
                    assert "/" + source["path"] in paths, (path, source["path"], paths)
                referenced |= chart_files
        # the zone's AppProject admits what the Application reads and where it deploys
        project = docs[f"gitops/argo-apps/{zone}/projects/{project_name}.yaml"]["spec"]
        for source in sources:
            assert any(_glob(r, source["repoURL"]) for r in project["sourceRepos"]), (path, source)
        destination = doc["spec"]["destination"]
        assert any(_glob(d.get("server", "*"), destination["server"])
                   and _glob(d.get("namespace", "*"), destination["namespace"])
                   for d in project["destinations"]), (path, destination)
    # every folder a root or zone app reads exists whatever it holds (its README placeholder)
    for prefixes in dirs.values():
        for prefix in prefixes:
            assert prefix + "README.md" in files, prefix
            referenced.add(prefix + "README.md")
    bootstrap = {f for f in files if f.startswith("gitops/bootstrap/")}
    assert files - referenced - bootstrap == {"README.md", ".gitignore"}, \
        sorted(files - referenced - bootstrap)


def containment(result) -> None:
    """Invariant 5: every output path is a plain relative path inside one of the two trees."""
    for path in result.files:
        check_path(path)
        assert path in ("README.md", ".gitignore") or path.startswith(("gitops/", "configs/")), path


def idempotence(platform, out: Path) -> None:
    """Invariant 7: compiling twice, each time from scratch, changes nothing the second time
    (output that varies between compiles - a date, an ordering by hash - would); --check passes
    after it."""
    first = compiled(platform)
    write(first, out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = compiled(platform)
    # the bytes themselves: the writer skips a file whose inputs are unchanged without reading it
    assert {p: result.files[p] for p in result.files} == {p: first.files[p] for p in first.files}
    again = write(result, out)
    assert again.write == () and again.delete == ()
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert plan(out, result.files).write == ()


def faithful(platform, result) -> None:
    """Invariant 4c: each Application holds what the user declared, by an independent model of
    the layering (tests/properties/model.py), field by field, values included."""
    import yaml

    from tests.properties.model import expected, runs_in
    apps = {d["metadata"]["name"]: d for p, d in argo_docs(result).items()
            if "/apps/" in p and d["kind"] == "Application"}
    wanted = {f"{s.name}-{env}": expected(platform, s, env)
              for s in platform.services for env in runs_in(platform, s)}
    assert sorted(apps) == sorted(wanted)
    for name, want in wanted.items():
        meta, spec = apps[name]["metadata"], apps[name]["spec"]
        source = spec["sources"][0]
        refs = {s["ref"]: s for s in spec["sources"] if "ref" in s}
        values: dict = {}
        for value_file in (source.get("helm") or {}).get("valueFiles", []):
            ref, _, repo_path = value_file.partition("/")
            out = _out_path(result, refs[ref[1:]]["repoURL"], repo_path)
            from tests.properties.model import helm_merge
            values = helm_merge(values, yaml.safe_load(result.files[out]) or {})
        policy = dict(spec.get("syncPolicy") or {})
        if "syncOptions" in policy:
            policy["syncOptions"] = sorted(policy["syncOptions"])
        annotations = dict(meta.get("annotations") or {})
        annotations.pop("argocd.argoproj.io/manifest-generate-paths", None)
        chart = {k: source[k] for k in ("repoURL", "chart", "path", "targetRevision") if k in source}
        if "releaseName" in (source.get("helm") or {}):
            chart["releaseName"] = source["helm"]["releaseName"]
        if "chart" not in want["chart"] and "path" not in want["chart"]:
            chart.pop("path", None)       # the standard chart's folder: closure checks it
        got = {
            "name": meta["name"], "labels": meta.get("labels") or {}, "annotations": annotations,
            "finalizers": meta.get("finalizers"), "project": spec["project"],
            "destination": spec["destination"], "syncPolicy": policy,
            "revisionHistoryLimit": spec.get("revisionHistoryLimit"),
            "ignoreDifferences": sorted(spec.get("ignoreDifferences") or [], key=repr),
            "info": sorted(spec.get("info") or [], key=repr), "chart": chart, "values": values,
        }
        for field in want:
            assert got[field] == want[field], (name, field, got[field], want[field])
