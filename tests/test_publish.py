"""Two repositories, as teams run them: the gitops repository (platform + build/) and a configs
repository of its own. Real git: bare remotes, clones, commits and pushes in temporary folders."""
from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.helpers import MINIMAL, make_project, run_cli, snapshot

SOURCE = MINIMAL.replace(
    'gitops = Repo("https://example.com/acme/gitops.git")',
    'gitops = Repo("https://example.com/acme/gitops.git")\n'
    'configs = Repo("https://example.com/acme/configs.git", path="")').replace(
    '"demo", gitops_repo=gitops,', '"demo", gitops_repo=gitops, configs_repo=configs, '
                                   'configs_layout="service-first",')
ENV = {"GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com", "GIT_COMMITTER_NAME": "ci",
       "GIT_COMMITTER_EMAIL": "ci@example.com", "PATH": "/usr/bin:/bin"}


def git(folder, *args) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True,
                          env={**ENV, "HOME": str(folder)}).stdout


@pytest.fixture
def estate(tmp_path):
    remotes = tmp_path / "remotes"
    for name in ("gitops", "configs"):
        (remotes / f"{name}.git").mkdir(parents=True)
        git(remotes / f"{name}.git", "init", "-q", "--bare", "-b", "main")
    project = make_project(tmp_path / "gitops", SOURCE)
    git(project, "init", "-q", "-b", "main")
    git(project, "remote", "add", "origin", str(remotes / "gitops.git"))
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "platform")
    git(project, "push", "-q", "origin", "main")
    git(tmp_path, "clone", "-q", str(remotes / "configs.git"), "configs")
    return project, tmp_path / "configs", remotes


def publish(project, configs, *extra):
    return run_cli("publish", "--configs", str(configs), *extra, cwd=project)


def test_compile_publish_commit_push(estate, tmp_path):
    project, configs, remotes = estate
    (configs / "OWNERS").write_text("configs-team\n")        # the configs repository's own file
    git(configs, "add", "OWNERS")
    git(configs, "commit", "-q", "-m", "owners")
    assert publish(project, configs, "--check").returncode == 1
    run = publish(project, configs, "--message-file", str(tmp_path / "msg"))
    assert run.returncode == 0, run.stderr
    head = git(project, "rev-parse", "HEAD").strip()
    assert f"gitops-dsl: publish {head[:12]} (platform)" in run.stdout
    assert "- updated: api/prod/config.yaml" in run.stdout
    # service-first layout, at the configs repository's root (Repo path "")
    assert yaml.safe_load((configs / "api/prod/config.yaml").read_text()) == {"config": {"LOG_LEVEL": "info"}}
    assert (configs / "OWNERS").read_text() == "configs-team\n"
    # every $configs file an Application names is where the configs repository has it
    app = yaml.safe_load((project / "build/gitops/argo-apps/internet/apps/prod/app/api.yaml").read_text())
    names = [f for f in app["spec"]["sources"][0]["helm"]["valueFiles"] if f.startswith("$configs/")]
    assert names == ["$configs/api/prod/config.yaml"]
    assert all((configs / f.split("/", 1)[1]).is_file() for f in names)
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-F", str(tmp_path / "msg"))
    git(configs, "push", "-q", "origin", "main")
    assert publish(project, configs, "--check").returncode == 0
    # the next change: compile, commit, publish only what changed
    demo = project / "platforms/demo.py"
    demo.write_text(demo.read_text().replace('"LOG_LEVEL": "info"', '"LOG_LEVEL": "debug"'))
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "commit", "-q", "-am", "debug logs")
    check = publish(project, configs, "--check")
    assert check.returncode == 1 and "api/prod/config.yaml" in check.stdout
    run = publish(project, configs)
    assert run.returncode == 0 and "(debug logs)" in run.stdout
    assert "2 file(s) changed" in run.stdout
    git(configs, "commit", "-q", "-am", "debug logs")
    git(configs, "push", "-q", "origin", "main")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(remotes / "configs.git"), "fresh")
    assert "debug" in (fresh / "api/stg/config.yaml").read_text()
    assert (fresh / ".gitops-dsl-manifest-configs").is_file()
    assert publish(project, configs).stdout.endswith("nothing changed: no commit needed\n")


