"""The import layers: the contract CI checks (`lint-imports`), the picture in the design page,
and no import cycle anywhere - through a package's `__init__` too, imports inside functions and
under TYPE_CHECKING counted."""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return layers


def test_the_design_page_draws_the_contract_s_layers_in_order():
    page = (ROOT / "docs" / "design" / "index.md").read_text()
    (block,) = re.findall(r"```mermaid\n(flowchart TD\n.*?)```", page, re.S)
    drawn = re.findall(r'\["([^"]+)"\]', block)
    assert drawn == _contract_layers()
    # a chain: each box over the next
    edges = re.findall(r"^\s*L(\d+) --> L(\d+)", block, re.M)
    assert [(int(a), int(b)) for a, b in edges] == [(i, i + 1) for i in range(len(drawn) - 1)]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_module_imports_itself_round_a_cycle():
    graph = grimp.build_graph("gitops_dsl", cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules
             if m.startswith("gitops_dsl")}
    assert _strongly_connected(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_loader_imports_every_module_the_dsl_names_come_from(monkeypatch):
    """`load` imports the DSL's modules before a platform runs, without importing the package's
    own `__init__` (which sits above it)."""
    import importlib

    import gitops_dsl
    from gitops_dsl import load
    wanted = {importlib.util.resolve_name(m, "gitops_dsl") for m in set(gitops_dsl._WHERE.values())}
    imported: list[str] = []
    real = importlib.import_module
    monkeypatch.setattr(load, "import_module", lambda name, *a: imported.append(name) or real(name, *a))
    load._dsl_names()
    assert wanted <= set(imported)


def test_no_module_imports_another_module_s_private_names():
    import ast
    found = []
    for path in sorted((ROOT / "gitops_dsl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gitops_dsl")):
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")
                          and alias.name != "_version"]
    assert found == []


def test_modules_and_functions_stay_small():
    """No module much over 400 lines, no function over 100: a module has one job, and a
    function reads on one screen or two."""
    import ast
    long_modules, long_functions = [], []
    for path in sorted((ROOT / "gitops_dsl").rglob("*.py")):
        text = path.read_text()
        if text.count("\n") > 430:
            long_modules.append((str(path.relative_to(ROOT)), text.count("\n")))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    node.end_lineno - node.lineno + 1 > 100:
                long_functions.append((str(path.relative_to(ROOT)), node.name))
    assert long_modules == [] and long_functions == []


#: exceptions that are signals inside one module and never reach the user
INTERNAL_SIGNALS = {"gitops_dsl.emit.emitter.Unsupported", "gitops_dsl.render.inputs.Unlistable",
                    "gitops_dsl.reuse.Uncacheable", "gitops_dsl.charts.manifests._NotRendered",
                    "gitops_dsl.charts.manifests._Deferred"}


def test_every_error_the_user_can_see_is_a_gitops_dsl_error():
    import importlib
    import inspect
    import pkgutil

    import gitops_dsl
    from gitops_dsl.errors import GitopsDslError
    outside = []
    for info in pkgutil.walk_packages(gitops_dsl.__path__, "gitops_dsl."):
        if info.name.startswith("gitops_dsl.data") or info.name.endswith("__main__"):
            continue   # a platform template; the entry points run when imported
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and \
                    value.__module__ == info.name and not issubclass(value, GitopsDslError):
                outside.append(f"{info.name}.{name}")
    assert sorted(outside) == sorted(INTERNAL_SIGNALS)
