"""Values checked against a chart's values.schema.json before Helm renders, so that Helm need not
check them a second time.

Helm validates the values it renders with against the chart's schema first (helm
pkg/chart/common/util/values.go `ToRenderValuesWithSchemaValidation`): half of a render of the
standard chart (benchmarks/run.py --preflight). Where gitops-dsl's own validator
(`checks.schema.Validator`) implements every keyword a chart's schema uses, the values Helm would
validate - the chart's defaults coalesced with them, by the engine itself (`Chart.merge_values`,
the composition an install performs) - are checked here first. When they pass, the chart is
rendered from its copy without schemas (`unvalidated`), which renders exactly the same; when
they do not, the chart itself is rendered and Helm says why. The validator is at least as
strict as Helm's for those keywords (an integer is never a float, `true` is never `1`), so this
only ever says "valid" where Helm does: `tests/preflight/test_prevalidated.py` holds it to that
against the engine, on random values.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..checks.schema import Validator

#: the keywords the validator implements, and those that never make a value invalid
_CHECKED = frozenset({"type", "enum", "minimum", "maximum", "minLength", "properties",
                      "additionalProperties", "required", "items", "$ref"})
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default",
                          "examples", "definitions"})
#: drafts whose `$ref` and `type` mean what the validator does (later drafts apply a `$ref`'s
#: siblings, which the validator would not; a schema without `$schema` is read as draft 7)
_DRAFTS = frozenset({"", "http://json-schema.org/draft-07/schema#",
                     "http://json-schema.org/draft-07/schema",
                     "http://json-schema.org/draft-06/schema#",
                     "http://json-schema.org/draft-04/schema#"})


def validator_for(chart: Any) -> Validator | None:
    """A validator for the loaded `chart`'s schema, or None: no schema (Helm checks nothing),
    subcharts (Helm checks theirs too), or a keyword the validator does not implement."""
    if chart.dependencies:
        return None
    schema = chart.schema
    if not isinstance(schema, dict) or str(schema.get("$schema", "")) not in _DRAFTS \
            or not _supported(schema, schema):
        return None
    return Validator(schema)


def passes(chart: Any, validator: Validator, values: dict[str, Any],
           error: type[BaseException]) -> bool:
    """Whether the values Helm would validate (the chart's defaults coalesced with `values`)
    pass; False whenever in doubt (`error`: the engine's error class)."""
    try:
        with _quiet():
            merged = chart.merge_values(values)
    except error:
        return False
    return validator.valid(merged)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Standard error closed to the engine: coalescing prints Helm's warnings about the values
    (a table where a default is not one), and the render after it prints them again."""
    try:
        if sys.stderr is not None:   # (None: the process started with it closed)
            sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):   # (standard error closed, or a closed pipe: nothing to keep)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _supported(node: Any, root: dict[str, Any]) -> bool:
    if isinstance(node, bool):
        return node is True   # (a `false` schema: not in the subset)
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key in _ANNOTATIONS:
            if key == "definitions" and not (isinstance(value, dict) and
                                             all(_supported(v, root) for v in value.values())):
                return False
            continue
        if key not in _CHECKED:
            return False
        if key == "$ref" and (len(node) > 1 or not str(value).startswith("#/")):
            return False   # (siblings of a $ref, or a schema elsewhere)
        if key == "properties" and not (isinstance(value, dict) and
                                        all(_supported(v, root) for v in value.values())):
            return False
        if key == "additionalProperties" and value is not False and not _supported(value, root):
            return False
        if key == "items" and not _supported(value, root):
            return False   # (a list of item schemas: not in the subset)
        if key == "type" and not all(t in _TYPES for t in (value if isinstance(value, list)
                                                             else [value])):
            return False
        if key == "enum" and not isinstance(value, list):
            return False
    return True


_TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array", "null"})