def test_not_a_checkout(estate, tmp_path):
    project, _, _ = estate
    plain = tmp_path / "plain"
    plain.mkdir()
    run = publish(project, plain)
    assert run.returncode == 1 and "is not a git checkout" in run.stderr
    assert list(plain.iterdir()) == []


def test_a_dirty_checkout_is_refused(estate):
    project, configs, _ = estate
    (configs / "notes.txt").write_text("wip\n")
    before = snapshot(configs)
    run = publish(project, configs)
    assert run.returncode == 1 and "uncommitted changes (notes.txt)" in run.stderr
    assert snapshot(configs) == before


def test_a_file_in_the_way_is_refused(estate):
    project, configs, _ = estate
    (configs / "api/prod").mkdir(parents=True)
    (configs / "api/prod/config.yaml").write_text("mine\n")
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-m", "hand-written")
    before = snapshot(configs)
    run = publish(project, configs)
    assert run.returncode == 1 and "in the way" in run.stderr and "api/prod/config.yaml" in run.stderr
    assert snapshot(configs) == before


def test_a_checkout_on_the_wrong_branch_is_refused(estate):
    project, configs, _ = estate
    git(configs, "checkout", "-q", "-b", "feature")
    run = publish(project, configs)
    assert run.returncode == 1 and "is on 'feature', but the Applications track 'main'" in run.stderr
    assert not (configs / "api").exists()


def test_no_configs_repository_means_no_configs_target(tmp_path):
    project = make_project(tmp_path / "p")
    other = tmp_path / "c"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    run = run_cli("publish", "--configs", str(other), cwd=project)
    assert run.returncode == 1 and "use --gitops" in run.stderr and "Traceback" not in run.stderr


def test_a_zone_with_its_own_repository(tmp_path):
    source = MINIMAL.replace('zone="internet")', 'zone=Zone("internet", gitops_repo=Repo('
                             '"https://example.com/acme/outer.git", path="deploy")))')
    project = make_project(tmp_path / "p", source)
    git(project, "init", "-q", "-b", "main")
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "platform")
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q", "-b", "main")
    run = run_cli("publish", "--zone", f"internet={outer}", cwd=project)
    assert run.returncode == 0, run.stderr
    # exactly where the zone's Applications read them, nothing of the other zone
    app = yaml.safe_load((outer / "deploy/argo-apps/internet/apps/prod/app/api.yaml").read_text())
    for value_file in app["spec"]["sources"][0]["helm"]["valueFiles"]:
        assert (outer / value_file.split("/", 1)[1]).is_file(), value_file
    assert not (outer / "deploy/argo-apps/internal").exists()
    assert (outer / ".gitops-dsl-manifest-internet").is_file()
    bad = run_cli("publish", "--zone", f"nowhere={outer}", cwd=project)
    assert bad.returncode == 1 and "no zone 'nowhere'" in bad.stderr
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "published")
    assert run_cli("publish", "--zone", f"internet={outer}", "--check", cwd=project).returncode == 0
    # an Application no compile wrote, where the zone's root applies every file (a hand-written
    # one from before the migration): Argo CD deploys it, so the checkout is not current, and
    # publish reports it without touching it
    legacy = outer / "deploy/argo-apps/internet/apps/prod/app/legacy-api.yaml"
    legacy.write_text((outer / "deploy/argo-apps/internet/apps/prod/app/api.yaml").read_text()
                      .replace("name: api-prod", "name: legacy-api-prod"))
    (outer / "deploy/argo-apps/internet/apps/prod/NOTES.md").write_text("not a manifest\n")
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "a hand-written Application")
    check = run_cli("publish", "--zone", f"internet={outer}", "--check", cwd=project)
    assert check.returncode == 1
    assert check.stdout == (f"unowned:     {legacy} (not written by gitops-dsl, in a folder Argo "
                            "CD applies whole: it is deployed as it is; remove it, or make it part "
                            "of the platform)\n")
    assert check.stderr.endswith("remove the unowned files (publish never touches a file it did "
                                 "not write)\n")
    again = run_cli("publish", "--zone", f"internet={outer}", cwd=project)
    assert again.returncode == 0 and f"{legacy}: warning: not written by gitops-dsl" in again.stderr
    assert legacy.is_file()
    legacy.unlink()
    # the standard chart's copy is read whole too
    template = outer / "deploy/charts/service/templates/zz-extra.yaml"
    template.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: surprise\n")
    check = run_cli("publish", "--zone", f"internet={outer}", "--check", cwd=project)
    assert check.returncode == 1 and check.stdout.startswith(f"unowned:     {template} (not "
                                                             "written by gitops-dsl, in a chart")


