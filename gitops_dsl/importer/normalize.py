"""One hand-written Application as gitops-dsl sees it: environment and service inferred from its
name (or namespace), the chart or path it deploys, its effective Helm values, its sync settings.
What the DSL does not model is reported, never dropped silently."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..argo.globs import normalize_git_url
from ..argo.source_type import named_tools
from ..model.sync import SYNC_OPTION_KEYS

if TYPE_CHECKING:
    from .reader import Found

from .values import HELM_OPTIONS, file_identity, kept_repo_files, values_from

ENV_TOKENS = ("development", "develop", "dev", "staging", "stage", "stg", "production", "prod", "qa",
              "test", "uat", "live", "legacy", "sandbox", "preprod")


_OPTION_FIELDS = {key: field for field, key in SYNC_OPTION_KEYS.items()}


_BOOL_OPTIONS = {"create_namespace", "prune_last", "apply_out_of_sync_only", "server_side_apply",
                 "respect_ignore_differences", "validate", "skip_dry_run_on_missing_resource", "replace",
                 "fail_on_shared_resource", "client_side_apply_migration"}


_KNOWN_SPEC = {"project", "source", "sources", "destination", "syncPolicy", "ignoreDifferences",
               "revisionHistoryLimit", "info"}


_FINALIZERS = {"resources-finalizer.argocd.argoproj.io": "foreground",
               "resources-finalizer.argocd.argoproj.io/foreground": "foreground",
               "resources-finalizer.argocd.argoproj.io/background": "background"}


@attrs.frozen
class App:
    name: str
    file: str
    env: str
    service: str
    project: str
    server: str
    namespace: str
    wave: int | None
    #: ("helm", repo, chart, version) | ("git", repo, revision, path, tool, directory options)
    chart: tuple[Any, ...]
    values: dict[str, Any]
    release_name: str | None
    sync: dict[str, Any]                # SyncPolicy keyword arguments (options as a dict of SyncOptions fields)
    ignore: list[Any]              # IgnoreDifference keyword arguments
    history: int | None
    cascade: str
    info: dict[str, Any]
    notes: list[Any]
    #: how Argo CD renders the source: "helm", "kustomize", "directory" or "plugin"
    source_type: str = "helm"
    #: what Argo CD would detect from the folder alone, without an explicit source type (None:
    #: not a folder of the tree, or a chart from a Helm repository)
    folder_type: str | None = None
    #: HelmOptions keyword arguments (normalize.helm_options)
    helm: dict[str, Any] = attrs.field(factory=dict)
    #: written with `spec.source` (not `spec.sources`)
    single_source: bool = False
    #: KustomizeOptions keyword arguments (normalize.kustomize_options)
    kustomize: dict[str, Any] = attrs.field(factory=dict)
    #: every repository the Application reads (each source's repoURL, normalized as Argo CD
    #: compares them): the round trip counts one the compiled Application no longer reads
    repositories: tuple[str, ...] = ()
    #: the rendering source's `helm.valueFiles`, in order: the round trip counts each one the
    #: compiled Application does not read as a file of its own (one the import relocated)
    value_files: tuple[str, ...] = ()
    #: the same value files as the Application writes them (what the import's notes name)
    value_file_names: tuple[str, ...] = ()


#: Argo CD's discovery (util/app/discovery/discovery.go AppType): a file named `*Chart.yaml` in
#: the application folder itself makes it Helm, a kustomization (kustomization.yaml, .yml or
#: Kustomization; checked after Helm, so it wins) Kustomize, anything else Directory; an explicit
#: source type in the spec (helm, kustomize, directory, plugin: `argo.source_type.named_tools`)
#: comes first
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def discovered_type(folder: Path) -> str | None:
    """The type Argo CD's discovery gives a folder of the tree (None when it is not there)."""
    if not folder.is_dir():
        return None
    names = {p.name for p in folder.iterdir() if p.is_file()}
    found = "directory"
    if any(name.endswith("Chart.yaml") for name in names):
        found = "helm"
    if names & set(_KUSTOMIZATIONS):
        found = "kustomize"
    return found


def source_type(source: dict[str, Any], folder_type: str | None) -> str:
    """How Argo CD renders a source: the explicit type, else what it discovers (directory when
    the folder cannot be seen)."""
    if source.get("chart"):
        return "helm"
    explicit = named_tools(source)   # (a block that sets nothing is dropped: argo/source_type.py)
    if explicit:
        return explicit[0]
    return folder_type or "directory"


