"""A platform file is a typed program: mypy --strict and pyright see every DSL name, accept the
example, the `init` scaffold and the benchmark generator's estate, and report a user's mistakes
at their lines - as the compiler does."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, run_cli

#: the slow tier: mypy and pyright runs (.ci/run also runs both on the package)
pytestmark = pytest.mark.slow


def _need(module: str, *, node: bool = False) -> None:
    missing = importlib.util.find_spec(module) is None or (node and shutil.which("node") is None)
    if missing:
        what = f"{module}{' and Node.js' if node else ''}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} missing: the test extra installs the type checkers")
        pytest.skip(f"{what} not installed (pip install -e '.[test]')")


def mypy(project: Path, *paths: str) -> tuple[int, str]:
    """mypy --strict over files of `project`; the package is found in this checkout (an
    editable install is invisible to static analysis)."""
    _need("mypy")
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                          "--cache-dir", str(project / ".mypy_cache"), *paths],
                         cwd=project, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "MYPYPATH": str(REPO)})
    return run.returncode, run.stdout + run.stderr


def pyright(project: Path, *paths: str) -> list[dict]:
    """pyright's diagnostics (errors only) over files of `project`."""
    _need("pyright", node=True)
    config = project / "pyrightconfig.json"
    if project != REPO:
        config.write_text(json.dumps({"extraPaths": [str(REPO), "platforms"]}))
    run = subprocess.run([sys.executable, "-m", "pyright", "--outputjson", "--pythonpath",
                          sys.executable, *paths], cwd=project, capture_output=True, text=True,
                         timeout=600)
    report = json.loads(run.stdout)
    return [d for d in report["generalDiagnostics"] if d["severity"] == "error"]


def test_the_package_passes_mypy_strict_and_pyright():
    code, out = mypy(REPO)   # [tool.mypy] in pyproject.toml: strict over gitops_dsl/
    assert code == 0, out
    errors = pyright(REPO, "gitops_dsl")
    assert errors == [], errors[:5]


def test_every_dsl_name_is_visible_to_type_checkers():
    import gitops_dsl
    import gitops_dsl.model as model
    exported = set(gitops_dsl.__all__)
    assert {n for n in model.__all__ if not n.startswith("_")} <= exported
    for name in exported:
        assert getattr(gitops_dsl, name) is not None, name
    # the names star-import gives: a literal __all__, and every name in the TYPE_CHECKING block
    source = (REPO / "gitops_dsl" / "__init__.py").read_text()
    checked = source[source.index("if TYPE_CHECKING:"):source.index("# a literal list")]
    assert [n for n in exported - {"__version__"} if not re.search(rf"\b{n}\b", checked)] == []
    assert (REPO / "gitops_dsl" / "py.typed").is_file()


@pytest.mark.parametrize("source", ["example", "init", "benchmark"])
def test_platform_files_type_check(tmp_path, source):
    if source == "example":
        shutil.copytree(REPO / "platforms", tmp_path / "platforms")
    elif source == "init":
        assert run_cli("init", str(tmp_path), cwd=tmp_path).returncode == 0
    else:
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "--services",
                        "120", "--out", str(tmp_path)], check=True, capture_output=True)
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "platforms").glob("*.py"))
    assert files
    code, out = mypy(tmp_path, *files)
    assert code == 0, out
    assert pyright(tmp_path, "platforms") == []


MISTAKES = {
    # file: (source, {tool: the line it reports}, the compiler's code): mypy reports an unknown
    # keyword at the call, pyright at the argument; the compiler at the call that failed
    "misspelt.py": ('from gitops_dsl import *\n\n'
                    'dev = Environment("dev", cluster=Cluster("dev", "https://dev:6443"), zone="internal")\n'
                    'api = Service("api", image=Image("ghcr.io/acme/api", "1.0.0"),\n'
                    '              dependson=["db"])\n', {"mypy": 4, "pyright": 5, "compiler": 4}, "GD102"),
    "wrong_type.py": ('from gitops_dsl import *\n\n'
                      'dev = Environment("dev", cluster=Cluster("dev", "https://dev:6443"), zone="internal",\n'
                      '                  protected="yes")\n', {"mypy": 4, "pyright": 4, "compiler": 3}, "GD101"),
    "wrong_literal.py": ('from gitops_dsl import *\n\n'
                         'options = SyncOptions(create_namespace=True,\n'
                         '                      prune_propagation_policy="forground")\n',
                         {"mypy": 4, "pyright": 4, "compiler": 3}, "GD101"),
}


def test_mypy_pyright_and_the_compiler_each_report_every_mistake_at_its_line(tmp_path):
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    for name, (text, *_) in MISTAKES.items():
        (platforms / name).write_text(text)
    _, out = mypy(tmp_path, *(f"platforms/{n}" for n in MISTAKES))
    mypy_lines = {(m.group(1), int(m.group(2)))
                  for m in re.finditer(r"^platforms/(\w+\.py):(\d+): error:", out, re.M)}
    pyright_lines = {(Path(d["file"]).name, d["range"]["start"]["line"] + 1)
                     for d in pyright(tmp_path, "platforms")}
    compiled = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert compiled.returncode == 1
    compiler = {(Path(d["file"]).name, d["line"], d["code"]) for d in json.loads(compiled.stdout)}
    for name, (_, lines, code) in MISTAKES.items():
        assert (name, lines["mypy"]) in mypy_lines, out
        assert (name, lines["pyright"]) in pyright_lines, pyright_lines
        assert (name, lines["compiler"], code) in compiler, compiler
    assert len(mypy_lines) == len(pyright_lines) == len(compiler) == len(MISTAKES)
