"""What an Application deploys: a pinned Helm chart, or a path in a git repository."""
from __future__ import annotations

import re
from typing import Any, Literal, get_args

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import instance_of, non_empty_str, one_of, optional, str_map, to_dict, to_tuple, tuple_of
from ._init import quick_init
from .infra import Repo

EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _chart_repo(value: Any) -> Any:
    # Argo CD wants OCI registries without the scheme (docs/user-guide/helm.md); accept both.
    if isinstance(value, str) and value.startswith("oci://"):
        return value[len("oci://"):]
    return value


def _chart_repo_check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value or " " in value:
        raise ModelError("GD101", f"HelmChart.repo_url: expected a Helm repository URL or OCI registry, "
                                  f"got {value!r}")


def _version(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return  # taken from the versions file
    if not isinstance(value, str) or not EXACT_VERSION.match(value):
        raise ModelError("GD406", f"HelmChart version {value!r} is not an exact version",
                         "pin the chart to one release such as '19.6.0': a range or a missing "
                         "version changes what a commit deploys")


#: how Argo CD reads a folder of a repository
Tool = Literal["helm", "kustomize", "directory"]


@attrs.frozen
class Jsonnet:
    """How Argo CD evaluates the `.jsonnet` files of a plain-manifests folder
    (`directory.jsonnet`)."""

    #: external variables (`std.extVar`)
    ext_vars: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                           validator=str_map)
    #: top-level arguments of the files' functions
    tlas: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                       validator=str_map)
    #: library search paths, relative to the repository
    libs: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                        validator=tuple_of(str))

@quick_init
@attrs.frozen
class HelmChart:
    """A chart from a Helm repository (https://...) or an OCI registry (registry/path), pinned
    to one exact version - here, or (version=None) in the versions file."""

    #: the Helm repository (`https://...`) or OCI registry (`registry/path`; an `oci://` prefix is
    #: dropped, as Argo CD wants)
    repo_url: str = attrs.field(converter=_chart_repo, validator=_chart_repo_check)
    #: the chart's name
    chart: str = attrs.field(validator=non_empty_str)
    #: one exact release (ranges and `latest` are refused: GD406); `None` takes it from the versions
    #: file
    version: str | None = attrs.field(default=None, validator=_version)
    #: leave the chart's `crds/` out (`helm.skipCrds`): for CRDs another Application installs
    skip_crds: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    @property
    def is_oci(self) -> bool:
        return not self.repo_url.startswith(("http://", "https://"))

    consumes_config = False


def _git_path(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ModelError("GD101", f"GitPath.path: expected a folder in the repository, got {value!r}")
    if value == ".":
        return  # the repository root
    parts = value.strip("/").split("/")
    if value.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ModelError("GD101", f"GitPath.path {value!r} must be a relative folder without '..'",
                         "paths are relative to the repository root, e.g. 'charts/ingress'")


def _value_files(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    for item in value if isinstance(value, tuple) else (value,):
        parts = item.split("/") if isinstance(item, str) else []
        if not parts or item.startswith(("/", "$")) or any(p in ("", ".", "..") for p in parts):
            raise ModelError("GD101", f"GitPath.value_files: {item!r} is not a file of the chart "
                                      "folder", "give paths relative to the chart folder, e.g. "
                                      "'values-{env}.yaml'")


@quick_init
@attrs.frozen
class GitPath:
    """A folder in a git repository: a Helm chart, a Kustomize folder or plain manifests.

    `repo=None` means the platform's gitops repository (the folder must then exist in this
    checkout); `revision=None` means the repository's revision.
    """

    #: the folder in the repository
    path: str = attrs.field(validator=_git_path)
    #: the `Repo`; `None` is the platform's gitops repository (the folder must then exist in this
    #: checkout)
    repo: Repo | None = attrs.field(default=None, kw_only=True, validator=optional(instance_of(Repo)))
    #: branch, tag or commit; `None` is the repository's revision
    revision: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: how Argo CD reads the folder: a Helm chart, a Kustomize folder, or plain manifests
    tool: Tool = attrs.field(default="helm", kw_only=True, validator=one_of(*get_args(Tool)))
    #: plain manifests only: read the subfolders too (`directory.recurse`; Argo CD's own default
    #: is False, gitops-dsl's True)
    recurse: bool = attrs.field(default=True, kw_only=True, validator=instance_of(bool))
    #: plain manifests only: read just the files whose path in the folder matches this glob
    #: (`directory.include`: `*` crosses folders, `{a.yaml,b.yaml}` lists alternatives)
    include: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: plain manifests only: leave out the files whose path matches this glob (`directory.exclude`)
    exclude: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: a Helm chart only: leave its `crds/` out (`helm.skipCrds`)
    skip_crds: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    #: plain manifests only: how its `.jsonnet` files are evaluated (`directory.jsonnet`)
    jsonnet: Jsonnet | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(Jsonnet)))
    #: a Helm chart only: value files of the chart folder itself (relative to it; `{env}` is
    #: the environment's name, e.g. `values-{env}.yaml`), read before gitops-dsl's own values
    value_files: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                               validator=_value_files)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.tool != "directory" and (not self.recurse or self.include or self.exclude
                                         or self.jsonnet is not None):
            raise ModelError("GD101", f"GitPath({self.path!r}): recurse, include, exclude and jsonnet are "
                                      f"options of plain manifests, not of tool={self.tool!r}",
                             "give tool='directory', or leave them out")
        for option in ("skip_crds", "value_files"):
            if getattr(self, option) and self.tool != "helm":
                raise ModelError("GD101", f"GitPath({self.path!r}): {option} is an option of Helm "
                                          f"charts, not of tool={self.tool!r}", "leave it out")

    consumes_config = False


