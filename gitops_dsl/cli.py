"""The gitops-dsl command line: option parsing and printing around the library API, nothing else."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ._version import __version__


def _settings(platforms: str | None, out: str | None):
    from .config import SettingsError, load_settings
    try:
        return load_settings(platforms=platforms, out=out)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _report(result, fmt: str, cwd: Path) -> None:
    from .diagnostics import Severity
    diagnostics = result.diagnostics
    if fmt == "json":
        click.echo(json.dumps([d.as_json(str(cwd)) for d in diagnostics], indent=2))
        return
    for d in diagnostics:
        click.echo(d.format(str(cwd)), err=True)
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    if diagnostics:
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
                   err=True)


def _compile(settings):
    from .api import compile as compile_platforms
    try:
        return compile_platforms(settings.platforms, root=settings.root)
    except Exception as exc:  # noqa: BLE001 - an internal bug: say so, never pose as a user error
        click.echo(f"gitops-dsl: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in gitops-dsl, not in your platform; please report it with the "
                   "command you ran (GITOPS_DSL_DEBUG=1 prints the traceback).", err=True)
        import os
        if os.environ.get("GITOPS_DSL_DEBUG"):
            raise
        sys.exit(3)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-dsl")
def main() -> None:
    """Compile an Argo CD estate written in Python (platforms/) into plain YAML (build/)."""


@main.command("compile")
@click.option("--platforms", "platforms", metavar="DIR",
              help="Folder of platform files [default: platforms/, or [tool.gitops-dsl] platforms].")
@click.option("--out", metavar="DIR",
              help="Output folder [default: build/, or [tool.gitops-dsl] out].")
@click.option("--check", is_flag=True,
              help="Compile in memory and compare with the output folder; write nothing. "
                   "Exit 1 when it is not current.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print diagnostics.")
def compile_command(platforms: str | None, out: str | None, check: bool, fmt: str) -> None:
    """Compile platforms/ into the output folder (all or nothing)."""
    settings = _settings(platforms, out)
    cwd = Path.cwd()
    result = _compile(settings)
    _report(result, fmt, cwd)
    if not result.ok:
        click.echo(f"compile failed: {_rel(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    from .api import check_tree, write
    if check:
        report = check_tree(result, settings.out)
        sys.exit(_print_check(report, settings.out, cwd))
    the_plan = write(result, settings.out)
    if the_plan.conflicts:
        for rel in the_plan.conflicts:
            click.echo(f"{_rel(settings.out / rel, cwd)}: error: this file was not written by "
                       "gitops-dsl and is in the way of a generated file; move it away", err=True)
        click.echo(f"compile failed: {_rel(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    for rel in the_plan.hand_edited:
        click.echo(f"{_rel(settings.out / rel, cwd)}: warning: hand edit overwritten "
                   "(generated files are rebuilt from platforms/)", err=True)
    click.echo(f"compiled {len(result.files)} files into {_rel(settings.out, cwd)}: "
               f"{len(the_plan.write)} written, {len(the_plan.delete)} removed, "
               f"{the_plan.unchanged} unchanged")


def _rel(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd)) or "."
    except ValueError:
        return str(path)


def _print_check(report, out: Path, cwd: Path) -> int:
    if report.clean:
        click.echo(f"{_rel(out, cwd)} is current")
        return 0
    edited = set(report.hand_edited)
    for rel in report.missing:
        click.echo(f"missing:     {_rel(out / rel, cwd)}")
    for rel, diff in report.changed:
        label = "hand-edited:" if rel in edited else ("not owned:  " if rel in report.conflicts
                                                      else "changed:    ")
        click.echo(f"{label} {_rel(out / rel, cwd)}")
        click.echo(diff, nl=False)
    for rel in report.extra:
        click.echo(f"extra:       {_rel(out / rel, cwd)} (no longer generated)")
    if report.manifest_stale and not (report.missing or report.changed or report.extra):
        click.echo(f"stale:       {_rel(out / '.gitops-dsl-manifest', cwd)}")
    click.echo(f"{_rel(out, cwd)} is not current: run `gitops-dsl compile`", err=True)
    return 1


if __name__ == "__main__":  # pragma: no cover
    main()
