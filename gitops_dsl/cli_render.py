"""CLI: `gitops-dsl render` - what Argo CD will apply, offline, with a real Helm engine."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli import _compile, _report, _settings, main


@main.command("render")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--service", help="Only this service.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write the manifests: <out>/<zone>/<env>/<application>/<kind>-<name>.yaml.")
@click.option("--check", is_flag=True, help="Validate what was rendered; exit 1 on any problem.")
@click.option("--crds", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folders of CRDs to validate custom resources against (e.g. Argo Rollouts).")
@click.option("--cache", metavar="DIR", help="Chart cache folder (`gitops-dsl charts pull`).")
@click.option("--strict", is_flag=True, help="An Application that could not be rendered fails too.")
@click.option("--platforms", "platforms", metavar="DIR")
def render_command(env_name, service, out_dir, check, crds, cache, strict, platforms) -> None:
    """Render every Application as Argo CD would (offline: external charts from the chart cache),
    optionally check it."""
    from .cli_preflight import chart_cache
    from .emit.yaml import dump
    from .helmrender import RenderUnavailable, check_rendered, load_crds, render_applications
    settings = _settings(platforms, None)
    started = time.perf_counter()
    result = _compile(settings)
    if not result.ok:
        _report(result, "text", Path.cwd())
        sys.exit(1)
    charts = chart_cache(settings, cache)
    try:
        rendered = render_applications({p: result.files[p] for p in result.files}, settings.root,
                                       charts=charts,
                                       env=env_name, service=service,
                                       checkout=[(p.gitops_repo.url, p.gitops_repo.revision)
                                                 for p in result.platforms])
    except RenderUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    validators = load_crds(crds) if check else {}
    failed = 0
    for item in rendered:
        if item.skipped:
            click.echo(f"skipped   {item.app}: {item.skipped}")
            failed += strict
            continue
        if item.error:
            failed += 1
            click.echo(f"error     {item.app}: {item.error}", err=True)
            continue
        problems = check_rendered(item, validators) if check else []
        failed += bool(problems)
        for problem in problems:
            click.echo(f"error     {problem}", err=True)
        click.echo(f"rendered  {item.app}: {len(item.objects)} objects")
        if out_dir:
            folder = Path(out_dir) / item.zone / item.env / item.app
            folder.mkdir(parents=True, exist_ok=True)
            for _, obj in item.objects:
                name = f"{obj.get('kind', 'object').lower()}-{obj.get('metadata', {}).get('name', 'x')}"
                (folder / f"{name}.yaml").write_bytes(dump(obj, f"gitops-dsl render of {item.app}"))
    seconds = time.perf_counter() - started
    done = sum(1 for r in rendered if not r.skipped and not r.error)
    click.echo(f"{done} rendered, {sum(1 for r in rendered if r.skipped)} skipped, {failed} with "
               f"problems ({seconds:.1f} s)")
    sys.exit(1 if failed else 0)
