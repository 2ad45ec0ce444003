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
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from .. import untrusted
from ..argo.envsubst import build_environment, expand_path
from ..argo.links import forget_refused_links, refused_links
from ..argo.manifest_yaml import load_all
from ..emit.yaml import load
from ..merging import deep_merge
from .committed import committed_folders
from .dependencies import vendored
from .engine import LazyEngine, engine, readable, render
from .parameters import with_parameters
from .plain import render_plain
from .render_cache import RenderCache
from .rendered import ChartCache, Rendered
from .run import RenderRun


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
    from ..render.names import TreeIndex, parse
    forget_refused_links()
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
            where = parse(path)
            if where.kind != "app":
                continue
            zone, app_env, name = where.zone, where.env, where.name
            if (env and app_env != env) or (service and name != service):
                continue
            if names is not None and documents is None and \
                    not any(n.encode() in files[path] for n in names):
                continue   # (a file that does not hold the name is not that Application)
            doc = documents[path] if documents is not None else load(files[path])
            if names is not None and (doc.get("metadata") or {}).get("name") not in names:
                continue
            work.append((doc, zone, app_env))
        run = RenderRun(helm, files, index, tree, root, tuple(checkout), charts, cache,
                        documents, loaded)
        run.views = loaded.enter_context(committed_folders(_chart_folders(work, root), root))
        rendered = _render_all(run, work)
    if cache is not None:
        # (a run over every Application tells the cache what is stale)
        cache.save(complete=env is None and service is None and names is None)
    return rendered


def _chart_folders(work: list[tuple[Any, str, str]], root: Path) -> set[Path]:
    """The repository's chart folders that the Applications of `work` render (the standard
    chart is rendered from the compiled tree)."""
    folders = set()
    for doc, _, _ in work:
        spec = doc["spec"]
        source = (spec.get("sources") or [spec.get("source")])[0] or {}
        path = str(source.get("path") or "")
        if "helm" in source and path and not source.get("chart") and not _standard(path):
            folders.add(root / path)
    return folders


def _standard(path: str) -> bool:
    """Whether a source path is the standard chart's folder in the compiled tree."""
    return "/charts/service" in f"/{path}" and path.endswith("charts/service")


#: from how many Applications rendering is shared among processes
_PARALLEL_FROM = 64


def _render_all(run: RenderRun, work: list[tuple[Any, str, str]]) -> list[Rendered]:
    """Every Application of `work` rendered, in order: first what the render cache holds (read
    here, before any child is forked: sending kept renders back from children costs more than
    reading them), then the rest (`_render_shared`)."""
    cache = run.cache
    if cache is None or not cache.holds_entries():
        return _render_shared(run, work)
    run.cache_only = True
    try:
        done = [_cached(run, item) for item in work]
    finally:
        run.cache_only = False
    fresh = iter(_render_shared(run, [item for item, r in zip(work, done) if r is None]))
    return [r if r is not None else next(fresh) for r in done]


def _cached(run: RenderRun, item: tuple[Any, str, str]) -> Rendered | None:
    try:
        return _render_one(run, *item)
    except _Deferred:
        return None


def _render_shared(run: RenderRun, work: list[tuple[Any, str, str]]) -> list[Rendered]:
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
        return [_render_one(run, *item) for item in work]
    cache = run.cache   # (its packs read by _render_all: the children share them)

    def share(i: int) -> Callable[[], bytes]:
        # its renders, and what it rendered for the render cache (the parent keeps that)
        return lambda: pickle.dumps(([_render_one(run, *item) for item in work[i::shares]],
                                     cache.new if cache is not None else {},
                                     cache.used if cache is not None else frozenset()))

    children = [(i, Forked(share(i))) for i in range(1, shares)]
    out: list[Rendered | None] = [None] * len(work)
    out[0::shares] = [_render_one(run, *item) for item in work[0::shares]]
    for i, child in children:
        answer = child.result()
        done, kept, used = pickle.loads(answer) if answer is not None else (None, {}, ())
        if not isinstance(done, list) or len(done) != len(work[i::shares]):
            done = [_render_one(run, *item) for item in work[i::shares]]
        elif cache is not None:
            cache.merge(kept, used)
        out[i::shares] = done
    return [r for r in out if r is not None]


class _Deferred(Exception):
    """Not in the render cache, while only the cache is asked (`RenderRun.cache_only`)."""


class _NotRendered(Exception):
    """Rendering stopped: `rendered` says why (skipped, or an error)."""

    def __init__(self, rendered: Rendered) -> None:
        super().__init__(rendered)
        self.rendered = rendered


