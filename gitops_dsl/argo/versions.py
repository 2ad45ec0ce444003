"""Which Argo CD version first has each field gitops-dsl writes.

Read from Argo CD's own CRDs (`manifests/crds/application-crd.yaml` and
`appproject-crd.yaml` of argoproj/argo-cd) at the first release of every minor version from
v1.8.0 to v3.5.0: a field is listed with the first release whose CRD schema has it; every field
gitops-dsl can write and this table does not list is in v1.8.0 already. The CRDs are structural,
so the API server drops a field its Argo CD's CRD does not have, silently: the Application is
stored, and synced, without it (argocd-facts 9: unknown fields are dropped).

Besides fields, one value: `helm.version: v4` is refused before 3.5 (util/helm/cmd.go `NewCmd`
accepts "", "v3" until v3.4, and "v4" too from v3.5, when Helm 4 became the only engine).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: the Argo CD version gitops-dsl's output and `preflight` are written for (its CRDs validate
#: the output, its Helm 4 engine renders charts)
WRITTEN_FOR = (3, 5)

_SOURCE_FIELDS = {
    "directory.include": (2, 0),
    "helm.passCredentials": (2, 2),
    "helm.ignoreMissingValueFiles": (2, 3),
    "helm.skipCrds": (2, 3),
    "ref": (2, 6),
    "kustomize.namespace": (2, 7),
    "helm.valuesObject": (2, 8),
    "kustomize.patches": (2, 9),
    "kustomize.components": (2, 10),
    "helm.apiVersions": (2, 13),
    "helm.kubeVersion": (2, 13),
    "helm.namespace": (2, 13),
    "helm.skipSchemaValidation": (2, 14),
    "helm.skipTests": (2, 14),
}

#: (kind, field path; lists are transparent) -> the first Argo CD (major, minor) that has it
FIRST: dict[tuple[str, str], tuple[int, int]] = {
    **{("Application", f"spec.source.{k}"): v for k, v in _SOURCE_FIELDS.items()},
    # every field of `spec.sources` came with it, in 2.6, or later with its `spec.source` twin
    ("Application", "spec.sources"): (2, 6),
    **{("Application", f"spec.sources.{k}"): max(v, (2, 6)) for k, v in _SOURCE_FIELDS.items()},
    ("Application", "spec.ignoreDifferences.jqPathExpressions"): (2, 1),
    ("Application", "spec.ignoreDifferences.managedFieldsManagers"): (2, 3),
    ("Application", "spec.syncPolicy.managedNamespaceMetadata"): (2, 6),
    ("Application", "spec.syncPolicy.automated.enabled"): (3, 1),
    ("Application", "spec.syncPolicy.retry.refresh"): (3, 2),
    ("AppProject", "spec.syncWindows.timeZone"): (2, 2),
}

VERSION = re.compile(r"^([1-9][0-9]*|0)\.([0-9]+)$")


def parse(version: str) -> tuple[int, int]:
    """"2.8" -> (2, 8). Raises ValueError."""
    match = VERSION.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not an Argo CD version like \"2.14\"")
    return int(match.group(1)), int(match.group(2))


def _paths(data: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, value
            yield from _paths(value, path)
    elif isinstance(data, list):
        for item in data:
            yield from _paths(item, prefix)


def unsupported(document: dict[str, Any], version: tuple[int, int]) -> list[str]:
    """What of an Application or AppProject document an Argo CD of `version` does not have:
    fields its CRD lacks (with the version that added them), and a Helm version it refuses."""
    kind = str(document.get("kind"))
    found = []
    for path, value in _paths(document.get("spec"), "spec"):
        first = FIRST.get((kind, path))
        if first is not None and first > version:
            found.append(f"{path} (Argo CD {first[0]}.{first[1]})")
        if kind == "Application" and path.endswith(".helm.version") and value == "v4" \
                and version < (3, 5):
            found.append(f"{path}: v4 (Argo CD 3.5; before, only v3)")
    return sorted(set(found))
