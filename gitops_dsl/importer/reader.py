"""Read Argo CD documents from files and folders, and expand ApplicationSets with list
generators into the Applications they generate."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import attrs

from .. import untrusted
from ..safe_yaml import UnsafeYaml, load_all

KINDS = ("Application", "AppProject", "ApplicationSet")


@attrs.frozen
class Found:
    file: str
    doc: dict[str, Any]
    generated_by: str | None = None     # the ApplicationSet an Application was expanded from


def read(paths: list[Path]) -> tuple[list[Found], list[str], Path]:
    """Argo CD documents under `paths`, the notes about what was skipped, and the tree root
    (the first folder given: value files are looked up relative to it)."""
    notes: list[str] = []
    found: list[Found] = []
    files: list[Path] = []
    root = None
    for path in paths:
        path = Path(path)
        if path.is_dir():
            root = root or path
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                            and "templates" not in p.parts)
        elif path.is_file():
            root = root or path.parent
            files.append(path)
        else:
            notes.append(f"{path}: no such file or folder")
    for file in files:
        if file.is_symlink():
            notes.append(f"{file}: a symbolic link, not followed")
            continue
        try:
            docs = load_all(untrusted.read(file))
        except (UnsafeYaml, OSError) as exc:
            notes.append(f"{file}: not readable YAML ({exc}), skipped")
            continue
        for doc in docs:
            if isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) \
                    and doc["apiVersion"].startswith("argoproj.io/") and doc.get("kind") in KINDS:
                found.append(Found(str(file), doc))
    expanded = []
    for item in found:
        if item.doc["kind"] == "ApplicationSet":
            try:
                apps, more = expand(item)
            except (AttributeError, TypeError, KeyError, ValueError) as exc:
                notes.append(f"{item.file}: an ApplicationSet of the wrong shape ({type(exc).__name__}): "
                             "not expanded")
                continue
            expanded += apps
            notes += more
        else:
            expanded.append(item)
    return expanded, notes, Path(root or ".")


_FAST = re.compile(r"\{\{\s*\.?([A-Za-z0-9_.-]+)\s*\}\}")


def _substitute(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _FAST.sub(lambda m: str(params.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {_substitute(k, params): _substitute(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, params) for v in value]
    return value


def expand(item: Found) -> tuple[list[Found], list[str]]:
    """The Applications of an ApplicationSet's list generators (others are reported)."""
    spec = item.doc.get("spec") or {}
    name = (item.doc.get("metadata") or {}).get("name", "?")
    template = spec.get("template") or {}
    apps, notes = [], []
    for generator in spec.get("generators") or []:
        if "list" not in generator:
            notes.append(f"{item.file}: ApplicationSet {name}: {', '.join(generator)} generator not "
                         "expanded (only list generators are)")
            continue
        for element in generator["list"].get("elements") or []:
            doc = _substitute(copy.deepcopy(template), element)
            doc["apiVersion"] = item.doc["apiVersion"]
            doc["kind"] = "Application"
            apps.append(Found(item.file, doc, name))
        if generator["list"].get("elementsYaml"):
            notes.append(f"{item.file}: ApplicationSet {name}: elementsYaml not expanded")
    if apps:
        notes.append(f"{item.file}: ApplicationSet {name} expanded into {len(apps)} Applications "
                     "(gitops-dsl writes them as Applications)")
    return apps, notes
