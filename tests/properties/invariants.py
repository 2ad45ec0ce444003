"""The seven invariants of DESIGN.md as plain functions over a compile result, so each property
test can run them on random platforms and each "can fail" test on a deliberately broken build."""
from __future__ import annotations

import random
from pathlib import Path

import attrs

from gitops_dsl.api import compile_platforms, write
from gitops_dsl.emit import plan
from gitops_dsl.emit.writer import check_path
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

    services = []
    for service in shuffle(platform.services):
        per_env = {k: attrs.evolve(service.per_env[k], values=_reversed_keys(service.per_env[k].values),
                                   config=_reversed_keys(service.per_env[k].config))
                   for k in reversed(list(service.per_env))}
        services.append(attrs.evolve(service, values=_reversed_keys(service.values),
                                     config=_reversed_keys(service.config), per_env=per_env,
                                     depends_on=shuffle(service.depends_on)))
    return attrs.evolve(platform, services=services, environments=shuffle(platform.environments),
                        projects=shuffle(platform.projects), zones=shuffle(platform.zones))


def determinism(platform, seed: int) -> None:
    """Invariant 2: declaration order never changes a byte."""
    assert compiled(reordered(platform, seed)).files == compiled(platform).files


def round_trip(result) -> None:
    """Invariant 4b: every YAML file parses back to exactly the rendered data."""
    for path, document in result.tree.items():
        if document.format == "yaml":
            assert load(result.files[path]) == document.data, path


def fidelity(result) -> None:
    """Invariant 4a: every Argo CD document validates against the CRDs, strict, lint-clean."""
    for path, doc in argo_docs(result).items():
        assert problems(doc) == [], (path, problems(doc))


def _out_path(repo_path: str) -> str:
    tree, rest = repo_path.split("/", 2)[1:] if repo_path.startswith("build/") else ("", repo_path)
    return f"{tree}/{rest}"


def _value_file_out_path(result, value_file: str) -> str:
    """`$values/<gitops path>/x` -> gitops/x, `$configs/<configs path>/x` -> configs/x: through
    the platform's Repo paths, whatever they and the configs layout are."""
    ref, _, repo_path = value_file.partition("/")
    platform = result.platforms[0]
    tree, prefix = (("gitops", platform.gitops_path) if ref == "$values" else
                    ("configs", platform.configs_path))
    assert ref in ("$values", "$configs"), value_file
    if prefix:
        assert repo_path.startswith(prefix + "/"), (value_file, prefix)
        repo_path = repo_path[len(prefix) + 1:]
    return f"{tree}/{repo_path}"


def closure(result) -> None:
    """Invariant 3: every Application under exactly one root, every root under one zone app;
    every referenced file written; every written file referenced (or a root/overview)."""
    docs = argo_docs(result)
    files = set(result.files)
    dirs = {}
    for path, doc in docs.items():
        if doc["kind"] != "Application":
            continue
        sources = doc["spec"].get("sources") or [doc["spec"]["source"]]
        for source in sources:
            if "path" in source and source["path"].startswith("build/gitops/argo-apps/"):
                dirs.setdefault(path, []).append(_out_path(source["path"]) + "/")
    referenced = set()
    for path, doc in docs.items():
        if "/apps/" in path or "/roots/" in path or "/projects/" in path:
            owners = [o for o, prefixes in dirs.items() if any(path.startswith(p) for p in prefixes)]
            assert len(owners) == 1, (path, owners)
            referenced.add(path)
        if doc["kind"] != "Application" or "/apps/" not in path:
            continue
        for source in doc["spec"]["sources"]:
            if "ref" in source:
                assert "path" not in source
            for value_file in (source.get("helm") or {}).get("valueFiles", []):
                target = _value_file_out_path(result, value_file)
                assert target in files, (path, value_file)
                referenced.add(target)
            if source.get("path", "").startswith("build/gitops/charts/"):
                chart = _out_path(source["path"]) + "/"
                chart_files = {f for f in files if f.startswith(chart)}
                assert chart + "Chart.yaml" in chart_files
                referenced |= chart_files
    # every folder a root or zone app reads exists whatever it holds (its README placeholder)
    for prefixes in dirs.values():
        for prefix in prefixes:
            assert prefix + "README.md" in files, prefix
            referenced.add(prefix + "README.md")
    bootstrap = {f for f in files if f.startswith("gitops/bootstrap/")}
    assert files - referenced - bootstrap == {"README.md"}, sorted(files - referenced - bootstrap)


def containment(result) -> None:
    """Invariant 5: every output path is a plain relative path inside one of the two trees."""
    for path in result.files:
        check_path(path)
        assert path == "README.md" or path.startswith(("gitops/", "configs/")), path


def idempotence(result, out: Path) -> None:
    """Invariant 7: compiling twice changes nothing the second time; --check passes after it."""
    write(result, out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = write(result, out)
    assert again.write == () and again.delete == ()
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert plan(out, result.files).write == ()