def split_name(name: str, namespace: str) -> tuple[str, str | None]:
    """(service, env) from `plate-web-stg`, `dev-api-info`; else from the namespace; else None."""
    for token in ENV_TOKENS:
        if name.endswith(f"-{token}") and len(name) > len(token) + 1:
            return name[:-len(token) - 1], token
        if name.startswith(f"{token}-") and len(name) > len(token) + 1:
            return name[len(token) + 1:], token
    for token in ENV_TOKENS:
        if namespace.endswith(f"-{token}") or namespace.startswith(f"{token}-") or namespace == token:
            return name, token
    return name, None


#: how the import marks an app-of-apps it leaves out (importer/__init__.py _without_roots)
ROOT_NOTE = "an app-of-apps over the imported Applications"
#: how the import marks the app-of-apps over the roots it kept (the zone Application)
ZONE_ROOT_NOTE = "an app-of-apps over the imported roots"


#: the `kustomize:` fields that become KustomizeOptions (Argo CD's spelling -> the DSL's)
KUSTOMIZE_OPTIONS = {"namePrefix": "name_prefix", "nameSuffix": "name_suffix",
                     "namespace": "namespace", "images": "images", "commonLabels": "common_labels",
                     "commonAnnotations": "common_annotations", "components": "components",
                     "patches": "patches"}


#: the `helm:` fields that become HelmOptions (Argo CD's spelling -> the DSL's)


def jsonnet_options(jsonnet: Any) -> dict[str, Any]:
    """A `directory.jsonnet` block as Jsonnet keyword arguments (empty parts left out)."""
    if not isinstance(jsonnet, dict):
        return {}
    out: dict[str, Any] = {}
    for key, name in (("extVars", "ext_vars"), ("tlas", "tlas")):
        pairs = {str(v.get("name")): str(v.get("value", "")) for v in jsonnet.get(key) or ()
                 if isinstance(v, dict)}
        if pairs:
            out[name] = dict(sorted(pairs.items()))
    libs = [str(lib) for lib in jsonnet.get("libs") or ()]
    if libs:
        out["libs"] = libs
    return out


def kustomize_options(kustomize: Any) -> dict[str, Any]:
    """The KustomizeOptions keyword arguments an Application's `kustomize:` block carries."""
    out: dict[str, Any] = {}
    if not isinstance(kustomize, dict):
        return out
    for key, name in KUSTOMIZE_OPTIONS.items():
        value = kustomize.get(key)
        if value in (None, "", [], {}):
            continue
        out[name] = dict(sorted(value.items())) if isinstance(value, dict) else (
            list(value) if isinstance(value, list) else value)
    return out


def helm_options(helm: dict[str, Any]) -> dict[str, Any]:
    """The HelmOptions keyword arguments an Application's `helm:` block carries, normalized
    (parameters as (name, value, force_string), sorted by name; file parameters (name, path))."""
    out: dict[str, Any] = {}
    parameters = sorted((str(p.get("name", "")), str(p.get("value", "")), p.get("forceString") is True)
                        for p in helm.get("parameters") or () if isinstance(p, dict))
    if parameters:
        out["parameters"] = parameters
    files = sorted((str(p.get("name", "")), str(p.get("path", "")))
                   for p in helm.get("fileParameters") or () if isinstance(p, dict))
    if files:
        out["file_parameters"] = files
    for key in ("passCredentials", "ignoreMissingValueFiles", "skipTests", "skipSchemaValidation"):
        if isinstance(helm.get(key), bool):
            out[HELM_OPTIONS[key]] = helm[key]
    if isinstance(helm.get("namespace"), str) and helm["namespace"]:
        out["namespace"] = helm["namespace"]
    if helm.get("version") in ("v3", "v4"):
        out["version"] = helm["version"]
    if isinstance(helm.get("valuesObject"), dict) and helm["valuesObject"]:
        out["values_object"] = helm["valuesObject"]
    return out


