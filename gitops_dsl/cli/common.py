"""What every command shares: settings, the guarded compile, how diagnostics are printed."""
from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

if TYPE_CHECKING:
    from ..api import Result
    from ..cache import CompileCache
    from ..diagnostics import Diagnostic
    from ..workspace.settings import Settings

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: what `compile` and `publish` say of a generated file that git ignores where it is written
IGNORED = ("git ignores this generated file here: it is never committed, so Argo CD never reads "
           "it; change the .gitignore rule that matches it")
#: how many of them are named one by one in a warning (a rule such as `*.yaml` catches thousands)
IGNORED_NAMED = 20


def warn_ignored(paths: list[str], base: Path, cwd: Path | None = None) -> None:
    """A warning for each generated file of `paths` (relative to `base`) that git ignores, the
    first IGNORED_NAMED of them by name and the rest counted."""
    for rel in paths[:IGNORED_NAMED]:
        shown = display_path(base / rel, cwd) if cwd is not None else str(base / rel)
        click.echo(f"{shown}: warning: {IGNORED}", err=True)
    if len(paths) > IGNORED_NAMED:
        click.echo(f"{base}: warning: and {len(paths) - IGNORED_NAMED} more generated files git "
                   "ignores there", err=True)


def keeps_what_it_builds(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """For a command that compiles: Python's cycle collector off while it runs. A compile
    builds about a million long-lived objects and frees almost none before the command ends:
    the collector would walk them again and again for nothing (10-20 % of a large compile;
    peak memory measured the same without it: benchmarks/)."""
    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return run


def known_or_exit(option: str, kind: str, name: str | None, choices: Iterable[str]) -> None:
    """A name given with `option` that names nothing is a usage error (exit 2) with the name
    meant: an empty answer would let a typo pass in CI."""
    from ..naming import UnknownName, known
    try:
        known(kind, name, choices)
    except UnknownName as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def platform_names(result: Result) -> dict[str, set[str]]:
    """The environments, zones, services and projects of a compile's platforms."""
    from ..api import resolved_platforms
    found: dict[str, set[str]] = {"environment": set(), "zone": set(), "service": set(),
                                  "project": set()}
    for resolved in resolved_platforms(result):
        found["environment"].update(e.name for e in resolved.environments)
        found["zone"].update(z.name for z in resolved.zones)
        found["service"].update(resolved.services)
        found["project"].update(p.name for p in resolved.platform.projects)
    return found


def settings_or_exit(platforms: str | None, out: str | None) -> Settings:
    """The project's settings with the command's overrides, or a usage error."""
    from ..workspace.settings import SettingsError, load_settings
    try:
        return load_settings(platforms=platforms, out=out)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def report(diagnostics: Sequence[Diagnostic], fmt: str, cwd: Path) -> None:
    """Print diagnostics: text (grouped by line, with a count) or JSON."""
    from ..diagnostics import Severity
    if fmt == "json":
        click.echo(json.dumps([d.as_json(str(cwd)) for d in diagnostics], indent=2))
        return
    groups: dict[tuple[object, ...], list[Diagnostic]] = {}
    for d in diagnostics:
        where = (d.location.file, d.location.line) if d.location else (None, id(d))
        groups.setdefault((d.code, d.severity, *where), []).append(d)
    for items in groups.values():
        # the same mistake made in a loop (one line, many objects): once, with a count
        click.echo(items[0].format(str(cwd)), err=True)
        if len(items) > 1:
            names = ", ".join(d.subject for d in items[1:6] if d.subject)
            more = f"{names}{', ...' if len(items) > 6 else ''}"
            click.echo(f"    ({len(items) - 1} more like it at this line{': ' + more if more else ''})",
                       err=True)
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    if diagnostics:
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
                   err=True)


def run_compile(settings: Settings, render_tree: bool = True,
                cache: CompileCache | None = None) -> Result:
    """A compile in memory; an exception is an internal error (exit 3), never a user error."""
    from ..api import compile as compile_platforms
    try:
        return compile_platforms(settings.platforms, root=settings.root, severity=settings.severity,
                                 allow=settings.allow, render_tree=render_tree, cache=cache)
    except Exception as exc:
        click.echo(f"gitops-dsl: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in gitops-dsl, not in your platform; please report it with the "
                   "command you ran (GITOPS_DSL_DEBUG=1 prints the traceback).", err=True)
        import os
        if os.environ.get("GITOPS_DSL_DEBUG"):
            raise
        sys.exit(3)


def compiled_or_exit(settings: Settings, what: str = "nothing written", *,
                     render_tree: bool = True, code_cache: bool = False) -> Result:
    """A successful compile, or the diagnostics and exit 1. `code_cache`: the platform's
    modules compiled through the last compile's code cache (the compile itself takes nothing
    else from it: a verdict rests on findings it derives)."""
    if not code_cache:
        return _compiled_or_exit(settings, what, render_tree, None)
    from ..cache import CompileCache
    with CompileCache(settings.out, settings, record=False) as cache:
        cache.open(verdict=True)
        return _compiled_or_exit(settings, what, render_tree, cache)


def _compiled_or_exit(settings: Settings, what: str, render_tree: bool,
                      cache: CompileCache | None) -> Result:
    result = run_compile(settings, render_tree=render_tree, cache=cache)
    if not result.ok:
        report(result.diagnostics, "text", Path.cwd())
        click.echo(f"the platform does not compile: {what}", err=True)
        sys.exit(1)
    return result




def display_path(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd)) or "."
    except ValueError:
        return str(path)
