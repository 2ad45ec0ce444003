"""The rendered tree: output path -> Document, all in memory. Render builds it, emit writes it
(it lives with emit, so that loading the writer does not load the whole render stage)."""
from __future__ import annotations

from typing import Any, Literal

import attrs


@attrs.frozen
class Document:
    """One output file.

    format "yaml": `data` is YAML data, written in the one dialect with a generated-file header;
    "text": `data` is text written as is (after a header for markdown); "raw": `data` is bytes
    copied verbatim (Helm chart templates). `source` names the platform file that produced it.
    """

    data: Any
    format: Literal["yaml", "text", "raw"] = "yaml"
    source: str | None = None
    origin: Any = attrs.field(default=None, eq=False, repr=False)


#: output path ('/'-separated, relative to the output folder) -> Document
Tree = dict[str, Document]
