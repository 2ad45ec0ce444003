"""A direct emitter for the dialect: the bytes libyaml's emitter writes, about ten times faster.

gitops-dsl writes one narrow kind of YAML (block mappings and sequences of strings, numbers,
booleans and nulls; 2-space indent; 100 columns), so most of what a general emitter does per node
- building nodes, events, an analysis of every scalar, a state machine - can be decided once per
distinct string and the rest written straight into a list of pieces.

The contract is exactness, not similarity: for every document it accepts, `emit` returns the
very bytes `yaml.dump(..., Dumper=dialect.Dumper)` (libyaml) returns. What it does not know how to
write exactly - text with control characters, a double-quoted string that would be folded, a
literal block that keeps trailing newlines, keys that are not simple, other types - raises
`Unsupported`, and the caller hands the whole document to libyaml. The rules below are libyaml's
(src/emitter.c: yaml_emitter_analyze_scalar, yaml_emitter_select_scalar_style,
yaml_emitter_write_plain/single_quoted/literal, yaml_emitter_check_simple_key); the property test
in tests/emit/test_emitter.py compares both emitters byte for byte.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

WIDTH = 100
_INDENT = 2

# what a string is written as, by kind: plain, single-quoted, double-quoted, literal block
PLAIN, SINGLE, DOUBLE, LITERAL = 0, 1, 2, 3


class Unsupported(Exception):
    """The document holds something this emitter does not write exactly (libyaml does)."""


# what a scalar may not hold unescaped: all but libyaml's IS_PRINTABLE less the line breaks NEL,
# LS and PS (PyYAML's libyaml escapes characters beyond the BMP too); anything else is
# Unsupported. Written as the characters it matches, not as a negated class of those it does
# not: the same set (tests/emit/test_emitter.py compares every code point), compiled in a tenth
# of the time (5 ms of every start)
_ESCAPED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
                      "\U00010000-\U0010ffff]")


_BLANK = " \n"   # the whitespace a supported string can hold (tabs, CR and NEL are unsupported)


def analyze(text: str, style: str | None) -> tuple[int, str, bool]:
    """(kind, the scalar as written on one line - for LITERAL the block header's hints -,
    whether it can be folded at a space). `style` is the dialect's choice (yaml.string_style):
    '"' forces double quotes, '|' asks for a literal block, None lets the analysis choose."""
    if not text:
        if style != '"':
            raise Unsupported("an empty string the dialect does not quote")
        return DOUBLE, '""', False
    if _ESCAPED.search(text):
        raise Unsupported("a character libyaml escapes")
    if style == '"':
        if "\n" in text or '"' in text or "\\" in text:
            raise Unsupported("double-quoted text with escapes")
        return DOUBLE, '"' + text + '"', " " in text
    if style == "|":
        return LITERAL, _literal_hints(text), False
    if "\n" in text:
        raise Unsupported("multi-line text outside a literal block")
    if _block_plain(text):
        return PLAIN, text, " " in text
    return SINGLE, "'" + text.replace("'", "''") + "'", " " in text


def _block_plain(text: str) -> bool:
    """libyaml's block_plain_allowed for one-line printable text."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    first = text[0]
    followed = len(text) == 1 or text[1] in _BLANK
    if first in "#,[]{}&*!|>'\"%@`" or (first in "?:-" and followed):
        return False
    return not (": " in text or " #" in text or text.endswith(":"))


def _literal_hints(text: str) -> str:
    """The header of a literal block, '|' with libyaml's indentation and chomping hints; only
    the forms libyaml ends without a document-end marker are supported."""
    if text[-1] == " " or " \n" in text:
        raise Unsupported("a literal block libyaml refuses (trailing space)")
    hints = "|"
    if text[0] in _BLANK:
        hints += str(_INDENT)
    if text[-1] != "\n":
        hints += "-"
    elif len(text) == 1 or text[-2] == "\n":
        raise Unsupported("a literal block that keeps trailing newlines")
    return hints


_SCALARS: dict[str, tuple[int, str, bool]] = {}
_KEYS: dict[str, str] = {}      # a key as written (keys repeat in every document)


def _scalar(text: str, style_of: Callable[[str], str | None]) -> tuple[int, str, bool]:
    known = _SCALARS.get(text)
    if known is None:
        known = analyze(text, style_of(text))
        if len(_SCALARS) < 200_000:
            _SCALARS[text] = known
    return known


def _float(value: float) -> str:
    """How PyYAML's representer spells a float (SafeRepresenter.represent_float)."""
    if math.isnan(value):
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


