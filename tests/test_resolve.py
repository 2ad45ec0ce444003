"""Layering: defaults -> platform -> environment -> service -> overlay."""
from __future__ import annotations

from gitops_dsl import (Backoff, Cluster, Environment, HelmChart, Image, Overlay, Platform, Project,
                        Repo, Retry, Service, SyncOptions, SyncPolicy, Waves)
from gitops_dsl.resolve import DEFAULT_SYNC, resolve
from gitops_dsl.merging import deep_merge, merge_fields
from gitops_dsl.wave_order import infer_waves


def platform(services, **kwargs) -> Platform:
    stg = Environment("stg", cluster=Cluster("stg", "https://stg:6443"), zone="internal",
                      sync=SyncPolicy(retry=Retry(limit=5)))
    prod = Environment("prod", cluster=Cluster("prod", "https://prod:6443"), zone="internet",
                       sync=SyncPolicy(retry=Retry(limit=3)), revision_history_limit=10)
    return Platform("p", gitops_repo=Repo("https://example.com/g.git"), environments=[stg, prod],
                    projects=[Project("app")], services=services, **kwargs)


def app(resolved, service, env):
    return next(a for a in resolved.apps if a.service.name == service and a.env.name == env)


def test_deep_merge_maps_merge_and_lists_replace():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert deep_merge(base, {"a": {"c": [3]}, "e": 2}) == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}
    assert deep_merge(base, {"a": None}) == {"a": None, "d": 1}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # inputs untouched


def test_merge_fields_inherits_none_and_merges_nested():
    merged = merge_fields(DEFAULT_SYNC, SyncPolicy(retry=Retry(limit=3)))
    assert merged.retry.limit == 3
    assert merged.retry.backoff == Backoff("5s", 2, "3m")
    assert merged.prune is True and merged.options.create_namespace is True


def test_each_layer_wins_over_the_one_before():
    services = [Service(
        "api", project="app", image=Image("ghcr.io/a/api", "1"),
        sync=SyncPolicy(options=SyncOptions(server_side_apply=True)),
        per_env={"prod": Overlay(sync=SyncPolicy(prune=False), revision_history_limit=20)})]
    resolved = resolve(platform(services, sync=SyncPolicy(self_heal=False), revision_history_limit=2))
    stg, prod = app(resolved, "api", "stg"), app(resolved, "api", "prod")
    assert stg.sync.retry.limit == 5 and prod.sync.retry.limit == 3          # environment
    assert stg.sync.self_heal is False and prod.sync.self_heal is False      # platform
    assert stg.sync.options.server_side_apply and stg.sync.options.create_namespace  # service + default
    assert stg.sync.prune is True and prod.sync.prune is False               # overlay
    assert stg.revision_history_limit == 2 and prod.revision_history_limit == 20


def test_values_layers_and_image_for_the_standard_chart():
    services = [Service("api", project="app", image=Image("ghcr.io/a/api", "1.0"),
                        values={"replicaCount": 1, "env": {"A": "1"}},
                        per_env={"prod": Overlay(values={"replicaCount": 3},
                                                 image=Image("ghcr.io/a/api", "2.0"))})]
    resolved = resolve(platform(services))
    prod = app(resolved, "api", "prod")
    assert prod.values == {"image": {"repository": "ghcr.io/a/api", "tag": "1.0"}, "replicaCount": 1,
                           "env": {"A": "1"}}
    assert prod.env_values == {"image": {"repository": "ghcr.io/a/api", "tag": "2.0"}, "replicaCount": 3}
    assert prod.effective_values["image"]["tag"] == "2.0"
    assert app(resolved, "api", "stg").env_values == {}


def test_namespace_template_and_stateful_cascade():
    services = [Service("db", project="app", stateful=True,
                        chart=HelmChart("https://c.example", "db", "1.0.0")),
                Service("api", project="app", image=Image("ghcr.io/a/api", "1"), namespace="{service}-{env}")]
    resolved = resolve(platform(services))
    assert app(resolved, "db", "stg").namespace == "p-stg"
    assert app(resolved, "api", "prod").namespace == "api-prod"
    assert app(resolved, "db", "stg").cascade == "none"
    assert app(resolved, "api", "stg").cascade == "foreground"


def test_enabled_environments_and_overlay_dependencies():
    services = [Service("a", project="app", image=Image("r.example/a", "1")),
                Service("b", project="app", image=Image("r.example/b", "1"), environments=["stg"]),
                Service("c", project="app", image=Image("r.example/c", "1"), depends_on=["a", "b"],
                        per_env={"prod": Overlay(depends_on=["a"])})]
    resolved = resolve(platform(services))
    assert [a.service.name for a in resolved.apps_in("prod")] == ["a", "c"]
    assert app(resolved, "c", "stg").depends_on == ("a", "b")
    assert app(resolved, "c", "prod").depends_on == ("a",)


def test_inferred_waves_are_minimal_layering():
    explicit = {"a": None, "b": None, "c": None, "d": (7, "late")}
    deps = {"b": ("a",), "c": ("b", "d")}
    waves = infer_waves(explicit, deps)
    assert waves == {"a": (0, "0"), "b": (1, "1"), "c": (8, "8"), "d": (7, "late")}