# ---------------------------------------------------------------- what Applications read


def published_into_a_new_checkout(repo, checkout):
    """`publish --gitops` of `repo` into a new checkout (one empty commit) at `checkout`."""
    checkout.mkdir()
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "commit", "-q", "--allow-empty", "-m", "empty")
    run = run_cli("publish", "--gitops", str(checkout), cwd=repo)
    assert run.returncode == 0, run.stderr
    return checkout


@pytest.fixture(scope="module")
def example_published(tmp_path_factory):
    """The example platform (whose openbao-secrets reads charts/secrets-store from the gitops
    repository) published into an empty checkout of another gitops repository."""
    from tests.zones.test_bundle import example_repository
    folder = tmp_path_factory.mktemp("closure")
    repo = example_repository(folder)
    checkout = published_into_a_new_checkout(repo, folder / "published")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "published")
    return repo, checkout


def test_publish_carries_the_chart_folders_applications_read(example_published):
    repo, checkout = example_published
    for rel in ("charts/secrets-store/Chart.yaml", "charts/secrets-store/values.yaml"):
        assert (checkout / rel).read_bytes() == (repo / rel).read_bytes()
    owned = (checkout / ".gitops-dsl-manifest-gitops").read_text()
    assert "charts/secrets-store/Chart.yaml" in owned          # owned: removed when unread
    assert run_cli("publish", "--gitops", str(checkout), "--check", cwd=repo).returncode == 0
    # a zone's bundle carries the same closure (one function makes both)
    from gitops_dsl.api import compile, resolved_platforms
    from gitops_dsl.zones.bundle import bundle_files
    result = compile(repo / "platforms", root=repo)
    members = bundle_files(result.files, resolved_platforms(result), "internet", repo)
    carried = {m[len("gitops/"):] for m in members if m.startswith("gitops/charts/")}
    published = {line.split()[-1] for line in owned.splitlines() if " charts/" in line}
    assert carried and carried == published


def test_a_file_added_to_a_published_chart_folder_is_not_current(example_published):
    """The repo server renders a chart folder whole: a template added to the published copy (by
    hand, or left from an older chart) is rendered with the chart, so the checkout does not hold
    the platform's chart; `publish --check` says so, and `publish` never removes it."""
    repo, checkout = example_published
    extra = checkout / "charts/secrets-store/templates/surprise.yaml"
    extra.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: surprise\n")
    try:
        check = run_cli("publish", "--gitops", str(checkout), "--check", cwd=repo)
        assert check.returncode == 1
        assert check.stdout == (f"unowned:     {extra} (not written by gitops-dsl, in a chart "
                                "folder the repo server reads whole: the chart Argo CD renders is "
                                "not the platform's; remove it, or add it to the chart folder "
                                "beside the platform)\n")
    finally:
        extra.unlink()
    assert run_cli("publish", "--gitops", str(checkout), "--check", cwd=repo).returncode == 0


