"""A service deployed once per cluster and shared by the environments on it."""
from __future__ import annotations

from tests.helpers import MINIMAL, make_project, run_cli

SHARED_CLUSTER = MINIMAL.replace(
    'prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet")',
    'prod = Environment("prod", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")')


def compile_with(tmp_path, db_args: str):
    source = SHARED_CLUSTER.replace('Service("db", project="app", wave=first,',
                                    f'Service("db", project="app", wave=first, {db_args}')
    return run_cli("compile", cwd=make_project(tmp_path / "p", source))


def test_a_service_shared_with_an_environment_on_its_cluster_meets_its_dependencies(tmp_path):
    run = compile_with(tmp_path, 'environments=["prod"], shared_with=["stg"],')
    assert run.returncode == 0, run.stderr
    assert "GD203" not in run.stderr and "warning" not in run.stderr


def test_without_sharing_the_dependency_is_still_missing(tmp_path):
    run = compile_with(tmp_path, 'environments=["prod"],')
    assert run.returncode == 1 and "error[GD203] api depends on db, which is not deployed in stg" \
        in run.stderr


def test_sharing_across_clusters_shares_nothing(tmp_path):
    source = MINIMAL.replace('Service("db", project="app", wave=first,',
                             'Service("db", project="app", wave=first, environments=["prod"], '
                             'shared_with=["stg"],')
    run = run_cli("compile", cwd=make_project(tmp_path / "p", source))
    assert run.returncode == 1
    assert "db is shared with stg, but no environment that deploys it is on stg's cluster" in run.stderr
    assert "api depends on db, which is not deployed in stg" in run.stderr