def _render_one(run: RenderRun, doc: Any, zone: str, env: str) -> Rendered:
    spec = doc["spec"]
    source = (spec.get("sources") or [spec.get("source")])[0]
    base = Rendered(doc["metadata"]["name"], zone, env, spec["destination"].get("namespace", ""),
                    kube_version=(source.get("helm") or {}).get("kubeVersion"))
    try:
        chart_dir = _chart_folder(run, base, source)
        if chart_dir is None:
            if run.cache_only:
                raise _Deferred   # (not cached: rendered with the rest, in shares)
            return render_plain(base, source, run.root / source.get("path", ""), run.root)
        # (a folder of the repository holding files git ignores: as Argo CD's checkout holds it)
        view = run.committed(chart_dir)
        values = _values(run, base, doc, source, view, chart_dir)
        return _render_chart(run, base, source, view, values, chart_dir)
    except _NotRendered as stop:
        return stop.rendered


def _chart_folder(run: RenderRun, base: Rendered, source: dict[str, Any]) -> Path | None:
    """The chart folder a source renders (None: a folder of plain manifests or Kustomize)."""
    if source.get("chart"):
        from .lock import ChartRef, lookup
        ref = ChartRef(source["repoURL"], source["chart"], source["targetRevision"])
        charts = run.chart_cache
        if charts is None:
            raise _NotRendered(attrs.evolve(
                base, skipped=f"chart {ref.display()}: not rendered (no chart cache)"))
        found = lookup(ref, charts.lock, charts.folder)
        if found.corrupt:
            raise _NotRendered(attrs.evolve(base, error=found.corrupt, corrupt=True))
        if found.missing:
            raise _NotRendered(attrs.evolve(base, skipped=found.missing))
        assert found.path is not None  # neither corrupt nor missing: cached
        return Path(found.path)
    path = source.get("path", "")
    from ..argo.globs import normalize_git_url
    here = {(normalize_git_url(url), revision) for url, revision in run.checkout}
    wanted = (normalize_git_url(source.get("repoURL", "")), source.get("targetRevision"))
    standard = _standard(path)
    if here and wanted not in here and not standard:
        raise _NotRendered(attrs.evolve(
            base, skipped=f"{path} at {wanted[1]!r} of {source.get('repoURL')}: not rendered "
                          "(this working tree is another repository or revision)"))
    if standard:
        return run.tree / "gitops" / "charts" / "service"
    chart_dir: Path = Path(run.root) / str(path)
    if not chart_dir.is_dir():
        raise _NotRendered(attrs.evolve(base, skipped=f"{path}: not a folder in this repository"))
    refused = refused_links(run.root)
    if refused:
        # argo-cd util/app/path/path.go CheckOutOfBoundsSymlinks, run by the repo server on
        # the whole checkout before any render
        raise _NotRendered(attrs.evolve(
            base, error=f"{refused[0]} is a symbolic link that is absolute or leads outside the "
                        "repository: Argo CD refuses to render from this repository"))
    if "helm" not in source:
        return None
    if not (chart_dir / "Chart.yaml").is_file():
        raise _NotRendered(attrs.evolve(base, skipped=f"{path}: not a chart in this repository"))
    return chart_dir


def _values(run: RenderRun, base: Rendered, doc: Any, source: dict[str, Any],
            chart_dir: Path, origin: Path) -> dict[str, Any]:
    """The values Helm renders with: every value file in order, `valuesObject` over them, then
    the parameters (`chart_dir`: the folder as committed; `origin`: where it is)."""
    values: dict[str, Any] = {}
    helm_options = source.get("helm") or {}
    # the repo server substitutes $ARGOCD_APP_NAME and the others in value file paths and
    # parameters (argo/envsubst.py); the commit it resolves is not known here: empty
    environment = build_environment(doc, source)
    refs = {str(s.get("ref")) for s in doc["spec"].get("sources") or () if s.get("ref")}
    for value_file in helm_options.get("valueFiles", []):
        value_file = expand_path(str(value_file), refs, environment)
        if value_file.startswith("$"):
            values = deep_merge(values, _tree_value_file(run, base, value_file) or {})
            continue
        # a file of the chart folder itself (`GitPath.value_files`), relative to it
        own = (chart_dir / value_file) if chart_dir.is_dir() else None
        if own is None or not own.resolve().is_relative_to(chart_dir.resolve()) \
                or not own.is_file():
            if helm_options.get("ignoreMissingValueFiles"):
                continue
            raise _NotRendered(attrs.evolve(
                base, error=f"value file {value_file} is not a file of the chart folder"))
        try:   # Helm reads values files as sigs.k8s.io/yaml does: as Argo CD's output
            first = next(iter(load_all(untrusted.read_text(own))), None)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, untrusted.UnreadableInput) as exc:
            raise _NotRendered(attrs.evolve(base, error=f"value file {value_file}: {exc}")) from None
        values = deep_merge(values, first if isinstance(first, dict) else {})
    if isinstance(helm_options.get("valuesObject"), dict):   # over every values file
        values = deep_merge(values, helm_options["valuesObject"])
    try:
        # a file parameter is read from the repository (a folder of this checkout), or from the
        # chart itself (an archive from the chart cache, the standard chart)
        in_checkout = bool(helm_options.get("fileParameters")) and \
            origin.resolve().is_relative_to(run.root.resolve())
        return with_parameters(run.helm, values, helm_options, chart_dir,
                               run.root if in_checkout else chart_dir, environment, refs)
    except (OSError, ValueError) as exc:
        raise _NotRendered(attrs.evolve(base, error=f"helm parameters: {exc}")) from None


