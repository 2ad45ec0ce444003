"""Each property is shown able to fail: run it against a deliberately broken renderer, emitter
or check, and hypothesis must find a counterexample."""
from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings

import gitops_dsl.api as api
import gitops_dsl.render as render
import gitops_dsl.render.apps as render_apps
import gitops_dsl.render.names as names
import gitops_dsl.render.values as render_values
import gitops_dsl.resolve as resolve_module
from gitops_dsl.checks import RULES
from gitops_dsl.emit import yaml as dialect
from tests.properties import test_invariants as props

#: the slow tier: each property against broken code, until hypothesis finds the counterexample
pytestmark = pytest.mark.slow

# no shrinking: finding a counterexample is the point, a minimal one would only cost time
HUNT = settings(database=None, max_examples=300, deadline=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


def must_fail(prop, error=AssertionError):
    # settings() marks the test it decorates for good: undo that, so the property keeps its own
    # settings elsewhere and can be hunted again (parametrized bugs)
    kept = prop._hypothesis_internal_use_settings
    try:
        with pytest.raises(error):
            HUNT(prop)()
    finally:
        prop._hypothesis_internal_use_settings = kept
        prop.__dict__.pop("_hypothesis_internal_settings_applied", None)


def test_wave_order_can_fail(monkeypatch):
    original = render_apps.render_application   # (render.apps.application_data calls it)

    def flat_waves(app, *args):
        made = original(app, *args)
        annotations = {**made.metadata.annotations, "argocd.argoproj.io/sync-wave": "0"}
        return attrs.evolve(made, metadata=attrs.evolve(made.metadata, annotations=annotations))
    monkeypatch.setattr(render_apps, "render_application", flat_waves)
    must_fail(props.test_wave_order)


def test_determinism_can_fail(monkeypatch):
    monkeypatch.setattr(render_values, "canonical", lambda data: data)
    must_fail(props.test_determinism_whatever_the_declaration_order)


def test_round_trip_can_fail(monkeypatch):
    def strips(dumper, value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value.strip())
    monkeypatch.setitem(dialect.Dumper.yaml_representers, str, strips)
    must_fail(props.test_every_yaml_file_parses_back_to_the_rendered_data)


def test_yaml_12_reading_can_fail(monkeypatch):
    monkeypatch.setattr(dialect, "_EXTRA_AMBIGUOUS", __import__("re").compile(r"^$^"))
    dialect._STYLES.clear()
    try:
        must_fail(props.test_every_yaml_file_parses_back_to_the_rendered_data)
    finally:
        dialect._STYLES.clear()


def test_fidelity_can_fail(monkeypatch):
    original = render.to_data

    def unknown_field(resource):
        data = original(resource)
        if data.get("kind") == "Application":
            data["spec"]["syncOptions"] = ["Replace=true"]  # the prj-devops mistake
        return data
    monkeypatch.setattr(render, "to_data", unknown_field)        # roots
    monkeypatch.setattr(render_apps, "to_data", unknown_field)   # services' Applications
    must_fail(props.test_fidelity_against_the_argo_cd_crds)


def test_closure_can_fail(monkeypatch):
    original = render_apps.value_files
    monkeypatch.setattr(render_apps, "value_files",
                        lambda app: [*original(app), f"gitops/values/{app.service.name}/extra.yaml"])
    must_fail(props.test_closure)


def test_containment_can_fail(monkeypatch):
    monkeypatch.setattr(names, "app_file", lambda app: f"gitops/../../{app.service.name}.yaml")
    must_fail(props.test_containment, ValueError)


def test_idempotence_can_fail(monkeypatch):
    original = api.plan

    def rewrites_everything(out, files):
        made = original(out, files)
        return attrs.evolve(made, write=tuple(sorted(files)))
    monkeypatch.setattr(api, "plan", rewrites_everything)
    must_fail(props.test_idempotence)


def test_idempotence_from_scratch_can_fail(monkeypatch):
    import itertools
    original, counter = dialect.header, itertools.count()
    # a header that differs from one compile to the next (a timestamp would)
    monkeypatch.setattr(dialect, "header", lambda source: original(source) + f"# {next(counter)}\n")
    must_fail(props.test_idempotence)


def test_minimal_layering_can_fail(monkeypatch):
    original = resolve_module.infer_waves

    def one_too_late(explicit, deps, names=None):
        return {k: (v[0] + 1, v[1]) if deps.get(k) else v for k, v in original(explicit, deps, names).items()}
    monkeypatch.setattr(resolve_module, "infer_waves", one_too_late)
    must_fail(props.test_inferred_waves_are_the_minimal_layering)


def test_inversion_detection_can_fail(monkeypatch):
    monkeypatch.setitem(RULES, "GD201", attrs.evolve(RULES["GD201"], func=lambda ctx: iter(())))
    must_fail(props.test_an_injected_wave_inversion_is_reported)


def test_cycle_detection_can_fail(monkeypatch):
    monkeypatch.setitem(RULES, "GD202", attrs.evolve(RULES["GD202"], func=lambda ctx: iter(())))
    must_fail(props.test_an_injected_back_edge_is_reported_as_a_cycle)


def test_sealed_binding_can_fail(monkeypatch):
    original = render_values.secrets_values

    def always_strict(app):    # the scope the value was sealed with is lost on the way
        data = original(app)
        if "sealedSecret" in data:
            data["sealedSecret"]["scope"] = "strict"
        return data
    monkeypatch.setattr(render_values, "secrets_values", always_strict)
    from tests.properties import test_secrecy
    must_fail(test_secrecy.test_sealed_values_reach_the_output_only_as_ciphertext_the_cluster_can_open,
              Exception)


def test_secrecy_can_fail(monkeypatch):
    import gitops_dsl.model.secrets as model_secrets
    from tests.properties import test_secrecy
    monkeypatch.setattr(model_secrets, "is_sealed_ciphertext", lambda text: True)
    must_fail(test_secrecy.test_a_misplaced_plaintext_fails_and_is_never_echoed)


@pytest.mark.parametrize("bug", ["layers-reversed", "stateful-ignored", "overlay-labels-lost",
                                 "zone-values-lost"])
def test_fidelity_to_the_platform_can_fail(monkeypatch, bug):
    if bug == "layers-reversed":
        original = resolve_module._sync_policy
        monkeypatch.setattr(resolve_module, "_sync_policy", lambda *layers: original(*reversed(layers)))
    elif bug == "stateful-ignored":
        original_app = resolve_module._resolve_app

        def not_stateful(platform, service, *args):
            return original_app(platform, attrs.evolve(service, stateful=False), *args)
        monkeypatch.setattr(resolve_module, "_resolve_app", not_stateful)
    elif bug == "overlay-labels-lost":
        original_app = resolve_module._resolve_app

        def no_overlay_labels(platform, service, env, zone, overlay, *args):
            overlay = attrs.evolve(overlay, labels={}) if overlay is not None else None
            return original_app(platform, service, env, zone, overlay, *args)
        monkeypatch.setattr(resolve_module, "_resolve_app", no_overlay_labels)
    else:
        original_values = resolve_module._values
        monkeypatch.setattr(resolve_module, "_values",
                            lambda s, o, c, v, e, zone_layer=None, commons=None:
                            original_values(s, o, c, v, e, None, commons))
    must_fail(props.test_every_application_is_what_the_user_declared)
