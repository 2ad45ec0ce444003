"""Where things run and where the compiled trees are published: Repo, Cluster, Zone, Environment."""
from __future__ import annotations

import re
from typing import Any

import attrs

from ..diagnostics import Location, ModelError, caller_location
from ._fields import (
    allow_map,
    annotation_map,
    dns_label,
    instance_of,
    int_range,
    label_map,
    non_empty_str,
    optional,
    to_dict,
    to_tuple,
    tuple_of,
)
from .sync import Cascade, IgnoreDifference, SyncPolicy, cascade_check

_URL = re.compile(r"^(https?://|ssh://|git@)[^\s]+$")
_OCI_HOST = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[^\s]*)?$")


def _repo_url(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _URL.match(value):
        raise ModelError("GD101", f"Repo.url: {value!r} is not a git URL",
                         "write https://host/org/repo.git or git@host:org/repo.git")


def _repo_path(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ModelError("GD101", f"Repo.path: expected a string, got {type(value).__name__}")
    parts = value.split("/") if value else []
    if value.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ModelError("GD101", f"Repo.path {value!r} must be a relative folder inside the repository",
                         "e.g. 'build/gitops'; use '' for the repository root")


@attrs.frozen
class Repo:
    """A git repository a compiled tree is published to.

    `path` is the folder inside the repository that holds the tree; it becomes the prefix after
    `$values/` or `$configs/`. None means the default: `build/gitops` for the gitops tree and
    `build/configs` for the configs tree (compile into `build/` at the repository root).
    """

    #: git URL (`https://…`, `ssh://…` or `git@host:org/repo.git`)
    url: str = attrs.field(validator=_repo_url)
    #: branch, tag or commit Argo CD tracks
    revision: str = attrs.field(default="main", validator=non_empty_str)
    #: folder inside the repository holding the tree; it is the prefix after `$values/` or
    #: `$configs/`. Default `build/gitops` (gitops tree) or `build/configs` (configs tree); `""` is
    #: the repository root
    path: str | None = attrs.field(default=None, kw_only=True, validator=_repo_path)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)


def _server(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not re.match(r"^https://[^\s/]+(/[^\s]*)?$", value):
        raise ModelError("GD101", f"Cluster.server: {value!r} is not an API server URL",
                         "e.g. 'https://kubernetes.default.svc' for the cluster Argo CD runs in")


def _fingerprint(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not re.match(r"^sha256:[0-9a-f]{64}$", value):
        raise ModelError("GD101", f"Cluster.sealing_cert_fingerprint: expected 'sha256:' and 64 hex "
                                  f"digits, got {value!r}", "`gitops-dsl seal --cert CERT.pem` prints it")


def _kube_version(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not re.match(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$", value):
        raise ModelError("GD101", f"Cluster.kube_version: expected a version like '1.31.0' (no 'v'), "
                                  f"got {value!r}")


def _api_version(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not re.match(r"^([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$", value):
        raise ModelError("GD101", f"ClusterKind.api_version: expected 'group/version' such as "
                                  f"'argoproj.io/v1alpha1', got {value!r}")


@attrs.frozen
class ClusterKind:
    """A custom resource kind the cluster serves without gitops-dsl installing it (a CRD applied
    by the cluster's own bootstrap, or a controller managed elsewhere): preflight accepts custom
    resources of it in every wave."""

    #: `group/version` of the kind, e.g. `argoproj.io/v1alpha1`
    api_version: str = attrs.field(validator=_api_version)
    #: the kind, e.g. `Rollout`
    kind: str = attrs.field(validator=non_empty_str)
    #: whether its objects live in a namespace (False: cluster-scoped)
    namespaced: bool = attrs.field(default=True, kw_only=True, validator=instance_of(bool))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]


@attrs.frozen
class Cluster:
    """A Kubernetes cluster registered in Argo CD; Applications target it by `server` URL."""

    #: the cluster's name in Argo CD
    name: str = attrs.field(validator=dns_label(253))
    #: the API server URL Applications target (`IN_CLUSTER` is `https://kubernetes.default.svc`)
    server: str = attrs.field(validator=_server)
    #: `sha256:<hex>` of the cluster's sealed-secrets controller certificate (`gitops-dsl seal`
    #: prints it), so values sealed for another cluster are caught (GD505)
    sealing_cert_fingerprint: str | None = attrs.field(default=None, kw_only=True,
                                                       validator=optional(_fingerprint))
    #: the Kubernetes version Helm renders for (written to `helm.kubeVersion`, so Argo CD and
    #: `gitops-dsl manifests` render the same)
    kube_version: str | None = attrs.field(default=None, kw_only=True, validator=optional(_kube_version))
    #: API versions Helm's `.Capabilities.APIVersions` reports (written to `helm.apiVersions`)
    api_versions: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                validator=tuple_of(str))
    #: `ClusterKind`s: custom resource kinds the cluster serves without this platform installing
    #: them; `gitops-dsl preflight` accepts them in every wave
    kinds: tuple[ClusterKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                 validator=tuple_of(ClusterKind))
    #: namespaces that exist before any Application syncs (besides `default`, `kube-system`,
    #: `kube-public` and `kube-node-lease`)
    namespaces: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                              validator=tuple_of(str))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)


IN_CLUSTER = "https://kubernetes.default.svc"



def _argocd_version(_instance: Any, attribute: Any, value: Any) -> None:
    from ..argo.versions import parse
    if not isinstance(value, str):
        raise ModelError("GD101", f"{attribute.name} must be a string like \"2.14\", got {value!r}")
    try:
        parse(value)
    except ValueError as exc:
        raise ModelError("GD101", str(exc), "write the minor version, e.g. \"2.14\" or \"3.5\"") from None


@attrs.frozen
class Zone:
    """A network zone with its own Argo CD: it gets its own roots, projects and bootstrap."""

    #: zone name (≤ 40 chars), part of the zone Application's name and of the output paths
    name: str = attrs.field(validator=dns_label(40))
    #: the namespace the zone's Argo CD is installed in; its Applications and projects are written
    #: there
    argocd_namespace: str = attrs.field(default="argocd", kw_only=True, validator=dns_label())
    #: the Argo CD `installationID` (argocd-cm), so several Argo CDs on one cluster tell their
    #: resources apart
    instance: str | None = attrs.field(default=None, kw_only=True, validator=optional(dns_label()))
    #: host names or domains that must never appear in the zone's Applications and values (a domain
    #: covers its subdomains); GD601
    deny_hosts: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    #: image and chart registries (globs) the zone must never reference; GD601
    deny_registries: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                         validator=tuple_of(str))
    #: git repositories (globs) the zone must never reference; GD601
    deny_repos: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    #: the `Repo` the zone's gitops tree is published to, when its Argo CD cannot reach the
    #: platform's (an outer zone); its Applications, roots and project then name it
    gitops_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                           validator=optional(instance_of(Repo)))
    #: the `Repo` the zone's configs tree is published to (default: the zone's `gitops_repo`)
    configs_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                            validator=optional(instance_of(Repo)))
    #: the name of the zone Application, the zone's own root over its projects and roots
    #: (`{platform}` and `{zone}` are replaced); default `{platform}-zone-{zone}`. Give it the
    #: name of the app-of-apps that manages the zone's roots today and the compiled zone
    #: Application takes it over (`import` does so). Changed on a compiled zone, `compile` refuses
    #: without `--allow-delete <old name>`: two zone Applications would manage the same roots
    root_name: str | None = attrs.field(default=None, kw_only=True,
                                        validator=optional(non_empty_str))
    #: the Argo CD version the zone runs, `"major.minor"` (default: 3.5, the version gitops-dsl
    #: writes for); GD128 refuses what that version's Application and AppProject CRDs lack
    argocd_version: str | None = attrs.field(default=None, kw_only=True,
                                             validator=optional(_argocd_version))
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)


