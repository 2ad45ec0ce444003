"""Compare the imported platform, compiled, with the original Applications: chart or path
identity, destination, sync policy and options, wave, ignoreDifferences and the effective Helm
values. A difference passes only when the importer reported its reason for that Application."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..argo.globs import normalize_git_url
from ..merging import deep_merge
from ..render.views import AppView, app_views
from .normalize import (
    ROOT_NOTE,
    ZONE_ROOT_NOTE,
    App,
    dns_name,
    helm_options,
    jsonnet_options,
    kustomize_options,
    source_type,
)
from .values import file_identity

# which words in an Application's notes explain a difference in which field
_REASONS = {
    "destination.cluster": ("one cluster",),
    "values": ("value file", "not imported", "helm."),
    "sync.options": ("sync option",),
    "chart": ("rendering source",),
    "source type": ("rendering source", "config management plugin"),
    "wave": ("sync-wave",),
    "missing": ("not imported", "duplicates"),
    "name": ("Application name",),
    "release name": ("release_name",),
    "repositories": ("is not kept",),
}


@attrs.frozen
class Difference:
    app: str
    field: str
    original: object
    compiled: object
    reported: bool


def _original_fields(app: App) -> dict[str, Any]:
    sync = app.sync
    options = {f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in sync["options"].items()
               if not (k == "create_namespace" and v is False)}
    return {
        # the names Argo CD and Helm know things by: a change re-creates the Application or
        # renames every workload (a release defaults to the Application's name in Argo CD)
        "name": app.name,
        "release name": (app.release_name or app.name) if app.source_type == "helm" else None,
        "destination.cluster": app.server, "destination.namespace": app.namespace,
        # the AppProject decides what the Application may deploy: per environment, as the tree
        "project": app.project if app.project == "default" else dns_name(app.project, 63),
        "chart": _chart_identity(app.chart), "source type": app.source_type,
        "directory": _options(app.chart) or None if app.chart[0] == "git" and app.chart[4] == "directory"
        else None,
        "helm.skipCrds": bool(_options(app.chart).get("skip_crds")),
        # (its other repositories' value files are compared as value files, below)
        "helm options": ({k: v for k, v in app.helm.items() if k != "value_files"}
                         if app.source_type == "helm" else {}),
        "kustomize options": app.kustomize if app.source_type == "kustomize" else {},
        "wave": app.wave or 0,
        "sync.automated": sync["automated"], "sync.prune": sync.get("prune", False),
        "sync.selfHeal": sync.get("self_heal", False), "sync.allowEmpty": sync.get("allow_empty", False),
        "sync.retry": _retry(sync.get("retry")), "sync.options": sorted(options),
        "ignoreDifferences": sorted(repr(sorted(e.items())) for e in app.ignore),
        # the effective values: value files, inline values, then valuesObject over them
        "values": deep_merge(app.values, app.helm.get("values_object") or {}),
        "value files": list(app.value_files),
    }


def _options(chart: tuple[Any, ...]) -> dict[str, Any]:
    """The options an imported chart carries (its last element)."""
    options: dict[str, Any] = chart[-1]
    return options


def _retry(retry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The original's retry as an Application writes it; none is none (Argo CD then never
    retries a failed sync), never the platform's default."""
    if retry is None:
        return None
    b = retry["backoff"]
    return {"limit": retry["limit"], "backoff": {"duration": b["duration"], "factor": b["factor"],
                                                 "maxDuration": b["max_duration"]}}


def _chart_identity(chart: tuple[Any, ...]) -> tuple[Any, ...]:
    if chart[0] == "helm":
        return ("helm", chart[1].removeprefix("oci://"), chart[2], chart[3])
    return ("git", chart[1], chart[2], chart[3].strip("/") or ".")


_OPTION_NAMES = {"CreateNamespace": "create_namespace", "PrunePropagationPolicy": "prune_propagation_policy",
                 "PruneLast": "prune_last", "ApplyOutOfSyncOnly": "apply_out_of_sync_only",
                 "ServerSideApply": "server_side_apply", "RespectIgnoreDifferences": "respect_ignore_differences",
                 "Validate": "validate", "SkipDryRunOnMissingResource": "skip_dry_run_on_missing_resource",
                 "Replace": "replace", "FailOnSharedResource": "fail_on_shared_resource", "Prune": "prune",
                 "Delete": "delete", "ClientSideApplyMigration": "client_side_apply_migration"}


