"""Shared helpers: a scratch project with a platform file, the CLI (in this process, or as a real
subprocess where the process is what is tested), and the reference material in ../shared
(required under CI)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GITOPS_DSL_SHARED", REPO.parent / "shared"))
CLI = [sys.executable, "-m", "gitops_dsl"]


def shared(*parts: str) -> Path:
    """A path in ../shared. Missing reference material fails under CI and skips elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the repository")
        pytest.skip(f"{path} is not available on this machine")
    return path


MINIMAL = '''
from gitops_dsl import *

gitops = Repo("https://example.com/acme/gitops.git")
stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet")
first, second = Waves("first", "second")

platform = Platform(
    "demo", gitops_repo=gitops, environments=[stg, prod], projects=[Project("app")],
    services=[
        Service("db", project="app", wave=first,
                chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),
        Service("api", project="app", wave=second, depends_on=["db"],
                image=Image("ghcr.io/acme/api", "1.0.0"), config={"LOG_LEVEL": "info"},
                values={"replicaCount": 1},
                per_env={"prod": Overlay(values={"replicaCount": 3})}),
    ],
)
'''


def one_environment(services: str) -> str:
    """The source of a platform with one environment (stg, in zone z) and one project (app),
    whose services are `services` (the items of a Python list)."""
    return ('from gitops_dsl import *\n\n'
            'stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="z")\n'
            'platform = Platform(\n'
            '    "demo", gitops_repo=Repo("https://example.com/acme/gitops.git"), environments=[stg],\n'
            f'    projects=[Project("app")], services=[{services}],\n)\n')


def make_project(root: Path, platform_source: str = MINIMAL, name: str = "demo.py") -> Path:
    """A user project: pyproject.toml and platforms/<name>. Returns the project folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n')
    platforms = root / "platforms"
    platforms.mkdir(exist_ok=True)
    (platforms / name).write_text(textwrap.dedent(platform_source).lstrip())
    return root


def empty_project(root: Path) -> Path:
    """A user project with no platform file yet (what `import --out platforms/...` starts from):
    pyproject.toml and an empty platforms/. Returns the project folder."""
    (root / "platforms").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n')
    return root


def app_yaml(name: str, source: str, server: str, namespace: str | None = None,
             project: str = "app") -> str:
    """A hand-written Argo CD Application, as trees to import hold them; `source` is the
    `spec.source` block's lines, indented by four spaces."""
    destination = f"  destination:\n    server: {server}\n" + (
        f"    namespace: {namespace}\n" if namespace is not None else "")
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: {name}\n  namespace: argocd\nspec:\n  project: {project}\n  source:\n"
            f"{source}{destination}")


_OURS = tuple(str(Path(p).resolve()) for p in {str(REPO), sys.prefix, sys.base_prefix, sys.exec_prefix})


def _users(module: object) -> bool:
    """A module of a user's project (a platform, its helpers), not gitops-dsl's or Python's."""
    file = getattr(module, "__file__", None)
    return bool(file) and not str(Path(file).resolve()).startswith(_OURS)


def run_cli(*args: str, cwd: Path, env: dict | None = None, process: bool = False,
            input: str | None = None) -> subprocess.CompletedProcess:
    """The command line, run as a user runs it, in this process (click's runner, in `cwd`, with
    `env` added to the environment): what a test of a command's behaviour needs, at a fraction
    of a process's cost. `process=True` (or GITOPS_DSL_TEST_PROCESS=1 for the whole run) starts
    a real `python -m gitops_dsl` instead: for what only a process shows (exit handlers,
    signals, another process's locks, output through a pipe). An exception that escapes a
    command is printed to `stderr` as Python would print it, with exit status 1."""
    # (a PYTHONPATH of the test's own - a stand-in module - takes effect in a new process only)
    if process or "PYTHONPATH" in (env or {}) or os.environ.get("GITOPS_DSL_TEST_PROCESS") == "1":
        full_env = {**os.environ, **(env or {})}
        full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
        return subprocess.run([*CLI, *args], cwd=cwd, env=full_env, capture_output=True,
                              text=True, timeout=120, input=input)
    import traceback

    from click.testing import CliRunner

    from gitops_dsl.cli import main
    here, path, modules = os.getcwd(), list(sys.path), set(sys.modules)
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=True,
                                    input=input)
    finally:
        # what a process would not carry to the next command: the working directory, the
        # module path a platform extended, the modules of the user's project it imported
        os.chdir(here)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if _users(sys.modules[name]):
                del sys.modules[name]
    stderr, code = result.stderr, result.exit_code
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
        code = 1
    return subprocess.CompletedProcess([*CLI, *args], code, result.stdout, stderr)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below folder with its bytes and mtime (ns)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def scaled(examples: int) -> int:
    """A test's own example count, scaled with the hypothesis profile: the `deep` profile
    (HYPOTHESIS_PROFILE=deep) runs every property many times longer, these included."""
    from hypothesis import settings
    return max(examples, examples * settings.default.max_examples // 60)


def need_engine() -> None:
    """The Helm engine (the `render` extra, which the test extra includes): CI must have it, so a
    missing one fails there; elsewhere the tests that render skip, saying why."""
    try:
        import helm_python  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("the Helm engine is missing: pip install -e '.[test]' installs it")
        pytest.skip("the Helm engine (pip install 'gitops-dsl[render]') is not installed",
                    allow_module_level=True)


def edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    """A change to a project: the first `old` in the file at `rel` becomes `new`."""
    def apply(project: Path) -> None:
        path = project / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
    return apply


def owned_tree(build: Path) -> dict[str, bytes]:
    """Every file of an output folder but its local cache (.gitops-dsl-cache/)."""
    return {p.relative_to(build).as_posix(): p.read_bytes() for p in sorted(build.rglob("*"))
            if p.is_file() and ".gitops-dsl-cache" not in p.parts}
