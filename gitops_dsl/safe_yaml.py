"""YAML from files the tool does not own (imported trees, policies), read with bounds: size,
nesting depth, and the number of nodes after alias expansion (a "billion laughs" document is
refused after a bounded amount of work instead of expanding in memory)."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import GitopsDslError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 8 * 1024 * 1024
MAX_NODES = 500_000          # nodes visited, aliases counted each time they are used
MAX_DEPTH = 200


class UnsafeYaml(GitopsDslError, ValueError):
    """A document over the bounds, or not YAML; the message says which."""


def _bounded(node: yaml.Node) -> None:
    seen = 0
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise UnsafeYaml(f"more than {MAX_NODES} nodes once aliases are expanded (an alias "
                             "bomb?)")
        if depth > MAX_DEPTH:
            raise UnsafeYaml(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def load_all(text: str | bytes) -> list[Any]:
    """Every document of a YAML stream, within the bounds. Raises UnsafeYaml."""
    if len(text) > MAX_BYTES:
        raise UnsafeYaml(f"larger than {MAX_BYTES} bytes")
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
        for node in nodes:
            if node is not None:
                _bounded(node)
        return list(yaml.load_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise UnsafeYaml(f"not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise UnsafeYaml(f"nested more than {MAX_DEPTH} levels deep") from None


def load(text: str | bytes) -> Any:
    docs = load_all(text)
    return docs[0] if docs else None