def _compiled_fields(view: AppView, doc: Any, folder_type: str | None) -> dict[str, Any]:
    spec = doc["spec"]
    sources = spec.get("sources") or [spec["source"]]
    main = sources[0]
    refs = {s["ref"]: s for s in sources if s.get("ref")}
    identity = (("helm", main["repoURL"], main["chart"], main["targetRevision"]) if main.get("chart")
                else ("git", main["repoURL"], main.get("targetRevision", "HEAD"),
                      main.get("path", ".").strip("/") or "."))
    values = {k: v for k, v in view.fields.items() if k.startswith("values.")}
    kind = source_type(main, folder_type)
    name = doc["metadata"]["name"]
    return {
        "name": name,
        "release name": ((main.get("helm") or {}).get("releaseName") or name) if kind == "helm" else None,
        "project": spec.get("project"),
        "destination.cluster": spec["destination"]["server"],
        "destination.namespace": spec["destination"].get("namespace", ""),
        "chart": identity, "source type": source_type(main, folder_type),
        "directory": _directory(main) if source_type(main, folder_type) == "directory" else None,
        "helm.skipCrds": (main.get("helm") or {}).get("skipCrds") is True,
        "helm options": helm_options(main.get("helm") or {}) if kind == "helm" else {},
        "kustomize options": kustomize_options(main.get("kustomize")) if kind == "kustomize" else {},
        "wave": view.fields["wave"],
        **_compiled_sync(spec.get("syncPolicy") or {}),
        "ignoreDifferences": sorted(repr(sorted(_snake(e).items())) for e in spec.get("ignoreDifferences") or []),
        "values": values,
        # the value files it reads as files of their own, in order: gitops-dsl's values and
        # configs trees are where relocated values live, not files of the original
        "value files": [file_identity(f, refs) for f in (main.get("helm") or {}).get("valueFiles") or ()
                        if not f.startswith(("$values/", "$configs/"))],
    }


def _compiled_sync(policy: dict[str, Any]) -> dict[str, Any]:
    """A compiled Application's syncPolicy as the fields the originals are compared by."""
    automated = policy.get("automated")
    options: set[str] = set()
    for option in policy.get("syncOptions") or []:
        key, _, value = option.partition("=")
        if key == "CreateNamespace" and value == "false":
            continue
        options.add(f"{_OPTION_NAMES[key]}={value}")
    return {"sync.automated": automated is not None,
            "sync.prune": bool((automated or {}).get("prune")),
            "sync.selfHeal": bool((automated or {}).get("selfHeal")),
            "sync.allowEmpty": bool((automated or {}).get("allowEmpty")),
            "sync.retry": policy.get("retry"), "sync.options": sorted(options)}


def _roots(files: Mapping[str, bytes]) -> dict[str, Any]:
    """The compiled roots and zone Applications by name."""
    from ..emit.yaml import load
    from ..render.names import parse
    found = {}
    for path in files:
        where = parse(path)
        if where.kind == "root" or where.kind == "bootstrap" and where.name == "zone.yaml":
            doc = load(files[path])
            found[doc["metadata"]["name"]] = doc
    return found


def _compare_root(app: App, roots: Mapping[str, Any]) -> list[Difference]:
    """An app-of-apps of the tree: one the import kept as an environment's root must be a
    compiled root of that name with its sync policy; one it did not keep is reported missing."""
    zone = any("kept as the zone Application" in n for n in app.notes)
    if not zone and not any("kept as the root of environment" in n for n in app.notes):
        return [Difference(app.name, "missing", "an Application", None, _explained(app, "missing"))]
    doc = roots.get(app.name)
    if doc is None:
        return [Difference(app.name, "name", app.name, sorted(roots), False)]
    if zone:   # its sync policy is the zone Application's: said so by the import
        return []
    original = {k: v for k, v in _original_fields(app).items() if k.startswith("sync.")}
    compiled = _compiled_sync(doc["spec"].get("syncPolicy") or {})
    return [Difference(app.name, name, original[name], compiled[name], _explained(app, name))
            for name in original if original[name] != compiled[name]]


