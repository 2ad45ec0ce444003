"""Adoption: `gitops-dsl init` in an empty folder, then compile; the package builds and installs
into a clean venv and compiles the example."""
from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest
import yaml

from tests.helpers import REPO, run_cli


def test_init_then_compile(tmp_path):
    folder = tmp_path / "new"
    out = run_cli("init", str(folder), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for path in ("platforms/shop.py", "platforms/versions.yaml", "pyproject.toml",
                 ".pre-commit-config.yaml", ".github/workflows/gitops-dsl.yml", ".gitignore"):
        assert (folder / path).is_file(), path
    compiled = run_cli("compile", cwd=folder)
    assert compiled.returncode == 0, compiled.stderr
    assert run_cli("compile", "--check", cwd=folder).returncode == 0
    hooks = yaml.safe_load((folder / ".pre-commit-config.yaml").read_text())
    assert [h["entry"] for h in hooks["repos"][0]["hooks"]] == ["gitops-dsl validate",
                                                                "gitops-dsl compile --check"]
    workflow = (folder / ".github/workflows/gitops-dsl.yml").read_text()
    assert "gitops-dsl compile --check" in workflow and "--format markdown" in workflow
    from gitops_dsl import __version__
    assert f'pip install "gitops-dsl=={__version__}" mypy' in workflow   # pinned to this one
    assert "@VERSION@" not in workflow
    again = run_cli("init", str(folder), cwd=tmp_path)
    assert "kept  platforms/shop.py" in again.stdout  # never overwrites


def test_init_extends_an_existing_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_cli("init", ".", cwd=tmp_path).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "x"\n') and "[tool.gitops-dsl]" in text


def test_init_keeps_the_local_caches_out_of_git(tmp_path):
    """What `charts pull` and `preflight` keep on this machine (.gitops-dsl/) is ignored by git:
    a new .gitignore, a line added to one that does not ignore it yet, and never twice."""
    import shutil
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    fresh = tmp_path / "fresh"
    assert run_cli("init", str(fresh), cwd=tmp_path).returncode == 0
    (fresh / ".gitops-dsl" / "rendered").mkdir(parents=True)
    (fresh / ".gitops-dsl" / "rendered" / "pack-0.bin").write_bytes(b"x")
    subprocess.run(["git", "init", "-q"], cwd=fresh, check=True)
    ignored = subprocess.run(["git", "check-ignore", ".gitops-dsl/rendered/pack-0.bin"], cwd=fresh,
                             capture_output=True, text=True)
    assert ignored.returncode == 0, ignored.stderr
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / ".gitignore").write_text(".venv/")   # no newline at its end
    out = run_cli("init", str(existing), cwd=tmp_path)
    assert "extended  .gitignore" in out.stdout, out.stdout
    assert (existing / ".gitignore").read_text().splitlines()[0] == ".venv/"
    again = run_cli("init", str(existing), cwd=tmp_path)
    assert "kept  .gitignore" in again.stdout
    assert (existing / ".gitignore").read_text().count(".gitops-dsl/") == 1


def test_this_repository_offers_pre_commit_hooks():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"]: h["entry"] for h in hooks} == {
        "gitops-dsl-check": "gitops-dsl compile --check", "gitops-dsl-validate": "gitops-dsl validate"}


@pytest.mark.slow   # packaging: two virtual environments and a build (`.ci/run` runs it)
def test_wheel_and_sdist_install_into_a_clean_venv_and_compile_the_example(tmp_path):
    dist = tmp_path / "dist"
    builder = tmp_path / "builder"
    venv.create(builder, with_pip=True)
    pip = [str(builder / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "build"], check=True, capture_output=True, timeout=300)
    built = subprocess.run([str(builder / "bin" / "python"), "-m", "build", "--outdir", str(dist),
                            str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    clean = tmp_path / "clean"
    venv.create(clean, with_pip=True)
    subprocess.run([str(clean / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check",
                    "install", str(wheels[0])], check=True, capture_output=True, timeout=300)
    tool = str(clean / "bin" / "gitops-dsl")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True)
    from gitops_dsl import __version__
    assert version.stdout.strip() == f"gitops-dsl, version {__version__}"
    out = tmp_path / "out"
    run = subprocess.run([tool, "compile", "--platforms", str(REPO / "platforms"), "--out", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (out / "gitops/charts/service/templates/rollout.yaml").is_file()  # package data
    # the output, not the compile's local input record (.gitops-dsl-cache/, ignored by git)
    committed = {p.relative_to(REPO / "build"): p.read_bytes() for p in (REPO / "build").rglob("*")
                 if p.is_file() and ".gitops-dsl-cache" not in p.parts}
    fresh = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and ".gitops-dsl-cache" not in p.parts}
    assert fresh == committed
    # the wheel alone, without this repository: a new project from `init`, compiled
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["init"], ["compile"], ["compile", "--check"]):
        run = subprocess.run([tool, *args], cwd=empty, capture_output=True, text=True, timeout=120,
                             env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
        assert run.returncode == 0, (args, run.stdout, run.stderr)
    assert (empty / "build" / "gitops" / "charts" / "service" / "Chart.yaml").is_file()
    assert sys.version_info >= (3, 11)
