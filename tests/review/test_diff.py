"""`gitops-dsl diff` in a real temporary git repository: commit, change, and read the exact diff."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import MINIMAL, make_project, need_engine, run_cli
from tests.test_sealing import CERT
from gitops_dsl.secrets.sealing import seal

SEALED = seal(CERT, b"first-secret-value", namespace="demo-prod", name="api")
RESEALED = seal(CERT, b"second-secret-value", namespace="demo-prod", name="api")
BASE = MINIMAL.replace(
    'values={"replicaCount": 1},',
    f'values={{"replicaCount": 1}}, secrets=SealedSecrets({{"stg": {{"TOKEN": "{SEALED}"}}, '
    f'"prod": {{"TOKEN": "{SEALED}"}}}}),')


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                               "HOME": str(project), "PATH": "/usr/bin:/bin"}).stdout


def committed_project(root: Path, source: str) -> Path:
    """A project in a git repository of its own, compiled and committed on main."""
    project = make_project(root, source)
    git(project, "init", "-q", "-b", "main")
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    return project


@pytest.fixture
def repo(tmp_path) -> Path:
    return committed_project(tmp_path / "repo", BASE)


def change(project: Path, old: str, new: str) -> None:
    platform = project / "platforms" / "demo.py"
    text = platform.read_text()
    assert old in text, old
    platform.write_text(text.replace(old, new))


def test_no_changes(repo):
    result = run_cli("diff", "--exit-code", cwd=repo)
    assert result.returncode == 0 and result.stdout == "no changes\n"


def test_value_image_and_dependency_changes_exact_text(repo):
    change(repo, 'per_env={"prod": Overlay(values={"replicaCount": 3})}',
           'per_env={"prod": Overlay(values={"replicaCount": 4}, image=Image("ghcr.io/acme/api", "1.1.0"))}')
    change(repo, 'config={"LOG_LEVEL": "info"}', 'config={"LOG_LEVEL": "debug"}')
    result = run_cli("diff", "--env", "prod", cwd=repo)
    assert result.stdout == (
        "zone internet, environment prod\n"
        "  ~ api-prod\n"
        '      config.LOG_LEVEL: "info" -> "debug"\n'
        '      values.image.tag: "1.0.0" -> "1.1.0"\n'
        "      values.replicaCount: 3 -> 4\n")
    assert run_cli("diff", "--exit-code", cwd=repo).returncode == 1


def test_dependency_and_wave_move(repo):
    change(repo, 'Service("db", project="app", wave=first,',
           'Service("db", project="app", wave=first, depends_on=["cache"],')
    change(repo, "    ],\n)", '        Service("cache", project="app", wave=first,\n'
                             '                chart=HelmChart("https://charts.example", "c", "1.0.0")),\n'
                             "    ],\n)")
    change(repo, 'Service("db", project="app", wave=first,', 'Service("db", project="app", wave=second,')
    change(repo, 'Service("api", project="app", wave=second,', 'Service("api", project="app", wave=third,')
    change(repo, 'first, second = Waves("first", "second")', 'first, second, third = Waves("first", "second", "third")')
    text = run_cli("diff", "--env", "stg", cwd=repo).stdout
    assert text == (
        "zone internal, environment stg\n"
        "  + cache-stg added (wave 0)\n"
        "  ~ api-stg\n"
        "      wave: 1 -> 2\n"
        "  ~ db-stg\n"
        "      wave: 0 -> 1\n")


def test_removed_service_listed_first_and_bold_in_markdown(repo):
    change(repo, 'Service("db", project="app", wave=first,\n                '
                 'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),\n', "")
    change(repo, ', depends_on=["db"]', "")
    change(repo, 'values={"replicaCount": 1},', 'values={"replicaCount": 2},')
    text = run_cli("diff", cwd=repo).stdout
    assert text.splitlines()[:5] == [
        "zone internal, environment stg", "  - db-stg removed",
        "      (Argo CD deletes the Application and, through its resources finalizer, its workloads)",
        "  ~ api-stg", "      values.replicaCount: 1 -> 2"]
    assert text.count("zone internet, environment prod") == 1    # one header per environment
    md = run_cli("diff", "--format", "markdown", cwd=repo).stdout
    assert md.startswith("### gitops-dsl diff\n\n| zone | environment | removed | renamed | added | changed |")
    assert "| internal | stg | **1** | 0 | 0 | 1 |" in md
    assert "| internet | prod | **1** | 0 | 0 | 0 |" in md  # prod's overlay keeps 3 replicas
    assert ("- **db-prod** (internet/prod): Argo CD deletes the Application and, through its "
            "resources finalizer, its workloads") in md
    assert md.index("**Deleted Applications:**") < md.index("<details>")
    data = json.loads(run_cli("diff", "--format", "json", cwd=repo).stdout)
    kinds = [(c["kind"], c["app"]) for c in data["changes"]]
    assert kinds == [("removed", "db-stg"), ("removed", "db-prod"), ("changed", "api-stg")]
    assert {"path": "values.replicaCount", "old": 1, "new": 2} in data["changes"][2]["fields"]


def test_against_a_git_ref(repo):
    change(repo, 'values={"replicaCount": 1},', 'values={"replicaCount": 5},')
    assert run_cli("compile", cwd=repo).returncode == 0
    git(repo, "commit", "-q", "-am", "five replicas")
    assert run_cli("diff", cwd=repo).stdout == "no changes\n"       # build/ is current
    text = run_cli("diff", "--against", "HEAD~1", "--env", "stg", cwd=repo).stdout
    assert text == "zone internal, environment stg\n  ~ api-stg\n      values.replicaCount: 1 -> 5\n"
    bad = run_cli("diff", "--against", "no-such-ref", cwd=repo)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert ("--against no-such-ref: not a branch, tag or commit of the git repository at "
            f"{repo.resolve()}; `--against build` compares with the output folder") in bad.stderr
    option = run_cli("diff", "--against=--output=x", cwd=repo)   # never given to git as an option
    assert option.returncode == 1 and "not a branch, tag or commit" in option.stderr


def test_against_the_output_folder_by_its_path(repo):
    """`--against build` names the output folder whatever it is called; its path, from wherever
    the command runs, names it too (it was taken for a git revision)."""
    change(repo, 'values={"replicaCount": 1},', 'values={"replicaCount": 5},')
    expected = run_cli("diff", "--against", "build", cwd=repo)
    assert "values.replicaCount: 1 -> 5" in expected.stdout
    for against, cwd in (("build/", repo), ("../build", repo / "platforms"),
                         (str(repo / "build"), repo / "platforms")):
        run = run_cli("diff", "--against", against, cwd=cwd)
        assert (run.returncode, run.stdout) == (0, expected.stdout), (against, run.stderr)


def test_secret_values_never_appear(repo):
    change(repo, f'"prod": {{"TOKEN": "{SEALED}"}}', f'"prod": {{"TOKEN": "{RESEALED}"}}')
    outputs = [run_cli("diff", *args, cwd=repo).stdout for args in
               [(), ("--format", "markdown"), ("--format", "json")]]
    assert "secrets.TOKEN: ciphertext changed" in outputs[0]
    assert '"secret": "ciphertext changed"' in outputs[2]
    for out in outputs:
        for forbidden in (SEALED, RESEALED, SEALED[:40], RESEALED[:40], "first-secret", "second-secret"):
            assert forbidden not in out


def test_a_credential_allowed_by_name_is_never_shown(repo):
    """A platform may allow GD504 by name (a token it rotates, say); the diff, posted to pull
    requests, still never shows the value: what looks like a credential is masked wherever it
    is, as a value under a secret-like key always was. The change still shows."""
    hook = "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/" + "q" * 24
    change(repo, '"redis", "19.6.0")),',
           f'"redis", "19.6.0"), values={{"alerts": {{"url": "{hook}"}}}}, '
           'allow={"GD504": "a test webhook, rotated weekly"}),')
    for fmt in ("text", "markdown", "json"):
        run = run_cli("diff", "--format", fmt, cwd=repo)
        assert run.returncode == 0, run.stderr
        assert "alerts.url" in run.stdout and "hooks.slack" not in run.stdout, run.stdout
        if fmt == "text":
            assert "values.alerts.url: added (value not shown)" in run.stdout, run.stdout


def test_a_credential_in_a_file_carried_in_a_value_is_never_shown(repo):
    """The same for a secret inside a YAML file carried in a string (an application.yaml a
    chart mounts): its key names a secret, although the string's own key does not."""
    change(repo, '"redis", "19.6.0")),',
           '"redis", "19.6.0"), values={"appYaml": "db:\\n  dbPassword: rotated-weekly-42\\n"}, '
           'allow={"GD504": "a test database, rotated weekly"}),')
    for fmt in ("text", "markdown", "json"):
        run = run_cli("diff", "--format", fmt, cwd=repo)
        assert run.returncode == 0, run.stderr
        assert "appYaml" in run.stdout and "rotated-weekly-42" not in run.stdout, run.stdout


