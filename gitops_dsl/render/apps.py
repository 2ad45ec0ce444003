"""One resolved App -> one Argo CD Application with multiple sources."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..argo import resources as argo
from ..argo import to_data
from ..argo.source_type import sets_nothing
from ..emit.yaml import canonical
from ..model.charts import GitPath, HelmChart, RepoFile, StandardChart
from ..model.sync import CASCADE_FINALIZERS, SYNC_OPTION_KEYS
from . import names

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..model import IgnoreDifference, Repo, SyncPolicy
    from ..resolve import App

#: on the old Application while a rename is at its prepare step: the name it will get
RENAME_ANNOTATION = "gitops-dsl.io/rename-to"

_RENDERED_POLICIES: dict[int, tuple[SyncPolicy, argo.SyncPolicy | None]] = {}


def render_sync_policy(policy: SyncPolicy) -> argo.SyncPolicy | None:
    """The Argo CD syncPolicy of a resolved policy (None for one that sets nothing); apps sharing
    one policy object share the result (resolve hands out one object per distinct combination of
    layers)."""
    hit = _RENDERED_POLICIES.get(object.__hash__(policy))   # identity, as in resolve._sync_policy
    if hit is not None and hit[0] is policy:
        return hit[1]
    made = _render_sync_policy(policy)
    if len(_RENDERED_POLICIES) > 10_000:
        _RENDERED_POLICIES.clear()
    _RENDERED_POLICIES[object.__hash__(policy)] = (policy, made)
    return made


def _render_sync_policy(policy: SyncPolicy) -> argo.SyncPolicy | None:
    automated = None
    if policy.automated:
        automated = argo.Automated(prune=policy.prune, self_heal=policy.self_heal,
                                   allow_empty=policy.allow_empty)
    options = []
    for field, key in SYNC_OPTION_KEYS.items():
        value = getattr(policy.options, field) if policy.options else None
        if value is not None:
            # exact, case-sensitive strings: Argo CD ignores `CreateNamespace=True` (facts 6)
            options.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    metadata = None
    meta = policy.namespace_metadata
    creates = policy.options is not None and policy.options.create_namespace
    if meta is not None and creates and (meta.labels or meta.annotations):
        metadata = argo.ManagedNamespaceMetadata(labels=_sorted(meta.labels),
                                                 annotations=_sorted(meta.annotations))
    retry = None
    if policy.retry:   # a Retry; `False` (or nothing): no retry block, no retries
        backoff = policy.retry.backoff
        retry = argo.Retry(
            limit=policy.retry.limit if policy.retry.limit is not None else 0,
            backoff=argo.Backoff(backoff.duration, backoff.factor, backoff.max_duration)
            if backoff else None,
            refresh=policy.retry.refresh)
    if automated is None and not options and retry is None and metadata is None:
        return None   # (a policy that sets nothing is dropped by Argo CD: util/argo/argo.go
        #             NormalizeApplicationSpec; an app-of-apps would see it differ for good)
    return argo.SyncPolicy(automated=automated, sync_options=tuple(options) or None,
                           managed_namespace_metadata=metadata, retry=retry)


def _sorted(mapping: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: mapping[k] for k in sorted(mapping)} if mapping else None


def has_secrets(app: App) -> bool:
    return app.secrets is not None and (bool(app.sealed) or not hasattr(app.secrets, "scope"))


def value_files(app: App) -> list[str]:
    """Output paths of the Helm value files of an App, in Argo CD's order (later wins)."""
    files = []
    if app.values:
        files.append(names.values_file(app.service.name, zone=app.values_zone))
    if app.env_values:
        files.append(names.values_file(app.service.name, app.env.name))
    if isinstance(app.chart, StandardChart):
        if app.config:
            files.append(names.config_file(app))
        if has_secrets(app):
            files.append(names.secrets_file(app))
    return files


