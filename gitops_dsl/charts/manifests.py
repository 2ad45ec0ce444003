"""`gitops-dsl manifests`: what Argo CD will apply, rendered offline with a real Helm engine
(helm-python-sdk, the optional `gitops-dsl[render]` extra), and checked.

Every Application is rendered as Argo CD's repo server would: a Helm chart (the standard chart,
a chart folder of this repository, or an external chart from the chart cache that
`gitops-dsl charts pull` fills) with exactly the Application's value files merged in Argo CD's
order, its release name and namespace, and the chart's CRDs (`--include-crds`, unless
`skipCrds`); a plain directory as its YAML/JSON files; a Kustomize folder with `kubectl
kustomize` when kubectl is installed. What cannot be rendered offline is reported with why.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .. import untrusted
from ..argo.envsubst import build_environment, expand, expand_path
from ..argo.manifest_yaml import load_all
from ..emit.yaml import load
from ..resolve import deep_merge
from .dependencies import declares_dependencies, vendored
from .engine import LazyEngine, engine

if TYPE_CHECKING:
    from .lock import ChartRef, Entry


@attrs.frozen
class Rendered:
    app: str
    zone: str
    env: str
    namespace: str
    objects: tuple[Any, ...] = ()       # (template path, object)
    kube_version: str | None = None
    skipped: str | None = None
    error: str | None = None
    corrupt: bool = False     # the error is a chart cache entry that does not match the lock


@attrs.frozen
class ChartCache:
    """The chart lock's entries and the cache folder holding the locked archives."""

    lock: dict[ChartRef, Entry]
    folder: Path


class RenderCache:
    """Rendered manifests by input key: the chart's bytes (its digest, or a hash of the chart
    folder's files), the merged values and every render option. A second preflight of an
    unchanged platform reads these instead of running the Helm engine."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._charts: dict[str, str] = {}

    def chart_key(self, chart: Path) -> str:
        key = self._charts.get(str(chart))
        if key is None:
            import hashlib
            h = hashlib.sha256()
            if chart.is_file():
                h.update(chart.read_bytes())
            else:
                for path in sorted(p for p in chart.rglob("*") if p.is_file()):
                    h.update(str(path.relative_to(chart)).encode() + b"\0" + path.read_bytes() + b"\0")
            key = self._charts[str(chart)] = h.hexdigest()
        return key

    def key(self, chart: Path, values: dict[str, Any], options: dict[str, Any]) -> str:
        import hashlib
        import json

        from .._version import __version__
        material = json.dumps([__version__, self.chart_key(chart), values, options],
                              sort_keys=True, default=str)
        return hashlib.sha256(material.encode()).hexdigest()

    def get(self, key: str) -> tuple[Any, ...] | None:
        """The objects kept for `key`, when this user's gitops-dsl kept them (see `bound`): an
        entry written or edited by anyone else is a miss, never what preflight judges."""
        import json

        from .. import bound
        kept = bound.read(self.folder / f"{key}.json", _RENDER_SALT + key)
        if kept is None:
            return None
        try:
            return tuple((t, o) for t, o in json.loads(kept))
        except (ValueError, TypeError):
            return None

    def put(self, key: str, objects: tuple[Any, ...]) -> None:
        import json

        from .. import bound
        # a cache that cannot be written only costs time
        bound.write(self.folder / f"{key}.json",
                    json.dumps([list(pair) for pair in objects]).encode("utf-8"), _RENDER_SALT + key)


_RENDER_SALT = "gitops-dsl render "


def render_applications(files: Mapping[str, bytes], root: Path, *, env: str | None = None,
                        service: str | None = None, checkout: Sequence[tuple[str, str]] = (),
                        charts: ChartCache | None = None,
                        cache: RenderCache | None = None,
                        documents: Mapping[str, Any] | None = None,
                        names: Collection[str] | None = None) -> list[Rendered]:
    """Render each Application of a compiled tree (or those `names` names). `checkout` lists the (repository URL,
    revision) pairs that the working tree at `root` stands for (the platforms' gitops
    repositories): a chart folder named at another repository or revision is not read from
    the working tree, which holds something else."""
    from ..render.names import TreeIndex
    _LINKS.clear()
    helm = LazyEngine() if cache is not None else engine()
    index = TreeIndex(files)
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-render-") as folder, \
            contextlib.ExitStack() as loaded:
        tree = Path(folder)
        for path in files:      # keys only: `files` may serialize lazily (emit.files.Files)
            if path.startswith("gitops/charts/"):
                target = tree / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(files[path])
        work = []
        for path in sorted(files):
            parts = path.split("/")
            if not (path.startswith("gitops/argo-apps/") and len(parts) == 7 and parts[3] == "apps"):
                continue
            zone, app_env, name = parts[2], parts[4], parts[6][:-len(".yaml")]
            if (env and app_env != env) or (service and name != service):
                continue
            if names is not None and documents is None and \
                    not any(n.encode() in files[path] for n in names):
                continue   # (a file that does not hold the name is not that Application)
            doc = documents[path] if documents is not None else load(files[path])
            if names is not None and (doc.get("metadata") or {}).get("name") not in names:
                continue
            work.append((doc, zone, app_env))
        session = _Session(helm, files, index, tree, root, tuple(checkout), charts, cache,
                           documents, loaded)
        return _render_all(session, work)


@attrs.define
class _Session:
    """What every render of one `render_applications` call shares; `charts` holds each chart
    folder's loaded chart (the standard chart is loaded once, not once per Application)."""

    helm: Any
    files: Mapping[str, bytes]
    index: Any
    tree: Path
    root: Path
    checkout: tuple[tuple[str, str], ...]
    chart_cache: ChartCache | None
    cache: RenderCache | None
    documents: Mapping[str, Any] | None
    loaded: contextlib.ExitStack
    charts: dict[str, Any] = attrs.field(factory=dict)
    #: id(loaded chart) -> its CRDs as (template, object) pairs, parsed once per chart
    crds: dict[int, list[tuple[str, Any]]] = attrs.field(factory=dict)

    def chart_crds(self, chart: Any) -> list[tuple[str, Any]]:
        """The chart's `crds/` (with its subcharts'), parsed as Argo CD parses them; the same
        objects for every Application of the chart (read, never changed)."""
        found = self.crds.get(id(chart))
        if found is None:
            found = self.crds[id(chart)] = [
                (f"crds/{crd.get('filename') or crd.get('name')}", obj)
                for crd in chart.crds for obj in load_all(crd.get("data", "")) if obj]
        return found

    def chart(self, chart_dir: Path, reuse: bool) -> Any:
        """The chart in `chart_dir`, loaded by the Helm engine (kept open for the call when
        `reuse`: a folder of this call that does not change while it runs)."""
        key = str(chart_dir)
        if reuse and key in self.charts:
            return self.charts[key]
        chart = self.loaded.enter_context(self.helm.Chart.load(key))
        if reuse:
            self.charts[key] = chart
        return chart


