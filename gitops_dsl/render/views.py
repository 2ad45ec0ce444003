"""A reviewer's view of each Application, read back from a compiled tree (file bytes).

Both sides of a diff are trees - the committed build/, a fresh compile, or a compile of another
git revision - so one reader serves all of them. Secret values are reduced to a short hash of
their ciphertext: a view never holds anything secret.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..emit.yaml import load
from ..secrets.keys import is_secret_path
from .names import PROTECTED_LABEL, TreeIndex, parse

APP_PREFIX = "gitops/argo-apps/"
RENAME_ANNOTATION = "gitops-dsl.io/rename-to"   # render/apps.py writes it


@attrs.frozen
class FieldChange:
    """One dotted path of a reviewed object, old -> new (None: absent on that side)."""

    path: str
    old: Any
    new: Any

    @property
    def secret(self) -> bool:
        return self.path.startswith("secrets.") or any(
            isinstance(v, str) and v.startswith("masked ") for v in (self.old, self.new))


@attrs.frozen
class AppView:
    zone: str
    env: str
    service: str
    name: str
    path: str
    protected: bool
    fields: dict[str, Any]            # dotted path -> value (flattened)
    rename_to: str | None = None   # the new name while a rename is at its prepare step
    namespace: str = "argocd"      # where the Application object lives (its metadata.namespace)
    role: str = "service"          # service | root (an environment's app-of-apps) | zone

    @property
    def identity(self) -> tuple[str, str, str]:
        """What Argo CD knows the Application by: its instance (a zone has its own Argo CD),
        its namespace and its name. A file path is not part of it: the same name in another
        file is the same Application, another name in the same file is another Application."""
        return (self.zone, self.namespace, self.name)

    @property
    def cascades(self) -> bool:
        """Whether deleting the Application deletes its workloads (a resources finalizer)."""
        return any(str(f).startswith("resources-finalizer.argocd.argoproj.io")
                   for f in self.fields.get("finalizers") or ())


def workloads_deleted(before: AppView, name: str, release: str | None) -> str | None:
    """How Argo CD deletes the workloads of `before` when the same file now makes the
    Application `name` with the Helm release `release`: "renamed" (the root prunes the old
    Application, whose resources finalizer takes its workloads), "release" (Helm names a chart's
    objects after the release - Argo CD templates with releaseName as the name, reposerver/
    repository/repository.go `helmTemplate` - so with automated prune the old release's objects
    are pruned), or None. What `compile`'s delete guard refuses in a protected environment, and
    what `diff` marks as dangerous there."""
    if before.cascades and before.name != name:
        return "renamed"
    if before.fields.get("release") not in (None, release) and before.fields.get("sync.automated.prune"):
        return "release"
    return None


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted paths; lists stay values (they replace as a whole, as in Helm)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict) and data:
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif prefix:
        out[prefix] = data
    return out


def masked(value: Any) -> str:
    """A plaintext value under a secret-like key: never shown, but a change still shows."""
    return "masked " + hashlib.sha256(repr(value).encode()).hexdigest()[:12]


def shown(path: str, value: Any) -> Any:
    """`value` as a review may show it: masked when its path names a secret or it holds what
    looks like a credential (what GD504 and GD506 find, shown nowhere even where a platform
    allows it by name: a diff is posted to pull requests)."""
    if value is None:
        return None
    return masked(value) if secret_field(path, value) else value


def secret_field(path: str, value: Any) -> bool:
    """Whether a reviewed field's value is never to be shown: its path names a secret, or it
    holds what looks like a credential."""
    return is_secret_path(path) or _holds_credential(value)


def _holds_credential(value: Any) -> bool:
    """(A string too: a credential's shape, or a secret in the JSON or YAML file it carries.)"""
    from ..secrets.scan import plaintext
    if isinstance(value, (str, dict, list)):
        return next(iter(plaintext(value)), None) is not None
    return False


def _secret_digest(ciphertext: str) -> str:
    return "ciphertext " + hashlib.sha256(ciphertext.encode()).hexdigest()[:12]


ROOT_SERVICE = ""   # the service part of a root's or a zone app's key: no service has that name


def control_key(path: str) -> tuple[str, str, str] | None:
    """(zone, env, "") for a root (gitops/argo-apps/<zone>/roots/<env>.yaml), (zone, "", "")
    for a zone app (gitops/bootstrap/<zone>/zone.yaml), None for any other path."""
    where = parse(path)
    if where.kind == "root":
        return (where.zone, where.env, ROOT_SERVICE)
    if where.kind == "bootstrap" and where.name == "zone.yaml":
        return (where.zone, "", ROOT_SERVICE)
    return None


def is_app_path(path: str) -> bool:
    """gitops/argo-apps/<zone>/apps/<env>/<project>/<service>.yaml"""
    return (path.startswith(APP_PREFIX) and "/apps/" in path and path.endswith(".yaml")
            and path.count("/") == 6)


def app_views(files: Mapping[str, bytes], *, mask: bool = True, only: Iterable[str] | None = None,
              control: bool = False) -> dict[tuple[str, str, str], AppView]:
    """(zone, env, service) -> view, for every Application of a tree (or those of the paths
    `only` names). With `mask` (for anything shown to a person), values under secret-like keys
    are replaced by a digest. With `control`, the roots and zone apps too (see control_key)."""
    index = TreeIndex(files)
    cache: dict[str, Any] = {}

    def parsed(path: str) -> Any:
        if path not in cache:
            cache[path] = load(files[path])
        return cache[path]

    views = {}
    for path in (files if only is None else [p for p in only if p in files]):
        key: tuple[str, str, str] | None = None
        role = "service"
        if path.startswith(APP_PREFIX) and "/apps/" in path and path.endswith(".yaml"):
            where = parse(path)
            if where.kind == "app":
                key = (where.zone, where.env, where.name)
        elif control and ("/roots/" in path or path.endswith("/zone.yaml")):
            key = control_key(path)
            role = "root" if key is not None and key[1] else "zone"
        if key is None:
            continue
        doc = parsed(path)
        if not isinstance(doc, dict) or doc.get("kind") != "Application":
            continue
        views[key] = _view(*key, path, doc, index, parsed, mask, role)
    return views


def chart_helm(application: Any) -> dict[str, Any]:
    """The `helm` options of an Application's chart source (its first source)."""
    spec = application.get("spec") or {}
    sources = spec.get("sources") or [spec.get("source") or {}]
    return (sources[0] or {}).get("helm") or {}


def release_name(application: Any) -> str | None:
    """The Helm release name an Application sets on its chart source (its first source)."""
    return chart_helm(application).get("releaseName")


def _view(zone: str, env: str, service: str, path: str, doc: Any, index: TreeIndex,
          parsed: Callable[[str], Any], mask: bool = True, role: str = "service") -> AppView:
    meta, spec = doc.get("metadata", {}), doc.get("spec", {})
    sources = spec.get("sources") or [spec.get("source") or {}]
    chart = sources[0]
    fields: dict[str, Any] = {
        "project": spec.get("project"),
        "wave": int(meta.get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0")),
        "chart.repo": chart.get("repoURL"),
        "chart.name": chart.get("chart") or chart.get("path"),
        "chart.version": chart.get("targetRevision"),
        "release": release_name(doc),
        "destination.cluster": spec.get("destination", {}).get("server"),
        "destination.namespace": spec.get("destination", {}).get("namespace"),
        "revisionHistoryLimit": spec.get("revisionHistoryLimit"),
        "finalizers": meta.get("finalizers") or [],
        "ignoreDifferences": spec.get("ignoreDifferences") or [],
    }
    fields.update(flatten(spec.get("syncPolicy") or {}, "sync"))
    user_annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                        if k not in ("argocd.argoproj.io/sync-wave",
                                     "argocd.argoproj.io/manifest-generate-paths", RENAME_ANNOTATION)}
    fields.update(flatten(user_annotations, "annotations"))
    values: dict[str, Any] = {}
    for value_file in (chart.get("helm") or {}).get("valueFiles", []):
        target = index.find(value_file)
        if target is None:
            fields[f"missing value file {value_file}"] = True
            continue
        data = parsed(target) or {}
        configs = target.startswith("configs/") and isinstance(data, dict)
        if configs and "config" in data:         # whatever the configs tree's layout
            for dotted, value in flatten(data.get("config") or {}, "config").items():
                fields[dotted] = shown(dotted, value) if mask else value
        elif configs and ("sealedSecret" in data or "externalSecret" in data):
            sealed = data.get("sealedSecret") or {}
            for key, ciphertext in (sealed.get("encryptedData") or {}).items():
                fields[f"secrets.{key}"] = _secret_digest(ciphertext)
            for ref in (data.get("externalSecret") or {}).get("data", []):
                remote = ref.get("remoteRef", {})
                fields[f"secrets.{ref.get('secretKey')}"] = _secret_digest(
                    f"{remote.get('key')}#{remote.get('property')}")
        else:
            from ..merging import deep_merge  # (the model loads with it: only when needed)
            values = deep_merge(values, data)
    inline = (chart.get("helm") or {}).get("valuesObject")
    if isinstance(inline, dict) and inline:   # Argo CD merges it over the value files
        from ..merging import deep_merge
        values = deep_merge(values, inline)
    for dotted, value in flatten(values, "values").items():
        fields[dotted] = shown(dotted, value) if mask else value
    protected = (meta.get("labels") or {}).get(PROTECTED_LABEL) == "true"
    return AppView(zone, env, service, str(meta.get("name", "")), path, protected, fields,
                   (meta.get("annotations") or {}).get(RENAME_ANNOTATION),
                   str(meta.get("namespace") or "argocd"), role)
