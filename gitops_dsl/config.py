"""Project settings from `[tool.gitops-dsl]` in the user's pyproject.toml."""
from __future__ import annotations

import tomllib
from pathlib import Path

import attrs


@attrs.frozen
class Settings:
    root: Path                 # the folder holding pyproject.toml (or the working directory)
    platforms: Path
    out: Path


class SettingsError(ValueError):
    pass


def find_root(start: Path) -> Path:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def load_settings(cwd: Path | None = None, *, platforms: str | None = None,
                  out: str | None = None) -> Settings:
    """Settings with CLI flags (relative to cwd) winning over pyproject (relative to its folder)."""
    cwd = (cwd or Path.cwd()).resolve()
    root = find_root(cwd)
    table: dict = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{pyproject}: {exc}") from None
        table = data.get("tool", {}).get("gitops-dsl", {})
        unknown = sorted(set(table) - {"platforms", "out"})
        if unknown:
            raise SettingsError(f"{pyproject}: unknown [tool.gitops-dsl] setting(s) "
                                f"{', '.join(unknown)}; known: platforms, out")
        for key in ("platforms", "out"):
            if key in table and not isinstance(table[key], str):
                raise SettingsError(f"{pyproject}: [tool.gitops-dsl] {key} must be a string")
    platforms_dir = cwd / platforms if platforms else root / table.get("platforms", "platforms")
    out_dir = cwd / out if out else root / table.get("out", "build")
    return Settings(root, platforms_dir.resolve(), out_dir.resolve())
