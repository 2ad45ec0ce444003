"""The DSL reference (docs/reference/dsl.md), generated from the classes themselves: each
signature from the attrs fields, each class's description from its docstring, each field's
meaning from the `#:` comment above it, and the allowed values of a closed set from its
`Literal` type. `python -m gitops_dsl.docs_reference --write docs` rewrites it with the other
generated pages.

    python -m gitops_dsl.model.reference --write docs/reference/dsl.md   # this page alone
    python -m gitops_dsl.model.reference --check docs/reference/dsl.md
"""
from __future__ import annotations

import argparse
import ast
import inspect
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

import attrs

from . import charts, infra, platform, project, refs, secrets, service, sync, waves

START = ("<!-- dsl-reference: generated from the classes by "
         "`python -m gitops_dsl.docs_reference --write docs`; edit the classes, not this -->")
END = "<!-- dsl-reference: end -->"

#: the order of the reference: the platform's parts, then what a service is made of
CLASSES: tuple[type, ...] = (
    platform.Platform, infra.Repo, infra.Environment, infra.Cluster, infra.ClusterKind, infra.Zone,
    project.Project, project.Destination, project.ResourceKind, project.Role, project.Permission,
    project.SyncWindow, service.Service, service.Overlay, service.ZoneOverlay, service.Image,
    charts.HelmChart, charts.GitPath, charts.HelmOptions, charts.HelmParameter,
    charts.HelmFileParameter, charts.RepoFile, charts.KustomizeOptions, charts.Jsonnet, waves.Wave, secrets.SealedSecrets, secrets.ExternalSecret,
    secrets.SecretRef, sync.SyncPolicy, sync.SyncOptions, sync.Retry, sync.Backoff,
    sync.NamespaceMetadata, sync.IgnoreDifference, refs.Resource,
)
_HIDDEN = ("location", "series")


def documented_fields(cls: type) -> list[attrs.Attribute[Any]]:
    """The fields a user passes: the class's own before the ones it inherits."""
    fields = [f for f in attrs.fields(cls) if f.init and f.name not in _HIDDEN]
    return [f for f in fields if not f.inherited] + [f for f in fields if f.inherited]


def field_comments(cls: type) -> dict[str, str]:
    """Field name -> the `#:` comment lines above it, in this class and the attrs classes it
    inherits from."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not attrs.has(klass):
            continue
        source = Path(inspect.getfile(klass)).read_text(encoding="utf-8")
        lines = source.splitlines()
        node = next(n for n in ast.walk(ast.parse(source))
                    if isinstance(n, ast.ClassDef) and n.name == klass.__name__)
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                comment: list[str] = []
                row = item.lineno - 2
                while row >= 0 and lines[row].strip().startswith("#:"):
                    comment.insert(0, lines[row].strip()[2:].strip())
                    row -= 1
                if comment:
                    found[item.target.id] = " ".join(comment)
    return found


def _default(field: attrs.Attribute[Any]) -> str | None:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class
        return repr(default.factory())
    if field.default is attrs.NOTHING:
        return None
    return '"' + field.default + '"' if isinstance(field.default, str) else repr(field.default)


def signature(cls: type) -> str:
    positional: list[str] = []
    keyword: list[str] = []
    for field in documented_fields(cls):
        default = _default(field)
        text = field.name if default is None else f"{field.name}={default}"
        (keyword if field.kw_only else positional).append(text)
    return f"{cls.__name__}({', '.join([*positional, *(['*', *keyword] if keyword else [])])})"


def _choices(annotation: Any) -> list[str]:
    """The values of a Literal (or an optional Literal) type."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
        return [c for a in typing.get_args(annotation) for c in _choices(a)]
    return []


def class_reference(cls: type) -> str:
    hints = typing.get_type_hints(cls, globalns=vars(sys.modules[cls.__module__]))
    comments = field_comments(cls)
    doc = inspect.cleandoc(cls.__doc__ or "")
    rows = []
    for field in documented_fields(cls):
        meaning = comments.get(field.name, "")
        choices = _choices(hints.get(field.name))
        if choices and not all(f"`{c}`" in meaning for c in choices):
            meaning += f" (one of {', '.join(f'`{c}`' for c in choices)})"
        rows.append(f"| `{field.name}` | {meaning.replace('|', chr(92) + '|')} |")
    table = ["| field | meaning |", "| --- | --- |", *rows] if rows else []
    return "\n".join([f"### `{signature(cls)}`", "", doc, "", *table])


def markdown() -> str:
    """The generated block, markers included."""
    return "\n\n".join([START, *(class_reference(cls) for cls in CLASSES), END])


def missing_docs() -> list[str]:
    """Fields without a `#:` comment (a test keeps this empty)."""
    return [f"{cls.__name__}.{f.name}" for cls in CLASSES for f in documented_fields(cls)
            if f.name not in field_comments(cls)]


def splice(readme: str) -> str:
    """The page with its generated block replaced by the current one."""
    if START not in readme or END not in readme:
        raise ValueError(f"the page has no generated block (a line {START!r} ... {END!r})")
    head, rest = readme.split(START, 1)
    return head + markdown() + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__ or "").split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="PAGE", type=Path)
    action.add_argument("--check", metavar="PAGE", type=Path)
    args = parser.parse_args(argv)
    path: Path = args.write or args.check
    current = path.read_text(encoding="utf-8")
    wanted = splice(current)
    if args.write:
        if wanted != current:
            path.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != current:
        print(f"{path}: the DSL reference is not current: run "
              f"`python -m gitops_dsl.model.reference --write {path}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
