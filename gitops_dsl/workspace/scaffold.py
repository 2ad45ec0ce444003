"""`gitops-dsl init`: a new project's starting point - a small commented platform, its versions
file, the [tool.gitops-dsl] settings, pre-commit hooks and a CI workflow."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .._version import __version__

SETTINGS = '\n[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n'
#: pyright finds helper modules of platforms/ (`from _common import ...`) as the loader does
PYRIGHT = '\n[tool.pyright]\nextraPaths = ["platforms"]\n'

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
    return done
