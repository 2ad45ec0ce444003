"""The gitops-dsl command line: one group, one module per family of commands (each a thin
shell over the library API), the shared helpers in `common`. Nothing here is imported back."""
from __future__ import annotations

import click

from .._version import __version__
from . import adopt, charts, compile, history, manifests, preflight, publish, review, seal, versions, zones


class _Main(click.Group):
    """The group: a path that leaves (or passes through a link in) a folder gitops-dsl reads or
    writes, or a FIFO or device where a file is read, is the user's tree, not a bug: an error,
    exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from ..emit.paths import ContainmentError
        from ..untrusted import UnreadableInput
        try:
            return super().invoke(ctx)
        except (ContainmentError, UnreadableInput) as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-dsl")
def main() -> None:
    """Compile an Argo CD estate written in Python (platforms/) into plain YAML (build/)."""


for _family in (compile, review, versions, history, manifests, charts, preflight, zones, publish,
                seal, adopt):
    for _command in _family.COMMANDS:
        main.add_command(_command)
