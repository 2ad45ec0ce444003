"""The model as plain data and back (cattrs): for JSON output, for shipping a platform to another
process, and as a check that every model field is typed. `location` is not data and is left out;
fields at their default are left out too."""
from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from . import model
from .model import charts, infra, platform, project, refs, secrets, service, sync, waves

if TYPE_CHECKING:
    from .checks.registry import Rule

_MODULES = (charts, infra, platform, project, refs, secrets, service, sync, waves)
_OMIT = ("location", "series")


def _model_classes() -> list[type]:
    return [getattr(model, n) for n in model.__all__
            if isinstance(getattr(model, n), type) and attrs.has(getattr(model, n))]


def _make() -> cattrs.Converter:
    converter = cattrs.Converter(unstruct_collection_overrides={Sequence: list, tuple: list})
    namespace: dict[str, Any] = {}
    for module in _MODULES:
        namespace.update(vars(module))
    classes = _model_classes()
    for cls in classes:
        attrs.resolve_types(cls, globalns=namespace)

    def unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        overrides: dict[str, Any] = {f.name: override(omit=True) if f.name in _OMIT else override(omit_if_default=True)
                     for f in attrs.fields(cls)}
        if cls is infra.Environment:
            overrides["policies"] = override(omit_if_default=True, unstruct_hook=_policies_out)
        return make_dict_unstructure_fn(cls, converter, **overrides)

    def structure_factory(cls: type) -> Callable[[Any, Any], Any]:
        overrides: dict[str, Any] = {f.name: override(omit=True) for f in attrs.fields(cls) if f.name in _OMIT}
        if cls is infra.Environment:
            overrides["policies"] = override(struct_hook=_policies_in)
        return make_dict_structure_fn(cls, converter, **overrides)

    is_model = lambda cls: cls in classes
    converter.register_unstructure_hook_factory(is_model, unstructure_factory)
    converter.register_structure_hook_factory(is_model, structure_factory)
    # a runtime type for cattrs to register against, as the field's annotation reads
    wave_union = typing.Union[waves.Wave, int, str, None]  # noqa: UP007
    converter.register_structure_hook(
        wave_union, lambda v, _: converter.structure(v, waves.Wave) if isinstance(v, dict) else v)
    # SyncPolicy.retry: a Retry, or False for no retries
    retry_union = typing.Union[sync.Retry, typing.Literal[False], None]  # noqa: UP007
    converter.register_structure_hook(
        retry_union, lambda v, _: converter.structure(v, sync.Retry) if isinstance(v, dict) else v)
    converter.register_structure_hook(dict, lambda v, _: v)  # Helm values stay as they are
    return converter


def _policies_out(rules: Iterable[Rule]) -> list[Any]:
    return [{"rule": r.code, **r.params} if r.params else {"rule": r.code} for r in rules]


def _policies_in(data: Any, _type: object) -> tuple[Any, ...]:
    from .checks import RULES

    out = []
    for item in data:
        rule = RULES[item["rule"]]
        params = {k: v for k, v in item.items() if k != "rule"}
        out.append(rule(**params) if params else rule)
    return tuple(out)


CONVERTER = _make()


def unstructure(obj: Any) -> Any:
    """A model object as plain JSON-able data."""
    return CONVERTER.unstructure(obj)


def structure(data: Any, cls: type) -> Any:
    """Plain data back into a model object (validated like any other construction)."""
    return CONVERTER.structure(data, cls)
