"""`gitops-dsl import` and `init`: adopting gitops-dsl, from an existing tree or from nothing."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import report


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "target", type=click.Path(dir_okay=False),
              help="The platform file to write, e.g. platforms/legacy.py.")
@click.option("--name", default="imported", show_default=True, help="The platform's name.")
@click.option("--check-roundtrip", is_flag=True,
              help="Compile the import and compare it with the originals; exit 1 on a difference "
                   "the importer did not report.")
def import_command(paths: tuple[str, ...], target: str | None, name: str, check_roundtrip: bool) -> None:
    """Write a platform file for an existing Argo CD tree (Applications, AppProjects,
    ApplicationSets with list generators, the Helm values files they name)."""
    from ..importer import import_tree
    imported = import_tree(list(paths), name)
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    if not imported.apps:
        click.echo("error: no Application of the tree could be imported (see the notes above); "
                   "nothing written", err=True)
        sys.exit(1)
    if target:
        out = Path(target)
        if out.exists():
            raise click.ClickException(f"{out} exists; choose another --out")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(imported.source)
        click.echo(f"wrote {out}: {len(imported.apps)} Applications")
    if not check_roundtrip:
        if not target:
            click.echo(imported.source, nl=False)
        return
    from ..importer.roundtrip import compare, compile_import
    result, files = compile_import(imported)
    for mistake in result.diagnostics:
        click.echo(f"mistake in the original tree: {mistake.format().split(': ', 1)[1]}", err=True)
    if not result.ok:
        report(result.diagnostics, "text", Path.cwd())
        click.echo("round trip: the imported platform does not compile; the diagnostics above are "
                   "the original tree's mistakes or what the DSL refuses", err=True)
        sys.exit(1)
    differences = compare(list(imported.apps), files)
    unexplained = [d for d in differences if not d.reported]
    for d in differences:
        mark = "reported" if d.reported else "NOT REPORTED"
        click.echo(f"{d.app}: {d.field}: {d.original!r} -> {d.compiled!r} ({mark})")
    click.echo(f"round trip: {len(imported.apps)} Applications, {len(differences)} difference(s), "
               f"{len(unexplained)} not reported")
    sys.exit(1 if unexplained else 0)


@click.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False))
def init_command(folder: str) -> None:
    """Start a project: a commented platform, versions file, settings, pre-commit and CI."""
    from ..workspace.scaffold import scaffold
    for path, what in scaffold(Path(folder)):
        click.echo(f"{what:>8}  {path}")
    click.echo("next: edit platforms/shop.py, then run `gitops-dsl compile`")


COMMANDS = [import_command, init_command]
