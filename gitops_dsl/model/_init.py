"""A leaner `__init__` for the model classes a platform makes by the thousand (`Service`,
`Overlay`, `Image`, ...).

attrs' generated `__init__` runs every field's converter and validator, the default's too: a
`Service` has 31 fields, most left at their defaults, so a platform of 5000 services spends
about half of building them converting empty dicts and checking `None`s. The `__init__` made
here does what attrs' does - the same signature, converters, validators in field order after
every field is set, `__attrs_post_init__` - except for a field left at its default: that one is
set to its default (or a fresh one from its factory) without converting or validating it. That is
only done where it changes nothing, which `quick_init` proves for each field when the class is
made: the converter gives the default back unchanged (equal, and of the same type) and the
validator accepts it. A class with a field that fails the proof, or that uses what this does not
handle (a factory that takes self, a field not in `__init__`), keeps attrs' `__init__`.
"""
from __future__ import annotations

from typing import Any, TypeVar

import attrs

_C = TypeVar("_C", bound=type)

#: the attrs `__init__` each class had before (tests/test_model_fuzz.py compares the two)
REPLACED: dict[type, Any] = {}

_FACTORY: Any = type(attrs.Factory(dict))   # (attrs.Factory is typed as a function)

#: the generated code's file name: diagnostics.caller_location skips frames of files named so
FILENAME_PREFIX = "<gitops-dsl generated"


def _default_is_fixed(field: attrs.Attribute[Any]) -> bool:
    """Whether the field's converter leaves its default as it is and its validator accepts it."""
    default: Any = field.default
    value = default.factory() if isinstance(default, _FACTORY) else default
    if field.converter is not None:
        if not callable(field.converter) or isinstance(field.converter, attrs.Converter):
            return False
        converted = field.converter(value)
        if type(converted) is not type(value) or converted != value:
            return False
        value = converted
    if field.validator is not None:
        try:
            field.validator(None, field, value)
        except Exception:  # noqa: BLE001 - any refusal: keep attrs' __init__
            return False
    return True


def quick_init(cls: _C) -> _C:
    """Give an attrs class the leaner `__init__` (see the module), when it may have it."""
    fields = attrs.fields(cls)
    for field in fields:
        if (not field.init or field.alias is None
                or (isinstance(field.default, _FACTORY) and field.default.takes_self)
                or (field.default is not attrs.NOTHING and not _default_is_fixed(field))):
            return cls
    names: dict[str, Any] = {"NOTHING": attrs.NOTHING, "_setattr": object.__setattr__,
                             "_validating": attrs.validators.get_disabled}
    positional: list[str] = []
    keywords: list[str] = []
    body: list[str] = []
    checks: list[str] = []
    for i, field in enumerate(fields):
        arg, converter = field.alias, field.converter
        default: Any = field.default
        names[f"_a{i}"] = field
        names[f"_c{i}"] = converter
        names[f"_v{i}"] = field.validator
        convert = f"_c{i}({arg})" if converter is not None else arg
        if default is attrs.NOTHING:
            param, given = arg, "True"
            body.append(f"    _setattr(self, {field.name!r}, {convert})")
        elif isinstance(default, _FACTORY):
            names[f"_f{i}"] = default.factory
            param, given = f"{arg}=NOTHING", f"{arg} is not NOTHING"
            body.append(f"    if {given}:\n        {arg} = {convert}\n"
                        f"        _setattr(self, {field.name!r}, {arg})\n"
                        f"    else:\n        _setattr(self, {field.name!r}, _f{i}())")
        else:
            names[f"_d{i}"] = default
            param, given = f"{arg}=_d{i}", f"{arg} is not _d{i}"
            body.append(f"    if {given}:\n        {arg} = {convert}\n"
                        f"    _setattr(self, {field.name!r}, {arg})")
        (keywords if field.kw_only else positional).append(param)
        if field.validator is not None:
            check = f"_v{i}(self, _a{i}, self.{field.name})"
            checks.append(f"        {check}" if given == "True" else
                          f"        if {given}:\n            {check}")
    signature = ", ".join(["self", *positional, *(["*", *keywords] if keywords else [])])
    source = [f"def __init__({signature}):", *body]
    if checks:
        source += ["    if not _validating():", *checks]
    if hasattr(cls, "__attrs_post_init__"):
        source.append("    self.__attrs_post_init__()")
    filename = f"{FILENAME_PREFIX} init {cls.__module__}.{cls.__qualname__}>"
    code = compile("\n".join(source) + "\n", filename, "exec")
    names["__file__"] = filename   # what diagnostics.caller_location tells frames apart by
    exec(code, names)  # noqa: S102 - our own source, made from the class's fields
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    replaced = getattr(cls, "__init__")  # noqa: B009 - (mypy: an instance's __init__)
    init.__doc__ = replaced.__doc__
    REPLACED[cls] = replaced
    cls.__init__ = init  # type: ignore[misc]
    return cls