#: from how many Applications rendering is shared among processes
_PARALLEL_FROM = 64


def _render_all(session: _Session, work: list[tuple[Any, str, str]]) -> list[Rendered]:
    """Every Application of `work` rendered, in order. Rendering is independent per Application
    (Helm runs in-process, one render at a time): with several cores and many Applications,
    forked children render interleaved shares while this process renders its own; a child
    whose answer does not arrive is rendered here instead (`forked`). Children are forked only
    while the Helm engine is not loaded in this process (a loaded Go runtime does not survive
    a fork), so each child loads its own."""
    import pickle

    from ..forked import Forked
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    shares = min(cores, len(work) // _PARALLEL_FROM) if "helm_python" not in sys.modules else 1
    if shares <= 1:
        return [_render_one(session, *item) for item in work]
    def share(i: int) -> Callable[[], bytes]:
        return lambda: pickle.dumps([_render_one(session, *item) for item in work[i::shares]])

    children = [(i, Forked(share(i))) for i in range(1, shares)]
    out: list[Rendered | None] = [None] * len(work)
    out[0::shares] = [_render_one(session, *item) for item in work[0::shares]]
    for i, child in children:
        answer = child.result()
        done = pickle.loads(answer) if answer is not None else None
        if not isinstance(done, list) or len(done) != len(work[i::shares]):
            done = [_render_one(session, *item) for item in work[i::shares]]
        out[i::shares] = done
    return [r for r in out if r is not None]


def _render_one(session: _Session, doc: Any, zone: str, env: str) -> Rendered:
    helm, files, index, tree, root = (session.helm, session.files, session.index, session.tree,
                                      session.root)
    checkout, charts, cache, documents = (session.checkout, session.chart_cache, session.cache,
                                          session.documents)
    spec = doc["spec"]
    name = doc["metadata"]["name"]
    namespace = spec["destination"].get("namespace", "")
    source = (spec.get("sources") or [spec.get("source")])[0]
    base = Rendered(name, zone, env, namespace,
                    kube_version=(source.get("helm") or {}).get("kubeVersion"))
    if source.get("chart"):
        from .lock import ChartRef, lookup
        ref = ChartRef(source["repoURL"], source["chart"], source["targetRevision"])
        if charts is None:
            return attrs.evolve(base, skipped=f"chart {ref.display()}: not rendered (no chart cache)")
        found = lookup(ref, charts.lock, charts.folder)
        if found.corrupt:
            return attrs.evolve(base, error=found.corrupt, corrupt=True)
        if found.missing:
            return attrs.evolve(base, skipped=found.missing)
        assert found.path is not None  # neither corrupt nor missing: cached
        chart_dir = found.path
    else:
        path = source.get("path", "")
        from ..argo.globs import normalize_git_url
        here = {(normalize_git_url(url), revision) for url, revision in checkout}
        wanted = (normalize_git_url(source.get("repoURL", "")), source.get("targetRevision"))
        standard = "/charts/service" in f"/{path}" and path.endswith("charts/service")
        if here and wanted not in here and not standard:
            return attrs.evolve(base, skipped=f"{path} at {wanted[1]!r} of {source.get('repoURL')}: "
                                              "not rendered (this working tree is another "
                                              "repository or revision)")
        if standard:
            chart_dir = tree / "gitops" / "charts" / "service"
        else:
            chart_dir = root / path
            if not chart_dir.is_dir():
                return attrs.evolve(base, skipped=f"{path}: not a folder in this repository")
            refused = _refused_links(root, chart_dir)
            if refused:
                # argo-cd util/app/path/path.go CheckOutOfBoundsSymlinks, run by the repo
                # server on the whole checkout before any render
                return attrs.evolve(base, error=f"{refused[0]} is a symbolic link that is absolute "
                                                "or leads outside the repository: Argo CD refuses "
                                                "to render from this repository")
            if "helm" not in source:
                return _render_plain(base, source, chart_dir)
            if not (chart_dir / "Chart.yaml").is_file():
                return attrs.evolve(base, skipped=f"{path}: not a chart in this repository")
    values: dict[str, Any] = {}
    helm_options = source.get("helm") or {}
    # the repo server substitutes $ARGOCD_APP_NAME and the others in value file paths and
    # parameters (argo/envsubst.py); the commit it resolves is not known here: empty
    environment = build_environment(doc, source)
    refs = {str(s.get("ref")) for s in spec.get("sources") or () if s.get("ref")}
    for value_file in helm_options.get("valueFiles", []):
        value_file = expand_path(str(value_file), refs, environment)
        if not value_file.startswith("$"):
            # a file of the chart folder itself (`GitPath.value_files`), relative to it
            own = (chart_dir / value_file) if chart_dir.is_dir() else None
            if own is None or not own.resolve().is_relative_to(chart_dir.resolve()) \
                    or not own.is_file():
                if helm_options.get("ignoreMissingValueFiles"):
                    continue
                return attrs.evolve(base, error=f"value file {value_file} is not a file of the "
                                                "chart folder")
            try:   # Helm reads values files as sigs.k8s.io/yaml does: as Argo CD's output
                first = next(iter(load_all(untrusted.read_text(own))), None)
            except (OSError, UnicodeDecodeError, yaml.YAMLError, untrusted.UnreadableInput) as exc:
                return attrs.evolve(base, error=f"value file {value_file}: {exc}")
            values = deep_merge(values, first if isinstance(first, dict) else {})
            continue
        target = index.find(value_file)
        if target is None:
            return attrs.evolve(base, error=f"value file {value_file} is not in the compiled tree")
        data = documents[target] if documents is not None and target in documents else \
            load(files[target])
        values = deep_merge(values, data or {})
    if isinstance(helm_options.get("valuesObject"), dict):   # over every values file
        values = deep_merge(values, helm_options["valuesObject"])
    try:
        # a file parameter is read from the repository (a folder of this checkout), or from the
        # chart itself (an archive from the chart cache, the standard chart)
        in_checkout = bool(helm_options.get("fileParameters")) and \
            chart_dir.resolve().is_relative_to(root.resolve())
        values = _with_parameters(helm, values, helm_options, chart_dir,
                                  root if in_checkout else chart_dir, environment, refs)
    except (OSError, ValueError) as exc:
        return attrs.evolve(base, error=f"helm parameters: {exc}")
    options = {"name": helm_options.get("releaseName", name),
               "namespace": helm_options.get("namespace") or namespace,
               "is_install": True, "kube_version": helm_options.get("kubeVersion"),
               "api_versions": helm_options.get("apiVersions")}
    vendored_copy = False
    with contextlib.ExitStack() as stack:
        if chart_dir.is_dir() and declares_dependencies(chart_dir):
            # what the repo server's `helm dependency build` would add (charts/dependencies.py)
            built, problem = stack.enter_context(vendored(
                helm, chart_dir, root, charts.lock if charts else None,
                charts.folder if charts else None))
            if built is None:
                return attrs.evolve(base, skipped=problem)
            vendored_copy = built != chart_dir
            chart_dir = built
        key = cache.key(chart_dir, values, {**options, "skip_crds": bool(helm_options.get("skipCrds"))}) \
            if cache is not None else None
        if cache is not None and key is not None:
            hit = cache.get(key)
            if hit is not None:
                return attrs.evolve(base, objects=hit)
        try:
            chart = session.chart(chart_dir, reuse=not vendored_copy)
            rendered = _render(helm, chart, values, options)
        except helm.HelmError as exc:
            return attrs.evolve(base, error=f"{source.get('chart') or source.get('path')}: {exc}")
    objects = []
    try:
        if not helm_options.get("skipCrds"):
            objects += session.chart_crds(chart)
        for template, text in sorted(rendered.items()):
            if template.endswith("NOTES.txt"):
                continue
            for obj in load_all(text):
                if obj:
                    objects.append((template, obj))
    except yaml.YAMLError as exc:
        if "nesting depth" not in str(exc):   # (libyaml's limit: as below)
            return attrs.evolve(base, error=f"the chart renders YAML that does not parse: {exc}")
        return attrs.evolve(base, error="the chart renders YAML nested deeper than the parser "
                                        "follows (Kubernetes refuses such an object too)")
    except RecursionError:
        return attrs.evolve(base, error="the chart renders YAML nested deeper than the parser "
                                        "follows (Kubernetes refuses such an object too)")
    if cache is not None and key is not None:
        cache.put(key, tuple(objects))
    return attrs.evolve(base, objects=tuple(objects))


def _refused_links(root: Path, chart_dir: Path) -> list[str]:
    """The links Argo CD's repo server would refuse in the repository `chart_dir` is read from:
    in a Git working tree what is or would be committed, else every file."""
    from ..argo.links import out_of_bounds_links, repository_links
    from ..files import MANIFEST
    key = str(root)
    if key not in _LINKS:
        _LINKS.clear()
        _LINKS[key] = repository_links(root, skip_holding=MANIFEST)
        if _LINKS[key] is None:   # not a Git working tree: every file, virtual environments
            # and output folders left out
            _LINKS[key] = out_of_bounds_links(root, skip_holding=MANIFEST)
    return _LINKS[key] or []


#: the links of the last repository asked about (one walk per command)
_LINKS: dict[str, list[str] | None] = {}


def glob_match(pattern: str, path: str) -> bool:
    """Argo CD's glob on a file's path in the folder (util/glob, gobwas/glob without separators):
    `*` matches any run of characters, `/` included; `?` one; `[...]` a class (`[!...]` negated);
    `{a,b}` either. The one matcher of argo/globs.py, with no separator and no deny entries."""
    from ..argo.globs import glob_match as argo_glob
    return argo_glob(pattern, path, negation=False)


def _clean_set_parameter(value: str) -> str:
    """What Argo CD passes Helm for a parameter's value: commas escaped unless already escaped,
    except in a `{a,b}` list (reposerver: util/helm/cmd.go cleanSetParameters)."""
    if value.startswith("{") and value.endswith("}"):
        return value
    out, previous = [], ""
    for ch in value:
        out.append("\\," if ch == "," and previous != "\\" else ch)
        previous = ch
    return "".join(out)


def _with_parameters(helm: Any, values: dict[str, Any], options: dict[str, Any],
                     chart_dir: Path, bound: Path, environment: Mapping[str, str],
                     refs: Collection[str] = ()) -> dict[str, Any]:
    """Values with the Application's `helm.parameters` and `fileParameters` applied as Argo CD's
    repo server passes them to `helm template`: each value substituted (`Env.Envsubst`, see
    argo/envsubst.py), then `--set`, then `--set-string` (forceString), then `--set-file`
    (util/helm/cmd.go template), each parsed by Helm's own strvals parser."""
    parameters = [p for p in options.get("parameters") or () if isinstance(p, dict)]
    files = [p for p in options.get("fileParameters") or () if isinstance(p, dict)]
    if not parameters and not files:
        return values
    for force in (False, True):
        for p in parameters:
            if bool(p.get("forceString")) is force:
                value = expand(str(p.get("value", "")), environment)
                expression = f"{p['name']}={_clean_set_parameter(value)}"
                parsed = (helm.parse_set_string_values(expression) if force
                          else helm.parse_set_string(expression))
                values = deep_merge(values, parsed)
    for p in files:
        # relative to the chart's folder (reposerver ResolveValueFilePathOrUrl with the app path)
        target = (chart_dir / expand_path(str(p["path"]), refs, environment)).resolve()
        if not target.is_relative_to(bound.resolve()) or not target.is_file():
            raise ValueError(f"fileParameters {p['name']}: {p['path']} is not a file of the "
                             "repository")
        values = deep_merge(values, helm.parse_set_literal(f"{p['name']}={target.read_text()}"))
    return values


def _image(spec: str) -> dict[str, str]:
    """One `kustomize edit set image` argument as a kustomization `images:` entry:
    `nginx:1.27`, `nginx=registry/nginx:1.27`, `nginx@sha256:...`."""
    name, _, new = spec.partition("=") if "=" in spec else ("", "", spec)
    entry: dict[str, str] = {}
    reference = new
    if "@" in reference:
        reference, digest = reference.split("@", 1)
        entry["digest"] = digest
    repo, tag = reference, ""
    if ":" in reference.rsplit("/", 1)[-1]:
        repo, tag = reference.rsplit(":", 1)
    entry["name"] = name or repo
    if name and repo != name:
        entry["newName"] = repo
    if tag:
        entry["newTag"] = tag
    return entry


def _wrapper_kustomization(options: dict[str, Any], folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                           "resources": [folder]}
    for key in ("namePrefix", "nameSuffix", "namespace", "commonLabels", "commonAnnotations"):
        if options.get(key):
            out[key] = options[key]
    if options.get("images"):
        out["images"] = [_image(str(i)) for i in options["images"]]
    if options.get("components"):
        out["components"] = [os.path.join(folder, c) for c in options["components"]]
    if options.get("patches"):
        out["patches"] = [dict(p, path=os.path.join(folder, p["path"])) if "path" in p else p
                          for p in options["patches"]]
    return out


def _patch_files_inside(options: dict[str, Any], folder: Path) -> str | None:
    """A patch file outside the Kustomize folder, which Argo CD's kustomize (load restrictions:
    root only) refuses to read; None when every patch file is inside."""
    for patch in options.get("patches") or ():
        path = patch.get("path") if isinstance(patch, dict) else None
        if isinstance(path, str) and not (folder / path).resolve().is_relative_to(folder.resolve()):
            return path
    return None


def _render_plain(base: Rendered, source: dict[str, Any], folder: Path) -> Rendered:
    """A Kustomize folder (with kubectl) or plain manifests, as Argo CD's repo server reads them."""
    if any((folder / n).is_file() for n in ("kustomization.yaml", "kustomization.yml",
                                             "Kustomization")):
        import shutil
        import subprocess
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            return attrs.evolve(base, skipped=f"{source.get('path')}: a Kustomize folder, not "
                                              "rendered (kubectl is not installed)")
        options = source.get("kustomize") or {}
        with tempfile.TemporaryDirectory(prefix="gitops-dsl-kustomize-") as wrapper:
            target = str(folder)
            outside = _patch_files_inside(options, folder)
            if outside is not None:
                return attrs.evolve(base, error=f"{source.get('path')}: kustomize patch {outside} "
                                                "is outside the folder (kustomize refuses it)")
            if options:
                # Argo CD applies its kustomize options with `kustomize edit` in a copy of the
                # folder (util/kustomize/kustomize.go); a kustomization over the folder with the
                # same fields builds the same resources
                Path(wrapper, "kustomization.yaml").write_text(yaml.safe_dump(
                    _wrapper_kustomization(options, os.path.relpath(folder, wrapper))))
                target = wrapper
            run = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                                  target] if options else [kubectl, "kustomize", target],
                                 capture_output=True, text=True, timeout=120, check=False)
        if run.returncode != 0:
            return attrs.evolve(base, error=f"{source.get('path')}: kustomize: "
                                            f"{run.stderr.strip()[:500]}")
        texts = [("kustomize", run.stdout)]
    else:
        # directory sources: *.yaml, *.yml, *.json (reposerver's manifestFile pattern), then
        # exclude and include globs on the path in the folder (getPotentiallyValidManifestFile)
        directory = source.get("directory") or {}
        pattern = "**/*" if directory.get("recurse") else "*"
        include, exclude = directory.get("include"), directory.get("exclude")
        jsonnet = [p for p in folder.glob(pattern) if p.is_file() and p.suffix == ".jsonnet"]
        if jsonnet:
            # reposerver reads .jsonnet files too (manifestFile pattern) and evaluates them; this
            # renderer does not, so it says so rather than render part of the folder
            return attrs.evolve(base, skipped=f"{source.get('path')}: holds .jsonnet files, which "
                                              "gitops-dsl does not evaluate")
        texts = [(rel, p.read_text("utf-8"))
                 for p in sorted(folder.glob(pattern))
                 if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
                 for rel in [p.relative_to(folder).as_posix()]
                 if not (exclude and glob_match(exclude, rel))
                 and not (include and not glob_match(include, rel))]
    objects = []
    try:
        for name, text in texts:
            for obj in load_all(text):
                if isinstance(obj, dict) and obj.get("kind"):
                    objects.append((name, obj))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return attrs.evolve(base, error=f"{source.get('path')}: {exc}")
    return attrs.evolve(base, objects=tuple(objects))