def test_inferred_wave_takes_the_name_of_a_wave_with_that_number():
    first, second = Waves("first", "second")
    services = [Service("a", project="app", image=Image("r.example/a", "1"), wave=first),
                Service("b", project="app", image=Image("r.example/b", "1"), depends_on=["a"])]
    resolved = resolve(platform(services))
    b = app(resolved, "b", "stg")
    assert (b.wave, b.wave_name) == (1, "second")


def test_application_and_release_names_from_templates_and_overlays():
    """Defaults: `<service>-<env>` and the service's name; a Service template for every
    environment; an Overlay's own name for one; a rename keeps the oldest name in the release."""
    import pytest

    from gitops_dsl.diagnostics import ModelError
    resolved = resolve(platform([
        Service("api", project="app"),
        Service("web", project="app", app_name="{platform}-{service}", release_name="{service}-{env}",
                per_env={"prod": Overlay(app_name="storefront", release_name="storefront-live")}),
        Service("shop", project="app", previous_names=["store"], rename="complete",
                release_name="{service}-x"),
    ]))
    names = {(a.service.name, a.env.name): (a.name, a.release_name) for a in resolved.apps}
    assert names[("api", "stg")] == ("api-stg", "api")
    assert names[("web", "stg")] == ("p-web", "web-stg")
    assert names[("web", "prod")] == ("storefront", "storefront-live")
    assert names[("shop", "prod")] == ("shop-prod", "store-x")
    with pytest.raises(ModelError) as unknown:
        Service("api", app_name="{service}-{region}")
    assert unknown.value.code == "GD101"
    with pytest.raises(ModelError) as invalid:
        Overlay(release_name="Api_{env}")
    assert invalid.value.code == "GD110"


def test_changing_an_application_name_in_a_protected_environment_is_guarded(tmp_path):
    """A new app_name at the same file: Argo CD prunes the old Application (and, through its
    finalizer, the workloads) - refused like a deletion until cascade='none' was compiled."""
    from tests.helpers import MINIMAL, make_project, run_cli
    source = MINIMAL.replace('zone="internet")', 'zone="internet", protected=True)')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    platform = project / "platforms/demo.py"
    platform.write_text(source.replace('Service("api", project="app",',
                                       'Service("api", project="app", app_name="{env}-{service}",'))
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1
    assert "changes the name of Application api-prod of protected environment prod" in refused.stderr
    assert "--allow-delete api-prod" in refused.stderr
    # the safe way: drop the finalizer first, then rename
    platform.write_text(source.replace('Service("api", project="app",',
                                       'Service("api", project="app", cascade="none",'))
    assert run_cli("compile", cwd=project).returncode == 0
    platform.write_text(source.replace('Service("api", project="app",',
                                       'Service("api", project="app", cascade="none", '
                                       'app_name="{env}-{service}",'))
    assert run_cli("compile", cwd=project).returncode == 0


def test_changing_a_release_name_in_a_protected_environment_is_guarded(tmp_path):
    """A new release_name renames every object the chart makes (Helm names them after the
    release): with automated prune, Argo CD deletes the old ones - refused like a deletion in a
    protected environment, allowed elsewhere and with --allow-delete."""
    from tests.helpers import MINIMAL, make_project, run_cli
    source = MINIMAL.replace('zone="internet")', 'zone="internet", protected=True)')
    project = make_project(tmp_path / "p", source)
    assert run_cli("compile", cwd=project).returncode == 0
    platform = project / "platforms/demo.py"
    renamed = source.replace('Service("api", project="app",',
                             'Service("api", project="app", release_name="{service}-{env}",')
    platform.write_text(renamed)
    refused = run_cli("compile", cwd=project)
    assert refused.returncode == 1, refused.stdout
    assert ("changes the Helm release name of Application api-prod of protected environment prod"
            in refused.stderr), refused.stderr
    assert "api-stg" not in refused.stderr   # not protected
    assert "--allow-delete api-prod" in refused.stderr
    # keeping the old name where it matters is the way through
    platform.write_text(renamed.replace('per_env={"prod": Overlay(values={"replicaCount": 3})}',
                                        'per_env={"prod": Overlay(values={"replicaCount": 3}, '
                                        'release_name="api")}'))
    kept = run_cli("compile", cwd=project)
    assert kept.returncode == 0, kept.stderr
    platform.write_text(renamed)
    allowed = run_cli("compile", "--allow-delete", "api-prod", cwd=project)
    assert allowed.returncode == 0, allowed.stderr


def test_retry_false_means_no_retries_and_a_later_layer_may_set_them_again():
    """`SyncPolicy(retry=False)`: no retry block, so Argo CD never retries a failed sync (what an
    imported Application without `retry` does); a later layer's Retry replaces it."""
    import pytest

    from gitops_dsl import Retry, SyncPolicy
    from gitops_dsl.diagnostics import ModelError
    from gitops_dsl.render.apps import render_sync_policy as rendered
    from gitops_dsl.resolve import DEFAULT_SYNC
    from gitops_dsl.merging import merge_fields
    none = merge_fields(DEFAULT_SYNC, SyncPolicy(retry=False))
    assert none.retry is False
    again = merge_fields(none, SyncPolicy(retry=Retry(limit=3)))
    assert again.retry == Retry(limit=3)
    assert rendered(none).retry is None and rendered(again).retry.limit == 3
    with pytest.raises(ModelError):
        SyncPolicy(retry=True)
