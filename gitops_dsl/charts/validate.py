"""Rendered objects checked against the Kubernetes schemas and the CRDs a cluster has
(`gitops-dsl manifests --check`)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..argo.manifest_yaml import load_all
from .rendered import Rendered


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
