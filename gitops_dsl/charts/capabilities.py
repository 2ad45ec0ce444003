"""What a chart's templates ask of the cluster that only the live cluster answers: whether it
serves an API that something installs (`.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"`:
a CRD, an aggregated API), and its Kubernetes version (`.Capabilities.KubeVersion`).

Argo CD renders a chart with the target cluster's own version and API list unless the
Application names them (`helm.kubeVersion`, `helm.apiVersions`): controller/state.go
`GetRepoObjs` sends the cluster's `GetVersionsInfo` with every comparison, and
reposerver/repository/repository.go `helmTemplate` uses it where the source sets nothing
(`GetKubeVersionOrDefault`, `GetAPIVersionsOrDefault`); that list names every served group and
version with each of its kinds (util/argo/argo.go `APIResourcesToStrings`). Offline, gitops-dsl
renders with Helm's built-in capabilities there: the groups and versions its Kubernetes client
library knows, without kinds (helm pkg/chart/common/capabilities.go `allKnownVersions`). The
two agree only on a stable version of one of Kubernetes' own groups asked without a kind
("policy/v1", "autoscaling/v2"), which every cluster since it became stable serves; a question
with a kind ("policy/v1/PodDisruptionBudget": Helm's list says no, a cluster yes), about an
alpha or beta version (Helm's list keeps versions newer clusters no longer serve), about any
other group (a CRD's), or whose argument is not a literal may be answered otherwise, and what
preflight judged may not be what Argo CD applies.
The templates are read as text (a chart folder, or a chart archive and the archives of its
subcharts), bounded as any untrusted archive is.
"""
from __future__ import annotations

import io
import os
import re
import tarfile
from pathlib import Path

#: what consulted() returns for a question about the Kubernetes version, and the prefix of one
#: about an API ("APIVersions:monitoring.coreos.com/v1"; "APIVersions:?" when the template
#: computes what it asks)
KUBE_VERSION = "KubeVersion"
API = "APIVersions:"
#: Kubernetes' own API groups (k8s.io/api, and the apiextensions, apiregistration and
#: internal.apiserver groups of the API server): every cluster serves them, Helm's built-in
#: capabilities list them ("" is the core group: "v1", "v1/Pod")
BUILT_IN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
    "apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch",
    "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
    "extensions", "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io",
    "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io"})
_VERSION = re.compile(r"v\d+((alpha|beta)\d+)?")
_STABLE = re.compile(r"v\d+")
_ASKS_API = re.compile(rb"Capabilities\.APIVersions(\.Has\s+\"([^\"]*)\")?")
_ASKS_VERSION = b"Capabilities.KubeVersion"
#: bounds on what is read: a template larger than this is not a template anyone renders, and
#: an archive nests subcharts only so deep
_LARGEST = 8 * 1024 * 1024
_DEPTH = 5


def group_of(api: str) -> str:
    """The API group of "group/version[/kind]" ("" for the core group's "v1[/kind]")."""
    first = api.split("/", 1)[0]
    return "" if _VERSION.fullmatch(first) else first


def answered_alike(api: str) -> bool:
    """Whether Helm's built-in list and a cluster answer `.Has api` alike: a stable version of
    one of Kubernetes' own groups, without a kind."""
    group = group_of(api)
    rest = api.split("/")[0 if group == "" else 1:]   # version, then the kind if any
    return group in BUILT_IN_GROUPS and len(rest) == 1 and bool(_STABLE.fullmatch(rest[0]))


def consulted(chart: Path) -> frozenset[str]:
    """What the templates of the chart at `chart` (a folder or a `.tgz`), or of its subcharts,
    ask that only the live cluster answers: KUBE_VERSION, and API + each API of a group that
    is not Kubernetes' own (API + "?" for a question the template computes)."""
    found: set[str] = set()
    try:
        if chart.is_dir():
            _folder(chart, found, 0)
        else:
            with open(chart, "rb") as handle:
                _archive(handle.read(_LARGEST * 4 + 1), found, 0)
    except (OSError, tarfile.TarError, EOFError, ValueError):
        pass   # (a chart that cannot be read was reported by the render)
    return frozenset(found)


def _look(text: bytes, found: set[str]) -> None:
    if _ASKS_VERSION in text:
        found.add(KUBE_VERSION)
    for asked in _ASKS_API.finditer(text):
        literal = asked.group(2)
        if literal is None:
            found.add(API + "?")   # (`.Has (printf ...)`, `range .Capabilities.APIVersions`)
            continue
        api = literal.decode("utf-8", "replace")
        if not answered_alike(api):
            found.add(API + api)


def _folder(root: Path, found: set[str], depth: int) -> None:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        rel = Path(folder).relative_to(root).parts
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            if "templates" in rel and os.path.getsize(path) <= _LARGEST:
                with open(path, "rb") as handle:
                    _look(handle.read(), found)
            elif rel[-1:] == ("charts",) and name.endswith((".tgz", ".tar.gz")) \
                    and depth < _DEPTH and os.path.getsize(path) <= _LARGEST * 4:
                with open(path, "rb") as handle:
                    _archive(handle.read(), found, depth + 1)


def _archive(data: bytes, found: set[str], depth: int) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive:
            if not member.isfile() or member.size > _LARGEST * 4:
                continue
            parts = member.name.split("/")
            if "templates" in parts[:-1] and member.size <= _LARGEST:
                handle = archive.extractfile(member)
                if handle is not None:
                    _look(handle.read(), found)
            elif len(parts) >= 2 and parts[-2] == "charts" and \
                    member.name.endswith((".tgz", ".tar.gz")) and depth < _DEPTH:
                handle = archive.extractfile(member)
                if handle is not None:
                    _archive(handle.read(), found, depth + 1)
