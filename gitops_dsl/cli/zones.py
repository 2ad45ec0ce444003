"""CLI commands for one-way promotion between zones: bundle, verify, unpack."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import untrusted
from .common import known_or_exit, report, run_compile, settings_or_exit, warn_ignored

if TYPE_CHECKING:
    from ..zones.bundle import Verified

def _git(root: Path, *args: str) -> str | None:
    run = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    return run.stdout.strip() if run.returncode == 0 else None


@click.command("bundle")
@click.option("--zone", required=True, help="The zone whose trees go into the bundle.")
@click.option("--out", "target", required=True, type=click.Path(dir_okay=False),
              help="The bundle to write (FILE.tar.gz).")
@click.option("--sign-key", type=click.Path(exists=True, dir_okay=False),
              help="An Ed25519 private key (PEM): writes MANIFEST.sig.")
@click.option("--force", is_flag=True, help="Bundle despite leak findings; they are recorded in the "
                                            "MANIFEST, so `verify` on the receiving side fails.")
@click.option("--allow-dirty", is_flag=True, help="Bundle a working tree with uncommitted changes "
                                                  "(the MANIFEST says so).")
@click.option("--platforms", "platforms", metavar="DIR")
def bundle_command(zone: str, target: str, sign_key: str | None, force: bool, allow_dirty: bool,
                   platforms: str | None) -> None:
    """A zone's compiled trees as a reproducible bundle, after a leak scan against the zone's
    deny lists (hosts, registries, repositories)."""
    from ..api import resolved_platforms
    from ..render.closure import BundleError, scan
    from ..zones.bundle import build, bundle_files
    settings = settings_or_exit(platforms, None)
    if force:
        import attrs
        settings = attrs.evolve(settings, severity={**settings.severity, "GD601": "warning"})
    result = run_compile(settings)
    report(result.diagnostics, "text", Path.cwd())
    if not result.ok:
        sys.exit(1)
    zones = {z.name: z for r in resolved_platforms(result) for z in r.zones}
    known_or_exit("--zone", "zone", zone, zones)
    try:
        files = bundle_files(result.files, resolved_platforms(result), zone, settings.root)
    except BundleError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo("bundle refused: the zone's Applications read something it cannot carry; "
                   "nothing written", err=True)
        sys.exit(1)
    leaks = scan(files, zones[zone])
    for leak in leaks:
        click.echo(f"{leak.path}:{leak.line}: error: names a {leak.what} that zone {zone} denies",
                   err=True)
    if leaks and not force:
        click.echo(f"bundle refused: {len(leaks)} leak(s); nothing written", err=True)
        sys.exit(1)
    commit = _git(settings.root, "rev-parse", "HEAD") or "unknown"
    status = _git(settings.root, "--no-optional-locks", "status", "--porcelain")
    dirty = bool(status)
    if dirty and not allow_dirty:
        click.echo("bundle refused: the working tree has uncommitted changes, so no commit says what "
                   "the bundle holds; commit first (or --allow-dirty, which the MANIFEST records)",
                   err=True)
        sys.exit(1)
    from ..zones.bundle import Provenance
    provenance = Provenance(commit, int(_git(settings.root, "rev-list", "--count", "HEAD") or 0),
                            int(_git(settings.root, "log", "-1", "--format=%ct") or 0), dirty)
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        mtime = int(os.environ["SOURCE_DATE_EPOCH"])
    else:
        mtime = int(_git(settings.root, "log", "-1", "--format=%ct") or 0)
    try:
        data = build(files, zone, provenance=provenance, mtime=mtime, leaks=leaks,
                     private_key_pem=Path(sign_key).read_bytes() if sign_key else None)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None
    from ..files import atomic_write
    path = Path(target)
    atomic_write(path, data)
    click.echo(f"bundled zone {zone}: {len(files)} files, commit {commit[:12]}, "
               f"{'signed' if sign_key else 'unsigned'}, leak scan "
               f"{'clean' if not leaks else f'{len(leaks)} finding(s) (verify will refuse it)'} -> {path}")


_KEY_LIMIT = 64 * 1024


def _verified(file: str, zone: str | None, pubkeys: tuple[str, ...], policy: str | None,
              allow_unsigned: bool) -> Verified:
    """Verify a bundle with the receiving repository's trusted keys (and --pubkey), failing
    closed; every problem is printed, never a traceback."""
    import yaml

    from ..render.closure import BundleError
    from ..zones.bundle import verify
    from ..zones.policy import PolicyError, load_policy
    settings = settings_or_exit(None, None)
    keys: list[bytes] = []
    for path in [*settings.trusted_keys, *map(Path, pubkeys)]:
        try:
            keys.append(untrusted.read(path, _KEY_LIMIT))   # a PEM key is a few hundred bytes
        except OSError as exc:
            raise click.ClickException(f"trusted key {path}: {exc.strerror or exc}") from None
    policy_data = None
    if policy:
        try:
            policy_data = load_policy(yaml.safe_load(untrusted.read(policy, _KEY_LIMIT * 16)))
        except RecursionError:
            raise click.ClickException(f"policy {policy}: nested deeper than YAML is read") from None
        except (OSError, yaml.YAMLError, PolicyError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"policy {policy}: {str(exc).splitlines()[0]}") from None
    if allow_unsigned:
        click.echo(f"{file}: WARNING: --allow-unsigned: an unsigned bundle is accepted; nothing "
                   "proves who made it or that its leak scan ran", err=True)
    try:
        data = untrusted.read(file)
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc.strerror or exc}") from None
    try:
        return verify(data, zone=zone, trusted_keys=keys, policy=policy_data,
                      allow_unsigned=allow_unsigned)
    except BundleError as exc:
        for line in str(exc).splitlines():
            click.echo(f"{file}: {line}" if not line.startswith("  ") else line, err=True)
        click.echo(f"{file}: verification failed; nothing written", err=True)
        sys.exit(1)


_options = [
    click.option("--zone", help="The zone this side expects."),
    click.option("--pubkey", "pubkeys", multiple=True, type=click.Path(exists=True, dir_okay=False),
                 help="Also trust this Ed25519 public key (PEM), besides [tool.gitops-dsl] "
                      "trusted_keys."),
    click.option("--allow-unsigned", is_flag=True,
                 help="Accept a bundle without a valid signature (loudly): not for production."),
    click.option("--policy", type=click.Path(exists=True, dir_okay=False),
                 help="YAML with allowed_registries / allowed_hosts this side accepts."),
]


def _with_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_options):
        fn = option(fn)
    return fn


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_with_options
def verify_command(file: str, zone: str | None, pubkeys: tuple[str, ...], allow_unsigned: bool,
                   policy: str | None) -> None:
    """Check a bundle on the receiving side: structure, MANIFEST, signature by a trusted key,
    leak scan, the receiving policy."""
    checked = _verified(file, zone, pubkeys, policy, allow_unsigned)
    p = checked.provenance
    click.echo(f"{file}: ok - zone {checked.zone}, {len(checked.files)} files, commit "
               f"{checked.commit[:12]} (#{p.sequence}{', DIRTY tree' if p.dirty else ''}), "
               f"{'signature verified' if checked.signed else 'UNSIGNED'}")


@click.command("unpack")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--into", "into", required=True, type=click.Path(file_okay=False),
              help="The checkout of the zone's gitops repository (its root: the bundle holds the "
                   "paths the zone's Applications name in it).")
@click.option("--configs-into", "configs_into", type=click.Path(file_okay=False),
              help="The checkout of the zone's configs repository, when it is another repository.")
@click.option("--allow-downgrade", "downgrade", metavar="REASON",
              help="Unpack a bundle older than the last one unpacked here; the reason is recorded.")
@_with_options
def unpack_command(file: str, into: str, configs_into: str | None, downgrade: str | None,
                   zone: str | None, pubkeys: tuple[str, ...], allow_unsigned: bool,
                   policy: str | None) -> None:
    """Verify a bundle, then replace the zone's owned files in the checkouts of its repositories
    (foreign files untouched; all or nothing; never to an older bundle without a reason)."""
    from ..emit.writer import plan
    from ..zones.unpack import UnpackError, apply_all_or_nothing, downgrade_problem, last_unpacked, record
    checked = _verified(file, zone, pubkeys, policy, allow_unsigned)
    trees: dict[str, dict[str, bytes]] = {}
    for name, data in checked.files.items():
        tree, _, rest = name.partition("/")
        trees.setdefault(tree, {})[rest] = data
    if "configs" in trees and not configs_into:
        click.echo(f"{file}: the bundle holds the zone's configs repository too: give "
                   "--configs-into CHECKOUT; nothing written", err=True)
        sys.exit(1)
    gitops_checkout = Path(into)
    targets = {"gitops": gitops_checkout, **({"configs": Path(configs_into)} if configs_into else {})}
    try:
        previous = last_unpacked(gitops_checkout, checked.zone)
    except UnpackError as exc:
        raise click.ClickException(str(exc)) from None
    problem = downgrade_problem(previous, checked.provenance)
    if problem and not downgrade:
        click.echo(f"{file}: {problem}", err=True)
        click.echo("unpack refused: nothing written (--allow-downgrade REASON to roll back on "
                   "purpose; a rollback is normally a newer bundle of a revert)", err=True)
        sys.exit(1)
    if checked.provenance.dirty:
        click.echo(f"{file}: warning: built from a working tree with uncommitted changes", err=True)
    manifest = f".gitops-dsl-manifest-{checked.zone}"
    plans = {}
    for tree, files in sorted(trees.items()):
        out = targets[tree]
        plans[tree] = plan(out, files, trust_mtimes=False, manifest=manifest)
        for rel in plans[tree].conflicts:
            click.echo(f"{out / rel}: error: not written by gitops-dsl and in the way", err=True)
    if any(p.conflicts for p in plans.values()):
        click.echo("unpack refused: nothing written", err=True)
        sys.exit(1)
    done = []
    try:
        for tree, the_plan in plans.items():
            apply_all_or_nothing(targets[tree], trees[tree], the_plan, manifest_name=manifest)
            done.append(tree)
    except UnpackError as exc:
        click.echo(f"error: {exc}", err=True)
        if done:
            click.echo(f"warning: the {', '.join(done)} checkout(s) were already updated", err=True)
        sys.exit(1)
    record(gitops_checkout, checked.zone, checked.provenance, downgrade if problem else None)
    from ..argo.links import ignored_paths, not_ignored
    from ..emit.unowned import argo_apps_trees, chart_roots, foreign_files, source_folders
    for tree, the_plan in plans.items():
        for rel in the_plan.hand_edited:
            click.echo(f"{targets[tree] / rel}: warning: hand edit overwritten", err=True)
        for rel, what in not_ignored(targets[tree], foreign_files(
                targets[tree], trees[tree].keys() | set(the_plan.delete),
                trees=argo_apps_trees(trees[tree]), charts=chart_roots(trees[tree]),
                sources=source_folders(trees[tree]))):
            click.echo(f"{targets[tree] / rel}: warning: {what}", err=True)
        warn_ignored(ignored_paths(targets[tree], trees[tree].keys()), targets[tree])
        click.echo(f"unpacked zone {checked.zone} ({tree} repository) into {targets[tree]}: "
                   f"{len(the_plan.write)} written, {len(the_plan.delete)} removed, "
                   f"{the_plan.unchanged} unchanged")
    before = f"{previous.commit[:12]} (#{previous.sequence})" if previous else "nothing"
    click.echo(f"source commit {checked.commit[:12]} (#{checked.provenance.sequence}) replaces "
               f"{before}" + (f"; DOWNGRADE: {downgrade}" if problem else ""))


COMMANDS = [bundle_command, verify_command, unpack_command]