def test_environment_drift(repo):
    text = run_cli("diff", "--env", "stg", "--to-env", "prod", cwd=repo).stdout
    assert text == ("stg -> prod\n"
                    "  api\n"
                    "      values.replicaCount: 1 -> 3\n")


def test_a_removed_field_is_a_change(repo):
    change(repo, 'config={"LOG_LEVEL": "info"}', 'config={}')
    result = run_cli("diff", "--env", "prod", "--exit-code", cwd=repo)
    assert result.returncode == 1, result.stdout
    assert "config.LOG_LEVEL" in result.stdout and '"info"' in result.stdout


CHARTED = MINIMAL.replace(
    'chart=HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")),',
    'chart=GitPath("charts/db")),')


@pytest.fixture
def charted(tmp_path) -> Path:
    """A repository whose `db` service is a chart folder of the repository itself."""
    project = make_project(tmp_path / "repo", CHARTED)
    chart = project / "charts" / "db"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                                 "  name: db\ndata:\n  r: \"{{ .Values.replicas }}\"\n")
    git(project, "init", "-q", "-b", "main")
    assert run_cli("compile", cwd=project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    return project


def test_a_chart_folder_change_names_the_applications_it_affects(charted):
    """And, rendered with the Helm engine at the base and now, the resources that change."""
    need_engine()
    (charted / "charts/db/values.yaml").write_text("replicas: 3\n")
    (charted / "charts/db/templates/extra.yaml").write_text("# new\n")
    assert run_cli("compile", "--check", cwd=charted).returncode == 0   # no compiled file changes
    text = run_cli("diff", "--exit-code", cwd=charted)
    assert text.returncode == 1
    assert text.stdout == ("chart folder charts/db changed: what Argo CD renders changes for "
                           "db-prod, db-stg\n"
                           "  added: charts/db/templates/extra.yaml\n"
                           "  changed: charts/db/values.yaml\n"
                           '  rendered db-prod: ~ ConfigMap db: data.r: "1" -> "3"\n'
                           '  rendered db-stg: ~ ConfigMap db: data.r: "1" -> "3"\n')
    md = run_cli("diff", "--format", "markdown", cwd=charted).stdout
    assert "**Chart folder `charts/db` changed** (2 file(s)): what Argo CD renders changes for " \
           "**db-prod**, **db-stg**" in md
    assert '- rendered `db-prod: ~ ConfigMap db: data.r: "1" -> "3"`' in md
    data = json.loads(run_cli("diff", "--format", "json", cwd=charted).stdout)
    assert data["inputs"] == [{"path": "charts/db", "applications": ["db-prod", "db-stg"], "files": [
        {"path": "charts/db/templates/extra.yaml", "change": "added"},
        {"path": "charts/db/values.yaml", "change": "changed"}], "resources": [
        {"application": app, "kind": "ConfigMap", "name": "db", "change": "changed",
         "fields": [{"path": "data.r", "old": "1", "new": "3"}], "more_fields": 0}
        for app in ("db-prod", "db-stg")]}]
    only_prod = run_cli("diff", "--env", "prod", cwd=charted).stdout
    assert "for db-prod\n" in only_prod and "db-stg" not in only_prod


def test_the_default_base_is_the_merge_base_with_the_default_branch(charted):
    git(charted, "checkout", "-q", "-b", "feature")
    change(charted, 'values={"replicaCount": 1},', 'values={"replicaCount": 2},')
    assert run_cli("compile", cwd=charted).returncode == 0
    git(charted, "commit", "-q", "-am", "two replicas")
    # build/ is current and committed: compared with main's merge base, the change still shows
    assert run_cli("diff", "--against", "build", cwd=charted).stdout == "no changes\n"
    text = run_cli("diff", "--env", "stg", cwd=charted).stdout
    assert text == "zone internal, environment stg\n  ~ api-stg\n      values.replicaCount: 1 -> 2\n"


def test_diff_outside_git_says_what_to_compare_with(tmp_path):
    project = make_project(tmp_path / "p")
    result = run_cli("diff", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not in a git repository" in result.stderr and "--against build" in result.stderr


def test_a_chart_template_change_shows_resources_added_and_secret_values_masked(charted):
    need_engine()
    (charted / "charts/db/templates/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n")
    out = run_cli("diff", "--env", "prod", cwd=charted).stdout
    assert "rendered db-prod: + Secret db added" in out and "db-stg" not in out
    git(charted, "add", "-A")
    git(charted, "commit", "-q", "-m", "secret")
    (charted / "charts/db/templates/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter3\n")
    out = run_cli("diff", "--against", "HEAD", "--env", "prod", cwd=charted).stdout
    assert "rendered db-prod: ~ Secret db: stringData.password: value changed" in out
    assert "hunter" not in out


def test_without_the_helm_engine_the_diff_says_resources_were_not_compared(charted, tmp_path):
    (charted / "charts/db/values.yaml").write_text("replicas: 3\n")
    broken = tmp_path / "broken"
    (broken / "helm_python").mkdir(parents=True)
    (broken / "helm_python/__init__.py").write_text("raise ImportError('no engine')\n")
    out = run_cli("diff", cwd=charted, env={"PYTHONPATH": str(broken)}).stdout
    assert "chart folder charts/db changed" in out
    assert "(rendered resources not compared: rendering needs the Helm engine" in out


def test_the_files_a_compile_reused_are_searched_on_disk_not_read():
    """touched_apps: an Application file the compile in memory reused (as on disk) is searched
    for the changed file's path by `on_disk` (git grep over the output folder), never read;
    the others by their data; and the answer is the one reading every file gives."""
    from collections.abc import Mapping

    from gitops_dsl.review.diff import touched_apps
    app = "gitops/argo-apps/z/apps/{env}/app/{svc}.yaml"
    names = {"dev": b"values/api/values.yaml", "prod": b"values/web/values.yaml"}
    files = {app.format(env=env, svc=svc): b"path: $values/" + names[env] + b"\n"
             for env in names for svc in ("api", "web")}
    files["gitops/values/api/values.yaml"] = b"x: 2\n"

    class Compiled(Mapping[str, bytes]):
        reused = {p: "key" for p in files if "/dev/" in p}   # as the last compile wrote them
        read: list[str] = []

        def __getitem__(self, path: str) -> bytes:
            self.read.append(path)
            return files[path]

        def __iter__(self):
            return iter(files)

        def __len__(self) -> int:
            return len(files)

        def strings(self, path: str) -> bytes:
            return self[path]

    asked: list[list[bytes]] = []

    def on_disk(strings: list[bytes]) -> set[str]:
        asked.append(strings)
        return {p for p in Compiled.reused if any(s in files[p] for s in strings)}

    old = {**files, "gitops/values/api/values.yaml": b"x: 1\n"}
    changed = {"gitops/values/api/values.yaml"}
    new = Compiled()
    found = touched_apps(old, new, changed, on_disk=on_disk)
    assert asked == [[b"values/api/values.yaml"]]
    assert not set(new.read) & set(Compiled.reused)
    everything = touched_apps(old, dict(files), changed)
    assert found == everything == {app.format(env="dev", svc=s) for s in ("api", "web")}


def test_the_default_branch_is_origins_head_then_main_or_master_with_a_common_history(tmp_path):
    """default_base: origin's HEAD names the default branch when there is a remote; else main
    or master, remote before local; a branch without common history is passed over."""
    from gitops_dsl.review.gitref import GitError, default_base
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "trunk")

    def commit(message: str) -> str:
        (repo / "f").write_text(message)
        git(repo, "add", "f")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", message)
        return git(repo, "rev-parse", "HEAD").strip()

    first = commit("first")
    with pytest.raises(GitError, match="no default branch"):
        default_base(repo)                       # neither main nor master, no remote
    git(repo, "branch", "master")
    second = commit("second")
    assert default_base(repo) == first           # master
    git(repo, "branch", "main")
    third = commit("third")
    assert default_base(repo) == second          # main before master
    git(repo, "update-ref", "refs/remotes/origin/master", first)
    assert default_base(repo) == first           # a remote branch before a local one
    git(repo, "update-ref", "refs/remotes/origin/trunk", third)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert default_base(repo) == third           # the branch origin's HEAD names, first of all
    # a default branch that shares no history with HEAD: the next one
    git(repo, "checkout", "-q", "--orphan", "other")
    lone = commit("lone")
    git(repo, "update-ref", "refs/remotes/origin/trunk", lone)
    git(repo, "checkout", "-q", "trunk")
    assert default_base(repo) == first           # origin/master, the next candidate