def chart_value_files(app: App) -> tuple[str, ...]:
    """The value files of a Helm chart folder itself that the App reads (`GitPath.value_files`,
    `{env}` replaced), relative to the folder."""
    if not isinstance(app.chart, GitPath) or not app.chart.value_files:
        return ()
    return tuple(f.replace("{env}", app.env.name) for f in app.chart.value_files)


def repo_files(app: App) -> tuple[RepoFile, ...]:
    """The values files of other repositories an Application reads (HelmOptions.value_files),
    for the sources Argo CD renders with Helm. Argo CD resolves each `$<ref>/...` value file
    through the source whose `ref` it names, and fails the render when none does
    (reposerver/repository/repository.go `resolveReferencedSources`); a source with a `ref`
    renders nothing itself (controller/state.go: `source.IsRef()` sources are skipped)."""
    if app.helm is None or (isinstance(app.chart, GitPath) and app.chart.tool != "helm"):
        return ()
    return app.helm.value_files


def _expand(path: str, app: App) -> str:
    return path.replace("{env}", app.env.name).replace("{service}", app.service.name)


def value_trees(app: App) -> tuple[bool, bool]:
    """Whether `value_files` lists a file of the gitops tree, and one of the configs tree
    (without making their paths: a project reads this for every Application)."""
    return (bool(app.values or app.env_values),
            isinstance(app.chart, StandardChart) and (bool(app.config) or has_secrets(app)))


def _chart_source(app: App, helm: argo.Helm | None) -> argo.Source:
    platform = app.platform
    chart = app.chart
    if isinstance(chart, HelmChart):
        return argo.Source(repo_url=chart.repo_url, target_revision=chart.version, chart=chart.chart,
                           helm=helm)
    if isinstance(chart, StandardChart):
        return argo.Source(repo_url=platform.gitops_repo.url,
                           target_revision=platform.gitops_repo.revision,
                           path=names.in_repo(platform, names.chart_dir()), helm=helm)
    repo = chart.repo or platform.gitops_repo
    revision = chart.revision or repo.revision
    if chart.tool == "helm":
        return argo.Source(repo_url=repo.url, target_revision=revision, path=chart.path, helm=helm)
    if chart.tool == "kustomize":
        return argo.Source(repo_url=repo.url, target_revision=revision, path=chart.path,
                           kustomize=kustomize_block(app))
    return argo.Source(repo_url=repo.url, target_revision=revision, path=chart.path,
                       directory=directory_block(chart))


def kustomize_block(app: App) -> argo.Kustomize | None:
    """The `kustomize` block of a Kustomize folder's source; None without options, or with
    options that set nothing (Argo CD drops such a block: see directory_block)."""
    k = app.kustomize
    if k is None:
        return None
    kustomize = argo.Kustomize(
        name_prefix=k.name_prefix, name_suffix=k.name_suffix, namespace=k.namespace,
        images=k.images or None, common_labels=dict(sorted(k.common_labels.items())) or None,
        common_annotations=dict(sorted(k.common_annotations.items())) or None,
        components=k.components or None, patches=k.patches or None)
    return None if sets_nothing("kustomize", to_data(kustomize)) else kustomize


def directory_block(chart: GitPath) -> argo.Directory | None:
    """The `directory` block of a plain-manifests folder's source; None for one that would set
    nothing, which Argo CD drops and an app-of-apps would then see as a difference for good
    (argo/source_type.py): Argo CD then discovers the tool (checks/git_paths.py refuses a folder
    it would discover as something else)."""
    directory = argo.Directory(recurse=chart.recurse, include=chart.include,
                               exclude=chart.exclude, jsonnet=_jsonnet(chart))
    return None if sets_nothing("directory", to_data(directory)) else directory


def _jsonnet(chart: GitPath) -> argo.DirectoryJsonnet | None:
    j = chart.jsonnet
    if j is None:
        return None
    return argo.DirectoryJsonnet(
        ext_vars=tuple(argo.JsonnetVar(k, v) for k, v in sorted(j.ext_vars.items())) or None,
        tlas=tuple(argo.JsonnetVar(k, v) for k, v in sorted(j.tlas.items())) or None,
        libs=j.libs or None)


