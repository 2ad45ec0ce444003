"""Project settings from `[tool.gitops-dsl]` in the user's pyproject.toml.

    [tool.gitops-dsl]
    platforms = "platforms"
    out = "build"
    chart_cache = ".gitops-dsl/charts"   # external chart archives (`gitops-dsl charts pull`)
    trusted_keys = ["keys/inner.pub"]    # who may sign the bundles this repository unpacks

    [tool.gitops-dsl.severity]      # per-rule override: "error", "warning" or "off"
    GD206 = "error"

    [tool.gitops-dsl.allow]         # project-wide suppression, with the reason
    GD411 = "projects are declared ahead of the migration"
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import attrs

_KEYS = {"platforms", "out", "severity", "allow", "chart_cache", "trusted_keys"}


@attrs.frozen
class Settings:
    root: Path                 # the folder holding pyproject.toml (or the working directory)
    platforms: Path
    out: Path
    severity: dict[str, Any] = attrs.field(factory=dict)
    allow: dict[str, Any] = attrs.field(factory=dict)
    #: where `gitops-dsl charts pull` keeps external chart archives (git-ignored)
    chart_cache: Path | None = None
    #: public keys (PEM files) whose signature a received bundle must carry
    trusted_keys: tuple[Any, ...] = ()

    @property
    def charts_folder(self) -> Path:
        return self.chart_cache or self.root / ".gitops-dsl" / "charts"


class SettingsError(ValueError):
    pass


def find_root(start: Path) -> Path:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def _table(pyproject: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{pyproject}: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("gitops-dsl", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise SettingsError(f"{pyproject}: [tool.gitops-dsl] must be a table")
    for key in ("severity", "allow"):
        if key in table and not isinstance(table[key], dict):
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.{key}] must be a table of rule "
                                f"codes, e.g. {key} = {{ GD206 = \"...\" }}")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise SettingsError(f"{pyproject}: unknown [tool.gitops-dsl] setting(s) {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(_KEYS))}")
    for key in ("platforms", "out", "chart_cache"):
        if key in table and not isinstance(table[key], str):
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl] {key} must be a string")
    keys = table.get("trusted_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise SettingsError(f"{pyproject}: [tool.gitops-dsl] trusted_keys must be a list of paths "
                            "to public keys (PEM), e.g. [\"keys/inner-zone.pub\"]")
    for code, level in table.get("severity", {}).items():
        if level not in ("error", "warning", "off"):
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.severity] {code} = {level!r}: use "
                                "\"error\", \"warning\" or \"off\"")
    for code, reason in table.get("allow", {}).items():
        if not isinstance(reason, str) or len(reason.strip()) < 3:
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.allow] {code} needs a reason, e.g. "
                                f'{code} = "why this is fine here"')
    return table


def load_settings(cwd: Path | None = None, *, platforms: str | None = None,
                  out: str | None = None) -> Settings:
    """Settings with CLI flags (relative to cwd) winning over pyproject (relative to its folder)."""
    cwd = (cwd or Path.cwd()).resolve()
    root = find_root(cwd)
    pyproject = root / "pyproject.toml"
    table = _table(pyproject) if pyproject.is_file() else {}
    platforms_dir = cwd / platforms if platforms else root / table.get("platforms", "platforms")
    out_dir = cwd / out if out else root / table.get("out", "build")
    cache = (root / table["chart_cache"]).resolve() if "chart_cache" in table else None
    keys = tuple((root / k).resolve() for k in table.get("trusted_keys", []))
    return Settings(root, platforms_dir.resolve(), out_dir.resolve(),
                    dict(table.get("severity", {})), dict(table.get("allow", {})), cache, keys)
