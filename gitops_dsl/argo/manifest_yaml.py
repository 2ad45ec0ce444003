"""Rendered manifests read as Argo CD reads them.

gitops-engine splits a render's output with pkg/utils/kube/kube.go `SplitYAML`:
k8s.io/apimachinery's YAMLOrJSONDecoder, which converts each document with sigs.k8s.io/yaml, whose
YAML half is go-yaml v2 (YAML 1.1 resolution, goyaml.v2/resolve.go `resolve`). Its plain scalars
differ from PyYAML's safe loader in ways that change whether a chart "renders" at all:

- `=` is a string (PyYAML resolves it to the `value` tag and refuses the document: the CRDs of
  kube-prometheus-stack hold `- =` in an enum);
- `y`, `Y`, `n`, `N` are booleans besides yes/no/on/off/true/false;
- integers are Go's `strconv.ParseInt` with base 0 after every `_` is removed (`0x1F`, `0o17`,
  `0b101`, `017` octal), too large ones are floats; `1:20` (sexagesimal in PyYAML) is a string;
- timestamps stay the text they are (converted to JSON they are strings);
- `<<` merges mappings, as in PyYAML;
- mapping keys become JSON object keys: a `y:` or `on:` key is `"true"`, `1:` is `"1"`.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

__all__ = ["load_all"]

_BOOLS = {**{w: True for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                               "on", "On", "ON")},
          **{w: False for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                "off", "Off", "OFF")}}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_FLOATS = {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
           **{f"{sign}{w}": (-math.inf if sign == "-" else math.inf)
              for sign in ("", "+", "-") for w in (".inf", ".Inf", ".INF")}}
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)")
_PLAIN = "tag:gitops-dsl.dev,2024:go-yaml-plain"
_MERGE = "tag:yaml.org,2002:merge"
_INT64, _UINT64 = 2 ** 63, 2 ** 64


def _go_int(text: str) -> int | None:
    found = _GO_INT.fullmatch(text)
    if found is None:
        return None
    sign, digits = found.groups()
    prefix = digits[:2].lower()
    base = {"0x": 16, "0b": 2, "0o": 8}.get(prefix)
    if base is not None:
        number = int(digits[2:], base)
    else:
        number = int(digits, 8) if len(digits) > 1 and digits[0] == "0" else int(digits)
    number = -number if sign == "-" else number
    if -_INT64 <= number < _UINT64:
        return number
    return None


def scalar(text: str) -> Any:
    """A plain (unquoted, untagged) scalar as go-yaml v2 resolves it."""
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    if text in _FLOATS:
        return _FLOATS[text]
    if text[:1] in "+-.0123456789":
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return number
        if _FLOAT.fullmatch(plain):
            return float(plain)
    return text


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _key(key: Any) -> Any:
    """A mapping key as sigs.k8s.io/yaml makes it a JSON object key (`convertToJSONableObject`):
    booleans, numbers and null as their text."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, (int, float)):
        return str(key) if isinstance(key, int) or not key.is_integer() else str(int(key))
    return key


class _Loader(_Base):   # type: ignore[misc]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _MERGE if value == "<<" else _PLAIN
        resolved: str = super().resolve(kind, value, implicit)
        return resolved

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        # keys made JSON keys one by one (as Go keeps `true` and `1` apart, Python would not)
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(self.construct_object(key_node, deep=deep))
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key",
                    key_node.start_mark) from None
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _construct_plain(loader: Any, node: Any) -> Any:
    return scalar(node.value)


_Loader.add_constructor(_PLAIN, _construct_plain)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _build(node: Any, loader: Any, memo: dict[int, Any]) -> Any:
    """Python data of a composed node: plain scalars as go-yaml resolves them, the default
    tags directly, anything else (explicit tags, merge keys) by the safe constructor."""
    kind = type(node)
    if kind is yaml.ScalarNode:
        if node.tag == _PLAIN:
            return scalar(node.value)
        if node.tag == _STR:
            return node.value
        return loader.construct_object(node, deep=True)
    known = memo.get(id(node))
    if known is not None:
        return known   # an alias of a node already built
    if kind is yaml.MappingNode and node.tag == _MAP:
        mapping: dict[Any, Any] = {}
        memo[id(node)] = mapping
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:   # `<<`: merged as PyYAML's constructor merges
                del memo[id(node)]
                return loader.construct_object(node, deep=True)
            key = _build(key_node, loader, memo)
            if type(key) is not str:
                key = _key(key)
            try:
                mapping[key] = _build(value_node, loader, memo)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key",
                    key_node.start_mark) from None
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(_build(item, loader, memo) for item in node.value)
        return items
    return loader.construct_object(node, deep=True)


def load_all(text: str) -> Iterator[Any]:
    """Every document of a rendered manifest stream, as Argo CD parses it: composed by libyaml,
    built here (PyYAML's constructor is several times slower on the thousands of documents a
    preflight reads)."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield _build(node, loader, {}) if node is not None else None
    finally:
        loader.dispose()
