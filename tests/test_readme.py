"""The README's DSL reference names every public class and every field users can pass."""
from __future__ import annotations

import attrs

import gitops_dsl.model as model
from tests.helpers import REPO


def test_every_public_field_is_documented():
    readme = (REPO / "README.md").read_text()
    reference = readme[readme.index("## The DSL reference"):readme.index("## The output")]
    missing = []
    for name in model.__all__:
        cls = getattr(model, name)
        if not isinstance(cls, type) or not attrs.has(cls) or name == "StandardChart":
            continue
        if f"`{name}(" not in reference:
            missing.append(name)
        for field in attrs.fields(cls):
            if field.init and field.name not in ("location", "series") and field.name not in reference:
                missing.append(f"{name}.{field.name}")
    assert not missing, missing


def test_readme_set_up_commands_are_the_ones_ci_runs():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "python -m pip install --quiet -e '.[test]'" in ci and "\npython -m pytest\n" in ci
    assert ".venv/bin/pip install -e . && .venv/bin/gitops-dsl compile" in readme


def test_every_rule_code_is_in_the_readme():
    from gitops_dsl.checks import RULES
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Rules"):readme.index("### Your own rules")]
    assert [c for c in RULES if c not in section] == []


def test_the_dsl_reference_is_generated_from_the_classes():
    from gitops_dsl.model import reference
    readme = (REPO / "README.md").read_text()
    assert reference.missing_docs() == []          # every field has its `#:` comment
    assert reference.splice(readme) == readme, (
        "README.md's DSL reference differs from the classes: "
        "python -m gitops_dsl.model.reference --write README.md")


def test_the_reference_check_fails_on_a_stale_readme(tmp_path):
    from gitops_dsl.model import reference
    stale = (REPO / "README.md").read_text().replace("| `stateful` |", "| `stateless` |")
    (tmp_path / "README.md").write_text(stale)
    assert reference.main(["--check", str(tmp_path / "README.md")]) == 1
    assert reference.main(["--write", str(tmp_path / "README.md")]) == 0
    assert (tmp_path / "README.md").read_text() == (REPO / "README.md").read_text()