def _directory(source: dict[str, Any]) -> dict[str, Any] | None:
    """A directory source's options as Argo CD applies them (recurse defaults to false)."""
    if source.get("chart"):
        return None
    directory = source.get("directory") or {}
    out = {"recurse": directory.get("recurse") is True, "include": directory.get("include"),
           "exclude": directory.get("exclude")}
    jsonnet = jsonnet_options(directory.get("jsonnet"))
    if jsonnet:
        out["jsonnet"] = jsonnet
    return out


def _snake(entry: dict[str, Any]) -> dict[str, Any]:
    names = {"jsonPointers": "json_pointers", "jqPathExpressions": "jq_path_expressions",
             "managedFieldsManagers": "managed_fields_managers"}
    return {names.get(k, k): v for k, v in entry.items()}


def _flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(values, dict) and values:
        for k, v in values.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = values
    return out


def compare(apps: list[App], files: Mapping[str, bytes]) -> list[Difference]:
    """Every difference between the originals and the compiled tree, marked reported or not."""
    from ..emit.yaml import load

    views = app_views(files, mask=False)   # compared with the original, never shown
    by_key = {(v.service, v.env): v for v in views.values()}
    roots = _roots(files)
    out = []
    for app in apps:
        if any(n.startswith((ROOT_NOTE, ZONE_ROOT_NOTE)) for n in app.notes):
            out += _compare_root(app, roots)
            continue
        key = (dns_name(app.service, 53), dns_name(app.env, 20))
        view = by_key.get(key)
        if view is None:
            out.append(Difference(app.name, "missing", "an Application", None,
                                  _explained(app, "missing")))
            continue
        original = _original_fields(app)
        # a folder outside the imported tree cannot be discovered: the compiled Application then
        # relies on it holding what the original said (the imported GitPath's tool)
        folder = app.folder_type or (app.chart[4] if app.chart[0] == "git" else None)
        doc = load(files[view.path])
        compiled = _compiled_fields(view, doc, folder)
        # the repositories the original read that the compiled Application still reads (it may
        # read the platform's own besides): a dropped one - a configs repository - is a difference
        reads = {normalize_git_url(str(s.get("repoURL") or ""))
                 for s in doc["spec"].get("sources") or [doc["spec"].get("source") or {}]}
        original["repositories"] = list(app.repositories)
        compiled["repositories"] = [r for r in app.repositories if r in reads]
        for name in original:
            a, b = original[name], compiled[name]
            if name == "values":
                fa, fb = _flatten(a, "values") if a else {}, b
                if fa != fb:
                    out.append(Difference(app.name, "values", len(fa), len(fb), _explained(app, "values")))
            elif name == "value files" and a != b:
                out.append(Difference(app.name, name, a, b, _value_files_explained(app, b)))
            elif a != b:
                out.append(Difference(app.name, name, a, b, _explained(app, name)))
    return out


def _value_files_explained(app: App, compiled: list[str]) -> bool:
    """A value file the compiled Application no longer reads as a file is explained by a note
    of the import naming that very file (relocated, unreadable, not found); one it reads that
    the original did not, never (unless the Application is a duplicate the import dropped)."""
    if _dropped(app):
        return True
    if any(f not in app.value_files for f in compiled):
        return False
    for identity, written in zip(app.value_files, app.value_file_names):
        if identity not in compiled and not any(
                note.startswith((f"value file {written} ", f"value file {written}:"))
                for note in app.notes):
            return False
    return True


def _dropped(app: App) -> bool:
    """A duplicate the importer dropped: nothing of it is compiled."""
    return any(note.startswith("a second Application for service") for note in app.notes)


def _explained(app: App, field: str) -> bool:
    if _dropped(app):
        return True
    words = _REASONS.get(field, ())
    return any(word in note for note in app.notes for word in words)


def compile_import(imported: Any) -> tuple[Any, dict[str, bytes]]:
    """Compile an import's platform file in a temporary folder: the compile result (the original
    tree's mistakes as warnings, so that they never stop the comparison) and its files."""
    import tempfile
    from pathlib import Path

    from ..api import compile as compile_platforms
    from ..checks import RULES
    as_warnings = {code: "warning" for code, rule in RULES.items() if rule.scope != "model"}
    with tempfile.TemporaryDirectory() as folder:
        platforms = Path(folder) / "platforms"
        platforms.mkdir()
        (platforms / "imported_platform.py").write_text(imported.source)
        result = compile_platforms(platforms, root=Path(folder), severity=as_warnings)
        files = {p: result.files[p] for p in result.files}
    return result, files
