"""The output layout: built in one place (render/names.py) and read back by the same module."""
from __future__ import annotations


def test_the_layout_reads_back_every_path_it_builds():
    """names.parse is the one reader of the output layout: what app_file, root_file and
    project_file build, it takes apart again; a zone's other files keep their zone."""
    import attrs

    from gitops_dsl import Cluster, Environment, Zone
    from gitops_dsl.render import names
    zone = Zone("edge")
    env = Environment("prod", cluster=Cluster("prod", "https://p.example:6443"), zone=zone)

    @attrs.frozen
    class _App:   # what app_file reads of a resolved App
        zone: Zone
        env: Environment
        project: str
        file_name: str | None
        service: object

    app = _App(zone, env, "shop", None, attrs.make_class("S", {"name": attrs.field()})("api"))
    assert names.parse(names.app_file(app)) == names.OutputFile("app", "edge", "prod", "shop", "api")
    assert names.parse(names.root_file(zone, env)) == names.OutputFile("root", "edge", "prod", "", "prod")
    assert names.parse(names.project_file(zone, "shop")) == names.OutputFile("project", "edge", name="shop")
    assert names.parse(names.placeholder(names.apps_dir(zone, env))) == names.OutputFile("other", "edge")
    assert names.parse("gitops/bootstrap/edge/zone.yaml") == names.OutputFile("bootstrap", "edge", name="zone.yaml")
    assert names.parse("configs/prod/api/config.yaml") == names.OutputFile("other")