def test_publish_check_fails_on_any_one_missing_or_stale_file_of_the_closure(example_published):
    """Every file a checkout must hold (compiled files and chart folders alike), taken away one
    at a time: the plan `publish --check` judges by names it (library, every file); through the
    CLI for a chart file and a compiled file."""
    from gitops_dsl.api import compile, resolved_platforms
    from gitops_dsl.publish.checkouts import prepare, targets
    repo, checkout = example_published
    result = compile(repo / "platforms", root=repo)
    (target,) = targets(result, resolved_platforms(result), gitops=checkout, configs=None,
                        zones={}, zone_configs={}, root=repo)
    assert any(rel.startswith("charts/secrets-store/") for rel in target.files)
    for rel in sorted(target.files):
        path = checkout / rel
        saved = path.read_bytes()
        path.unlink()
        try:
            (planned,) = prepare([target], require_clean=False)
            assert rel in planned.changed, rel
        finally:
            path.write_bytes(saved)
    for rel in ("charts/secrets-store/templates/" + next(
            p.name for p in (repo / "charts/secrets-store/templates").iterdir()),
            "build/gitops/argo-apps/internet/roots/prod.yaml"):
        path = checkout / rel
        saved = path.read_bytes()
        path.write_bytes(saved + b"# stale\n")
        try:
            run = run_cli("publish", "--gitops", str(checkout), "--check", cwd=repo)
            assert run.returncode == 1 and f"not current: {path}" in run.stdout, run.stdout
        finally:
            path.write_bytes(saved)


def test_files_git_ignores_in_a_chart_folder_are_never_carried(tmp_path):
    """A file git ignores in a chart folder (a local values or `.env` file kept out of git) is
    never committed, so the repo server never reads it; `publish` and a zone's bundle do not
    carry it into another repository either (they copied the folder whole)."""
    from tests.zones.test_bundle import example_repository
    from gitops_dsl.api import compile, resolved_platforms
    from gitops_dsl.zones.bundle import bundle_files
    repo = example_repository(tmp_path)
    (repo / ".gitignore").write_text("charts/secrets-store/.env.local\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore local files")
    (repo / "charts/secrets-store/.env.local").write_text("DB_HOST=db.internal.acme\n")
    checkout = published_into_a_new_checkout(repo, tmp_path / "published")
    assert (checkout / "charts/secrets-store/values.yaml").is_file()
    assert not (checkout / "charts/secrets-store/.env.local").exists()
    result = compile(repo / "platforms", root=repo)
    members = bundle_files(result.files, resolved_platforms(result), "internet", repo)
    assert "gitops/charts/secrets-store/values.yaml" in members
    assert not [m for m in members if m.endswith(".env.local")]


def test_a_published_file_the_checkout_ignores_is_not_current(estate):
    """A rule of the configs repository that matches a published file (`config.yaml` kept out
    of git by a broad pattern): the file is written, never committed, and Argo CD never reads
    it. `publish` says so, and `publish --check` fails until the rule stops matching."""
    project, configs, _ = estate
    (configs / ".gitignore").write_text("config.yaml\n")
    git(configs, "add", ".gitignore")
    git(configs, "commit", "-q", "-m", "ignore")
    run = publish(project, configs)
    assert run.returncode == 0, run.stderr
    assert f"{configs / 'api/prod/config.yaml'}: warning: git ignores this generated file" \
        in run.stderr, run.stderr
    check = publish(project, configs, "--check")
    assert check.returncode == 1 and f"ignored:     {configs / 'api/prod/config.yaml'}" in check.stdout
    (configs / ".gitignore").write_text("")
    git(configs, "add", "-A")
    git(configs, "commit", "-q", "-m", "published")
    assert publish(project, configs, "--check").returncode == 0