def _chart(source: dict[str, Any], tool: str, notes: list[Any]) -> tuple[Any, ...]:
    skip = {"skip_crds": True} if (source.get("helm") or {}).get("skipCrds") is True else {}
    if source.get("chart"):
        return ("helm", source.get("repoURL", ""), source["chart"], str(source.get("targetRevision", "")),
                skip)
    if len(named := named_tools(source)) > 1:
        notes.append(f"a rendering source with {' and '.join(named)}: "
                     "Argo CD refuses more than one source type")
    if tool == "plugin":
        notes.append("a config management plugin is not a rendering source gitops-dsl models: "
                     "imported as a plain directory")
        tool = "directory"
    options: dict[str, Any] = {}
    if tool == "directory":
        directory = source.get("directory") or {}
        options = {"recurse": directory.get("recurse") is True, "include": directory.get("include"),
                   "exclude": directory.get("exclude")}   # Argo CD reads one level by default
        jsonnet = jsonnet_options(directory.get("jsonnet"))
        if jsonnet:
            options["jsonnet"] = jsonnet
        for key in sorted(set(directory) - {"recurse", "include", "exclude", "jsonnet"}):
            notes.append(f"directory.{key} is not modelled: not imported (a rendering source "
                         "option)")
    elif tool == "helm":
        options = skip
    if tool == "kustomize" and isinstance(source.get("kustomize"), dict):
        for key in sorted(set(source["kustomize"]) - set(KUSTOMIZE_OPTIONS)):
            notes.append(f"kustomize.{key} is not modelled: not imported (a rendering source "
                         "option)")
    elif source.get("kustomize"):
        notes.append("kustomize options on a source that is not a Kustomize folder: not imported")
    return ("git", source.get("repoURL", ""), str(source.get("targetRevision") or "HEAD"),
            str(source.get("path") or "."), tool, options)


