"""`gitops-dsl manifests`: the Kubernetes manifests Argo CD will apply, rendered offline with a real
Helm engine (and Kustomize), optionally checked. `render` is kept as a hidden alias: it named this
command before the pipeline stage `render/` (platform -> Argo CD documents) made the word ambiguous."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .charts import chart_cache
from .common import known_or_exit, platform_names, report, run_compile, settings_or_exit


@click.command("manifests")
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
def manifests_command(env_name: str | None, service: str | None, out_dir: str | None, check: bool,
                      crds: tuple[str, ...], cache: str | None, strict: bool,
                      platforms: str | None) -> None:
    """Render every Application as Argo CD would (offline: external charts from the chart cache),
    optionally check it."""
    from ..charts.engine import RenderUnavailable
    from ..charts.manifests import render_applications
    from ..charts.render_cache import RenderCache
    from ..charts.validate import check_rendered, load_crds
    from ..emit.yaml import dump
    settings = settings_or_exit(platforms, None)
    started = time.perf_counter()
    result = run_compile(settings)
    if not result.ok:
        report(result.diagnostics, "text", Path.cwd())
        sys.exit(1)
    names = platform_names(result)
    known_or_exit("--env", "environment", env_name, names["environment"])
    known_or_exit("--service", "service", service, names["service"])
    charts = chart_cache(settings, cache)
    try:
        rendered = render_applications({p: result.files[p] for p in result.files}, settings.root,
                                       charts=charts,
                                       # the cache preflight shares: rendered manifests by input
                                       cache=RenderCache(settings.root / ".gitops-dsl" / "rendered"),
                                       env=env_name, service=service,
                                       checkout=[(p.gitops_repo.url, p.gitops_repo.revision)
                                                 for p in result.platforms])
    except RenderUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:   # (no temporary folder to render in, a full disk)
        raise click.ClickException(f"cannot render: {exc}") from None
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
                (folder / f"{name}.yaml").write_bytes(dump(obj, f"gitops-dsl manifests of {item.app}"))
    seconds = time.perf_counter() - started
    done = sum(1 for r in rendered if not r.skipped and not r.error)
    click.echo(f"{done} rendered, {sum(1 for r in rendered if r.skipped)} skipped, {failed} with "
               f"problems ({seconds:.1f} s)")
    sys.exit(1 if failed else 0)


def _render_alias(**options: object) -> None:
    click.echo("note: `gitops-dsl render` is now `gitops-dsl manifests`", err=True)
    manifests_command.callback(**options)  # type: ignore[misc]


# the former name, hidden: scripts that still call it keep working
render_alias = click.Command("render", params=manifests_command.params, callback=_render_alias,
                             hidden=True, help="The former name of `manifests`.")

COMMANDS = [manifests_command, render_alias]
