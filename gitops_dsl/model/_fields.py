"""Field helpers for the DSL classes: converters at the boundary, validators that speak to users.

Every validator raises ModelError with code GD101 and a message naming the class and field, so a
wrong argument to any constructor becomes a located diagnostic, never a traceback.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ..diagnostics import ModelError, caller_location

_T = TypeVar("_T")

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
GO_DURATION = re.compile(r"^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+$")


def where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def fail(instance: object, attribute: attrs.Attribute[Any], expected: str, value: object,
         hint: str = "") -> None:
    raise ModelError("GD101", f"{where(instance, attribute)}: expected {expected}, got {describe(value)}",
                     hint)


def to_tuple(value: Any) -> Any:
    """Lists, sets and other iterables become tuples; a lone string stays itself (caught later)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value, key=str))
    return value


def location_field() -> Any:
    return attrs.field(factory=caller_location, eq=False, repr=False, kw_only=True)


def instance_of(*types: type, expected: str | None = None) -> Callable[..., Any]:
    label = expected or " or ".join(t.__name__ for t in types)

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types
                                             and int in types):
            fail(instance, attribute, label, value)
    return check


def optional(check: Callable[..., Any]) -> Callable[..., Any]:
    def run(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)
    return run


def tuple_of(*types: type, expected: str | None = None) -> Callable[..., Any]:
    label = expected or " or ".join(t.__name__ for t in types)

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            fail(instance, attribute, f"a list of {label}", value)
        for i, item in enumerate(value):
            if not isinstance(item, types):
                raise ModelError("GD101", f"{where(instance, attribute)}[{i}]: expected {label}, "
                                          f"got {describe(item)}")
    return check


def non_empty_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        fail(instance, attribute, "a non-empty string", value)


def str_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A mapping of string keys to string values (labels, annotations, config, info)."""
    if not isinstance(value, dict):
        fail(instance, attribute, "a dict of str to str", value)
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ModelError("GD101", f"{where(instance, attribute)}: keys must be non-empty strings, "
                                      f"got {describe(key)}")
        if not isinstance(item, str):
            from ..secrets.keys import is_secret_key
            shown = type(item).__name__ if is_secret_key(key) else describe(item)
            raise ModelError("GD101", f"{where(instance, attribute)}[{key!r}]: expected str, got "
                                      f"{shown}",
                             "quote numbers and booleans: they become strings in YAML anyway")


_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _qualified_name_problem(key: str) -> str | None:
    """Kubernetes' qualified name (label and annotation keys): an optional DNS subdomain prefix
    (<= 253) and '/', then a name of at most 63 alphanumerics, '-', '_' or '.'."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return "its prefix must be a DNS subdomain such as 'acme.dev'"
    if not name or len(name) > 63 or not _NAME.match(name):
        return "the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric"
    return None


def label_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Labels as Kubernetes accepts them: qualified-name keys, values of at most 63 characters
    (empty, or alphanumeric at both ends with '-', '_', '.' inside)."""
    str_map(instance, attribute, value)
    for key, item in value.items():
        problem = _qualified_name_problem(key)
        if problem:
            raise ModelError("GD101", f"{where(instance, attribute)}: label key {key!r} is not valid "
                                      f"in Kubernetes: {problem}")
        if item and (len(item) > 63 or not _NAME.match(item)):
            raise ModelError("GD101", f"{where(instance, attribute)}[{key!r}]: label value {item[:80]!r} "
                                      "is not valid in Kubernetes: at most 63 letters, digits, '-', "
                                      "'_' or '.', starting and ending alphanumeric",
                             "put free text into annotations instead")


def annotation_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Annotations: qualified-name keys (values are free text)."""
    str_map(instance, attribute, value)
    for key in value:
        problem = _qualified_name_problem(key)
        if problem:
            raise ModelError("GD101", f"{where(instance, attribute)}: annotation key {key!r} is not "
                                      f"valid in Kubernetes: {problem}")


