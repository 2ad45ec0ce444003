"""The gitops-dsl command line: option parsing and printing around the library API, nothing else."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ._version import __version__


def _settings(platforms: str | None, out: str | None):
    from .config import SettingsError, load_settings
    try:
        return load_settings(platforms=platforms, out=out)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _report(result, fmt: str, cwd: Path) -> None:
    from .diagnostics import Severity
    diagnostics = result.diagnostics
    if fmt == "json":
        click.echo(json.dumps([d.as_json(str(cwd)) for d in diagnostics], indent=2))
        return
    groups: dict = {}
    for d in diagnostics:
        where = (d.location.file, d.location.line) if d.location else (None, id(d))
        groups.setdefault((d.code, d.severity, *where), []).append(d)
    for items in groups.values():
        # the same mistake made in a loop (one line, many objects): once, with a count
        click.echo(items[0].format(str(cwd)), err=True)
        if len(items) > 1:
            names = ", ".join(d.subject for d in items[1:6] if d.subject)
            more = f"{names}{', ...' if len(items) > 6 else ''}"
            click.echo(f"    ({len(items) - 1} more like it at this line{': ' + more if more else ''})",
                       err=True)
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    if diagnostics:
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
                   err=True)


def _compile(settings, render_tree: bool = True):
    from .api import compile as compile_platforms
    try:
        return compile_platforms(settings.platforms, root=settings.root, severity=settings.severity,
                                 allow=settings.allow, render_tree=render_tree)
    except Exception as exc:  # noqa: BLE001 - an internal bug: say so, never pose as a user error
        click.echo(f"gitops-dsl: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in gitops-dsl, not in your platform; please report it with the "
                   "command you ran (GITOPS_DSL_DEBUG=1 prints the traceback).", err=True)
        import os
        if os.environ.get("GITOPS_DSL_DEBUG"):
            raise
        sys.exit(3)


def _compiled(settings, what: str = "nothing written"):
    """A successful compile, or the diagnostics and exit 1."""
    result = _compile(settings)
    if not result.ok:
        _report(result, "text", Path.cwd())
        click.echo(f"the platform does not compile: {what}", err=True)
        sys.exit(1)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-dsl")
def main() -> None:
    """Compile an Argo CD estate written in Python (platforms/) into plain YAML (build/)."""


@main.command("compile")
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
def compile_command(platforms: str | None, out: str | None, check: bool, fmt: str,
                    strict: bool, allow_delete: tuple) -> None:
    """Compile platforms/ into the output folder (all or nothing)."""
    settings = _settings(platforms, out)
    cwd = Path.cwd()
    result = _compile(settings)
    _report(result, fmt, cwd)
    if not result.ok or (strict and result.diagnostics):
        click.echo(f"compile failed: {_rel(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    from .api import check_tree
    from .emit.writer import InterruptedWrite
    if check:
        try:
            report = check_tree(result, settings.out)
        except InterruptedWrite as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        sys.exit(_print_check(report, settings.out, cwd))
    from .locking import LockTimeout, locked
    try:
        with locked(settings.out, what="the output folder",
                    on_wait=lambda m: click.echo(m, err=True)):
            _write_locked(result, settings, cwd, allow_delete)
    except (LockTimeout, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def _write_locked(result, settings, cwd: Path, allow_delete) -> None:
    """The writing half of `compile`, under the output folder's lock."""
    from .api import write
    from .emit.writer import WriteFailed, recover
    try:
        repaired = recover(settings.out) if settings.out.is_dir() else None
    except OSError as exc:
        click.echo(f"error: cannot repair {_rel(settings.out, cwd)}: {exc}", err=True)
        sys.exit(1)
    if repaired:
        click.echo(f"{_rel(settings.out, cwd)}: {repaired}", err=True)
    from .api import pending_deletions
    blocked = [d for d in pending_deletions(result, settings.out)
               if d.protected and d.app not in allow_delete and d.service not in allow_delete]
    if blocked:
        for d in blocked:
            click.echo(f"error: {_deletion_message(d)}", err=True)
        names = " ".join(f"--allow-delete {d.app}" for d in blocked)
        click.echo(f"    hint: if that is intended, run again with {names}", err=True)
        click.echo(f"compile failed: {_rel(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    try:
        the_plan = write(result, settings.out)
    except (WriteFailed, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("compile failed", err=True)
        sys.exit(1)
    if the_plan.conflicts:
        for rel in the_plan.conflicts:
            click.echo(f"{_rel(settings.out / rel, cwd)}: error: this file was not written by "
                       "gitops-dsl and is in the way of a generated file; move it away", err=True)
        click.echo(f"compile failed: {_rel(settings.out, cwd)} left unchanged", err=True)
        sys.exit(1)
    for rel in the_plan.hand_edited:
        click.echo(f"{_rel(settings.out / rel, cwd)}: warning: hand edit overwritten "
                   "(generated files are rebuilt from platforms/)", err=True)
    for rel in the_plan.kept:
        click.echo(f"{_rel(settings.out / rel, cwd)}: warning: no longer generated, but not deleted: "
                   "its bytes are not what gitops-dsl wrote (a hand edit, or a file the manifest "
                   "should not name); remove it yourself if it is not yours", err=True)
    click.echo(f"compiled {len(result.files)} files into {_rel(settings.out, cwd)}: "
               f"{len(the_plan.write)} written, {len(the_plan.delete)} removed, "
               f"{the_plan.unchanged} unchanged")


def _deletion_message(d) -> str:
    if d.kind == "zone":
        return (f"this compile removes zone {d.zone}: its zone Application {d.app} (applied by hand "
                "from bootstrap/) would fail with 'app path does not exist' and prune nothing. "
                f"Keep Zone({d.zone!r}) in Platform(zones=[...]) without environments until Argo CD "
                f"has pruned them, then `kubectl delete -k <build>/gitops/bootstrap/{d.zone}` and "
                "remove the zone")
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


@main.command("validate")
@click.option("--platforms", "platforms", metavar="DIR", help="Folder of platform files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print diagnostics.")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
def validate_command(platforms: str | None, fmt: str, strict: bool) -> None:
    """Load, resolve and check platforms/ without rendering or writing anything."""
    settings = _settings(platforms, None)
    result = _compile(settings, render_tree=False)
    _report(result, fmt, Path.cwd())
    failed = not result.ok or (strict and result.diagnostics)
    if fmt == "text" and not failed:
        click.echo(f"{len(result.platforms)} platform(s) valid"
                   + (f", {len(result.diagnostics)} warning(s)" if result.diagnostics else ""))
    sys.exit(1 if failed else 0)


@main.command("rules")
@click.argument("code", required=False)
@click.option("--platforms", "platforms", metavar="DIR",
              help="Also list the rules that platform files register.")
def rules_command(code: str | None, platforms: str | None) -> None:
    """List every rule, or explain one: `gitops-dsl rules GD201`."""
    from .checks import all_rules
    user_rules = ()
    settings = _settings(platforms, None)
    if settings.platforms.is_dir():
        from .load import load
        user_rules = load(settings.platforms).rules
    rules = all_rules(user_rules)
    if code is None:
        for item in rules.values():
            kind = "policy " if item.opt_in else ("user   " if not item.builtin else "")
            click.echo(f"{item.code}  {item.severity.value:<7}  {kind}{item.summary}")
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


@main.command("seal")
@click.option("--cert", "cert_path", type=click.Path(exists=True, dir_okay=False), required=True,
              help="The sealed-secrets controller's certificate (kubeseal --fetch-cert).")
@click.option("--namespace", help="Namespace of the Secret (not with --service).")
@click.option("--name", help="Name of the Secret (not with --service).")
@click.option("--scope", type=click.Choice(["strict", "namespace-wide", "cluster-wide"]),
              help="What the value is bound to [default: strict, or the service's SealedSecrets].")
@click.option("--service", help="Take namespace, name and scope from this service of the platform.")
@click.option("--env", "env_name", help="The environment, with --service.")
@click.option("--key", help="The Secret key; with it, prints a line to paste into the platform.")
@click.option("--from-file", "from_file", type=click.Path(exists=True, dir_okay=False),
              help="Seal this file's bytes.")
@click.option("--from-env", "from_env", metavar="VAR", help="Seal the value of this environment variable.")
@click.option("--trim", is_flag=True, help="Drop one trailing newline from the value.")
@click.option("--platforms", "platforms", metavar="DIR", help="Folder of platform files.")
def seal_command(cert_path, namespace, name, scope, service, env_name, key, from_file, from_env, trim,
                 platforms) -> None:
    """Seal a value offline for the sealed-secrets controller.

    The value is read from stdin (hidden prompt on a terminal), --from-file or --from-env, never
    from the command line. Prints the ciphertext, as `kubeseal --raw` does.
    """
    import os

    from .sealing import SealingError, fingerprint, load_certificate, seal
    header = None
    if service or env_name:
        if not (service and env_name) or namespace or name:
            raise click.UsageError("--service needs --env, and takes the place of --namespace/--name")
        from .api import seal_target
        settings = _settings(platforms, None)
        result = _compile(settings, render_tree=False)
        if not result.ok:
            _report(result, "text", Path.cwd())
            sys.exit(1)
        try:
            target = seal_target(result, service, env_name)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        namespace, name, scope = target.namespace, target.name, scope or target.scope
        header = target
    scope = scope or "strict"
    sources = [s for s in (from_file, from_env) if s]
    if len(sources) > 1:
        raise click.UsageError("give the value one way: stdin, --from-file or --from-env")
    if from_file:
        value = Path(from_file).read_bytes()
    elif from_env:
        if from_env not in os.environ:
            raise click.ClickException(f"environment variable {from_env} is not set")
        value = os.environ[from_env].encode()
    elif sys.stdin.isatty():
        value = click.prompt("value to seal", hide_input=True, err=True).encode()
    else:
        value = sys.stdin.buffer.read()
    if trim and value.endswith(b"\n"):
        value = value[:-2] if value.endswith(b"\r\n") else value[:-1]
    elif value.endswith(b"\n"):
        click.echo("warning: the value ends with a newline, which is sealed too (--trim drops it)",
                   err=True)
    try:
        cert = load_certificate(Path(cert_path).read_bytes())
        sealed = seal(cert, value, scope=scope, namespace=namespace, name=name)
    except SealingError as exc:
        raise click.ClickException(str(exc)) from None
    fp = fingerprint(cert)
    if header is not None and header.cluster_fingerprint and header.cluster_fingerprint != fp:
        raise click.ClickException(
            f"{cert_path} ({fp[:19]}...) is not the certificate of cluster {header.cluster} "
            f"({header.cluster_fingerprint[:19]}...)")
    if key is None:
        click.echo(sealed, nl=False)
        if sys.stdout.isatty():
            click.echo()
        return
    where = f"{namespace}/{name}" if scope == "strict" else (namespace if scope == "namespace-wide"
                                                              else "any namespace")
    about = f"{header.service} in {header.env}: " if header else ""
    click.echo(f"# {about}Secret {name!r}, bound to {where} ({scope}); certificate {fp}")
    if header is not None:
        click.echo(f"# in SealedSecrets({{{header.env!r}: {{...}}}}, "
                   f"cert_fingerprints={{{header.env!r}: {fp!r}}}):")
    click.echo(f"{key!r}: {sealed!r},".replace("'", '"'))


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "target", type=click.Path(dir_okay=False),
              help="The platform file to write, e.g. platforms/legacy.py.")
@click.option("--name", default="imported", show_default=True, help="The platform's name.")
@click.option("--check-roundtrip", is_flag=True,
              help="Compile the import and compare it with the originals; exit 1 on a difference "
                   "the importer did not report.")
def import_command(paths, target, name, check_roundtrip) -> None:
    """Write a platform file for an existing Argo CD tree (Applications, AppProjects,
    ApplicationSets with list generators, the Helm values files they name)."""
    import tempfile
    from .importer import import_tree
    imported = import_tree(list(paths), name)
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
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
    from .api import compile as compile_platforms
    from .importer.roundtrip import compare
    from .checks import RULES
    # the original tree's mistakes are reported, as warnings, without stopping the comparison
    as_warnings = {code: "warning" for code, rule in RULES.items() if rule.scope != "model"}
    with tempfile.TemporaryDirectory() as folder:
        platforms = Path(folder) / "platforms"
        platforms.mkdir()
        (platforms / "imported_platform.py").write_text(imported.source)
        result = compile_platforms(platforms, root=Path(folder), severity=as_warnings)
        files = {p: result.files[p] for p in result.files}
    for d in result.diagnostics:
        click.echo(f"mistake in the original tree: {d.format().split(': ', 1)[1]}", err=True)
    if not result.ok:
        _report(result, "text", Path.cwd())
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


@main.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False))
def init_command(folder: str) -> None:
    """Start a project: a commented platform, versions file, settings, pre-commit and CI."""
    from .init import scaffold
    for path, what in scaffold(Path(folder)):
        click.echo(f"{what:>8}  {path}")
    click.echo("next: edit platforms/shop.py, then run `gitops-dsl compile`")


