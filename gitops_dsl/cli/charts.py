"""`gitops-dsl charts pull|list`: the committed chart lock and the local chart cache."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import compiled_or_exit, settings_or_exit

if TYPE_CHECKING:
    from ..charts.lock import ChartRef
    from ..charts.rendered import ChartCache
    from ..workspace.settings import Settings

def chart_cache(settings: Settings, cache: str | None) -> ChartCache:
    """The lock and cache folder as `manifests` and `preflight` use them; a malformed lock is a
    diagnostic at its line (exit 1), never a traceback."""
    from ..charts.lock import LockError, lock_path, read_lock
    from ..charts.rendered import ChartCache
    path = lock_path(settings.platforms)
    try:
        lock = read_lock(path)
    except LockError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        click.echo(f"{where}: error[GD708] the chart lock is malformed: {exc}", err=True)
        click.echo("    hint: do not edit it by hand; `gitops-dsl charts pull` rewrites it", err=True)
        sys.exit(1)
    return ChartCache(lock, Path(cache).resolve() if cache else settings.charts_folder)


def _refs(apps: list[Any], root: Path) -> list[ChartRef]:
    """Every external chart of the platforms, and every dependency the repository's own chart
    folders do not vendor (Argo CD builds those: charts/dependencies.py)."""
    from ..charts.dependencies import chart_folders, dependency_refs
    from ..charts.engine import RenderUnavailable, engine
    from ..charts.lock import chart_refs
    refs = chart_refs(apps)
    folders = chart_folders(apps, root)
    if folders:
        try:
            refs += dependency_refs(engine(), folders, root)
        except RenderUnavailable as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    return sorted(set(refs))


@click.group("charts")
def charts_group() -> None:
    """External Helm charts: a committed lock (platforms/charts.lock) and a local cache."""


@charts_group.command("pull")
@click.option("--cache", metavar="DIR", help="Cache folder [default: .gitops-dsl/charts, or "
                                             "[tool.gitops-dsl] chart_cache].")
@click.option("--update", is_flag=True, help="Lock what the repositories serve now, even where "
                                             "it differs from the lock.")
@click.option("--platforms", "platforms", metavar="DIR")
def charts_pull(cache: str | None, update: bool, platforms: str | None) -> None:
    """Fetch every external chart at its pinned version into the cache and write the lock."""
    from ..api import resolved_apps
    from ..charts.lock import PullError, lock_path, lock_text, pull
    from ..files import atomic_write
    settings = settings_or_exit(platforms, None)
    result = compiled_or_exit(settings)
    charts = chart_cache(settings, cache)
    refs = _refs(resolved_apps(result), settings.root)
    try:
        report = pull(refs, charts.lock, charts.folder, update=update)
    except PullError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo(f"charts pull failed: {lock_path(settings.platforms)} left unchanged", err=True)
        sys.exit(1)
    for ref in report.fetched:
        click.echo(f"fetched   {ref.display()}")
    for ref in report.cached:
        click.echo(f"cached    {ref.display()}")
    for ref in report.dropped:
        click.echo(f"dropped   {ref.display()} (no platform uses it)")
    path = lock_path(settings.platforms)
    text = lock_text(report.entries)
    if not path.exists() or path.read_text("utf-8") != text:
        atomic_write(path, text.encode("utf-8"))
    click.echo(f"{len(report.entries)} chart(s) locked in {path}, cached in {charts.folder}")


@charts_group.command("list")
@click.option("--cache", metavar="DIR")
@click.option("--platforms", "platforms", metavar="DIR")
def charts_list(cache: str | None, platforms: str | None) -> None:
    """Every external chart the platforms use, and whether it is locked and cached."""
    from ..api import resolved_apps
    from ..charts.lock import lookup
    settings = settings_or_exit(platforms, None)
    result = compiled_or_exit(settings)
    charts = chart_cache(settings, cache)
    for ref in _refs(resolved_apps(result), settings.root):
        found = lookup(ref, charts.lock, charts.folder)
        state = "cached" if found.path else "CORRUPT" if found.corrupt else "missing"
        click.echo(f"{state:<8}  {ref.display()}")


COMMANDS = [charts_group]
