"""CLI: `gitops-dsl publish` - the compiled trees into checkouts of the repositories Argo CD reads."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import IGNORED, compiled_or_exit, settings_or_exit, warn_ignored

if TYPE_CHECKING:
    from ..publish.checkouts import Target

def _pairs(values: Any, option: str) -> dict[str, Path]:
    out = {}
    for value in values:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            raise click.BadParameter(f"{value!r}: expected ZONE=CHECKOUT", param_hint=option)
        out[name] = Path(folder)
    return out


@click.command("publish")
@click.option("--gitops", type=click.Path(file_okay=False), help="Checkout of the platform's gitops "
              "repository (when it is not this repository).")
@click.option("--configs", type=click.Path(file_okay=False), help="Checkout of the platform's configs "
              "repository (Platform(configs_repo=...)).")
@click.option("--zone", "zones", multiple=True, metavar="ZONE=CHECKOUT",
              help="Checkout of a zone's own gitops repository. Repeatable.")
@click.option("--zone-configs", "zone_configs", multiple=True, metavar="ZONE=CHECKOUT",
              help="Checkout of a zone's own configs repository. Repeatable.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a checkout is not current.")
@click.option("--message-file", type=click.Path(dir_okay=False),
              help="Also write the commit message to this file.")
@click.option("--platforms", "platforms", metavar="DIR")
def publish_command(gitops: str | None, configs: str | None, zones: tuple[str, ...],
                    zone_configs: tuple[str, ...], check: bool, message_file: str | None,
                    platforms: str | None) -> None:
    """Replace the files gitops-dsl owns in each checkout with the compiled ones (all or
    nothing; other files untouched) and print the commit message to use."""
    from ..api import resolved_platforms
    from ..publish.checkouts import PublishError, carry_out, commit_message, prepare, targets
    settings = settings_or_exit(platforms, None)
    if not (gitops or configs or zones or zone_configs):
        raise click.UsageError("name at least one checkout: --gitops, --configs, --zone or "
                               "--zone-configs")
    result = compiled_or_exit(settings, "publish refused; nothing written")
    try:
        chosen = targets(result, resolved_platforms(result),
                         gitops=Path(gitops) if gitops else None,
                         configs=Path(configs) if configs else None,
                         zones=_pairs(zones, "--zone"), zone_configs=_pairs(zone_configs, "--zone-configs"),
                         root=settings.root)
        merged: dict[tuple[Path, str], Target] = {}
        for target in chosen:
            key = (target.checkout.resolve(), target.manifest)
            if key in merged:
                merged[key] = type(target)(target.label, target.checkout, target.revision,
                                           {**merged[key].files, **target.files}, target.manifest,
                                           tuple(sorted({*merged[key].chart_folders,
                                                         *target.chart_folders})))
            else:
                merged[key] = target
        planned = prepare(list(merged.values()), require_clean=not check, repair=not check)
    except Exception as exc:
        from ..render.closure import BundleError
        if not isinstance(exc, (PublishError, BundleError)):
            raise
        click.echo(f"error: {exc}", err=True)
        click.echo("publish refused: nothing written", err=True)
        sys.exit(1)
    stale = [p for p in planned if p.changed or p.plan.hand_edited or (check and p.recovered)]
    for item in planned:
        if item.recovered:
            click.echo(f"{item.target.checkout}: {item.recovered}", err=True)
        for rel in item.plan.hand_edited:
            click.echo(f"{item.target.checkout / rel}: warning: hand edit "
                       f"{'found' if check else 'overwritten'}", err=True)
    if check:
        for item in stale:
            for rel in item.changed:
                click.echo(f"not current: {item.target.checkout / rel}")
        for item in planned:
            for rel, what in item.foreign:
                click.echo(f"unowned:     {item.target.checkout / rel} ({what})")
            for rel in item.ignored:
                click.echo(f"ignored:     {item.target.checkout / rel} ({IGNORED})")
        foreign = any(p.foreign for p in planned)
        ignored = any(p.ignored for p in planned)
        if stale or foreign or ignored:
            steps = (["run `gitops-dsl publish`"] if stale else []) + (
                ["remove the unowned files (publish never touches a file it did not write)"]
                if foreign else []) + (
                ["change the checkout's .gitignore rules that ignore published files"]
                if ignored else [])
            click.echo(f"publish --check: the checkouts are not current: {', then '.join(steps)}",
                       err=True)
            sys.exit(1)
        click.echo("publish --check: every checkout is current")
        return
    carry_out(planned)
    from ..argo.links import ignored_paths  # (asked now that the files are there)
    for item in planned:
        for rel, what in item.foreign:
            click.echo(f"{item.target.checkout / rel}: warning: {what}", err=True)
        warn_ignored(ignored_paths(item.target.checkout, item.target.files.keys()),
                     item.target.checkout)
    for item in planned:
        click.echo(f"published to {item.target.label} ({item.target.checkout}): "
                   f"{len(item.plan.write)} written, {len(item.plan.delete)} removed, "
                   f"{item.plan.unchanged} unchanged")
    head = subprocess.run(["git", "-C", str(settings.root), "log", "-1", "--format=%H%x1f%s"],
                          capture_output=True, text=True, check=False).stdout.strip().split("\x1f")
    message = commit_message(planned, head[0] or "unknown", head[1] if len(head) > 1 else "")
    if not any(p.changed for p in planned):
        click.echo("nothing changed: no commit needed")
        return
    click.echo("commit message:\n" + message, nl=False)
    if message_file:
        Path(message_file).write_text(message)


COMMANDS = [publish_command]
