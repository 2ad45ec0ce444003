"""`gitops-dsl init`: a new project's starting point - a small commented platform, its versions
file, the [tool.gitops-dsl] settings, pre-commit hooks, a CI workflow, and `.gitops-dsl/` in
.gitignore (the chart archives and rendered manifests kept on this machine: never committed)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .._version import __version__

SETTINGS = '\n[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n'
#: pyright finds helper modules of platforms/ (`from _common import ...`) as the loader does
PYRIGHT = '\n[tool.pyright]\nextraPaths = ["platforms"]\n'
#: the folder of what `charts pull`, `preflight` and `manifests` keep on this machine
LOCAL = ".gitops-dsl/"
IGNORE = f"# what gitops-dsl keeps on this machine: chart archives, rendered manifests\n{LOCAL}\n"

FILES = {
    "platforms/shop.py": "platform.py",
    "platforms/versions.yaml": "versions.yaml",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".github/workflows/gitops-dsl.yml": "workflow.yaml",
}


def scaffold(folder: Path) -> list[tuple[str, str]]:
    """Create what is missing; never overwrite. Returns (path, "created" | "kept" | "extended")."""
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    templates = resources.files("gitops_dsl") / "data" / "init"
    for target, template in FILES.items():
        path = folder / target
        if path.exists():
            done.append((target, "kept"))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # the scaffolded CI installs the version that made it (see the workflow's comment)
        path.write_text((templates / template).read_text().replace("@VERSION@", __version__))
        done.append((target, "created"))
    pyproject = folder / "pyproject.toml"
    if not pyproject.exists():
        pyproject.write_text((SETTINGS + PYRIGHT).lstrip())
        done.append(("pyproject.toml", "created"))
    elif "[tool.gitops-dsl]" not in pyproject.read_text():
        text = pyproject.read_text()
        with open(pyproject, "a") as handle:
            handle.write(SETTINGS + (PYRIGHT if "[tool.pyright]" not in text else ""))
        done.append(("pyproject.toml", "extended"))
    else:
        done.append(("pyproject.toml", "kept"))
    done.append((".gitignore", _ignore(folder / ".gitignore")))
    return done


def _ignore(path: Path) -> str:
    """`.gitops-dsl/` in the project's .gitignore: "created", "extended" or "kept" (a line that
    already ignores it, with or without the slashes)."""
    if not path.exists():
        path.write_text(IGNORE)
        return "created"
    text = path.read_text()
    if any(line.strip().strip("/") == LOCAL.strip("/") for line in text.splitlines()):
        return "kept"
    with open(path, "a") as handle:
        handle.write(("" if text.endswith("\n") or not text else "\n") + IGNORE)
    return "extended"