def _integer(value: Any, what: str, default: int, notes: list[Any]) -> int:
    """An integer field of an imported document; anything else is reported, never trusted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    notes.append(f"{what} {str(value)[:40]!r} is not an integer: {default} used")
    return default


def _sync(policy: dict[str, Any], notes: list[Any]) -> dict[str, Any]:
    automated = policy.get("automated")
    out: dict[str, Any] = {"automated": automated is not None and automated.get("enabled", True)
                           is not False}
    if automated is not None:
        out["prune"] = bool(automated.get("prune", False))
        out["self_heal"] = bool(automated.get("selfHeal", False))
        out["allow_empty"] = bool(automated.get("allowEmpty", False))
    retry = policy.get("retry")
    if retry is not None:
        backoff = retry.get("backoff") or {}
        out["retry"] = {"limit": _integer(retry.get("limit", 0), "retry.limit", 5, notes),
                        "backoff": {"duration": str(backoff.get("duration", "5s")),
                                    "factor": _integer(backoff.get("factor", 2),
                                                       "retry.backoff.factor", 2, notes),
                                    "max_duration": str(backoff.get("maxDuration", "3m"))}}
    options: dict[str, Any] = {"create_namespace": False}
    for option in policy.get("syncOptions") or []:
        key, _, value = str(option).partition("=")
        field = _OPTION_FIELDS.get(key)
        if field is None or not value:
            notes.append(f"sync option {option!r} is not one Argo CD knows: not imported")
            continue
        if field in _BOOL_OPTIONS:
            if value not in ("true", "false"):
                notes.append(f"sync option {option!r}: not true or false, not imported")
                continue
            options[field] = value == "true"
        else:
            options[field] = value
    out["options"] = options
    if policy.get("managedNamespaceMetadata"):
        notes.append("syncPolicy.managedNamespaceMetadata not imported")
    return out


def normalize(found: Found, root: Path, own_repo: str | None = None) -> App | None:
    """One Application of the tree. `own_repo` (normalized) is the repository being imported:
    value files read through a `ref` source of another repository, at the end of the list, are
    kept as values files of that repository (RepoFile); any other is merged into the service's
    values (relocated)."""
    doc = found.doc
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    notes: list[str] = []
    name = str(meta.get("name", ""))
    destination = spec.get("destination") or {}
    namespace = str(destination.get("namespace") or "")   # none: cluster-scoped resources
    service, env = split_name(name, namespace)
    sources = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
    if not sources:
        return None
    for source in sources:
        url = source.get("repoURL") if isinstance(source, dict) else None
        if not isinstance(url, str) or not url.strip():
            # the CRD makes repoURL a required string, and Argo CD has nothing to fetch without
            # one: such a document is reported, never imported (and never crashes the import)
            raise ValueError(f"a source's repoURL is {'empty' if url in (None, '') else repr(url)[:40]}"
                             " - Argo CD needs a repository URL (a string)")
    refs = {s["ref"]: s for s in sources if s.get("ref")}
    main = next((s for s in sources if not s.get("ref") or s.get("path")), sources[0])
    kept = kept_repo_files(main, refs, own_repo)
    for ref, source in sorted(refs.items()):
        if source is not main and normalize_git_url(str(source["repoURL"])) != \
                normalize_git_url(str(main["repoURL"])) and not any(f[3] == ref for f in kept):
            notes.append(f"source {source['repoURL']} (ref {ref}) is not kept: the value files "
                         "read through it are merged into the service's values in the gitops "
                         "repository, so what is changed there later no longer reaches the "
                         "Application")
    for url, _, path, ref in kept:
        notes.append(f"value file ${ref}/{path} kept: read from {url} through a ref source "
                     "(RepoFile), after the service's values")
    if kept:
        helm = dict(main.get("helm") or {})
        helm["valueFiles"] = list(helm["valueFiles"])[:-len(kept)]
        main = {**main, "helm": helm}
    if len([s for s in sources if not s.get("ref")]) > 1:
        notes.append("more than one rendering source: only the first is imported")
    for key in sorted(set(spec) - _KNOWN_SPEC):
        notes.append(f"spec.{key} is not an Application field (or not modelled): not imported")
    annotations = dict(meta.get("annotations") or {})
    wave = annotations.pop("argocd.argoproj.io/sync-wave", None)
    try:
        wave = int(str(wave)) if wave is not None else None
    except ValueError:
        notes.append(f"sync-wave {wave!r} is not an integer (Argo CD reads it as 0)")
        wave = 0
    for key in sorted(annotations):
        notes.append(f"annotation {key} not imported")
    finalizers = meta.get("finalizers") or []
    cascade = next((_FINALIZERS[f] for f in finalizers if f in _FINALIZERS), "none")
    info = {str(i.get("name")): str(i.get("value")) for i in spec.get("info") or [] if isinstance(i, dict)}
    ignore = []
    for entry in spec.get("ignoreDifferences") or []:
        kwargs = {"kind": entry.get("kind", ""), "group": entry.get("group", "") or ""}
        for source_key, target in (("name", "name"), ("namespace", "namespace"),
                                   ("jsonPointers", "json_pointers"),
                                   ("jqPathExpressions", "jq_path_expressions"),
                                   ("managedFieldsManagers", "managed_fields_managers")):
            if entry.get(source_key):
                kwargs[target] = entry[source_key]
        ignore.append(kwargs)
    if found.generated_by:
        notes.append(f"generated by ApplicationSet {found.generated_by}")
    server = str(destination.get("server") or "")
    if not server:
        notes.append(f"destination.name {destination.get('name')!r} used as the in-cluster server")
        server = "https://kubernetes.default.svc"
    folder_type = None if main.get("chart") else discovered_type(root / str(main.get("path") or "."))
    kind = source_type(main, folder_type)
    listed = tuple(str(v) for v in [*((main.get("helm") or {}).get("valueFiles") or ()),
                                    *(f"${ref}/{path}" for _, _, path, ref in kept)])
    return App(name=name, file=found.file, env=env or "shared", service=service,
               project=str(spec.get("project") or "default"), server=server, namespace=namespace,
               wave=wave, chart=_chart(main, kind, notes), values=values_from(main, root, refs, notes),
               source_type=kind, folder_type=folder_type,
               release_name=(main.get("helm") or {}).get("releaseName"),
               helm={**helm_options(main.get("helm") or {}),
                     **({"value_files": tuple(kept)} if kept else {})},
               single_source="source" in spec and not spec.get("sources"),
               kustomize=kustomize_options(main.get("kustomize")) if kind == "kustomize" else {},
               sync=_sync(spec.get("syncPolicy") or {}, notes), ignore=ignore,
               history=spec.get("revisionHistoryLimit"), cascade=cascade, info=info, notes=notes,
               repositories=tuple(sorted({normalize_git_url(str(s["repoURL"])) for s in sources})),
               value_files=tuple(file_identity(v, refs) for v in listed),
               value_file_names=listed)


def dns_name(text: str, limit: int) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return (cleaned[:limit].rstrip("-") or "x")