_REF_SOURCES: dict[tuple[Any, ...], argo.Source] = {}


def _ref_source(repo: Repo, ref: str) -> argo.Source:
    """A values-only source (no path: with one Argo CD would render the folder too)."""
    key = (repo.url, repo.revision, ref)
    source = _REF_SOURCES.get(key)
    if source is None:
        source = _REF_SOURCES[key] = argo.Source(repo_url=repo.url, target_revision=repo.revision,
                                                 ref=ref)
    return source


def generate_paths(app: App, files: list[str], root: Path | None = None,
                   cache: dict[tuple[str, str, str], set[str] | None] | None = None) -> str | None:
    """`manifest-generate-paths`: every input of the Application, absolute in the gitops
    repository, or None when some input cannot be listed there (another repository, a remote
    reference, or a chart folder that cannot be read): then Argo CD refreshes the Application on
    every commit instead of reusing stale manifests (facts 16 and 19; render/inputs.py)."""
    from ..argo.globs import normalize_git_url
    from .inputs import Unlistable, helm_inputs, kustomize_inputs

    platform = app.platform
    if repo_files(app):
        return None   # a values file of another repository: its commits are not this one's
    gitops = normalize_git_url(platform.gitops_repo.url)
    paths: set[str] = set()
    for f in files:
        repo = platform.gitops_repo if f.startswith(names.GITOPS + "/") else platform.configs
        if normalize_git_url(repo.url) != gitops:
            return None
        paths.add("/" + names.in_repo(platform, f))
    chart = app.chart
    if isinstance(chart, StandardChart):
        paths.add("/" + names.in_repo(platform, names.chart_dir()))
    elif isinstance(chart, GitPath):
        repo = chart.repo or platform.gitops_repo
        if normalize_git_url(repo.url) != gitops or root is None:
            return None
        key = (str(root), chart.tool, chart.path)
        cache = {} if cache is None else cache
        if key not in cache:
            try:
                if chart.tool == "kustomize":
                    cache[key] = kustomize_inputs(root, chart.path)
                elif chart.tool == "helm":
                    cache[key] = helm_inputs(root, chart.path)
                else:
                    cache[key] = {chart.path.strip("/")}
            except Unlistable:
                cache[key] = None
        found = cache[key]
        if found is None:
            return None
        paths.update("/" + p for p in found)
    return ";".join(sorted(paths)) or None


def render_ignore_differences(entries: Sequence[IgnoreDifference]) -> tuple[argo.IgnoreDifference, ...]:
    return tuple(
        argo.IgnoreDifference(kind=d.kind, group=d.group, name=d.name, namespace=d.namespace,
                              json_pointers=d.json_pointers or None,
                              jq_path_expressions=d.jq_path_expressions or None,
                              managed_fields_managers=d.managed_fields_managers or None)
        for d in entries)


def application_data(app: App, root: Path | None = None,
                     cache: dict[tuple[str, str, str], set[str] | None] | None = None) -> Any:
    """`render_application(app, root, cache)` as data, made once per App (whichever stage asks
    first: the checks that scan it, or the render stage that writes it). Not to be changed."""
    if app.document is None:
        app.document = to_data(render_application(app, root, cache))
    return app.document


