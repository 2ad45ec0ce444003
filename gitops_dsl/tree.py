"""The rendered tree: output path -> Document, all in memory. Render builds it, emit writes it."""
from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Document:
    """One output file.

    format "yaml": `data` is YAML data, written in the one dialect with a generated-file header;
    "text": `data` is text written as is (after a header for markdown); "raw": `data` is bytes
    copied verbatim (Helm chart templates). `source` names the platform file that produced it.
    """

    data: Any
    format: str = "yaml"
    source: str | None = None
    origin: Any = attrs.field(default=None, eq=False, repr=False)


Tree = dict  # dict[str, Document], keys are '/'-separated paths relative to the output folder
