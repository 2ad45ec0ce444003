"""In-process access to ../shared/tools/validate_argocd.py: the real Argo CD CRD schemas in
strict mode plus its lint, without a subprocess per document."""
from __future__ import annotations

import functools
import importlib.util

from tests.helpers import shared


@functools.lru_cache(maxsize=1)
def _validator():
    path = shared("tools", "validate_argocd.py")
    spec = importlib.util.spec_from_file_location("validate_argocd", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schemas = module.load_crds([str(shared("reference", "argocd-crds"))], strict=True)
    return module, schemas


def problems(doc: dict) -> list[str]:
    """Schema errors, metadata errors and lint warnings of one Argo CD document ([] if valid)."""
    module, schemas = _validator()
    crd = schemas.get((doc.get("apiVersion"), doc.get("kind")))
    if crd is None:
        return []
    nulls: list = []
    pruned = module.prune_nulls(doc, crd.raw, found=nulls)
    found = [f"{p}: {m}" for p, m in module.check_schema(crd.validator, pruned)]
    found += [f"{p}: {m}" for p, m in module.check_metadata(pruned)]
    module.lint_document(pruned, pruned.get("metadata"), nulls,
                         lambda p, m: found.append(f"{p}: warning: {m}"))
    return found


def is_argo(doc) -> bool:
    return isinstance(doc, dict) and doc.get("apiVersion") == "argoproj.io/v1alpha1"
