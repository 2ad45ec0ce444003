"""`gitops-dsl seal`: a value sealed offline for the sealed-secrets controller."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import compiled_or_exit, known_or_exit, platform_names, settings_or_exit


@click.command("seal")
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
def seal_command(cert_path: str, namespace: str | None, name: str | None, scope: str | None,
                 service: str | None, env_name: str | None, key: str | None, from_file: str | None,
                 from_env: str | None, trim: bool, platforms: str | None) -> None:
    """Seal a value offline for the sealed-secrets controller.

    The value is read from stdin (hidden prompt on a terminal), --from-file or --from-env, never
    from the command line. Prints the ciphertext, as `kubeseal --raw` does.
    """
    import os

    from ..secrets.sealing import SealingError, fingerprint, load_certificate, seal
    header = None
    if service or env_name:
        if not (service and env_name) or namespace or name:
            raise click.UsageError("--service needs --env, and takes the place of --namespace/--name")
        from ..api import seal_target
        result = compiled_or_exit(settings_or_exit(platforms, None), "nothing sealed",
                                  render_tree=False)
        names = platform_names(result)
        known_or_exit("--service", "service", service, names["service"])
        known_or_exit("--env", "environment", env_name, names["environment"])
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
    elif sys.stdin is None:   # started with it closed (`<&-`)
        raise click.ClickException("no value to seal: standard input is closed; give it there, "
                                   "or with --from-file or --from-env")
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
        if sys.stdout is not None and sys.stdout.isatty():
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


COMMANDS = [seal_command]
