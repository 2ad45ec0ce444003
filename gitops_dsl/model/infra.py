"""Where things run and where the compiled trees are published: Repo, Cluster, Zone, Environment."""
from __future__ import annotations

import re

import attrs

from ..diagnostics import ModelError
from ._fields import (annotation_map, label_map, allow_field, dns_label, instance_of, int_range, location_field, non_empty_str, optional,
                      str_map, to_dict, to_tuple, tuple_of)
from .sync import SyncPolicy, cascade_check

_URL = re.compile(r"^(https?://|ssh://|git@)[^\s]+$")
_OCI_HOST = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[^\s]*)?$")


def _repo_url(instance, attribute, value):
    if not isinstance(value, str) or not _URL.match(value):
        raise ModelError("GD101", f"Repo.url: {value!r} is not a git URL",
                         "write https://host/org/repo.git or git@host:org/repo.git")


def _repo_path(instance, attribute, value):
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

    url: str = attrs.field(validator=_repo_url)
    revision: str = attrs.field(default="main", validator=non_empty_str)
    path: str | None = attrs.field(default=None, kw_only=True, validator=_repo_path)
    location: object = location_field()


def _server(instance, attribute, value):
    if not isinstance(value, str) or not re.match(r"^https://[^\s/]+(/[^\s]*)?$", value):
        raise ModelError("GD101", f"Cluster.server: {value!r} is not an API server URL",
                         "e.g. 'https://kubernetes.default.svc' for the cluster Argo CD runs in")


def _fingerprint(instance, attribute, value):
    if not isinstance(value, str) or not re.match(r"^sha256:[0-9a-f]{64}$", value):
        raise ModelError("GD101", f"Cluster.sealing_cert_fingerprint: expected 'sha256:' and 64 hex "
                                  f"digits, got {value!r}", "`gitops-dsl seal --cert CERT.pem` prints it")


def _kube_version(instance, attribute, value):
    if not isinstance(value, str) or not re.match(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$", value):
        raise ModelError("GD101", f"Cluster.kube_version: expected a version like '1.31.0' (no 'v'), "
                                  f"got {value!r}")


def _api_version(instance, attribute, value):
    if not isinstance(value, str) or not re.match(r"^([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$", value):
        raise ModelError("GD101", f"ClusterKind.api_version: expected 'group/version' such as "
                                  f"'argoproj.io/v1alpha1', got {value!r}")


@attrs.frozen
class ClusterKind:
    """A custom resource kind the cluster serves without gitops-dsl installing it (a CRD applied
    by the cluster's own bootstrap, or a controller managed elsewhere): preflight accepts custom
    resources of it in every wave."""

    api_version: str = attrs.field(validator=_api_version)
    kind: str = attrs.field(validator=non_empty_str)
    namespaced: bool = attrs.field(default=True, kw_only=True, validator=instance_of(bool))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]


@attrs.frozen
class Cluster:
    """A Kubernetes cluster registered in Argo CD; Applications target it by `server` URL."""

    name: str = attrs.field(validator=dns_label(253))
    server: str = attrs.field(validator=_server)
    #: `sha256:<hex>` of the sealed-secrets controller's certificate (`gitops-dsl seal` prints it)
    sealing_cert_fingerprint: str | None = attrs.field(default=None, kw_only=True,
                                                       validator=optional(_fingerprint))
    #: the Kubernetes version and API versions Helm renders for (written to helm.kubeVersion
    #: and helm.apiVersions, so Argo CD and `gitops-dsl render` render the same)
    kube_version: str | None = attrs.field(default=None, kw_only=True, validator=optional(_kube_version))
    api_versions: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                validator=tuple_of(str))
    #: custom resource kinds the cluster already serves (installed outside this platform)
    kinds: tuple[ClusterKind, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                                 validator=tuple_of(ClusterKind))
    #: namespaces that exist on the cluster before any Application syncs (besides default,
    #: kube-system, kube-public and kube-node-lease)
    namespaces: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                              validator=tuple_of(str))
    location: object = location_field()


IN_CLUSTER = "https://kubernetes.default.svc"


@attrs.frozen
class Zone:
    """A network zone with its own Argo CD: it gets its own roots, projects and bootstrap."""

    name: str = attrs.field(validator=dns_label(40))
    argocd_namespace: str = attrs.field(default="argocd", kw_only=True, validator=dns_label())
    #: the Argo CD instance's installationID (argocd-cm), so several Argo CDs on one cluster tell
    #: their resources apart
    instance: str | None = attrs.field(default=None, kw_only=True, validator=optional(dns_label()))
    #: what must never appear in this zone's output: host names or domains ("acme.internal"
    #: also covers "*.acme.internal"), image or chart registries, and git repositories (globs)
    deny_hosts: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    deny_registries: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple,
                                         validator=tuple_of(str))
    deny_repos: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=tuple_of(str))
    #: where this zone's trees are published, when its Argo CD reads other repositories than the
    #: platform's (an outer zone that cannot reach the inner git server)
    gitops_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                           validator=optional(instance_of(Repo)))
    configs_repo: Repo | None = attrs.field(default=None, kw_only=True,
                                            validator=optional(instance_of(Repo)))
    location: object = location_field()


def _zone(value):
    return Zone(value) if isinstance(value, str) else value


def _policies(instance, attribute, value):
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

    name: str = attrs.field(validator=dns_label(20))
    cluster: Cluster = attrs.field(kw_only=True, validator=instance_of(Cluster))
    zone: Zone = attrs.field(kw_only=True, converter=_zone, validator=instance_of(Zone, str))
    namespace: str = attrs.field(default="{platform}-{env}", kw_only=True, validator=non_empty_str)
    sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                          validator=optional(instance_of(SyncPolicy)))
    revision_history_limit: int | None = attrs.field(default=None, kw_only=True,
                                                     validator=optional(int_range(0)))
    cascade: str | None = attrs.field(default=None, kw_only=True, validator=cascade_check)
    policies: tuple = attrs.field(default=(), kw_only=True, converter=to_tuple, validator=_policies)
    #: sync policy layer of this environment's root (over the platform's root_sync)
    root_sync: SyncPolicy | None = attrs.field(default=None, kw_only=True,
                                               validator=optional(instance_of(SyncPolicy)))
    #: compile refuses to delete an Application of this environment without --allow-delete
    protected: bool = attrs.field(default=False, kw_only=True, validator=instance_of(bool))
    labels: dict = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=label_map)
    annotations: dict = attrs.field(factory=dict, kw_only=True, converter=to_dict, validator=annotation_map)
    allow: dict[str, str] = allow_field()
    location: object = location_field()
