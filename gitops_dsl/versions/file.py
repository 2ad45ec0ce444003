"""The versions file: image tags and chart versions that machines bump.

    # platforms/versions.yaml
    services:
      plate-api:
        image: 1.8.2              # every environment ...
        envs:
          dev:
            image: 1.9.0-rc.1     # ... but this one
      plate-cache:
        chart: 19.6.0

A service's `Image(...)` without a tag, and a `HelmChart(...)` without a version, take them from
here (an environment's entry wins over the service's). `set-image`, `set-chart` and `promote`
edit it with minimal line edits: comments, key order and formatting of everything else stay.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .. import untrusted
from ..diagnostics import Diagnostic, Location, error
from ..errors import GitopsDslError

if TYPE_CHECKING:
    from ..model import Platform

FIELDS = ("image", "chart")
HEADER = ("# Version pins: image tags (or digests) and chart versions, per service and environment.\n"
          "# Edited by `gitops-dsl set-image`, `set-chart` and `promote`, by CI and by bots.\n"
          "---\n"
          "services:\n")
# full matches only (`$` would accept a trailing newline): Docker's tag grammar, optionally
# with a digest; SemVer 2.0 (no leading zeros) for chart versions
_TAG = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@?sha256:[a-f0-9]{64})?")
_NUM = r"(?:0|[1-9][0-9]*)"
_VERSION = re.compile(rf"v?{_NUM}\.{_NUM}\.{_NUM}(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
                      r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")
_STR_TAG = "tag:yaml.org,2002:str"


def valid_pin(field: str, value: str) -> bool:
    return bool(value) and (_TAG if field == "image" else _VERSION).fullmatch(value) is not None


@attrs.frozen
class Pin:
    value: str
    location: Location


@attrs.frozen
class Versions:
    """Pins by (service, field) and (service, env, field), each with its file:line."""

    path: Path | None
    service_pins: dict[tuple[str, str], Pin] = attrs.field(factory=dict)       # (service, field)
    env_pins: dict[tuple[str, str, str], Pin] = attrs.field(factory=dict)      # (service, env, field)
    services: dict[str, Location] = attrs.field(factory=dict)       # service -> where its key is
    envs: dict[tuple[str, str], Location] = attrs.field(factory=dict)  # (service, env) -> its key

    def pin(self, service: str, env: str, field: str) -> Pin | None:
        return self.env_pins.get((service, env, field)) or self.service_pins.get((service, field))


EMPTY = Versions(None)


def _loc(path: Path, node: yaml.Node) -> Location:
    return Location(str(path), node.start_mark.line + 1)


def parse(path: Path, text: str) -> tuple[Versions, list[Diagnostic]]:
    """Read a versions file; every problem is a GD415 diagnostic at its line."""
    problems: list[Diagnostic] = []

    def bad(node: yaml.Node, message: str, hint: str = "") -> None:
        problems.append(error("GD415", message, hint=hint or "the shape is `services: <service>: "
                              "{image, chart, envs: <env>: {image, chart}}` (gitops-dsl schema versions)",
                              location=_loc(path, node) if node is not None else Location(str(path), 1)))

    text = text.removeprefix("\ufeff")       # a BOM is not content
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(error("GD415", "the versions file is not valid YAML: "
                              f"{getattr(exc, 'problem', None) or exc}",
                              hint="fix the YAML syntax at this line",
                              location=Location(str(path), mark.line + 1 if mark else 1)))
        return Versions(path), problems
    versions = Versions(path)
    if root is None:
        return versions, problems
    if not isinstance(root, yaml.MappingNode):
        bad(root, "the versions file must be a mapping with a `services:` key")
        return versions, problems
    for key, value in root.value:
        if key.value != "services":
            bad(key, f"unknown top-level key {key.value!r}", "only `services:` is allowed")
            continue
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "null", "~"):
            continue
        if not isinstance(value, yaml.MappingNode):
            bad(value, "`services:` must map service names to their pins")
            continue
        for service_key, entry in value.value:
            service = service_key.value
            if service in versions.services:
                bad(service_key, f"service {service!r} is listed twice (the second would silently win)",
                    "keep one entry per service")
                continue
            versions.services[service] = _loc(path, service_key)
            _read_entry(path, entry, service, None, versions, bad)
    return versions, problems


def _read_entry(path: Path, node: yaml.Node, service: str, env: str | None, versions: Versions,
                bad: Callable[..., None]) -> None:
    if not isinstance(node, yaml.MappingNode):
        bad(node, f"{service}{'/' + env if env else ''}: expected image:, chart:"
                  + ("" if env else " or envs:"))
        return
    seen = set()
    for key, value in node.value:
        name = key.value
        if name in seen:
            bad(key, f"{service}{'/' + env if env else ''}: {name!r} is given twice (the second "
                     "would silently win)", "keep one")
            continue
        seen.add(name)
        if name == "envs" and env is None:
            if not isinstance(value, yaml.MappingNode):
                bad(value, f"{service}.envs must map environment names to pins")
                continue
            for env_key, env_entry in value.value:
                if (service, env_key.value) in versions.envs:
                    bad(env_key, f"{service}: environment {env_key.value!r} is listed twice",
                        "keep one entry per environment")
                    continue
                versions.envs[(service, env_key.value)] = _loc(path, env_key)
                _read_entry(path, env_entry, service, env_key.value, versions, bad)
        elif name in FIELDS:
            if not isinstance(value, yaml.ScalarNode):
                bad(value, f"{service} {name}: expected a version string")
                continue
            if value.tag not in (_STR_TAG, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float") \
                    and value.tag.startswith("!"):
                bad(value, f"{service} {name}: a YAML tag ({value.tag}) is not a version")
                continue
            if not valid_pin(name, value.value):
                bad(value, f"{service} {name}: {value.value!r} is not a valid "
                           f"{'image tag or digest' if name == 'image' else 'exact chart version'}")
                continue
            pin = Pin(value.value, _loc(path, value))
            if env is None:
                versions.service_pins[(service, name)] = pin
            else:
                versions.env_pins[(service, env, name)] = pin
        else:
            bad(key, f"{service}: unknown key {name!r}", "use image:, chart:"
                + (" (and envs: at the service level)" if env is None else ""))


def load_file(path: Path) -> tuple[Versions, list[Diagnostic]]:
    try:
        text = untrusted.read_text(path)
    except FileNotFoundError:
        return Versions(None), []
    except (OSError, UnicodeDecodeError) as exc:
        return Versions(path), [error("GD415", f"cannot read {path}: {exc}", location=Location(str(path), 1))]
    return parse(path, text)


def format_scalar(value: str) -> str:
    from ..emit.yaml import string_style
    return f'"{value}"' if string_style(value) is not None or ":" in value or "#" in value else value


class EditError(GitopsDslError, ValueError):
    pass


def set_pin(text: str, service: str, field: str, value: str, env: str | None = None) -> str:
    """The versions file with one pin set: the value's own characters replaced when it exists,
    otherwise the missing keys inserted after the last line of their parent block. Nothing else
    moves: comments, key order and formatting stay as they were."""
    if field not in FIELDS:
        raise EditError(f"unknown field {field!r}")
    if not isinstance(value, str) or not valid_pin(field, value):
        raise EditError(f"{value!r} is not a valid "
                        f"{'image tag or digest' if field == 'image' else 'exact chart version'}")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    edited = _set_pin(text[len(bom):].replace("\r\n", "\n"), service, field, value, env)
    return bom + (edited.replace("\n", "\r\n") if newline == "\r\n" else edited)


def _set_pin(text: str, service: str, field: str, value: str, env: str | None) -> str:
    if not text.strip():
        text = HEADER
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    if root is None:
        text = text.rstrip("\n") + "\nservices:\n"
        root = yaml.compose(text, Loader=loader)
    if not isinstance(root, yaml.MappingNode):
        raise EditError("the versions file must be a mapping with `services:`")
    path = ["services", service] + (["envs", env] if env else []) + [field]
    node, depth = root, 0
    while True:
        pair = next(((k, v) for k, v in node.value if k.value == path[depth]), None)
        if pair is None:
            return _insert_into(text, node, path[depth:], value)
        key, child = pair
        if depth == len(path) - 1:
            if not isinstance(child, yaml.ScalarNode):
                raise EditError(f"{'.'.join(path)} is not a plain value; edit it by hand")
            start, end = child.start_mark.index, child.end_mark.index
            if child.value in ("", "null", "~") and start == end:
                return text[:start] + " " + format_scalar(value) + text[end:]
            return text[:start] + format_scalar(value) + text[end:]
        if isinstance(child, yaml.ScalarNode) and child.value in ("", "null", "~"):
            return _insert_under(text, key, child, path[depth + 1:], value)
        if not isinstance(child, yaml.MappingNode) or child.flow_style:
            raise EditError(f"{'.'.join(path[:depth + 1])} is not a block mapping; edit it by hand")
        node, depth = child, depth + 1


def _last_line(node: yaml.Node) -> int:
    """0-based line of the last character of a node's content (comments after it excluded)."""
    if isinstance(node, yaml.MappingNode) and node.value:
        return _last_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value:
        return _last_line(node.value[-1])
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _lines_for(keys: list[str], indent: int, value: str) -> list[str]:
    out = []
    for i, key in enumerate(keys):
        pad = " " * (indent + 2 * i)
        out.append(f"{pad}{key}: {format_scalar(value)}\n" if i == len(keys) - 1 else f"{pad}{key}:\n")
    return out


