"""The gitops-dsl command line: one group, one module per family of commands (each a thin
shell over the library API), the shared helpers in `common`. Nothing here is imported back."""
from __future__ import annotations

import click

from .._version import __version__
from . import adopt, charts, compile, history, manifests, preflight, publish, review, seal, versions, zones


class _Main(click.Group):
    """The group: an error about the user's input or machine (errors.GitopsDslError: a path
    that leaves a folder gitops-dsl reads or writes, a FIFO where a file is read, a lock held
    elsewhere, ...) that a command did not report itself is printed as an error, exit 1, never a
    traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from ..errors import GitopsDslError
        try:
            return super().invoke(ctx)
        except GitopsDslError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-dsl")
def main() -> None:
    """Compile an Argo CD estate written in Python (platforms/) into plain YAML (build/)."""


for _family in (compile, review, versions, history, manifests, charts, preflight, zones, publish,
                seal, adopt):
    for _command in _family.COMMANDS:
        main.add_command(_command)
