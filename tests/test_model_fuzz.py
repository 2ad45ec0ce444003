"""Arbitrary values into every public constructor and into whole platforms: the outcome is a
valid object or a located diagnostic, never an uncaught exception, and build/ is untouched."""
from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gitops_dsl.model as model
from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.diagnostics import ModelError
from gitops_dsl.model._init import REPLACED
from tests.helpers import MINIMAL, make_project, run_cli, scaled, snapshot

CLASSES = [getattr(model, n) for n in model.__all__
           if isinstance(getattr(model, n), type) and attrs.has(getattr(model, n))
           and n != "StandardChart"]

junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
              st.text(max_size=30), st.text(alphabet="abc-0123.", max_size=12),
              st.binary(max_size=8), st.just(object()), st.just(float("nan")), st.just(b"x"),
              st.sampled_from(["", "a" * 400, "ü", "../x", "/abs", "x:y", "oci://r/c", "1.2.3",
                               "https://x.example", "5s", "true", "prod", "GD301"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner,
                                            max_size=3),
                            st.frozensets(st.integers(), max_size=3)),
    max_leaves=8)


def init_fields(cls):
    return [f for f in attrs.fields(cls) if f.init and f.name not in ("location", "series")]


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=scaled(400))
@given(st.sampled_from(CLASSES), st.data())
def test_constructors_raise_only_model_errors(cls, data):
    fields = init_fields(cls)
    chosen = data.draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)),
                       label="fields")
    kwargs = {f.name: data.draw(junk, label=f.name) for f in chosen}
    try:
        obj = cls(**kwargs)
    except ModelError as exc:
        assert exc.code.startswith("GD") and exc.message
        return
    except TypeError as exc:
        # only a missing required argument: the loader turns it into GD101 with the signature
        assert "missing" in str(exc) and "required" in str(exc), exc
        return
    assert isinstance(obj, cls)


def test_every_constructor_is_covered():
    names = {c.__name__ for c in CLASSES}
    assert {"Platform", "Service", "Environment", "SealedSecrets", "Project", "HelmChart"} <= names


values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner,
                                                                         max_size=3)),
    max_leaves=6)
FIELDS = ["values", "config", "namespace", "wave", "depends_on", "environments", "labels", "info",
          "image", "chart", "per_env", "release_name", "cascade", "secrets", "allow", "reads"]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          max_examples=scaled(60), deadline=None)
@given(field=st.sampled_from(FIELDS), value=values)
def test_junk_in_a_platform_file_gives_diagnostics_not_crashes(tmp_path_factory, field, value):
    source = MINIMAL.replace('values={"replicaCount": 1},', f"{field}={value!r},") \
        if field != "values" else MINIMAL.replace('{"replicaCount": 1}', repr(value))
    project = make_project(tmp_path_factory.mktemp("junk"), source)
    result = compile_platforms(project / "platforms", root=project)  # must not raise
    if not result.ok:
        assert result.files == {} and all(d.location is not None for d in result.diagnostics)


def test_junk_through_the_cli_leaves_build_untouched(tmp_path):
    project = make_project(tmp_path / "p")
    assert run_cli("compile", cwd=project).returncode == 0
    before = snapshot(project / "build")
    platform = project / "platforms" / "demo.py"
    for junk_value in ["{1: 2}", "float('inf')", "[object()]", "{'a': {'b': {1, 2}}}", "'x' * 10**5"]:
        platform.write_text(MINIMAL.replace('{"replicaCount": 1}', junk_value))
        result = run_cli("compile", cwd=project)
        assert result.returncode == 1, junk_value
        assert "Traceback" not in result.stderr and "error[GD101]" in result.stderr, result.stderr
        assert snapshot(project / "build") == before


def _outcome(make, kwargs):
    """What a constructor does with kwargs: the fields it sets (with their types, location
    aside), or the error it raises."""
    try:
        obj = make(**kwargs)
    except ModelError as exc:
        return ("ModelError", exc.code, exc.message, exc.hint)
    except TypeError as exc:
        return ("TypeError", str(exc))
    return {f.name: (type(getattr(obj, f.name)), getattr(obj, f.name))
            for f in attrs.fields(type(obj)) if f.name != "location"}


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=scaled(400))
@given(st.sampled_from(sorted(REPLACED, key=lambda c: c.__name__)), st.data())
def test_the_lean_init_does_what_the_attrs_init_does(cls, data):
    """The classes made by the thousand have an `__init__` that skips converting and validating
    defaults (model/_init.py): with any arguments, it sets the same fields to the same values of
    the same types, or raises the same error, as the attrs `__init__` it replaced."""
    fields = init_fields(cls)
    chosen = data.draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)),
                       label="fields")
    kwargs = {f.alias: data.draw(junk, label=f.name) for f in chosen}
    if data.draw(st.booleans(), label="only valid names"):
        kwargs = {k: v for k, v in kwargs.items() if k == "name" or v is None}

    def original(**given):
        obj = object.__new__(cls)
        REPLACED[cls](obj, **given)
        return obj
    assert _outcome(cls, kwargs) == _outcome(original, kwargs)
    assert "location" in {f.name for f in attrs.fields(cls)}


def test_the_classes_made_by_the_thousand_have_the_lean_init():
    assert {c.__name__ for c in REPLACED} >= {"Service", "Overlay", "Image", "SealedSecrets"}


def test_a_class_whose_default_its_converter_changes_keeps_the_attrs_init():
    """quick_init proves each default unchanged by its converter and accepted by its validator
    before it skips them; a class where that fails keeps attrs' __init__ (and its behaviour)."""
    from gitops_dsl.model._init import quick_init

    @attrs.frozen
    class Converted:
        size: int | str = attrs.field(default=0, converter=str)

    @attrs.frozen
    class Refused:
        name: str | None = attrs.field(default=None, validator=attrs.validators.instance_of(str))

    @attrs.frozen
    class Plain:
        name: str = attrs.field(default="a", converter=str, validator=attrs.validators.instance_of(str))

    for cls in (Converted, Refused):
        before = cls.__init__
        assert quick_init(cls).__init__ is before and cls not in REPLACED
    assert Converted().size == "0"
    assert quick_init(Plain) is Plain and Plain in REPLACED
    assert Plain().name == "a" and Plain(5).name == "5"
