"""A project lists the repositories its Applications read value files from without making the
files' paths (`value_trees`): on random platforms it says exactly what `value_files` lists."""
from __future__ import annotations

from hypothesis import given

from gitops_dsl.render import names
from gitops_dsl.render.apps import value_files, value_trees
from gitops_dsl.resolve import resolve
from tests.strategies import platforms


@given(platforms())
def test_value_trees_says_which_trees_value_files_are_in(platform):
    for app in resolve(platform).apps:
        files = value_files(app)
        assert value_trees(app) == (any(f.startswith(names.GITOPS + "/") for f in files),
                                    any(f.startswith(names.CONFIGS + "/") for f in files))