def _zone(value: Any) -> Any:
    return Zone(value) if isinstance(value, str) else value


def _policies(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple):
        raise ModelError("GD101", f"Environment.policies: expected a list of policy rules, got "
                                  f"{type(value).__name__}")
    for item in value:
        if not callable(getattr(item, "check", None)):
            raise ModelError("GD101", f"Environment.policies: {item!r} is not a policy rule",
                             "use the rules from gitops_dsl.policies, e.g. pinned_images")


@attrs.frozen
class Environment:
    """A stage such as dev, stg or prod: one cluster, one zone, its own defaults.

    `namespace` is the default namespace of services in this environment; `{platform}` and `{env}`
    are replaced (default "{platform}-{env}", e.g. plate-stg).
    """

    #: environment name (≤ 20 chars), suffix of Application names (`<service>-<env>`)
    name: str = attrs.field(validator=dns_label(20))
    #: the `Cluster` its Applications deploy to
    cluster: Cluster = attrs.field(kw_only=True, validator=instance_of(Cluster))
    #: the `Zone` (or a zone name) whose Argo CD manages it
    zone: Zone = attrs.field(kw_only=True, converter=_zone, validator=instance_of(Zone, str))
    #: default namespace of its services; `{platform}`, `{env}` and `{service}` are replaced
    namespace: str = attrs.field(default="{platform}-{env}", kw_only=True, validator=non_empty_str)
    #: the revision of the gitops repository (and of the configs repository, when it is the
    #: same) that this environment's root and Applications read, e.g. `develop` for dev while
    #: prod reads `main`; default the repository's own `revision`
    gitops_revision: str | None = attrs.field(default=None, kw_only=True,
                                              validator=optional(non_empty_str))
    #: the environment's `SyncPolicy` layer (see Layering)
    sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(SyncPolicy)))
    #: the environment's default of `spec.revisionHistoryLimit`
    revision_history_limit: int | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(int_range(0)))
    #: the environment's default for deleting workloads with their Application (see
    #: `Service.cascade`)
    cascade: Cascade | None = attrs.field(default=None, kw_only=True, validator=cascade_check)
    #: opt-in rules for this environment: `pinned_images`, `resources_required`, `pinned_revisions`,
    #: `image_digests`, `min_replicas(count=2)`, `prune_required`,
    #: `allowed_registries(registries=[...])`
    policies: tuple[Any, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=_policies)
    #: `SyncPolicy` layer of this environment's root, over the platform's `root_sync`
    root_sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                               validator=optional(instance_of(SyncPolicy)))
    #: labels added to this environment's root Application
    root_labels: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                              validator=label_map)
    #: annotations added to this environment's root Application (notifications, links)
    root_annotations: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                                   validator=annotation_map)
    #: `IgnoreDifference`s of the root (e.g. fields of child Applications another tool sets)
    root_ignore_differences: tuple[IgnoreDifference, ...] = attrs.field(
        default=(), kw_only=True, converter=to_tuple, validator=tuple_of(IgnoreDifference))
    #: the name of the environment's root Application (`{platform}` and `{env}` are replaced);
    #: default `{platform}-root-{env}`. Give it the name of the app-of-apps that manages the
    #: environment today, and the compiled root takes that Application over instead of running
    #: beside it (`import` does so). Environments of one zone whose `root_name` makes one name
    #: share one root, which reads all their folders (an app-of-apps over several environments;
    #: their root settings must agree: GD127). Changed on a compiled environment, it renames the root in
    #: place, which would prune everything under it: `compile` refuses without
    #: `--allow-delete <old name>`
    root_name: str | None = attrs.field(default=None, kw_only=True,
                                        validator=optional(non_empty_str))
    #: `compile` refuses to delete an Application of this environment unless `--allow-delete NAME`
    #: (see "Reviewing a change")
    protected: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    #: labels added to every Application of the environment
    labels: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=label_map)
    #: annotations added to every Application of the environment
    annotations: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=annotation_map)
    #: suppressions, as `Platform.allow`
    allow: dict[str, str] = attrs.field(factory=dict, kw_only=True, converter=to_dict,
                                         validator=allow_map)
    location: Location = attrs.field(factory=caller_location, eq=False, repr=False,
                                        kw_only=True)