def _splice(text: str, at_line: int, new: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    if at_line > 0 and at_line <= len(lines) and not lines[at_line - 1].endswith("\n"):
        lines[at_line - 1] += "\n"
    return "".join(lines[:at_line] + new + lines[at_line:])


def _insert_into(text: str, mapping: yaml.MappingNode, keys: list[str], value: str) -> str:
    """New keys at the end of a non-empty block mapping, at its indentation."""
    if mapping.flow_style:
        raise EditError("a flow mapping ({...}) cannot be edited line by line; edit it by hand")
    indent = mapping.value[0][0].start_mark.column
    return _splice(text, _last_line(mapping) + 1, _lines_for(keys, indent, value))


def _insert_under(text: str, key: yaml.Node, empty: yaml.Node, keys: list[str], value: str) -> str:
    """New keys under a key whose value is empty (`services:`), one level deeper."""
    lines = text.splitlines(keepends=True)
    row = key.start_mark.line
    if empty.start_mark.index != empty.end_mark.index:  # an explicit null or ~: drop it
        line = lines[row]
        lines[row] = line[:empty.start_mark.column].rstrip() + line[empty.end_mark.column:]
    return _splice("".join(lines), row + 1, _lines_for(keys, key.start_mark.column + 2, value))


def check_references(versions: Versions, platform: Platform | Sequence[Platform]) -> list[Diagnostic]:
    """GD413: entries for services or environments that none of the platforms reading this
    versions file has (several platforms in one folder may share one file)."""
    from ..naming import did_you_mean
    platforms: list[Platform] = list(platform) if isinstance(platform, Sequence) else [platform]
    services = {s.name: s for p in platforms for s in p.services}
    envs_of = {s.name: {e.name for e in p.environments} for p in platforms for s in p.services}
    envs = {e.name for p in platforms for e in p.environments}
    found = []
    for service, location in sorted(versions.services.items()):
        if service not in services:
            found.append(error("GD413", f"versions file pins unknown service {service!r}",
                               hint=did_you_mean(service, services), location=location))
    for (service, env), location in sorted(versions.envs.items()):
        if env not in envs_of.get(service, envs):
            found.append(error("GD413", f"versions file pins {service} in unknown environment {env!r}",
                               hint=did_you_mean(env, envs), location=location))
    return found


def effective(versions: Versions, service: str, env: str) -> dict[str, str]:
    out = {}
    for field in FIELDS:
        pin = versions.pin(service, env, field)
        if pin is not None:
            out[field] = pin.value
    return out


def as_data(path: Path) -> Any:
    return yaml.safe_load(untrusted.read_text(path)) if path.exists() else None