def to_dict(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def yaml_data(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Helm values are a dict (its contents were checked while `yaml_values` copied them)."""
    if not isinstance(value, dict):
        fail(instance, attribute, "a dict (Helm values)", value)


_SCALARS = (str, int, bool, type(None))


def helm_values(value: dict[str, Any]) -> dict[str, Any]:
    """The converter of every `values` field (see yaml_values)."""
    return _HELM_VALUES(value)  # type: ignore[no-any-return]


def yaml_values(owner: str) -> Callable[[Any], Any]:
    """A converter: a private deep copy of Helm values (so later mutation of the user's dict
    cannot leak in), checked in the same walk: nested dicts with string keys, lists, str, int,
    finite float, bool, None. Anything else is a ModelError naming its path."""
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return _copy(value, owner)
        return value
    return convert


_HELM_VALUES = yaml_values("values")


#: where a value sits in a values tree, formatted only for an error: the owner's name, or
#: (where its container sits, its key or index, whether that is an index)
_At = Any


def _where(at: _At) -> str:
    if isinstance(at, str):
        return at
    parent, key, index = at
    return f"{_where(parent)}[{key}]" if index else f"{_where(parent)}.{key}"


def _copy(value: Any, at: _At) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict or isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise ModelError("GD101", f"{_where(at)}: keys must be strings, got {describe(k)}",
                                 "Helm values keys are strings; quote the key")
            out[k] = v if type(v) in _SCALARS else _copy(v, (at, k, False))
        return out
    if kind is list or isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _copy(v, (at, i, True)) for i, v in enumerate(value)]
    if kind is float:
        if not math.isfinite(value):
            raise ModelError("GD101", f"{_where(at)}: {value!r} cannot be written to YAML for Helm",
                             "use a finite number or a string")
        return value
    if isinstance(value, (str, int)):  # subclasses such as enums: keep the plain value
        return str(value) if isinstance(value, str) else int(value)
    raise ModelError("GD101", f"{_where(at)}: {describe(value)} is not YAML data",
                     "values hold only dicts, lists, strings, numbers, booleans and None")


def go_duration(value: Any) -> Any:
    """A bare int means seconds, as Argo CD reads it; strings are kept for validation."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return f"{value}s"
    return value


def duration_check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not GO_DURATION.match(value):
        fail(instance, attribute, "a duration like '5s', '3m' or '1h' (or seconds as int)", value)


def dns_label(max_length: int = 63) -> Callable[..., Any]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str):
            fail(instance, attribute, "a string", value)
        if not DNS1123_LABEL.match(value):
            raise ModelError("GD110", f"{where(instance, attribute)} {value!r} is not a valid Kubernetes "
                                      "name (DNS-1123 label)",
                             "use lowercase letters, digits and '-', starting and ending with a letter "
                             "or digit")
        if len(value) > max_length:
            raise ModelError("GD111", f"{where(instance, attribute)} {value!r} is {len(value)} characters "
                                      f"long; at most {max_length} are allowed",
                             "shorten it (a Service can keep a long name and set a shorter "
                             "release_name only when the name itself fits)")
    return check


NAME_FIELDS = ("service", "env", "platform")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def expand_name(template: str, *, service: str, env: str, platform: str) -> str:
    """A name template with its placeholders filled in."""
    if "{" not in template:
        return template
    return (template.replace("{service}", service).replace("{env}", env)
            .replace("{platform}", platform))


def name_template(max_length: int) -> Callable[..., Any]:
    """A Kubernetes name (DNS-1123 label of at most `max_length` characters), or a template of
    one with `{service}`, `{env}` and `{platform}` (the names it makes are checked by GD122)."""
    literal = dns_label(max_length)

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str):
            fail(instance, attribute, "a string", value)
        used = _PLACEHOLDER.findall(value)
        if not used:
            literal(instance, attribute, value)
            return
        unknown = [u for u in used if u not in NAME_FIELDS]
        if unknown:
            raise ModelError("GD101", f"{where(instance, attribute)} {value!r}: unknown placeholder "
                                      f"{{{unknown[0]}}}", "use {service}, {env} and {platform}")
        if not DNS1123_LABEL.match(_PLACEHOLDER.sub("x", value)):
            raise ModelError("GD110", f"{where(instance, attribute)} {value!r} does not make a valid "
                                      "Kubernetes name (DNS-1123 label)",
                             "use lowercase letters, digits and '-' around the placeholders")
    return check


def int_range(low: int | None = None, high: int | None = None) -> Callable[..., Any]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            fail(instance, attribute, "an integer", value)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            fail(instance, attribute, f"an integer {bounds}", value)
    return check


def one_of(*choices: _T) -> Callable[[Any, attrs.Attribute[Any], _T], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: _T) -> None:
        if value not in choices:
            fail(instance, attribute, "one of " + ", ".join(repr(c) for c in choices), value)
    return check


_RULE_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")


def allow_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """`allow={"GD301": "why this is fine here"}`: suppressions need a code and a reason."""
    if not isinstance(value, dict):
        fail(instance, attribute, 'a dict of rule code to reason, e.g. {"GD301": "why"}', value)
    for code, reason in value.items():
        if not isinstance(code, str) or not _RULE_CODE.match(code):
            raise ModelError("GD119", f"{where(instance, attribute)}: {code!r} is not a rule code",
                             "codes look like GD301; `gitops-dsl rules` lists them")
        if not isinstance(reason, str) or len(reason.strip()) < 3:
            raise ModelError("GD119", f"{where(instance, attribute)}[{code!r}]: a suppression needs a "
                                      "reason", f'write allow={{"{code}": "why it is fine here"}}')


