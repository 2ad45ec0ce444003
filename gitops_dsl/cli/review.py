"""CLI commands for reviewing: diff, graph, explain, ls. Thin: options in, library calls, text out."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .common import (
    display_path,
    keeps_what_it_builds,
    known_or_exit,
    platform_names,
    report,
    run_compile,
    settings_or_exit,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from ..api import Result
    from ..fingerprint import Record
    from ..render.reads import InputChange
    from ..review.committed import Committed
    from ..review.diff import TreeDiff
    from ..workspace.settings import Settings

def _ok(result: Result) -> None:
    if not result.ok:
        report(result.diagnostics, "text", Path.cwd())
        click.echo("compile failed", err=True)
        sys.exit(1)


@click.command("diff")
@click.option("--against", metavar="GIT_REF|build",
              help="Compare with the platform at a git revision [default: the merge base with the "
                   "default branch, main or master], or with the output folder (build).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--zone", help="Only this zone.")
@click.option("--to-env", "to_env", help="With --env: what differs between two environments.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
@click.option("--tree", "tree", type=click.Path(exists=True, file_okay=False),
              help="Compare this compiled tree (a build folder, or a zone's unpacked checkout) "
                   "instead of compiling platforms/: for a repository without platform files.")
@click.option("--against-tree", "against_tree", type=click.Path(exists=True, file_okay=False),
              help="With --tree: the other compiled tree.")
@click.option("--platforms", "platforms", metavar="DIR")
@click.option("--out", metavar="DIR")
@keeps_what_it_builds
def diff_command(against: str | None, fmt: str, env_name: str | None, zone: str | None, to_env: str | None,
                 exit_code: bool, tree: str | None, against_tree: str | None, platforms: str | None,
                 out: str | None) -> None:
    """What a change does, per zone, environment and service (secrets only as 'changed')."""
    from ..emit.manifest import owned_files
    from ..review.diff import diff_trees
    old: Mapping[str, bytes]
    if tree:
        _diff_folders(tree, against_tree, against, fmt, env_name, zone, to_env, exit_code)
    if against_tree:
        raise click.UsageError("--against-tree goes with --tree")
    settings = settings_or_exit(platforms, out)
    if against not in (None, "build") and Path(against).resolve() == settings.out.resolve():
        against = "build"   # the output folder, named by its path
    new, result, record = _tree_now(settings)
    if to_env:
        _env_drift(new, fmt, env_name, zone, to_env, exit_code)
    from ..review.committed import committed
    from ..review.gitref import GitError, compile_at, default_base
    base: str | None = None   # the revision chart folders are compared with
    changed: set[str] | None = None
    naming = disk_naming = None
    try:
        if against == "build":
            if result is None:   # the folder is what a compile would write: nothing differs
                old, changed = new, set()
            else:
                old = owned_files(settings.out)
            base = "HEAD" if _in_git(settings.root) else None
        else:
            if against is not None:
                _revision_or_exit(against, settings.root)
            base = against or default_base(settings.root)
            from ..files import MANIFEST
            at_base = committed(base, settings.root, settings.out, MANIFEST)
            if at_base is not None:
                # what Argo CD has: the output folder as committed at the base
                old = at_base.tree
                changed = _changed(at_base, new, compiled=result is not None)
                if result is None:   # the new tree is the working tree's: git grep searches it
                    naming = at_base.naming
                else:   # so are the files the compile reused (see touched_apps)
                    disk_naming = at_base.naming
            else:   # nothing committed there: compile the platform as it was
                old_result, old, _ = compile_at(base, settings.root, settings.platforms,
                                                severity=settings.severity, allow=settings.allow)
                if not old_result.ok:
                    report(old_result.diagnostics, "text", Path.cwd())
                    raise click.ClickException(f"the platform at {against or base} does not compile")
        if result is not None:
            from ..api import renames
            from ..render.reads import chart_inputs
            read_by = chart_inputs(_resolved_apps(result), settings.root)
            moved = renames(result)
            checkout = [(p.gitops_repo.url, p.gitops_repo.revision) for p in result.platforms]
        else:
            assert record is not None
            read_by = {k: set(v) for k, v in record.outcome.get("chart_inputs", {}).items()}
            moved = {k: tuple(v) for k, v in record.outcome.get("renames", {}).items()}
            checkout = [tuple(c) for c in record.outcome.get("checkouts", [])]
        inputs = _input_changes(read_by, settings.root, base, old, new, checkout,
                                settings.root / ".gitops-dsl" / "rendered")
    except GitError as exc:
        raise click.ClickException(f"git: {exc}") from None
    _known_in_trees(old, new, env_name, zone, None)
    diff = diff_trees(old, new, renames=moved, env=env_name, zone=zone, inputs=inputs,
                      changed=changed, naming=naming, on_disk=disk_naming)
    _print_diff(diff, fmt)
    if against == "build":
        _warn_unowned(settings.out, new)
    sys.exit(1 if exit_code and not diff.empty else 0)


def _diff_folders(tree: str, against_tree: str | None, against: str | None, fmt: str,
                  env_name: str | None, zone: str | None, to_env: str | None,
                  exit_code: bool) -> NoReturn:
    """`diff --tree`: two compiled trees on disk (or one and its state at a git revision)."""
    from ..review.diff import diff_trees
    from ..review.trees import TreeError, tree_at_ref, tree_files
    try:
        new = tree_files(Path(tree))
        old = (tree_files(Path(against_tree)) if against_tree else
               tree_at_ref(Path(tree), "HEAD" if against in (None, "build") else against))
    except TreeError as exc:
        raise click.ClickException(str(exc)) from None
    _known_in_trees(old, new, env_name, zone, to_env)
    diff = diff_trees(old, new, env=env_name, zone=zone)
    _print_diff(diff, fmt)
    sys.exit(1 if exit_code and not diff.empty else 0)


def _tree_now(settings: Settings) -> tuple[Mapping[str, bytes], Result | None, Record | None]:
    """The tree a compile writes now: the output folder itself when nothing changed since the
    last compile (with that compile's record), else a compile in memory that takes from the
    output folder what the last compile made of the services this change cannot reach (as
    `compile` would: see reuse)."""
    from ..cache import CompileCache
    cache = CompileCache(settings.out, settings, record=False)
    record = cache.replay()
    if record is not None:
        from ..emit.manifest import read_manifest
        from ..review.committed import on_disk
        return on_disk(settings.out, list(read_manifest(settings.out))), None, record
    cache.open()
    with cache:
        result = run_compile(settings, cache=cache)
    _ok(result)
    return result.files, result, None


def _env_drift(new: Mapping[str, bytes], fmt: str, env_name: str | None, zone: str | None,
               to_env: str, exit_code: bool) -> NoReturn:
    """`diff --env A --to-env B`: what differs between two environments of one tree."""
    from ..review.diff import diff_environments
    from ..review.report import format_env_drift
    _known_in_trees({}, new, env_name, zone, to_env)
    if not env_name:
        raise click.UsageError("--to-env compares with --env: give both")
    drift = diff_environments(new, env_name, to_env)
    if fmt == "json":
        click.echo(json.dumps([{"service": s, "fields": [
            {"path": c.path, "old": None if c.secret else c.old, "new": None if c.secret else c.new}
            for c in changes]} for s, changes, _ in drift], indent=2))
    else:
        click.echo(format_env_drift(drift, env_name, to_env), nl=False)
    sys.exit(1 if exit_code and drift else 0)


def _known_in_trees(old: Mapping[str, bytes], new: Mapping[str, bytes], env: str | None,
                    zone: str | None, to_env: str | None) -> None:
    """--env, --zone and --to-env name something of either side (an environment a change
    removes is still one to ask about)."""
    if env is None and zone is None and to_env is None:
        return
    from ..naming import names_in_tree
    before = names_in_tree(old)
    names = {k: v | before[k] for k, v in names_in_tree(new).items()}
    known_or_exit("--env", "environment", env, names["environment"])
    known_or_exit("--to-env", "environment", to_env, names["environment"])
    known_or_exit("--zone", "zone", zone, names["zone"])


def _warn_unowned(out: Path, new: Mapping[str, bytes]) -> None:
    """The files of the output folder that no compile wrote, where Argo CD applies every file:
    in neither tree compared, so said, never passed over."""
    from ..argo.links import not_ignored
    from ..emit.manifest import read_manifest_view
    from ..emit.unowned import foreign_files
    owned = {*new.keys(), *read_manifest_view(out)[0].keys()}
    for rel, what in not_ignored(out, foreign_files(out, owned)):
        click.echo(f"{display_path(out / rel, Path.cwd())}: warning: {what} (no diff compares "
                   "it)", err=True)


def _revision_or_exit(ref: str, root: Path) -> None:
    """`--against REF` names a commit of the repository, or the command says what it takes."""
    from ..review.gitref import GitError, run_git
    other = "`--against build` compares with the output folder"
    if not _in_git(root):
        raise click.ClickException(f"--against {ref}: {root} is not in a git repository; {other}")
    try:
        if ref.startswith("-"):
            raise GitError("an option, not a revision")
        run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        raise click.ClickException(f"--against {ref}: not a branch, tag or commit of the git "
                                   f"repository at {root}; {other}") from None


def _in_git(root: Path) -> bool:
    from ..review.gitref import GitError, run_git
    try:
        run_git(root, "rev-parse", "--show-toplevel")
    except GitError:
        return False
    return True


def _changed(at_base: Committed, new: Mapping[str, bytes], *, compiled: bool) -> set[str]:
    """The paths that may differ between the committed output folder and the new tree: by git
    when the new tree is the working tree's folder, else by the input keys of the committed
    manifest (a file whose key equals the compile's has the same bytes: never serialized)."""
    if not compiled:
        return at_base.changed_since() | (set(at_base.owned) ^ set(new))
    owned = at_base.owned
    key = getattr(new, "key", None)
    found = owned.keys() ^ set(new)
    reused: Mapping[str, Any] = getattr(new, "reused", None) or {}
    # files reused from the output folder with the base's very entries (sha256, key, size) are
    # the base's bytes: told in C (most of them, when the folder is the base's)
    rest = [p for p in new if p not in reused] if reused.items() <= owned.items() else new
    for path in rest:
        entry = owned.get(path)
        if entry is None or key is None or key(path) != entry[1]:
            found.add(path)
    return found


def _resolved_apps(result: Result) -> list[Any]:
    from ..api import resolved_apps
    return resolved_apps(result)


def _input_changes(inputs: dict[str, set[str]], root: Path, base: str | None,
                   old: Mapping[str, bytes], new: Mapping[str, bytes],
                   checkout: Sequence[tuple[str, str]], cache: Path) -> list[InputChange]:
    """The repository's chart folders that differ from `base`, with the Applications reading
    them and what changes in the resources they render (nothing to compare with outside git)."""
    if base is None or not inputs:
        return []
    import attrs

    from ..render.reads import input_changes, working_files
    from ..review.gitref import files_at
    from ..review.rendered import rendered_changes
    paths = sorted(inputs)
    at_base = files_at(base, root, paths)
    changes = input_changes(inputs, at_base, working_files(root, paths))
    out = []
    for change in changes:
        resources, note = rendered_changes(change.apps, old, new, at_base, root, checkout, cache)
        out.append(attrs.evolve(change, resources=tuple(resources), note=note))
    return out


def _print_diff(diff: TreeDiff, fmt: str) -> None:
    from ..review.report import format_markdown, format_text
    if fmt == "json":
        click.echo(json.dumps(diff.as_json(), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(format_markdown(diff), nl=False)
    else:
        click.echo(format_text(diff), nl=False)


@click.command("graph")
@click.option("--env", "env_name", help="The environment [default: every environment].")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True)
@click.option("--platforms", "platforms", metavar="DIR")
@keeps_what_it_builds
def graph_command(env_name: str | None, fmt: str, platforms: str | None) -> None:
    """Services by sync wave with their dependencies (mermaid renders on GitHub)."""
    from ..api import resolved_platforms
    from ..review.graph import dot, mermaid
    result = run_compile(settings_or_exit(platforms, None), render_tree=False)
    _ok(result)
    draw = dot if fmt == "dot" else mermaid
    known_or_exit("--env", "environment", env_name, platform_names(result)["environment"])
    for resolved in resolved_platforms(result):
        envs = [e.name for e in resolved.environments]
        for env in [e for e in envs if env_name in (None, e)]:
            click.echo(draw(resolved, env), nl=False)


@click.command("explain")
@click.argument("target")
@click.option("--env", "env_name", help="The environment [default: every one the service runs in].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--platforms", "platforms", metavar="DIR")
@click.option("--out", metavar="DIR")
@keeps_what_it_builds
def explain_command(target: str, env_name: str | None, fmt: str, platforms: str | None,
                    out: str | None) -> None:
    """Where each value of a service comes from (layer and file:line), and the files it makes;
    or, for a path in the output folder, which object produced that file."""
    from ..api import resolved_apps
    from ..review.explain import explain_app
    settings = settings_or_exit(platforms, out)
    result = run_compile(settings)
    _ok(result)
    cwd = str(Path.cwd())
    candidate = Path(target)
    rel = None
    for base in (Path.cwd(), settings.out):
        try:
            found = str((base / candidate).resolve().relative_to(settings.out)).replace("\\", "/")
        except ValueError:
            continue
        if found in result.tree:
            rel = found
            break
    if rel is not None and rel in result.tree:
        doc = result.tree[rel]
        origin = doc.origin
        location = getattr(origin, "location", None)
        made_by = f"{type(origin).__name__}({getattr(origin, 'name', '')!r})" if origin else "gitops-dsl"
        where = location.display(cwd) if location is not None else "the standard chart in gitops-dsl"
        if fmt == "json":
            click.echo(json.dumps({"file": rel, "made_by": made_by, "at": where}, indent=2))
        else:
            click.echo(f"{rel}\n  made by {made_by}\n  at {where}")
        return
    names = platform_names(result)
    known_or_exit("--env", "environment", env_name, names["environment"])
    known_or_exit("TARGET", "service or generated file", target, names["service"])
    apps = [a for a in resolved_apps(result) if a.service.name == target
            and (env_name is None or a.env.name == env_name)]
    if not apps:
        raise click.ClickException(f"{target!r} is neither a service (in {env_name or 'any env'}) nor "
                                   "a generated file")
    from ..render.names import values_file
    files = {a.name: [p for p, d in result.tree.items() if d.origin is a.service and
                      (f"/{a.env.name}/" in p or p.endswith(f"values-{a.env.name}.yaml")
                       # the service's common layer: its zone's own file where a ZoneOverlay is
                       or p == values_file(a.service.name, zone=a.values_zone))] for a in apps}
    report = {a.name: [o for o in explain_app(a, cwd)] for a in apps}
    if fmt == "json":
        click.echo(json.dumps({name: {"values": [{"path": o.path, "value": o.value, "layer": o.layer,
                                                   "at": o.where} for o in origins],
                                      "files": sorted(files[name])}
                               for name, origins in report.items()}, indent=2, default=str))
        return
    for name, origins in report.items():
        click.echo(f"{name}")
        width = max(len(o.path) for o in origins)
        for o in origins:
            value = json.dumps(o.value, ensure_ascii=False, default=str)
            click.echo(f"  {o.path:<{width}}  {value}  [{o.layer} {o.where}]")
        click.echo("  files:")
        for path in sorted(files[name]):
            click.echo(f"    {path}")


@click.command("ls")
@click.argument("what", type=click.Choice(["zones", "environments", "services", "projects"]))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--platforms", "platforms", metavar="DIR")
@keeps_what_it_builds
def ls_command(what: str, fmt: str, platforms: str | None) -> None:
    """Names, one per line (for scripts), or JSON with details."""
    from ..api import resolved_platforms
    result = run_compile(settings_or_exit(platforms, None), render_tree=False)
    _ok(result)
    rows = []
    for resolved in resolved_platforms(result):
        platform = resolved.platform
        if what == "zones":
            rows += [{"name": z.name, "argocd_namespace": z.argocd_namespace,
                      "environments": [e.name for e in resolved.environments if e.zone.name == z.name]}
                     for z in resolved.zones]
        elif what == "environments":
            rows += [{"name": e.name, "zone": e.zone.name, "cluster": e.cluster.name,
                      "server": e.cluster.server, "protected": e.protected}
                     for e in resolved.environments]
        elif what == "services":
            rows += [{"name": s.name, "project": s.project,
                      "environments": [a.env.name for a in resolved.apps if a.service is s]}
                     for s in sorted(resolved.services.values(), key=lambda s: s.name)]
        else:
            rows += [{"name": p.name, "services": sorted(s.name for s in platform.services
                                                         if s.project == p.name)}
                     for p in sorted(platform.projects, key=lambda p: p.name)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            click.echo(row["name"])


COMMANDS = [diff_command, graph_command, explain_command, ls_command]
