"""The direct emitter writes exactly what libyaml writes, or says it cannot.

Every document is written both ways - `emitter.emit` and libyaml through the dialect's Dumper -
and must be byte-for-byte equal whenever the direct emitter accepts it; libyaml must parse the
direct emitter's bytes back to exactly the input. The strings are chosen to sit on every rule:
YAML 1.1/1.2 look-alikes, indicators at the start and inside, quotes, spaces at the ends,
multi-line text, unicode, and long text that crosses the 100-column width at every offset.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gitops_dsl.emit import emitter
from gitops_dsl.emit import yaml as dialect
from tests.emit.test_yaml import HOSTILE
from tests.helpers import scaled

WORDS = st.sampled_from(["a", "bb", "ccc", "x" * 9, "y" * 23, "é", "漢字", "'", "''", ":", "#", "-",
                         "*", "{", "1.5", "yes", "--", "..", "http://h:80/p", "\u2028", "\t", "\r"])
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "", ": ", " #", "'", '"', "\\"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Text built from words and separators (so that spaces, breaks and indicators meet at
    every position), plain text, or a hostile scalar; occasionally long enough to fold."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(HOSTILE))
    if choice == 1:
        return draw(st.text(max_size=30))
    parts = [draw(WORDS)]
    for _ in range(draw(st.integers(0, 40 if choice > 6 else 6))):
        parts += [draw(SEPARATORS), draw(WORDS)]
    text = "".join(parts)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " ", "\n", "- ", "? ", "---"])) + text
    if draw(st.booleans()):
        text += draw(st.sampled_from(["", " ", "\n", "\n\n", ":"]))
    return text


scalars = st.one_of(texts(), st.integers(-10**20, 10**20), st.booleans(), st.none(),
                    st.floats(allow_nan=True, allow_infinity=True))
keys = st.one_of(texts(), st.integers(-5, 5), st.booleans(), st.none())
nodes = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
    st.dictionaries(keys, children, max_size=4)), max_leaves=30)
documents = st.one_of(st.dictionaries(keys, nodes, min_size=1, max_size=6),
                      st.lists(nodes, min_size=1, max_size=4))


def same_as_libyaml(data: object) -> bool:
    """Whether the direct emitter wrote the document (True) or declined it (False); fails
    when it wrote anything other than libyaml's bytes, or bytes that parse to other data."""
    expected = dialect.libyaml_dump(data)
    try:
        written = emitter.emit(data, dialect.string_style)
    except emitter.Unsupported:
        return False
    assert written == expected
    assert repr(dialect.load(written)) == repr(_plain(data))   # repr: NaN equals NaN
    return True


def _plain(data: object) -> object:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


@given(documents)
@settings(max_examples=scaled(150))   # `HYPOTHESIS_PROFILE=deep`: many times more
@example({"k": "x " * 60})
@example({"k": "'" + "a " * 60 + "'"})
@example({"k": ["a\nb\n", " a\nb", "a\n\nb"]})
def test_the_direct_emitter_writes_exactly_what_libyaml_writes(data):
    same_as_libyaml(data)


def test_long_text_folds_as_libyaml_folds_it_at_every_offset():
    """A key of every length before a long sentence: the width is crossed at every column."""
    sentence = " ".join(["word", "longerword", "'quoted'", "x:y", "a#b"] * 12)
    written = 0
    for n in range(1, 60):
        for text in (sentence, "*" + sentence, sentence.replace(" ", "  ", 3)):
            for data in ({"k" * n: text}, {"k" * n: [text]}, [{"k" * n: {"n": [text]}}]):
                written += same_as_libyaml(data)
    assert written == 59 * 9   # all of them are the direct emitter's to write


def test_what_the_dialect_needs_is_written_directly_and_the_rest_declined():
    """The common forms never fall back to libyaml (that would cost the speed); text with
    control characters, folded double-quoted text and kept trailing newlines do."""
    for data in ({"a": {"b": [1, True, None, 1.5, "x", {"c": "d"}], "e": {}, "f": []}},
                 {"a": "line one\nline two\n", "b": " indented\nblock"},
                 {"a": "yes", "b": "", "c": "*.example.com", "d": "it's", "e": "ü 漢字"}):
        assert same_as_libyaml(data)
    for data in ({"a": "tab\there"}, {"a": "two\n\n"}, {"a": "x\u2028y"},
                 {"": 1}, {"k" * 128: 1}, {"a": b"bytes"}, {}, "scalar"):
        with pytest.raises(emitter.Unsupported):
            emitter.emit(data, dialect.string_style)


def test_the_example_platform_is_written_byte_for_byte_as_before(tmp_path: Path):
    """Every document of the repository's own platform, written both ways."""
    from gitops_dsl.api import compile as compile_platform
    from tests.helpers import REPO
    result = compile_platform(REPO / "platforms", root=REPO)
    docs = {p: d.data for p, d in result.tree.items() if d.format == "yaml"}
    # a copy: what the emitter is given must be plain data, as a pickle round trip proves
    docs = pickle.loads(pickle.dumps(docs))
    assert docs and all(same_as_libyaml(data) for data in docs.values())


def test_the_characters_written_unescaped_are_libyamls_printable_ones_less_line_breaks():
    """Every code point: the emitter writes unescaped exactly what libyaml's IS_PRINTABLE admits
    (src/yaml_private.h) less NEL, LS and PS (line breaks) and all beyond the BMP (which PyYAML's
    libyaml escapes); anything else is declined to libyaml."""
    from gitops_dsl.emit.emitter import _ESCAPED

    def written_as_is(point: int) -> bool:
        return (point == 0x0A or 0x20 <= point <= 0x7E
                or (0xA0 <= point <= 0xD7FF and point not in (0x2028, 0x2029))
                or (0xE000 <= point <= 0xFFFD and point != 0xFEFF))
    wrong = [hex(p) for p in range(0x110000)
             if (_ESCAPED.search(chr(p)) is None) != written_as_is(p)]
    assert wrong == []
