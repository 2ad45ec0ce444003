"""CLI commands for one-way promotion between zones: bundle, verify, unpack."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from .cli import _compile, _report, _settings, main


def _git(root: Path, *args: str) -> str | None:
    run = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    return run.stdout.strip() if run.returncode == 0 else None


@main.command("bundle")
@click.option("--zone", required=True, help="The zone whose trees go into the bundle.")
@click.option("--out", "target", required=True, type=click.Path(dir_okay=False),
              help="The bundle to write (FILE.tar.gz).")
@click.option("--sign-key", type=click.Path(exists=True, dir_okay=False),
              help="An Ed25519 private key (PEM): writes MANIFEST.sig.")
@click.option("--force", is_flag=True, help="Bundle despite leak findings; they are recorded in the "
                                            "MANIFEST, so `verify` on the receiving side fails.")
@click.option("--platforms", "platforms", metavar="DIR")
def bundle_command(zone, target, sign_key, force, platforms) -> None:
    """A zone's compiled trees as a reproducible bundle, after a leak scan against the zone's
    deny lists (hosts, registries, repositories)."""
    from .api import resolved_platforms
    from .bundle import BundleError, bundle_files, build, scan
    settings = _settings(platforms, None)
    if force:
        import attrs
        settings = attrs.evolve(settings, severity={**settings.severity, "GD601": "warning"})
    result = _compile(settings)
    _report(result, "text", Path.cwd())
    if not result.ok:
        sys.exit(1)
    zones = {z.name: z for r in resolved_platforms(result) for z in r.zones}
    if zone not in zones:
        raise click.ClickException(f"no zone {zone!r}; known: {', '.join(sorted(zones))}")
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
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        mtime = int(os.environ["SOURCE_DATE_EPOCH"])
    else:
        mtime = int(_git(settings.root, "log", "-1", "--format=%ct") or 0)
    try:
        data = build(files, zone, commit=commit, mtime=mtime, leaks=leaks,
                     private_key_pem=Path(sign_key).read_bytes() if sign_key else None)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from None
    from .emit.writer import atomic_write
    path = Path(target)
    atomic_write(path, data)
    click.echo(f"bundled zone {zone}: {len(files)} files, commit {commit[:12]}, "
               f"{'signed' if sign_key else 'unsigned'}, leak scan "
               f"{'clean' if not leaks else f'{len(leaks)} finding(s) (verify will refuse it)'} -> {path}")


def _verified(file, zone, pubkey, policy):
    from .bundle import BundleError, verify
    import yaml
    try:
        policy_data = yaml.safe_load(Path(policy).read_text()) if policy else None
        return verify(Path(file).read_bytes(), zone=zone,
                      public_key_pem=Path(pubkey).read_bytes() if pubkey else None,
                      policy=policy_data)
    except BundleError as exc:
        for line in str(exc).splitlines():
            click.echo(f"{file}: {line}" if not line.startswith("  ") else line, err=True)
        click.echo(f"{file}: verification failed; nothing written", err=True)
        sys.exit(1)


_options = [
    click.option("--zone", help="The zone this side expects."),
    click.option("--pubkey", type=click.Path(exists=True, dir_okay=False),
                 help="Ed25519 public key (PEM): the MANIFEST signature must match."),
    click.option("--policy", type=click.Path(exists=True, dir_okay=False),
                 help="YAML with allowed_registries / allowed_hosts this side accepts."),
]


def _with_options(fn):
    for option in reversed(_options):
        fn = option(fn)
    return fn


@main.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_with_options
def verify_command(file, zone, pubkey, policy) -> None:
    """Check a bundle on the receiving side: structure, MANIFEST, signature, leak scan."""
    checked = _verified(file, zone, pubkey, policy)
    click.echo(f"{file}: ok - zone {checked.zone}, {len(checked.files)} files, commit "
               f"{checked.commit[:12]}, {'signature verified' if checked.signed and pubkey else 'unsigned' if not checked.signed else 'signed (not checked: no --pubkey)'}")


@main.command("unpack")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--into", "into", required=True, type=click.Path(file_okay=False),
              help="The checkout of the zone's gitops repository (its root: the bundle holds the "
                   "paths the zone's Applications name in it).")
@click.option("--configs-into", "configs_into", type=click.Path(file_okay=False),
              help="The checkout of the zone's configs repository, when it is another repository.")
@_with_options
def unpack_command(file, into, configs_into, zone, pubkey, policy) -> None:
    """Verify a bundle, then replace the zone's owned files in the checkouts of its repositories
    (foreign files untouched)."""
    from .emit.writer import apply, plan
    checked = _verified(file, zone, pubkey, policy)
    trees: dict[str, dict[str, bytes]] = {}
    for name, data in checked.files.items():
        tree, _, rest = name.partition("/")
        trees.setdefault(tree, {})[rest] = data
    if "configs" in trees and not configs_into:
        click.echo(f"{file}: the bundle holds the zone's configs repository too: give "
                   "--configs-into CHECKOUT; nothing written", err=True)
        sys.exit(1)
    targets = {"gitops": Path(into), "configs": Path(configs_into) if configs_into else None}
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
    for tree, the_plan in plans.items():
        apply(targets[tree], trees[tree], the_plan, manifest_name=manifest)
        click.echo(f"unpacked zone {checked.zone} ({tree} repository) into {targets[tree]}: "
                   f"{len(the_plan.write)} written, {len(the_plan.delete)} removed, "
                   f"{the_plan.unchanged} unchanged")