class _Writer:
    """Writes block collections into `out`, tracking the column as libyaml does."""

    def __init__(self, style_of: Callable[[str], str | None]) -> None:
        self.style_of = style_of
        self.out: list[str] = []

    def key(self, key: Any) -> str:
        known = _KEYS.get(key) if type(key) is str else None
        if known is not None:
            return known
        kind = type(key)
        if kind is str:
            scalar = _scalar(key, self.style_of)
            if not key or scalar[0] == LITERAL or len(key.encode("utf-8")) >= 128:
                raise Unsupported("a key that is not a simple key")
            if len(_KEYS) < 50_000:
                _KEYS[key] = scalar[1]
            return scalar[1]
        if kind is bool:
            return "true" if key else "false"
        if kind is int:
            return str(key)
        if key is None:
            return "null"
        raise Unsupported(f"a {kind.__name__} key")

    def value(self, value: Any, column: int, indent: int) -> None:
        """A scalar after an indicator ('key:' or '-') that ends at `column`; `indent` is the
        indentation of its continuation lines."""
        out = self.out
        kind = type(value)
        if kind is str:
            style, text, breakable = _scalar(value, self.style_of)
            if style == LITERAL:
                out.append(" " + text + "\n")
                pad = " " * indent
                for line in value[:-1].split("\n") if value[-1] == "\n" else value.split("\n"):
                    out.append(pad + line + "\n" if line else "\n")
                return
            if breakable and column + 1 + len(text) > WIDTH:
                if style == DOUBLE:
                    raise Unsupported("a double-quoted string libyaml would fold")
                self.folded(text, column, indent)
                return
            out.append(" " + text + "\n")
        elif kind is bool:
            out.append(" true\n" if value else " false\n")
        elif kind is int:
            out.append(f" {value}\n")
        elif value is None:
            out.append(" null\n")
        elif kind is float:
            out.append(f" {_float(value)}\n")
        else:
            raise Unsupported(f"a {kind.__name__} value")

    def folded(self, text: str, column: int, indent: int) -> None:
        """A plain or single-quoted scalar broken at single spaces once past the width: a space
        whose neighbours are not spaces becomes a line break when the column is beyond WIDTH."""
        out = self.out
        out.append(" ")
        column += 1
        pad = "\n" + " " * indent
        start = 0
        n = len(text)
        i = text.find(" ")
        while i != -1:
            if (column + (i - start) > WIDTH and i > 0 and text[i - 1] != " "
                    and i + 1 < n and text[i + 1] != " "):
                if text[0] == "'" and (i == 1 or i == n - 2):
                    pass  # libyaml never breaks at the first or last character of the text
                else:
                    out.append(text[start:i])
                    out.append(pad)
                    column = indent
                    start = i + 1
            i = text.find(" ", i + 1)
        out.append(text[start:] + "\n")

    def mapping(self, data: dict[Any, Any], indent: int, first_pad: str) -> None:
        """A non-empty block mapping at `indent`; its first key follows `first_pad` (the rest of
        a '- ' line, or a fresh line's indentation)."""
        out = self.out
        pad = " " * indent
        lead = first_pad
        keys = _KEYS
        for key, value in data.items():
            text = keys.get(key) if type(key) is str else None
            if text is None:
                text = self.key(key)
            lead_key = lead + text + ":"
            lead = pad
            kind = type(value)
            if kind is str:
                scalar = _SCALARS.get(value)
                if scalar is not None and scalar[0] != LITERAL and (
                        not scalar[2] or indent + len(text) + 2 + len(scalar[1]) <= WIDTH):
                    out.append(lead_key + " " + scalar[1] + "\n")   # the common case, inline
                    continue
            out.append(lead_key)
            self.node(value, indent + len(text) + 1, indent, mapping=True)

    def sequence(self, data: Any, indent: int, first_pad: str) -> None:
        """A non-empty block sequence whose dashes stand at `indent`."""
        out = self.out
        pad = " " * indent
        lead = first_pad
        for item in data:
            out.append(lead + "-")
            lead = pad
            self.node(item, indent + 1, indent, mapping=False)

    def node(self, value: Any, column: int, indent: int, *, mapping: bool) -> None:
        """The node after an indicator at `indent` (a mapping's key, or a sequence's dash) that
        ends at `column`."""
        kind = type(value)
        if kind is dict:
            if not value:
                self.out.append(" {}\n")
            elif mapping:
                self.out.append("\n")
                self.mapping(value, indent + _INDENT, " " * (indent + _INDENT))
            else:
                self.mapping(value, indent + _INDENT, " ")
        elif kind is list or kind is tuple:
            if not value:
                self.out.append(" []\n")
            elif mapping:   # libyaml writes a mapping's sequence without indentation
                self.out.append("\n")
                self.sequence(value, indent, " " * indent)
            else:
                self.sequence(value, indent + _INDENT, " ")
        else:
            self.value(value, column, indent + _INDENT)


def emit(data: Any, style_of: Callable[[str], str | None]) -> str:
    """One document (with the `---` start) as libyaml writes it in the dialect; raises
    `Unsupported` for anything it cannot write exactly."""
    writer = _Writer(style_of)
    kind = type(data)
    if kind is dict and data:
        writer.out.append("---\n")
        writer.mapping(data, 0, "")
    elif (kind is list or kind is tuple) and data:
        writer.out.append("---\n")
        writer.sequence(data, 0, "")
    else:
        raise Unsupported("a document that is not a non-empty mapping or sequence")
    return "".join(writer.out)