def _rel(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd)) or "."
    except ValueError:
        return str(path)


def _print_check(report, out: Path, cwd: Path) -> int:
    if report.clean:
        click.echo(f"{_rel(out, cwd)} is current")
        return 0
    edited = set(report.hand_edited)
    for rel in report.missing:
        click.echo(f"missing:     {_rel(out / rel, cwd)}")
    for rel, diff in report.changed:
        label = "hand-edited:" if rel in edited else ("not owned:  " if rel in report.conflicts
                                                      else "changed:    ")
        click.echo(f"{label} {_rel(out / rel, cwd)}")
        click.echo(diff, nl=False)
    for rel in report.extra:
        click.echo(f"extra:       {_rel(out / rel, cwd)} (no longer generated)")
    if report.manifest_stale and not (report.missing or report.changed or report.extra):
        click.echo(f"stale:       {_rel(out / '.gitops-dsl-manifest', cwd)}")
    click.echo(f"{_rel(out, cwd)} is not current: run `gitops-dsl compile`", err=True)
    return 1


from . import (cli_history, cli_preflight, cli_publish, cli_render, cli_review,  # noqa: E402,F401,I001
               cli_versions, cli_zones)

if __name__ == "__main__":  # pragma: no cover - `python -m gitops_dsl.cli`
    from gitops_dsl.cli import main as _installed_main  # the module the commands registered on
    _installed_main()
