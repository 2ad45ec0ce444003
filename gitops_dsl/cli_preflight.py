"""CLI: `gitops-dsl charts pull|list` (the chart lock and cache) and `gitops-dsl preflight`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli import _compiled, _settings, main


def chart_cache(settings, cache: str | None, *, fail: bool = True):
    """The lock and cache folder as render and preflight use them; a malformed lock is a
    diagnostic at its line (exit 1), never a traceback."""
    from .chartlock import LockError, lock_path, read_lock
    from .helmrender import ChartCache
    path = lock_path(settings.platforms)
    try:
        lock = read_lock(path)
    except LockError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        click.echo(f"{where}: error[GD708] the chart lock is malformed: {exc}", err=True)
        click.echo("    hint: do not edit it by hand; `gitops-dsl charts pull` rewrites it", err=True)
        if fail:
            sys.exit(1)
        return None
    return ChartCache(lock, Path(cache).resolve() if cache else settings.charts_folder)


@main.group("charts")
def charts_group() -> None:
    """External Helm charts: a committed lock (platforms/charts.lock) and a local cache."""


@charts_group.command("pull")
@click.option("--cache", metavar="DIR", help="Cache folder [default: .gitops-dsl/charts, or "
                                             "[tool.gitops-dsl] chart_cache].")
@click.option("--update", is_flag=True, help="Lock what the repositories serve now, even where "
                                             "it differs from the lock.")
@click.option("--platforms", "platforms", metavar="DIR")
def charts_pull(cache, update, platforms) -> None:
    """Fetch every external chart at its pinned version into the cache and write the lock."""
    from .api import resolved_apps
    from .chartlock import PullError, chart_refs, lock_path, lock_text, pull
    from .emit.writer import atomic_write
    settings = _settings(platforms, None)
    result = _compiled(settings)
    charts = chart_cache(settings, cache)
    refs = chart_refs(resolved_apps(result))
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
def charts_list(cache, platforms) -> None:
    """Every external chart the platforms use, and whether it is locked and cached."""
    from .api import resolved_apps
    from .chartlock import chart_refs, lookup
    settings = _settings(platforms, None)
    result = _compiled(settings)
    charts = chart_cache(settings, cache)
    for ref in chart_refs(resolved_apps(result)):
        found = lookup(ref, charts.lock, charts.folder)
        state = "cached" if found.path else "CORRUPT" if found.corrupt else "missing"
        click.echo(f"{state:<8}  {ref.display()}")


@main.command("preflight")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Warnings (charts that could not be rendered, "
                                             "findings that could not be verified) fail too.")
@click.option("--cache", metavar="DIR", help="Chart cache folder.")
@click.option("--platforms", "platforms", metavar="DIR")
def preflight_command(env_name, fmt, strict, cache, platforms) -> None:
    """Render every Application and judge each resource as Argo CD's sync will: project
    permissions, CRDs and API versions, namespaces, shared resources, sync windows."""
    from .helmrender import RenderUnavailable
    from .preflight import as_json, format_text, run_preflight
    settings = _settings(platforms, None)
    started = time.perf_counter()
    result = _compiled(settings)
    charts = chart_cache(settings, cache)
    try:
        plan = run_preflight(result, settings.root, charts, env=env_name, strict=strict,
                             cache=settings.root / ".gitops-dsl" / "rendered")
    except RenderUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    cwd = str(Path.cwd())
    if fmt == "json":
        click.echo(as_json(plan, cwd))
    else:
        # the findings first, the plan after them: its last line is the verdict
        for d in plan.diagnostics:
            click.echo(d.format(cwd), err=True)
        sys.stderr.flush()
        click.echo(format_text(plan).rstrip("\n") + f" ({time.perf_counter() - started:.1f} s)")
    failed = plan.errors or (strict and plan.diagnostics)
    sys.exit(1 if failed else 0)
