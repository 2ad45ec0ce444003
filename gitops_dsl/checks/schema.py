"""A small, fast validator for the JSON Schema subset the standard chart's values.schema.json uses
(type, enum, minimum, maximum, minLength, properties, additionalProperties, required, items,
local $ref). It runs on every standard-chart Application of every compile, where a general
validator would dominate a no-op compile."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $ref is supported, not {ref!r}")
            target: Any = self.schema
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
        return node

    def valid(self, value: Any) -> bool:
        """Whether `value` (whole values: required properties checked) has no violation."""
        self._required = True
        return self._valid(value, self.schema)

    def errors(self, value: Any, *, required: bool = True) -> Iterator[tuple[str, str]]:
        """(dotted path, message) for every violation; `required=False` skips required-property
        checks (for one layer of values that is merged with others)."""
        self._required = required
        if self._valid(value, self.schema):
            return   # (most values: told without the paths and messages)
        yield from self._check(value, self.schema, "")

    def _valid(self, value: Any, node: dict[str, Any]) -> bool:
        """Whether `_check` finds nothing, found as `_check` looks, without saying where or why."""
        node = self._resolve(node)
        kind = node.get("type")
        if kind is not None:
            if isinstance(kind, list):
                if not any(_TYPES[k](value) for k in kind):
                    return False
            elif not _TYPES[kind](value):
                return False
        if "enum" in node and not _one_of(value, node["enum"]):
            return False
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                ("minimum" in node and value < node["minimum"])
                or ("maximum" in node and value > node["maximum"])):
            return False
        if isinstance(value, str) and "minLength" in node and len(value) < node["minLength"]:
            return False
        if isinstance(value, dict):
            if self._required and any(key not in value for key in node.get("required", ())):
                return False
            properties = node.get("properties", {})
            extra = node.get("additionalProperties", True)
            for key, item in value.items():
                below = properties.get(key) if key in properties else extra
                if below is False or (isinstance(below, dict) and not self._valid(item, below)):
                    return False
        if isinstance(value, list):
            items = node.get("items")
            if isinstance(items, dict) and not all(self._valid(item, items) for item in value):
                return False
        return True

    _required = True

    def _check(self, value: Any, node: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
        node = self._resolve(node)
        kind = node.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(_TYPES[k](value) for k in kinds):
                yield path, f"{value!r} is not of type {' or '.join(repr(k) for k in kinds)}"
                return
        if "enum" in node and not _one_of(value, node["enum"]):
            yield path, f"{value!r} is not one of {node['enum']!r}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in node and value < node["minimum"]:
                yield path, f"{value!r} is less than the minimum of {node['minimum']}"
            if "maximum" in node and value > node["maximum"]:
                yield path, f"{value!r} is greater than the maximum of {node['maximum']}"
        if isinstance(value, str) and "minLength" in node and len(value) < node["minLength"]:
            yield path, f"{value!r} is too short"
        if isinstance(value, dict):
            properties = node.get("properties", {})
            for key in node.get("required", ()) if self._required else ():
                if key not in value:
                    yield path, f"{key!r} is a required property"
            extra = node.get("additionalProperties", True)
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if key in properties:
                    yield from self._check(item, properties[key], where)
                elif extra is False:
                    yield path, f"Additional properties are not allowed ({key!r} was unexpected)"
                elif isinstance(extra, dict):
                    yield from self._check(item, extra, where)
        if isinstance(value, list) and isinstance(node.get("items"), dict):
            for i, item in enumerate(value):
                yield from self._check(item, node["items"], f"{path}[{i}]")


def _one_of(value: Any, choices: list[Any]) -> bool:
    return any(_same(value, choice) for choice in choices)


def _same(a: Any, b: Any) -> bool:
    """JSON's equality, not Python's: `true` is not `1` (nor `false` `0`), `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
