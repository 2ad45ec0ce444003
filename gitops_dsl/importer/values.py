"""The values an imported Application renders with: its value files (read from the tree, or kept
as another repository's) and its inline values."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import safe_yaml, untrusted
from ..argo.globs import normalize_git_url
from ..merging import deep_merge

#: helm.<key> -> HelmOptions field
HELM_OPTIONS = {"parameters": "parameters", "fileParameters": "file_parameters",
                "passCredentials": "pass_credentials",
                "ignoreMissingValueFiles": "ignore_missing_value_files", "skipTests": "skip_tests",
                "skipSchemaValidation": "skip_schema_validation", "namespace": "namespace",
                "version": "version", "valuesObject": "values_object"}



def values_from(source: dict[str, Any], root: Path, refs: dict[str, Any], notes: list[Any]) -> dict[str, Any]:
    helm = source.get("helm") or {}
    values: dict[str, Any] = {}
    for value_file in helm.get("valueFiles") or []:
        value_file = str(value_file)
        if value_file.startswith("$"):
            ref, _, rest = value_file[1:].partition("/")
            candidate = root / rest
            if ref not in refs:
                notes.append(f"value file {value_file}: no source has ref {ref!r}")
        else:
            candidate = root / str(source.get("path") or "") / value_file
        # reads stay inside the tree being imported: no absolute paths, no ../ out of it, no links
        try:
            inside = candidate.resolve().is_relative_to(root.resolve()) and not candidate.is_symlink()
        except (OSError, ValueError):
            inside = False
        if not inside:
            notes.append(f"value file {value_file} is outside the imported tree: not read")
            continue
        try:
            data = safe_yaml.load(untrusted.read(candidate)) or {}
        except untrusted.UnreadableInput as exc:
            notes.append(f"value file {value_file}: {exc}: its values are not imported")
            continue
        except OSError:
            notes.append(f"value file {value_file} not found in the tree: its values are not imported")
            continue
        except safe_yaml.UnsafeYaml as exc:
            notes.append(f"value file {value_file} not read ({exc}): its values are not imported")
            continue
        if isinstance(data, dict):
            values = deep_merge(values, data)
            notes.append(f"value file {value_file} relocated into the gitops-dsl layout")
    if helm.get("values"):
        try:
            inline = safe_yaml.load(str(helm["values"])) or {}
            values = deep_merge(values, inline if isinstance(inline, dict) else {})
        except safe_yaml.UnsafeYaml as exc:
            notes.append(f"helm.values not imported: {exc}")
    if "version" in helm and helm["version"] not in ("v3", "v4"):
        notes.append(f"helm.version {helm['version']!r} is one Argo CD refuses (util/helm/cmd.go "
                     "NewCmd: v3 or v4): not imported")
    for key in sorted(set(helm) - {"valueFiles", "values", "valuesObject", "releaseName", "skipCrds",
                                   *HELM_OPTIONS}):
        notes.append(f"helm.{key} is not modelled by gitops-dsl: not imported")
    return values


def kept_repo_files(main: dict[str, Any], refs: dict[str, Any], own_repo: str | None
                     ) -> list[tuple[str, str, str, str]]:
    """(repo url, revision, path, ref) of the value files kept as another repository's: those
    read through a ref source of a repository that is not the imported one, at the end of the
    list (gitops-dsl lists them after its own), and only when no inline `helm.values` would
    have to win over them."""
    helm = main.get("helm") or {}
    if own_repo is None or helm.get("values"):
        return []
    kept: list[tuple[str, str, str, str]] = []
    for value_file in reversed([str(v) for v in helm.get("valueFiles") or ()]):
        ref, _, path = value_file[1:].partition("/")
        source = refs.get(ref) if value_file.startswith("$") else None
        if source is None or not path or "$" in path or \
                normalize_git_url(str(source["repoURL"])) == own_repo:
            break
        kept.insert(0, (str(source["repoURL"]), str(source.get("targetRevision") or "HEAD"),
                        path, ref))
    return kept


def file_identity(value_file: str, refs: dict[str, Any]) -> str:
    """A value file as the round trip compares it: `<repository>/<path>` for one read through a
    ref source (whatever the ref is called), else as written (a file of the chart folder)."""
    if value_file.startswith("$"):
        ref, _, path = value_file[1:].partition("/")
        if ref in refs:
            return f"{normalize_git_url(str(refs[ref]['repoURL']))}/{path}"
    return value_file
