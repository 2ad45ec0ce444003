"""CLI commands that bump version pins: set-image, set-chart, promote, and the file's schema."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..files import replace_in_place
from .common import compiled_or_exit, known_or_exit, platform_names, report, settings_or_exit

if TYPE_CHECKING:
    from ..edits import PinEdit, VersionEdit
    from ..workspace.settings import Settings

def _apply(settings: Settings, edits: Sequence[PinEdit], no_compile: bool,
           show_diff: bool = False) -> None:
    """Read, edit, check and write the versions file (and compile) as one step under the
    platforms folder's lock: concurrent bumps queue up instead of losing each other's edits."""
    from ..workspace.locking import LockTimeout, locked
    try:
        with locked(settings.platforms, what="the versions file",
                    on_wait=lambda m: click.echo(m, err=True)):
            _apply_locked(settings, edits, no_compile, show_diff)
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None


def checked_edit(settings: Settings, edits: Sequence[PinEdit], refused: str) -> VersionEdit:
    """The versions file with `edits`, compiled in memory with it (the environments' policies
    apply); on any problem the diagnostics, `refused`, and exit 1 - nothing written."""
    from ..edits import edit_versions
    from ..naming import UnknownName
    try:
        edit = edit_versions(settings.platforms, edits, root=settings.root,
                             severity=settings.severity, allow=settings.allow)
    except UnknownName as exc:
        raise click.BadParameter(str(exc), param_hint="--env" if exc.kind == "environment"
                                 else "SERVICE") from None
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    report(edit.result.diagnostics, "text", Path.cwd())
    if not edit.result.ok:
        click.echo(refused, err=True)
        sys.exit(1)
    return edit


def write_edit(settings: Settings, edit: VersionEdit, no_compile: bool = False) -> None:
    """Write the edited versions file in place, then the compile it was checked with."""
    from ..api import write
    replace_in_place(edit.path, edit.new_text.encode("utf-8"))
    click.echo(f"updated {os.path.relpath(edit.path, Path.cwd())}")
    if no_compile:
        return
    plan = write(edit.result, settings.out)
    if plan.conflicts:
        raise click.ClickException("a file not written by gitops-dsl is in the way: run "
                                   "`gitops-dsl compile` for details")
    click.echo(f"compiled: {len(plan.write)} written, {len(plan.delete)} removed")


def _apply_locked(settings: Settings, edits: Sequence[PinEdit], no_compile: bool,
                  show_diff: bool = False) -> None:
    edit = checked_edit(settings, edits, "refused: the versions file and the output folder are "
                                         "unchanged")
    if edit.new_text == edit.old_text:
        click.echo("nothing to change: the pins are already set")
        return
    if show_diff:
        from ..emit.manifest import owned_files
        from ..review.diff import diff_trees
        from ..review.report import format_text
        click.echo(format_text(diff_trees(owned_files(settings.out), edit.result.files)), nl=False)
    write_edit(settings, edit, no_compile)


def _pin_command(field: str) -> Callable[..., None]:
    def command(service: str, value: str, env_name: str | None, no_compile: bool,
                platforms: str | None, out: str | None) -> None:
        _apply(settings_or_exit(platforms, out), [(service, field, value, env_name)], no_compile)
    return command


_common = [
    click.option("--env", "env_name", help="Only this environment (default: every environment)."),
    click.option("--no-compile", is_flag=True, help="Edit the versions file only (still checked)."),
    click.option("--platforms", "platforms", metavar="DIR"),
    click.option("--out", metavar="DIR"),
]


def _decorate(fn: Callable[..., Any], name: str, value_name: str, help_text: str) -> click.Command:
    for option in reversed(_common):
        fn = option(fn)
    fn = click.argument("value", metavar=value_name)(fn)
    fn = click.argument("service")(fn)
    return click.command(name, help=help_text)(fn)


set_image_command = _decorate(_pin_command("image"), "set-image", "TAG_OR_DIGEST",
          "Pin a service's image tag (or sha256 digest, or tag@digest) in the versions file, then "
          "compile. A tag a policy of that environment forbids is refused and nothing is written.")
set_chart_command = _decorate(_pin_command("chart"), "set-chart", "VERSION",
          "Pin a service's chart version in the versions file, then compile.")


@click.command("promote")
@click.argument("service", required=False)
@click.option("--from", "source", required=True, help="The environment whose pins are copied.")
@click.option("--to", "target", required=True, help="The environment that gets them.")
@click.option("--all", "everything", is_flag=True, help="Every service whose pins differ.")
@click.option("--no-compile", is_flag=True, help="Edit the versions file only (still checked).")
@click.option("--platforms", "platforms", metavar="DIR")
@click.option("--out", metavar="DIR")
def promote_command(service: str | None, source: str, target: str, everything: bool, no_compile: bool,
                    platforms: str | None, out: str | None) -> None:
    """Copy the version pins of one environment to another, show what that changes, compile."""
    from ..edits import promotion_edits
    if bool(service) == everything:
        raise click.UsageError("name a SERVICE or give --all")
    settings = settings_or_exit(platforms, out)
    result = compiled_or_exit(settings, render_tree=False)
    names = platform_names(result)
    known_or_exit("--from", "environment", source, names["environment"])
    known_or_exit("--to", "environment", target, names["environment"])
    known_or_exit("SERVICE", "service", service, names["service"])
    edits = promotion_edits(result, service, source, target)
    if not edits:
        click.echo(f"nothing to promote: {target} already has the pins of {source}")
        return
    for s, field, value, into in edits:
        click.echo(f"{s}: {field} {value} -> {into}")
    _apply(settings, edits, no_compile, show_diff=True)


@click.command("schema")
@click.argument("what", type=click.Choice(["versions"]))
def schema_command(what: str) -> None:
    """Print a JSON schema (the versions file's, for editors and bots)."""
    from importlib import resources
    click.echo((resources.files("gitops_dsl") / "data" / "versions.schema.json").read_text(), nl=False)


COMMANDS = [set_image_command, set_chart_command, promote_command, schema_command]
