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

from ..errors import GitopsDslError

#: every `[tool.gitops-dsl]` key: (TOML type, default, meaning); the settings reference page is
#: generated from it (docs_reference.py)
KEYS: dict[str, tuple[str, str, str]] = {
    "platforms": ("string", '"platforms"', ("the folder of the platform modules, relative to the "
                  "folder holding pyproject.toml (`--platforms` overrides it, relative to the "
                  "working directory)")),
    "out": ("string", '"build"', "the output folder the compile writes (`--out` overrides it)"),
    "chart_cache": ("string", '".gitops-dsl/charts"', ("where `gitops-dsl charts pull` keeps "
                    "external chart archives, by digest (git-ignored; `--cache` overrides it)")),
    "trusted_keys": ("array of strings", "[]", ("public keys (PEM files) whose signature a zone "
                     "bundle must carry for `verify` and `unpack` to accept it")),
    "severity": ("table", "{}", ('per rule code, `"error"`, `"warning"` or `"off"` (GD501 and '
                 'GD504, plaintext secrets, cannot be switched off: allow them with a reason)')),
    "allow": ("table", "{}", ("per rule code, the reason its findings are accepted in this "
              "project: they are listed as suppressed in `build/README.md`, not reported")),
}
_KEYS = set(KEYS)


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
    trusted_keys: tuple[Path, ...] = ()

    @property
    def charts_folder(self) -> Path:
        return self.chart_cache or self.root / ".gitops-dsl" / "charts"


class SettingsError(GitopsDslError, ValueError):
    pass


def find_root(start: Path) -> Path:
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def _table(pyproject: Path) -> dict[str, Any]:
    try:
        if pyproject.stat().st_size > _MAX_PYPROJECT:
            raise SettingsError(f"{pyproject}: larger than {_MAX_PYPROJECT // 1024 // 1024} MB: "
                                "not a project file gitops-dsl reads")
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{pyproject}: {exc}") from None
    except RecursionError:
        raise SettingsError(f"{pyproject}: arrays or tables nested deeper than Python's TOML "
                            "reader follows") from None
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
        if key in table:
            _check_path(pyproject, key, table[key])
    keys = table.get("trusted_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise SettingsError(f"{pyproject}: [tool.gitops-dsl] trusted_keys must be a list of paths "
                            "to public keys (PEM), e.g. [\"keys/inner-zone.pub\"]")
    for key in keys:
        _check_path(pyproject, "trusted_keys", key)
    for code in ("GD501", "GD504"):
        if table.get("severity", {}).get(code) == "off":
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.severity] {code} = \"off\": a "
                                "plaintext-secret rule is never switched off without a reason; "
                                f'use [tool.gitops-dsl.allow] {code} = "why" (recorded, and its '
                                "findings listed as suppressed) or allow= on the object")
    for code, level in table.get("severity", {}).items():
        if level not in ("error", "warning", "off"):
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.severity] {code} = {level!r}: use "
                                "\"error\", \"warning\" or \"off\"")
    for code, reason in table.get("allow", {}).items():
        if not isinstance(reason, str) or len(reason.strip()) < 3:
            raise SettingsError(f"{pyproject}: [tool.gitops-dsl.allow] {code} needs a reason, e.g. "
                                f'{code} = "why this is fine here"')
    return table


_MAX_PYPROJECT = 8 * 1024 * 1024
_MAX_PATH, _MAX_NAME = 4096, 255   # Linux's PATH_MAX and NAME_MAX


def _check_path(pyproject: Path, key: str, value: str) -> None:
    """A path setting the file system can hold: no NUL, not longer than PATH_MAX, no name
    longer than NAME_MAX (bytes)."""
    if "\0" in value:
        raise SettingsError(f"{pyproject}: [tool.gitops-dsl] {key} holds a NUL character")
    if (len(value.encode("utf-8", "surrogateescape")) > _MAX_PATH
            or any(len(part.encode("utf-8", "surrogateescape")) > _MAX_NAME
                   for part in value.split("/"))):
        raise SettingsError(f"{pyproject}: [tool.gitops-dsl] {key} is longer than a path can be "
                            f"({_MAX_PATH} bytes, {_MAX_NAME} a name)")


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
