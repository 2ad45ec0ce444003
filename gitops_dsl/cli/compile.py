"""`gitops-dsl compile`, `validate` and `rules`: the pipeline, all or nothing."""
from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import (
    IGNORED,
    display_path,
    keeps_what_it_builds,
    report,
    run_compile,
    settings_or_exit,
    warn_ignored,
)

if TYPE_CHECKING:
    from ..api import Result
    from ..cache import CompileCache
    from ..deletions import Deletion
    from ..emit.writer import CheckReport
    from ..workspace.settings import Settings

@click.command("compile")
@click.option("--platforms", "platforms", metavar="DIR",
              help="Folder of platform files [default: platforms/, or [tool.gitops-dsl] platforms].")
@click.option("--out", metavar="DIR",
              help="Output folder [default: build/, or [tool.gitops-dsl] out].")
@click.option("--check", is_flag=True,
              help="Compile in memory and compare with the output folder; write nothing. "
                   "Exit 1 when it is not current.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print diagnostics.")
@click.option("--strict", is_flag=True, help="Warnings fail the compile too.")
@click.option("--allow-delete", "allow_delete", multiple=True, metavar="NAME",
              help="Allow deleting this Application (or every Application of this service) of a "
                   "protected environment. Repeatable.")
@click.option("--no-cache", "no_cache", is_flag=True, envvar="GITOPS_DSL_NO_CACHE",
              help="Run the whole compile even when no input changed since the last one (for a "
                   "platform that reads the environment, the clock or the network).")
@keeps_what_it_builds
def compile_command(platforms: str | None, out: str | None, check: bool, fmt: str,
                    strict: bool, allow_delete: tuple[str, ...], no_cache: bool) -> None:
    """Compile platforms/ into the output folder (all or nothing)."""
    _compile(platforms, out, check, fmt, strict, allow_delete, no_cache)