def _render(helm: Any, chart: Any, values: dict[str, Any], options: dict[str, Any]) -> dict[str, str]:
    """Render with the cluster's capabilities. Chart.render() does not take them yet, but the
    engine's render call does (as helm lint's kube_version does); without them, the public call."""
    options = {k: v for k, v in options.items() if v is not None}
    if "kube_version" not in options and "api_versions" not in options:
        rendered: dict[str, str] = chart.render(values=values, **options)
        return rendered
    import json

    from helm_python import _native
    native: dict[str, str] = json.loads(_native.call_string("helm_render", chart._raw(),
                                                          json.dumps(values), json.dumps(options)))
    return native


def check_rendered(item: Rendered, crds: dict[tuple[str, str], Any]) -> list[str]:
    """Schema problems of one rendered Application."""
    problems = []
    for template, obj in item.objects:
        kind = obj.get("kind", "?")
        name = (obj.get("metadata") or {}).get("name", "?")
        where = f"{item.app}: {template}: {kind}/{name}"
        # a namespace other than the destination is legal where the project admits it:
        # `gitops-dsl preflight` judges that against the AppProject (GD701)
        api = obj.get("apiVersion", "")
        if (api, kind) in crds:
            for error in crds[(api, kind)].iter_errors(obj):
                at = ".".join(str(p) for p in error.absolute_path) or "(top)"
                problems.append(f"{where}: {at}: {error.message[:200]}")
        elif "/" not in api or api.split("/")[0].endswith(".k8s.io") or api.split("/")[0] in (
                "apps", "autoscaling", "batch", "policy"):
            problems += [f"{where}: {p}" for p in _core_problems(obj, item.kube_version)]
    return problems


def _core_problems(obj: Any, kube_version: str | None) -> list[str]:
    """Against the bundled schemas of the cluster's Kubernetes version (default 1.31)."""
    try:
        import kubernetes_validate
    except ImportError:
        return []
    version = ".".join((kube_version or "1.31").split(".")[:2])
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [str(exc).splitlines()[0][:200]]
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError):
        return []
    return []


def load_crds(folders: Iterable[str | Path]) -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> validator, from CRD files (strict: unknown fields are errors)."""
    import jsonschema

    def close(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: close(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
            if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            return node
        if isinstance(node, list):
            return [close(v) for v in node]
        return node

    validators: dict[tuple[str, str], Any] = {}
    for folder in folders:
        for file in sorted(Path(folder).glob("*.yaml")):
            for doc in load_all(file.read_text()):
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec.get("versions", []):
                    schema = (version.get("schema") or {}).get("openAPIV3Schema")
                    if schema:
                        schema = close(schema)
                        schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                        validators[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = \
                            jsonschema.Draft7Validator(schema)
    return validators