@attrs.frozen
class StandardChart:
    """The service chart shipped with gitops-dsl (the default when a Service names no chart)."""

    consumes_config = True


STANDARD_CHART = StandardChart()


@attrs.frozen
class HelmParameter:
    """One `helm.parameters` entry: Helm's `--set name=value` (`--set-string` with
    `force_string`), applied over every values file."""

    #: the value's path, dotted as in `--set` (`image.tag`)
    name: str = attrs.field(validator=non_empty_str)
    #: the value as Helm reads it from the command line (`"3"` becomes a number unless
    #: `force_string`)
    value: str = attrs.field(validator=instance_of(str))
    #: keep the value a string (`forceString: true`, `--set-string`)
    force_string: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))


@attrs.frozen
class HelmFileParameter:
    """One `helm.fileParameters` entry: Helm's `--set-file name=path`, a value read from a file
    of the chart's repository."""

    #: the value's path, dotted as in `--set-file`
    name: str = attrs.field(validator=non_empty_str)
    #: the file, relative to the chart's folder
    path: str = attrs.field(validator=non_empty_str)


_REF = re.compile(r"^[A-Za-z0-9_-]+$")
#: the refs gitops-dsl's own trees are read through (its values and configs trees)
OWN_REFS = ("values", "configs")


def _file_path(_instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip("/") or value.startswith("/") or \
            ".." in value.split("/") or "$" in value:
        raise ModelError("GD101", f"RepoFile.{attribute.name}: {value!r} is not a path inside the "
                         "repository", "a relative path such as 'api/config.yaml' ({env} and "
                         "{service} are replaced)")


def _ref(_instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _REF.match(value) or value in OWN_REFS:
        raise ModelError("GD101", f"RepoFile.ref: {value!r} is not a ref name gitops-dsl can give",
                         "letters, digits, '-' and '_'; 'values' and 'configs' name gitops-dsl's "
                         "own trees")


def default_ref(repo: Repo) -> str:
    """A ref name for a repository: its last path segment (without `.git`), never one of
    gitops-dsl's own."""
    tail = repo.url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git")
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", tail).strip("-") or "repo"
    return f"{name}-repo" if name in OWN_REFS else name


@attrs.frozen
class RepoFile:
    """A Helm values file read from another git repository (a configs repository of its own, a
    shared values repository): Argo CD reads it through a `ref` source, after gitops-dsl's own
    values files, so it wins over them (`helm.valueFiles: [..., $<ref>/<path>]`). Nothing of it
    is checked or rendered by gitops-dsl: `manifests` and `preflight` say so. Give it with
    `HelmOptions(value_files=[...])`."""

    #: the `Repo` (url and revision; its `path` is not used)
    repo: Repo = attrs.field(validator=instance_of(Repo))
    #: the file's path in that repository; `{env}` and `{service}` are replaced
    path: str = attrs.field(validator=_file_path)
    #: the name of the `ref` source (default: the repository's name, e.g. `configs-repo` for
    #: `.../configs.git`)
    ref: str | None = attrs.field(default=None, kw_only=True, validator=_ref)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False, kw_only=True)

    @property
    def ref_name(self) -> str:
        return self.ref or default_ref(self.repo)


@attrs.frozen
class HelmOptions:
    """How Argo CD runs Helm for a service: on the Service for every environment, on an Overlay
    for one (its fields win; parameters merge by name). Written to the Application's `helm:`
    block with Argo CD's spelling; only for sources Argo CD renders with Helm (GD123)."""

    #: `helm.parameters`: `HelmParameter`s, applied after every values file
    parameters: tuple[HelmParameter, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                         validator=tuple_of(HelmParameter))
    #: `helm.fileParameters`: `HelmFileParameter`s
    file_parameters: tuple[HelmFileParameter, ...] = attrs.field(
        default=(), kw_only=True, converter=to_tuple, validator=tuple_of(HelmFileParameter))
    #: `RepoFile`s: values files of other repositories, after gitops-dsl's own, in this order
    #: (an Overlay's replace the Service's)
    value_files: tuple[RepoFile, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                     validator=tuple_of(RepoFile))
    #: `helm.passCredentials`: send the repository's credentials to every domain the chart is
    #: fetched from
    pass_credentials: bool | None = attrs.field(default=None, kw_only=True,
                                                validator=optional(instance_of(bool)))
    #: `helm.ignoreMissingValueFiles`: a missing values file is not an error
    ignore_missing_value_files: bool | None = attrs.field(default=None, kw_only=True,
                                                          validator=optional(instance_of(bool)))
    #: `helm.skipTests`: leave the chart's test hooks out
    skip_tests: bool | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(bool)))
    #: `helm.skipSchemaValidation`: do not validate values against the chart's schema
    skip_schema_validation: bool | None = attrs.field(default=None, kw_only=True,
                                                      validator=optional(instance_of(bool)))
    #: `helm.namespace`: the namespace Helm renders into, when it is not the destination's
    namespace: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: `helm.version`: `v3` or `v4`; Argo CD runs its one Helm (4) for both and for none
    #: (util/helm/cmd.go `NewCmd`), and refuses any other value
    version: Literal["v3", "v4"] | None = attrs.field(default=None, kw_only=True,
                                                      validator=optional(one_of("v3", "v4")))
    #: `helm.valuesObject`: values written into the Application itself, merged over every values
    #: file (prefer `values=`, which reviewers read in the values files; for trees that keep
    #: values inline)
    values_object: dict[str, Any] | None = attrs.field(default=None, kw_only=True,
                                                       validator=optional(instance_of(dict)))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        repos: dict[str, Repo] = {}
        for item in self.value_files:
            other = repos.setdefault(item.ref_name, item.repo)
            if (other.url, other.revision) != (item.repo.url, item.repo.revision):
                raise ModelError("GD101", f"HelmOptions.value_files: ref {item.ref_name!r} names "
                                 f"{other.url} and {item.repo.url}", "give one of them another "
                                 "ref (RepoFile(..., ref=\"...\"))")

    def over(self, base: HelmOptions | None) -> HelmOptions:
        """These options layered over `base` (an Overlay's over its Service's)."""
        if base is None:
            return self
        def merged(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> tuple[Any, ...]:
            names = {p.name for p in mine}
            return tuple(p for p in theirs if p.name not in names) + mine
        pick = {f: getattr(self, f) if getattr(self, f) is not None else getattr(base, f)
                for f in ("pass_credentials", "ignore_missing_value_files", "skip_tests",
                          "skip_schema_validation", "namespace", "version", "values_object")}
        return HelmOptions(parameters=merged(self.parameters, base.parameters),
                           file_parameters=merged(self.file_parameters, base.file_parameters),
                           value_files=self.value_files or base.value_files,
                           location=self.location, **pick)


@attrs.frozen
class KustomizeOptions:
    """What Argo CD sets on a Kustomize folder before it builds it (`kustomize edit`): on the
    Service for every environment, on an Overlay for one (its fields win; labels, annotations and
    images merge). Written to the Application's `kustomize:` block with Argo CD's spelling; only
    for `GitPath(tool="kustomize")` (GD124)."""

    #: `namePrefix` of every resource's name
    name_prefix: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: `nameSuffix` of every resource's name
    name_suffix: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: `namespace` of every namespaced resource
    namespace: str | None = attrs.field(default=None, kw_only=True, validator=optional(non_empty_str))
    #: `images`, as `kustomize edit set image` takes them: `"nginx:1.27"`,
    #: `"nginx=registry.example.com/nginx:1.27"`, `"nginx@sha256:..."`
    images: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                          validator=tuple_of(str))
    #: `commonLabels` (selectors included, as kustomize does)
    common_labels: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                validator=str_map)
    #: `commonAnnotations`
    common_annotations: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                     validator=str_map)
    #: `components`: paths of Kustomize components, relative to the folder
    components: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                              validator=tuple_of(str))
    #: `patches`: kustomize patch entries as Argo CD spells them (`patch` or `path`, `target`)
    patches: tuple[dict[str, Any], ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                      validator=tuple_of(dict))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False, kw_only=True)

    def over(self, base: KustomizeOptions | None) -> KustomizeOptions:
        """These options layered over `base` (an Overlay's over its Service's)."""
        if base is None:
            return self
        def image_name(image: str) -> str:
            return image.split("=", 1)[0].split("@", 1)[0].rsplit(":", 1)[0] if "=" not in image \
                else image.split("=", 1)[0]
        mine = {image_name(i) for i in self.images}
        return KustomizeOptions(
            name_prefix=self.name_prefix if self.name_prefix is not None else base.name_prefix,
            name_suffix=self.name_suffix if self.name_suffix is not None else base.name_suffix,
            namespace=self.namespace if self.namespace is not None else base.namespace,
            images=tuple(i for i in base.images if image_name(i) not in mine) + self.images,
            common_labels={**base.common_labels, **self.common_labels},
            common_annotations={**base.common_annotations, **self.common_annotations},
            components=self.components or base.components, patches=self.patches or base.patches,
            location=self.location)