def _compile(platforms: str | None, out: str | None, check: bool, fmt: str, strict: bool,
             allow_delete: tuple[str, ...], no_cache: bool) -> None:
    settings = settings_or_exit(platforms, out)
    cwd = Path.cwd()
    cache = None
    if not check and not no_cache:
        from ..cache import CompileCache
        cache = CompileCache(settings.out, settings)
        # --strict is a verdict: it rests on findings this compile derives, never on the ones
        # the last compile recorded (replayed, or kept with a service's unit)
        if not strict and _replayed(cache, settings, fmt, cwd):
            return
        cache.open(verdict=strict)
    try:
        result = run_compile(settings, cache=cache)
    finally:
        if cache is not None:
            cache.close()
    report(result.diagnostics, fmt, cwd)
    if not result.ok or (strict and result.diagnostics):
        click.echo(f"compile failed: {display_path(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    from ..api import check_tree
    from ..emit.journal import InterruptedWrite
    if check:
        try:
            check_report = check_tree(result, settings.out)
        except InterruptedWrite as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        sys.exit(_print_check(check_report, settings.out, cwd))
    from ..workspace.locking import LockTimeout, locked
    try:
        with locked(settings.out, what="the output folder",
                    on_wait=lambda m: click.echo(m, err=True)):
            _write_locked(result, settings, cwd, allow_delete)
            # last: once the record is kept, the next compile may replay this one without
            # taking the lock (or sweeping what a kill before then left in the cache)
            if cache is not None:
                cache.keep(result)
    except (LockTimeout, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def _write_locked(result: Result, settings: Settings, cwd: Path, allow_delete: tuple[str, ...]) -> None:
    """The writing half of `compile`, under the output folder's lock."""
    from ..api import write
    from ..emit.journal import recover
    from ..emit.writer import WriteFailed
    try:
        repaired = recover(settings.out) if settings.out.is_dir() else None
    except OSError as exc:
        click.echo(f"error: cannot repair {display_path(settings.out, cwd)}: {exc}", err=True)
        sys.exit(1)
    if repaired:
        click.echo(f"{display_path(settings.out, cwd)}: {repaired}", err=True)
    from ..emit.manifest import earlier_format
    from ..files import MANIFEST
    earlier = earlier_format(settings.out) if settings.out.is_dir() else 0
    if earlier:
        click.echo(f"{display_path(settings.out / MANIFEST, cwd)}: written by an earlier gitops-dsl: "
                   f"its {earlier} entries are read in that format (each file compared by its "
                   "sha256) and the manifest is written again in today's", err=True)
    from ..deletions import pending_deletions
    blocked = [d for d in pending_deletions(result, settings.out, protected_only=True)
               if d.protected and d.app not in allow_delete and d.service not in allow_delete]
    if blocked:
        for d in blocked:
            click.echo(f"error: {_deletion_message(d)}", err=True)
        names = " ".join(f"--allow-delete {d.app}" for d in blocked)
        click.echo(f"    hint: if that is intended, run again with {names}", err=True)
        click.echo(f"compile failed: {display_path(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    try:
        the_plan = write(result, settings.out)
    except (WriteFailed, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("compile failed", err=True)
        sys.exit(1)
    if the_plan.conflicts:
        for rel in the_plan.conflicts:
            click.echo(f"{display_path(settings.out / rel, cwd)}: error: this file was not written by "
                       "gitops-dsl and is in the way of a generated file; move it away", err=True)
        click.echo(f"compile failed: {display_path(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    for rel in the_plan.hand_edited:
        click.echo(f"{display_path(settings.out / rel, cwd)}: warning: hand edit overwritten "
                   "(generated files are rebuilt from platforms/)", err=True)
    from ..argo.links import ignored_paths
    warn_ignored(ignored_paths(settings.out, the_plan.write, root_itself=False), settings.out,
                 cwd)
    for rel in the_plan.kept:
        click.echo(f"{display_path(settings.out / rel, cwd)}: warning: no longer generated, but not deleted: "
                   "its bytes are not what gitops-dsl wrote (a hand edit, or a file the manifest "
                   "should not name); remove it yourself if it is not yours", err=True)
    _warn_unowned(settings.out, result.files.keys(), cwd)
    reused = (f"; {result.reuse[0]} of {result.reuse[1]} Applications reused"
              if result.reuse and result.reuse[0] else "")
    if result.unkeyed:
        reused = f"; compiled whole: {result.unkeyed}"
    click.echo(f"compiled {len(result.files)} files into {display_path(settings.out, cwd)}: "
               f"{len(the_plan.write)} written, {len(the_plan.delete)} removed, "
               f"{the_plan.unchanged} unchanged{reused}")


def _replayed(cache: CompileCache, settings: Settings, fmt: str, cwd: Path) -> bool:
    """When no input changed since the last compile and the output folder is as it left it,
    print what it printed and succeed without compiling (see `fingerprint`)."""
    from ..diagnostics import from_record
    record = cache.replay()
    if record is None:
        return False
    outcome = record.outcome
    try:
        diagnostics = tuple(from_record(d) for d in outcome["diagnostics"])
    except (KeyError, TypeError, ValueError, IndexError):
        return False   # a record edited by hand: compile instead
    report(diagnostics, fmt, cwd)
    click.echo(f"compiled {outcome['files']} files into {display_path(settings.out, cwd)}: "
               f"0 written, 0 removed, {outcome['files']} unchanged (no input changed)")
    from ..emit.manifest import read_manifest
    _warn_unowned(settings.out, read_manifest(settings.out).keys(), cwd)
    return True


def _warn_unowned(out: Path, owned: Collection[str], cwd: Path) -> None:
    from ..argo.links import not_ignored
    from ..emit.unowned import foreign_files
    for rel, what in not_ignored(out, foreign_files(out, owned)):
        click.echo(f"{display_path(out / rel, cwd)}: warning: {what}", err=True)


def _deletion_message(d: Deletion) -> str:
    if d.kind == "zone":
        return (f"this compile removes zone {d.zone}: its zone Application {d.app} (applied by hand "
                "from bootstrap/) would fail with 'app path does not exist' and prune nothing. "
                f"Keep Zone({d.zone!r}) in Platform(zones=[...]) without environments until Argo CD "
                f"has pruned them, then `kubectl delete -k <build>/gitops/bootstrap/{d.zone}` and "
                "remove the zone")
    if d.kind == "zone-app":
        return (f"this compile renames the zone Application {d.app} of zone {d.zone} (Zone."
                "root_name): it is applied by hand from bootstrap/, so the old one stays and both "
                f"would manage the zone's roots. Keep Zone({d.zone!r}, root_name={d.app!r}), or "
                f"apply the new bootstrap, then delete {d.app} without cascading (`argocd app "
                f"delete {d.app} --cascade=false`: cascading would delete every root and "
                "Application of the zone)")
    if d.kind == "root":
        return (f"this compile renames root Application {d.app} of environment {d.env} (zone "
                f"{d.zone}): the zone Application prunes {d.app}, and its resources finalizer "
                "deletes every Application of the environment - with theirs, the workloads - "
                f"before the new root re-creates them. Keep Environment(root_name={d.app!r}), or "
                f"remove the old root's finalizer first (kubectl -n <argocd namespace> patch "
                f"application {d.app} --type json -p '[{{\"op\": \"remove\", \"path\": "
                "\"/metadata/finalizers\"}]')")
    if d.kind == "release":
        return (f"this compile changes the Helm release name of Application {d.app} of protected "
                f"environment {d.env} (release_name): Helm names the chart's objects after the "
                "release, so Argo CD creates new ones and prunes every object of the old release "
                "(a database's volumes with it). Keep the old name with Overlay(release_name=...) "
                "for this environment, or move the data first")
    if d.kind == "renamed":
        return (f"this compile changes the name of Application {d.app} of protected environment "
                f"{d.env} (app_name): Argo CD prunes {d.app} - with its resources finalizer, its "
                "workloads - and creates the new one. Compile it with cascade='none' first, let "
                "Argo CD sync that, then change the name")
    if d.kind == "rename":
        return (f"this compile renames Application {d.app} of protected environment {d.env} in one "
                "step: it still has the resources finalizer, so Argo CD deletes its workloads while "
                "the new Application re-creates them. Compile Service(rename='prepare') first, let "
                "Argo CD sync it, then rename='complete'")
    what = "and, with the resources finalizer, its workloads" if d.cascades else \
        "(its workloads stay: no resources finalizer)"
    return (f"this compile deletes Application {d.app} of protected environment {d.env} (zone "
            f"{d.zone}); Argo CD would prune it {what}. A rename is declared with "
            "Service(previous_names=[...])")


@click.command("validate")
@click.option("--platforms", "platforms", metavar="DIR", help="Folder of platform files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print diagnostics.")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
def validate_command(platforms: str | None, fmt: str, strict: bool) -> None:
    """Load, resolve and check platforms/ without writing anything (and without rendering, but
    for several platforms: what two of them write to one path is found by rendering)."""
    settings = settings_or_exit(platforms, None)
    result = run_compile(settings, render_tree=False)
    report(result.diagnostics, fmt, Path.cwd())
    failed = not result.ok or (strict and result.diagnostics)
    if fmt == "text" and not failed:
        click.echo(f"{len(result.platforms)} platform(s) valid"
                   + (f", {len(result.diagnostics)} warning(s)" if result.diagnostics else ""))
    sys.exit(1 if failed else 0)


@click.command("rules")
@click.argument("code", required=False)
@click.option("--platforms", "platforms", metavar="DIR",
              help="Also list the rules that platform files register.")
def rules_command(code: str | None, platforms: str | None) -> None:
    """List every rule, or explain one: `gitops-dsl rules GD201`."""
    from ..checks import Rule, all_rules
    user_rules: tuple[Rule, ...] = ()
    settings = settings_or_exit(platforms, None)
    if settings.platforms.is_dir():
        from ..load import load
        user_rules = load(settings.platforms).rules
    rules = all_rules(user_rules)
    if code is None:
        for listed in rules.values():
            kind = "policy " if listed.opt_in else ("user   " if not listed.builtin else "")
            click.echo(f"{listed.code}  {listed.severity.value:<7}  {kind}{listed.summary}")
        return
    item = rules.get(code.upper())
    if item is None:
        raise click.ClickException(f"no rule {code}; `gitops-dsl rules` lists them")
    click.echo(f"{item.code} ({item.severity.value}{', opt-in policy' if item.opt_in else ''}): "
               f"{item.summary}\n")
    if item.explanation:
        click.echo(item.explanation + "\n")
    if item.opt_in:
        click.echo(f"Enable it: Environment(..., policies=[{item.__name__}])\n")
    if item.bad:
        click.echo("Bad:\n    " + item.bad.replace("\n", "\n    ") + "\n")
    if item.good:
        click.echo("Good:\n    " + item.good.replace("\n", "\n    ") + "\n")
    click.echo(f'Suppress one finding: allow={{"{item.code}": "reason"}} on the object, or '
               f'[tool.gitops-dsl.allow] {item.code} = "reason"')


def _print_check(check_report: CheckReport, out: Path, cwd: Path) -> int:
    report = check_report
    if report.clean:
        click.echo(f"{display_path(out, cwd)} is current")
        return 0
    edited = set(report.hand_edited)
    for rel in report.missing:
        click.echo(f"missing:     {display_path(out / rel, cwd)}")
    for rel, diff in report.changed:
        label = "hand-edited:" if rel in edited else ("not owned:  " if rel in report.conflicts
                                                      else "changed:    ")
        click.echo(f"{label} {display_path(out / rel, cwd)}")
        click.echo(diff, nl=False)
    for rel in report.extra:
        click.echo(f"extra:       {display_path(out / rel, cwd)} (no longer generated)")
    for rel, what in report.foreign:
        click.echo(f"unowned:     {display_path(out / rel, cwd)} ({what})")
    for rel in report.ignored:
        click.echo(f"ignored:     {display_path(out / rel, cwd)} ({IGNORED})")
    if report.manifest_stale and not (report.missing or report.changed or report.extra):
        click.echo(f"stale:       {display_path(out / '.gitops-dsl-manifest', cwd)}")
    # what mends each kind: a compile writes what it owns, never a file it did not write
    steps = []
    if report.conflicts:
        steps.append("move the files gitops-dsl did not write out of the way")
    if report.conflicts or report.missing or report.extra or report.manifest_stale or any(
            rel not in report.conflicts for rel, _ in report.changed):
        steps.append("run `gitops-dsl compile`")
    if report.foreign:
        steps.append("remove the unowned files (a compile never touches a file it did not write)")
    if report.ignored:
        steps.append("change the .gitignore rules that ignore generated files")
    click.echo(f"{display_path(out, cwd)} is not current: {', then '.join(steps)}", err=True)
    return 1


COMMANDS = [compile_command, validate_command, rules_command]