def render_application(app: App, root: Path | None = None,
                       cache: dict[tuple[str, str, str], set[str] | None] | None = None
                       ) -> argo.Application:
    """The Application of a resolved App; `root` is the repository checkout that GitPath
    folders are read from (for the refresh paths), `cache` shares what was read across apps."""
    platform = app.platform
    files = value_files(app)
    helm = None
    is_helm = not isinstance(app.chart, GitPath) or app.chart.tool == "helm"
    if is_helm:
        cluster = app.env.cluster
        options = app.helm
        # the chart folder's own value files first (relative to it), then gitops-dsl's
        own = chart_value_files(app)
        # then gitops-dsl's, then other repositories' (RepoFile), which win over them
        others = tuple(f"${f.ref_name}/{_expand(f.path, app)}" for f in repo_files(app))
        helm = argo.Helm(release_name=app.release_name,
                         value_files=(*own, *(names.ref_path(platform, f) for f in files),
                                      *others) or None,
                         parameters=tuple(argo.HelmParameter(p.name, p.value, True if p.force_string
                                                             else None)
                                          for p in options.parameters) or None if options else None,
                         file_parameters=tuple(argo.HelmFileParameter(p.name, p.path)
                                               for p in options.file_parameters) or None
                         if options else None,
                         kube_version=cluster.kube_version, api_versions=cluster.api_versions or None,
                         skip_crds=True if getattr(app.chart, "skip_crds", False) else None,
                         pass_credentials=options.pass_credentials if options else None,
                         ignore_missing_value_files=options.ignore_missing_value_files
                         if options else None,
                         skip_tests=options.skip_tests if options else None,
                         skip_schema_validation=options.skip_schema_validation if options else None,
                         namespace=options.namespace if options else None,
                         version=options.version if options else None,
                         values_object=canonical(options.values_object)
                         if options and options.values_object else None)
    sources = [_chart_source(app, helm)]
    if any(f.startswith(names.GITOPS + "/") for f in files):
        sources.append(_ref_source(platform.gitops_repo, "values"))
    if any(f.startswith(names.CONFIGS + "/") for f in files):
        sources.append(_ref_source(platform.configs, "configs"))
    for ref, repo in {f.ref_name: f.repo for f in repo_files(app)}.items():
        sources.append(_ref_source(repo, ref))

    annotations = {
        # waves on child apps gate the next wave only with the Application health check that
        # bootstrap/<zone>/ adds to argocd-cm (facts 8); Atoi-parsed, so a plain integer string
        "argocd.argoproj.io/sync-wave": str(app.wave),
    }
    paths = generate_paths(app, files, root, cache)
    if paths:
        annotations["argocd.argoproj.io/manifest-generate-paths"] = paths
    annotations.update(app.annotations)
    if app.renaming_to:
        annotations[RENAME_ANNOTATION] = app.renaming_to
    labels = {
        "app.kubernetes.io/name": app.service.name,
        "app.kubernetes.io/part-of": names.root_name(platform, app.env),
        "gitops-dsl.io/environment": app.env.name,
        "gitops-dsl.io/platform": platform.name,
        **({names.PROTECTED_LABEL: "true"} if app.env.protected else {}),
        **app.labels,
    }
    finalizer = CASCADE_FINALIZERS[app.cascade]
    ignore = render_ignore_differences(app.ignore_differences)
    info = tuple(argo.Info(k, app.info[k]) for k in sorted(app.info))
    return argo.Application(
        metadata=argo.ObjectMeta(name=app.name, namespace=app.zone.argocd_namespace,
                                 labels=_sorted(labels), annotations=_sorted(annotations),
                                 finalizers=(finalizer,) if finalizer else None),
        spec=argo.ApplicationSpec(
            project=app.project or "default",
            # no namespace at all for namespace="" (an empty string is not written); CreateNamespace
            # then does nothing (gitops-engine pkg/sync/sync_context.go: only when namespace != "")
            destination=argo.Destination(server=app.env.cluster.server, namespace=app.namespace or None),
            # the single-source form only where one source is all there is (Platform.single_source)
            sources=None if platform.single_source and len(sources) == 1 else tuple(sources),
            source=sources[0] if platform.single_source and len(sources) == 1 else None,
            sync_policy=render_sync_policy(app.sync),
            ignore_differences=ignore or None,
            revision_history_limit=app.revision_history_limit,
            info=info or None,
        ),
    )
