"""`gitops-dsl preflight`: will the estate roll out? Every Application rendered and judged as
Argo CD's sync would judge it."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .charts import chart_cache
from .common import compiled_or_exit, keeps_what_it_builds, known_or_exit, platform_names, settings_or_exit


@click.command("preflight")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Warnings (charts that could not be rendered, "
                                             "findings that could not be verified) fail too.")
@click.option("--cache", metavar="DIR", help="Chart cache folder.")
@click.option("--platforms", "platforms", metavar="DIR")
@keeps_what_it_builds
def preflight_command(env_name: str | None, fmt: str, strict: bool, cache: str | None, platforms: str | None) -> None:
    """Render every Application and judge each resource as Argo CD's sync will: project
    permissions, CRDs and API versions, namespaces, shared resources, sync windows."""
    from ..charts.engine import RenderUnavailable
    from ..preflight import as_json, format_text, run_preflight
    settings = settings_or_exit(platforms, None)
    started = time.perf_counter()
    result = compiled_or_exit(settings, code_cache=True)
    known_or_exit("--env", "environment", env_name, platform_names(result)["environment"])
    charts = chart_cache(settings, cache)
    try:
        plan = run_preflight(result, settings.root, charts, env=env_name, strict=strict,
                             cache=settings.root / ".gitops-dsl" / "rendered")
    except RenderUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:   # (no temporary folder to render in, a full disk)
        raise click.ClickException(f"cannot render: {exc}") from None
    cwd = str(Path.cwd())
    if fmt == "json":
        click.echo(as_json(plan, cwd))
    else:
        # the findings first, the plan after them: its last line is the verdict
        for d in plan.diagnostics:
            click.echo(d.format(cwd), err=True)
        if sys.stderr is not None:   # (None: started with it closed)
            sys.stderr.flush()
        click.echo(format_text(plan).rstrip("\n") + f" ({time.perf_counter() - started:.1f} s)")
    failed = plan.errors or (strict and plan.diagnostics)
    sys.exit(1 if failed else 0)


COMMANDS = [preflight_command]
