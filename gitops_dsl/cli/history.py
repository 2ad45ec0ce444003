"""CLI: `gitops-dsl history` and `gitops-dsl rollback` - what a service ran in an environment,
from git history, and the minimal change that brings back an earlier version."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from .common import compiled_or_exit, known_or_exit, platform_names, settings_or_exit

if TYPE_CHECKING:
    from ..api import Result
    from ..review.history import State
    from ..workspace.settings import Settings

def _target_app(settings: Settings, service: str, env: str) -> Result:
    """Compile the working tree and make sure the service runs in the environment."""
    from ..api import resolved_apps
    result = compiled_or_exit(settings, "fix it first; nothing written")
    apps = resolved_apps(result)
    names = platform_names(result)
    known_or_exit("SERVICE", "service", service, names["service"])
    known_or_exit("--env", "environment", env, names["environment"])
    if not any(a.service.name == service and a.env.name == env for a in apps):
        raise click.ClickException(f"{service} does not run in environment {env!r}; it runs in "
                                   f"{', '.join(sorted(a.env.name for a in apps if a.service.name == service))}")
    return result


def _states(settings: Settings, service: str, env: str) -> list[State]:
    from ..review.history import HistoryError, history
    try:
        return history(settings.root, settings.platforms, service, env,
                       severity=settings.severity, allow=settings.allow)
    except HistoryError as exc:
        raise click.ClickException(str(exc)) from None


def _describe(state: State) -> str:
    parts = []
    if state.image:
        parts.append(f"image {state.image}")
    if state.chart:
        parts.append(f"chart {state.chart}")
    return ", ".join(parts) or state.chart_source


@click.command("history")
@click.argument("service")
@click.option("--env", "env_name", required=True, help="The environment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--platforms", "platforms", metavar="DIR")
def history_command(service: str, env_name: str, fmt: str, platforms: str | None) -> None:
    """What SERVICE ran in an environment, newest first: commit, date, image, chart version."""
    settings = settings_or_exit(platforms, None)
    _target_app(settings, service, env_name)
    states = _states(settings, service, env_name)
    if fmt == "json":
        click.echo(json.dumps([{"commit": s.commit, "date": s.date, "subject": s.subject,
                                "image": s.image, "chart": s.chart, "chart_source": s.chart_source,
                                "values": s.values, "config": s.config, "secrets": s.secrets,
                                "chart_folder": s.chart_folder, "chart_tree": s.chart_tree}
                               for s in states], indent=2, default=str))
        return
    click.echo(f"{service} in {env_name}, newest first:")
    for newer, older in zip(states, [*states[1:], None]):
        changed = newer.changed_since(older) if older is not None else []
        what = f" ({', '.join(changed)} changed)" if changed else ""
        click.echo(f"  {newer.commit[:12]}  {newer.date[:16].replace('T', ' ')}  "
                   f"{_describe(newer)}{what}  {newer.subject}")


@click.command("rollback")
@click.argument("service")
@click.option("--env", "env_name", required=True, help="The environment to roll back.")
@click.option("--to", "ref", help="Restore what the service ran at this commit, tag or branch.")
@click.option("--steps", type=click.IntRange(min=1), help="Go back N versions [default: 1].")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="How to print the diff (markdown for the pull request).")
@click.option("--dry-run", is_flag=True, help="Print the change; write nothing.")
@click.option("--platforms", "platforms", metavar="DIR")
@click.option("--out", metavar="DIR")
def rollback_command(service: str, env_name: str, ref: str | None, steps: int | None, fmt: str,
                     dry_run: bool, platforms: str | None, out: str | None) -> None:
    """Bring back what SERVICE ran in one environment before: the minimal versions-file edit
    where only pins changed, else a report of what differs and the commits to revert."""
    from ..emit.manifest import owned_files
    from ..review.diff import diff_trees
    from ..review.history import (
        HistoryError,
        check_repository,
        commits_to_revert,
        dirty_paths,
        state_at,
        value_differences,
    )
    from ..review.report import format_markdown, format_text
    from .versions import checked_edit, write_edit
    if ref and steps:
        raise click.ClickException("give --to or --steps, not both")
    settings = settings_or_exit(platforms, out)
    try:
        top = check_repository(settings.root)
    except HistoryError as exc:
        raise click.ClickException(str(exc)) from None
    dirty = dirty_paths(top)
    if dirty:
        raise click.ClickException(f"the working tree has uncommitted changes ({', '.join(dirty[:5])}):"
                                   " commit or stash them first; nothing written")
    _target_app(settings, service, env_name)
    states = _states(settings, service, env_name)
    current = states[0]
    if ref:
        try:
            target = state_at(ref, settings.root, settings.platforms, service, env_name,
                              severity=settings.severity, allow=settings.allow)
        except HistoryError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        steps = steps or 1
        if len(states) <= steps:
            raise click.ClickException(
                f"no earlier version: the history has {len(states)} version(s) of {service} in "
                f"{env_name}, so it cannot go back {steps}")
        target = states[steps]
    where = f"{target.commit[:12]} ({target.date[:10]})"
    if target.same_as(current):
        click.echo(f"nothing to roll back: {service} in {env_name} already runs what it ran at {where}")
        return
    edits = [(service, field, value, env_name) for field, value, now in
             (("image", target.image, current.image), ("chart", target.chart, current.chart))
             if value and value != now]
    others = value_differences(current, target)
    if target.chart_source != current.chart_source:
        others.insert(0, ("chart", current.chart_source, target.chart_source))
    reverts = commits_to_revert(states, target) if others else []

    def report_others(stream_err: bool) -> None:
        if not others:
            return
        click.echo(f"{'also ' if edits else ''}differs from {where}, which pins cannot restore:",
                   err=stream_err)
        for path, now, then in others:
            click.echo(f"  {path}: {json.dumps(now, default=str)} -> {json.dumps(then, default=str)}",
                       err=stream_err)
        for state in reverts:
            click.echo(f"  changed by {state.commit[:12]} {state.subject!r}: git revert "
                       f"{state.commit[:12]}", err=stream_err)

    if not edits:
        report_others(True)
        click.echo("rollback refused: nothing in the versions file changed since then; revert the "
                   "commit(s) above instead", err=True)
        sys.exit(1)
    from ..workspace.locking import LockTimeout, locked
    try:
        # read, edit, check and write as one step, like set-image (no lost update)
        with locked(settings.platforms, what="the versions file",
                    on_wait=lambda m: click.echo(m, err=True)):
            edit = checked_edit(settings, edits, "rollback refused: the versions file and the "
                                                 "output folder are unchanged")
            diff = diff_trees(owned_files(settings.out), edit.result.files, env=env_name)
            click.echo((format_markdown if fmt == "markdown" else format_text)(diff), nl=False)
            report_others(False)
            pins = ", ".join(f"{field} {value}" for _, field, value, _ in edits)
            click.echo(f"commit message: Roll back {service} in {env_name} to {pins} (as of {where})")
            if dry_run:
                click.echo("dry run: nothing written")
                return
            write_edit(settings, edit)
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None


COMMANDS = [history_command, rollback_command]
