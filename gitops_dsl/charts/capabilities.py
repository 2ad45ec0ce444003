"""Which facts about the cluster a chart's templates consult: `.Capabilities.APIVersions` (the
API groups, versions and kinds it serves) and `.Capabilities.KubeVersion`.

Argo CD renders a chart with the target cluster's own version and API list unless the
Application names them (`helm.kubeVersion`, `helm.apiVersions`): controller/state.go
`GetRepoObjs` sends the cluster's `GetVersionsInfo` with every comparison, and
reposerver/repository/repository.go `helmTemplate` uses it where the source sets nothing
(`GetKubeVersionOrDefault`, `GetAPIVersionsOrDefault`). Offline, gitops-dsl renders with Helm's
built-in capabilities there, so for a chart that asks, what preflight judged may not be what
Argo CD applies. The templates are read as text (a chart folder, or a chart archive and the
archives of its subcharts), bounded as any untrusted archive is.
"""
from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

#: what a template names to consult each fact
ASKS = {"APIVersions": b"Capabilities.APIVersions", "KubeVersion": b"Capabilities.KubeVersion"}
#: bounds on what is read: a template larger than this is not a template anyone renders, and
#: an archive nests subcharts only so deep
_LARGEST = 8 * 1024 * 1024
_DEPTH = 5


def consulted(chart: Path) -> frozenset[str]:
    """The facts (keys of ASKS) that the templates of the chart at `chart` (a folder or a
    `.tgz`), or of its subcharts, consult."""
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
    for fact, marker in ASKS.items():
        if marker in text:
            found.add(fact)


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