def _tree_value_file(run: RenderRun, base: Rendered, value_file: str) -> Any:
    """A `$values/...` or `$configs/...` file: a file of the compiled tree; another ref's is a
    file of another repository (RepoFile), which an offline render does not have."""
    if not value_file.startswith(("$values/", "$configs/")):
        raise _NotRendered(attrs.evolve(
            base, skipped=f"value file {value_file} is in another repository: not rendered "
                          "offline"))
    target = run.index.find(value_file)
    if target is None:
        raise _NotRendered(attrs.evolve(
            base, error=f"value file {value_file} is not in the compiled tree"))
    documents = run.documents
    return documents[target] if documents is not None and target in documents else \
        load(run.files[target])


def _render_chart(run: RenderRun, base: Rendered, source: dict[str, Any], chart_dir: Path,
                  values: dict[str, Any], origin: Path) -> Rendered:
    """The chart rendered with `values` (from the render cache when it was rendered so before),
    its unvendored dependencies built from the chart cache (`origin`: where the folder is in
    the repository, which its `file://` dependencies are relative to)."""
    helm, charts, cache = run.helm, run.chart_cache, run.cache
    helm_options = source.get("helm") or {}
    options = {"name": helm_options.get("releaseName", base.app),
               "namespace": helm_options.get("namespace") or base.namespace,
               "is_install": True, "kube_version": helm_options.get("kubeVersion"),
               "api_versions": helm_options.get("apiVersions")}
    vendored_copy = False
    with contextlib.ExitStack() as stack:
        if run.names_dependencies(chart_dir):
            if run.cache_only:
                raise _Deferred   # (building dependencies may load the Helm engine here)
            # what the repo server's `helm dependency build` would add (charts/dependencies.py)
            built, problem = stack.enter_context(vendored(
                helm, chart_dir, run.root, charts.lock if charts else None,
                charts.folder if charts else None, origin=origin))
            if built is None:
                return attrs.evolve(base, skipped=problem)
            vendored_copy = built != chart_dir
            chart_dir = built
        validated = not helm_options.get("skipSchemaValidation")
        key = cache.key(chart_dir, values, {**options, "skip_crds": bool(helm_options.get("skipCrds")),
                                            "skip_schema_validation": not validated}) \
            if cache is not None else None
        if cache is not None and key is not None:
            hit = cache.get(key)
            if hit is not None:
                return attrs.evolve(base, objects=hit, consults=run.consults(chart_dir))
        if run.cache_only:
            raise _Deferred
        try:
            chart = run.chart(chart_dir, reuse=not vendored_copy, validated=validated)
            if validated and not vendored_copy and run.prevalidated(chart_dir, chart, values):
                # the values pass the schema as Helm would check them: the copy without it
                # renders the same, without checking them again (charts/prevalidated.py)
                chart = run.chart(chart_dir, reuse=True, validated=False)
            rendered = render(chart, values, options)
        except (helm.HelmError, OSError) as exc:   # (OSError: the chart's copy not written)
            return attrs.evolve(base, error=f"{source.get('chart') or source.get('path')}: "
                                            f"{readable(str(exc))}")
        consults = run.consults(chart_dir)   # (a vendored copy: read before it is removed)
    objects = _objects(run, base, chart, rendered, skip_crds=bool(helm_options.get("skipCrds")))
    if cache is not None and key is not None:
        cache.put(key, tuple(objects))
    return attrs.evolve(base, objects=tuple(objects), consults=consults)


def _objects(run: RenderRun, base: Rendered, chart: Any, rendered: dict[str, str], *,
             skip_crds: bool) -> list[tuple[str, Any]]:
    """The rendered objects by template (the chart's CRDs first), parsed as Argo CD parses
    them (argo/manifest_yaml.py)."""
    deep = ("the chart renders YAML nested deeper than the parser follows (Kubernetes refuses "
            "such an object too)")
    objects = []
    try:
        if not skip_crds:
            objects += run.chart_crds(chart)
        for template, text in sorted(rendered.items()):
            if template.endswith("NOTES.txt"):
                continue
            for obj in load_all(text):
                if obj:
                    objects.append((template, obj))
    except yaml.YAMLError as exc:
        if "nesting depth" not in str(exc):   # (libyaml's limit: as below)
            raise _NotRendered(attrs.evolve(
                base, error=f"the chart renders YAML that does not parse: {exc}")) from None
        raise _NotRendered(attrs.evolve(base, error=deep)) from None
    except RecursionError:
        raise _NotRendered(attrs.evolve(base, error=deep)) from None
    return objects
