"""The standard chart's values checked before Helm renders (charts/prevalidated.py): the check
says "valid" only where Helm's own schema validation does, and what is rendered from the copy
without the schema is byte for byte what Helm renders from the chart."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_dsl.charts.prevalidated import passes, validator_for
from tests.helpers import REPO, need_engine

need_engine()

STANDARD = REPO / "gitops_dsl" / "data" / "charts" / "service"


@pytest.fixture(scope="module")
def chart():
    import helm_python as helm
    with helm.Chart.load(str(STANDARD)) as loaded:
        yield loaded


def helm_accepts(chart, values) -> bool:
    """Helm's verdict: the chart's defaults coalesced with the values, checked against the
    schema by the engine (what `helm template` does before it renders)."""
    import helm_python as helm
    try:
        chart.validate_schema(chart.merge_values(values))
    except helm.HelmError:
        return False
    return True


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) |
                    st.floats(allow_nan=False, allow_infinity=False, width=32) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) |
                    st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


def resolved(node: dict, schema: dict) -> dict:
    while "$ref" in node:
        target = schema
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def near(node: dict, schema: dict, depth: int = 0) -> st.SearchStrategy:
    """Values the schema node accepts, now and then with one part that it may not: a wrong
    type, a number past a bound or a float for an integer, `true` for `1`, a string too short,
    an unknown key, anything at all."""
    node = resolved(node, schema)
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    low, high = node.get("minimum", -2**31), node.get("maximum", 2**31)
    valid, noise = [], [JSON, st.booleans(), st.integers(-1, 2), st.floats(-1, 1)]
    if "enum" in node:
        valid.append(st.sampled_from(node["enum"]))
        noise.append(st.sampled_from([str(e).lower() for e in node["enum"]] + [""]))
    elif "integer" in kinds or "number" in kinds:
        valid.append(st.integers(low, high))
        noise += [st.integers(low - 2, low - 1), st.integers(high + 1, high + 2),
                  st.floats(low, high, allow_nan=False, allow_infinity=False)]
        if "number" in kinds:
            valid.append(st.floats(low, high, allow_nan=False, allow_infinity=False))
    elif "string" in kinds:
        valid.append(st.text(min_size=node.get("minLength", 0), max_size=6))
        noise.append(st.just(""))
    elif "boolean" in kinds:
        valid.append(st.booleans())
    elif "array" in kinds and isinstance(node.get("items"), dict) and depth < 4:
        valid.append(st.lists(near(node["items"], schema, depth + 1), max_size=2))
    elif "object" in kinds and depth < 4:
        properties = node.get("properties", {})
        required = [k for k in node.get("required", ()) if k in properties]
        extra = node.get("additionalProperties", True)
        valid.append(st.fixed_dictionaries(
            {k: near(properties[k], schema, depth + 1) for k in required},
            optional={k: near(v, schema, depth + 1) for k, v in properties.items()
                      if k not in required} | (
                {"extra": near(extra, schema, depth + 1)} if isinstance(extra, dict) else {})))
        noise.append(st.fixed_dictionaries({k: near(properties[k], schema, depth + 1)
                                            for k in required}).map(lambda d: {**d, "x": 1}))
        if required:
            noise.append(st.just({}))
    if not valid:
        return st.one_of(*noise)
    # one part in about twenty-five is noise: most values are near valid, some are valid
    accepted, refused = st.one_of(*valid), st.one_of(*noise)
    return st.integers(0, 24).flatmap(lambda i: refused if i == 0 else accepted)


SCHEMA = json.loads((STANDARD / "values.schema.json").read_text())


def test_the_standard_charts_schema_is_one_the_check_implements(chart):
    assert validator_for(chart) is not None


@settings(max_examples=400, deadline=None)
@given(values=near(SCHEMA, SCHEMA))
def test_valid_here_only_where_helm_says_valid(chart, values):
    import helm_python as helm
    if not isinstance(values, dict):
        values = {"v": values}
    here = passes(chart, validator_for(chart), values, helm.HelmError)
    assert helm_accepts(chart, values) or not here, values


def test_the_random_values_hold_both_kinds(chart):
    """Not vacuous: the values above include some both accept and some Helm refuses."""
    import helm_python as helm
    from hypothesis import find
    validator = validator_for(chart)
    find(near(SCHEMA, SCHEMA), lambda v: isinstance(v, dict) and helm_accepts(chart, v)
         and passes(chart, validator, v, helm.HelmError), settings=settings(max_examples=400))
    find(near(SCHEMA, SCHEMA), lambda v: isinstance(v, dict) and not helm_accepts(chart, v),
         settings=settings(max_examples=400))


def test_the_examples_values_pass_here_so_helm_does_not_check_them_again(monkeypatch):
    """Not vacuous: every standard-chart Application of the example is rendered without Helm's
    second check (and its values do pass Helm's)."""
    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.charts.manifests import render_applications
    from gitops_dsl.charts.run import RenderRun
    asked = []
    original = RenderRun.prevalidated

    def spy(self, chart_dir, chart, values):
        answer = original(self, chart_dir, chart, values)
        if Path(chart_dir).parts[-3:] == ("gitops", "charts", "service"):
            asked.append((answer, helm_accepts(chart, values)))
        return answer
    monkeypatch.setattr(RenderRun, "prevalidated", spy)
    result = compile_platforms(REPO / "platforms", root=REPO)
    assert result.ok
    rendered = render_applications(result.files, REPO)
    assert [r.app for r in rendered if r.error] == []
    assert len(asked) >= 10 and all(answer and accepted for answer, accepted in asked), asked


@pytest.mark.parametrize("values", [{"replicaCount": 1}, {"replicaCount": True},
                                    {"service": {"type": "ClusterIP", "port": 8080}}])
def test_json_equality_not_pythons(chart, values):
    """`true` is not `1`: Python says True == 1, JSON Schema does not."""
    import helm_python as helm
    validator = validator_for(chart)
    full = {"image": {"repository": "ghcr.io/acme/api", "tag": "1.0.0"}, **values}
    assert passes(chart, validator, full, helm.HelmError) == helm_accepts(chart, full)


def test_a_schema_with_a_keyword_the_check_does_not_implement_is_left_to_helm(tmp_path: Path):
    import helm_python as helm
    folder = tmp_path / "x"
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 1.0.0\n")
    for schema, known in [({"type": "object", "properties": {"a": {"type": "string"}}}, True),
                          ({"type": "object", "properties": {"a": {"pattern": "^x"}}}, False),
                          ({"$schema": "https://json-schema.org/draft/2020-12/schema"}, False),
                          ({"properties": {"a": {"$ref": "#/x", "minimum": 1}}}, False)]:
        (folder / "values.schema.json").write_text(json.dumps(schema))
        with helm.Chart.load(str(folder)) as loaded:
            assert (validator_for(loaded) is not None) is known, schema


def test_the_copy_without_the_schema_renders_what_the_chart_renders(chart, tmp_path):
    import helm_python as helm
    from gitops_dsl.charts.unvalidated import without_schemas
    copy_dir = without_schemas(helm, chart, tmp_path)
    values = {"image": {"repository": "ghcr.io/acme/api", "tag": "1.0.0"}, "replicaCount": 2,
              "config": {"A": "b"}, "service": {"port": 8080}}
    with helm.Chart.load(str(copy_dir)) as copy:
        assert copy.schema is None
        options = {"name": "api-stg", "namespace": "api", "is_install": True}
        assert copy.render(values=values, **options) == chart.render(values=values, **options)
