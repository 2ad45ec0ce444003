"""The project's mutants (mutation/mutants.py) still stand for bugs of the code as it is: each
one's text occurs exactly once in its file, and the file with the edit made is still Python. A
change that moves or rewrites what a mutant edits fails here, in the default run, instead of
when `mutation/run.py` is next run."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mutation.mutants import FOR_THE_PROPERTIES, MUTANTS

PACKAGE = Path(__file__).resolve().parent.parent / "gitops_dsl"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_the_mutant_applies_to_the_code_as_it_is(mutant) -> None:
    text = (PACKAGE / mutant.file).read_text()
    assert text.count(mutant.old) == 1, f"{mutant.file} no longer holds the text {mutant.name!r} edits"
    ast.parse(text.replace(mutant.old, mutant.new))
    for killer in mutant.killers:
        assert (PACKAGE.parent / killer).is_file(), killer


def test_every_mutant_has_its_own_name() -> None:
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names))
    assert FOR_THE_PROPERTIES <= set(names)
