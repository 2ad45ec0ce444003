"""What one service ran in one environment over the git history of the platform files, and the
change that brings back an earlier state (`gitops-dsl history`, `gitops-dsl rollback`).

Every commit that touched the platforms folder (platform files, helpers, the versions file) is
compiled as it was (`git archive` into a temporary folder: the repository is not touched); the
service's Application in that environment gives its state: the image pin, the chart version and
the effective Helm values. Consecutive commits with the same state collapse into one entry, the
commit that introduced it.
"""
from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import GitopsDslError
from ..render.views import flatten
from .gitref import GitError, compile_at, run_git

if TYPE_CHECKING:
    from ..api import Result
    from ..model import Image

@attrs.frozen
class State:
    """What a service ran in an environment as of one commit."""

    commit: str
    date: str
    subject: str
    image: str | None           # the pin as the versions file writes it: tag, sha256:..., tag@sha256:...
    chart: str | None           # the chart version (external charts), else None
    chart_source: str           # what the chart is (repository and name, or a folder)
    values: dict[str, Any]                # effective values, the image left out
    #: the configuration (ConfigMap) and a digest of the secrets: a change to either restarts
    #: the service's pods (the standard chart's checksum annotations) without touching a pin
    config: dict[str, str] = attrs.field(factory=dict)
    secrets: str | None = None
    #: a chart folder of this repository (GitPath) and git's id of its tree at the commit: an
    #: edit there changes what Argo CD renders while every compiled file stays the same
    chart_folder: str | None = None
    chart_tree: str | None = None

    def same_as(self, other: State) -> bool:
        return not self.changed_since(other)

    def changed_since(self, older: State) -> list[str]:
        """What differs from `older`: image, chart, values, config, secrets."""
        return [what for what, differs in (
            ("image", self.image != older.image),
            ("chart", (self.chart, self.chart_source) != (older.chart, older.chart_source)),
            ("values", self.values != older.values), ("config", self.config != older.config),
            ("secrets", self.secrets != older.secrets),
            ("chart folder", self.chart_tree != older.chart_tree)) if differs]


class HistoryError(GitopsDslError, ValueError):
    """A request history cannot answer: the message says why and what to do."""


def _image_pin(image: Image | None) -> str | None:
    if image is None:
        return None
    if image.tag and image.digest:
        return f"{image.tag}@{image.digest}"
    return image.tag or image.digest or None


def state_of(result: Result, service: str, env: str, commit: str = "", date: str = "",
             subject: str = "") -> State | None:
    from ..api import resolved_apps
    from ..model.charts import GitPath, HelmChart
    for app in resolved_apps(result):
        if app.service.name == service and app.env.name == env:
            chart = app.chart
            values = {k: v for k, v in app.effective_values.items() if k != "image"}
            source = (f"{chart.repo_url} {chart.chart}" if isinstance(chart, HelmChart) else
                      f"{getattr(chart, 'path', 'standard chart')}")
            return State(commit, date, subject, _image_pin(app.image),
                         chart.version if isinstance(chart, HelmChart) else None, source, values,
                         dict(app.config), _secrets_digest(app.secrets, env),
                         chart.path.strip("/") if isinstance(chart, GitPath) and chart.repo is None
                         else None)
    return None


def _secrets_digest(secrets: Any, env: str) -> str | None:
    """A short digest of what the environment's Secret is made from (its own ciphertexts, or the
    external references): never the values, only whether they changed."""
    import hashlib
    import json

    from ..model.secrets import SealedSecrets
    if secrets is None:
        return None
    made_of = secrets.values.get(env) if isinstance(secrets, SealedSecrets) else secrets
    text = json.dumps(made_of, sort_keys=True, default=repr)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:12]


def check_repository(root: Path) -> Path:
    """The repository's top folder; refuses a shallow clone (its history is incomplete)."""
    try:
        top = Path(run_git(root, "rev-parse", "--show-toplevel").decode().strip())
        shallow = run_git(root, "rev-parse", "--is-shallow-repository").decode().strip()
    except GitError as exc:
        raise HistoryError(f"{root} is not a git repository ({exc})") from None
    if shallow == "true":
        raise HistoryError("this is a shallow clone: its history is incomplete. Run `git fetch "
                           "--unshallow` (in CI: fetch-depth: 0) first")
    return top


def dirty_paths(top: Path) -> list[str]:
    # --no-optional-locks: looking must not rewrite .git/index
    run = subprocess.run(["git", "--no-optional-locks", "-C", str(top), "status", "--porcelain"],
                         capture_output=True, text=True, check=False)
    return [line[3:] for line in run.stdout.splitlines() if line.strip()]


def history(root: Path, platforms: Path, service: str, env: str, **settings: Any) -> list[State]:
    """The states of `service` in `env`, newest first, one per change (the commit that made it)."""
    top = check_repository(root)
    rel = platforms.resolve().relative_to(top.resolve())
    base = root.resolve().relative_to(top.resolve())   # chart folders are paths below the root
    paths = [str(rel) or "."]
    head, _, _ = compile_at("HEAD", root, platforms, **settings)
    now = state_of(head, service, env) if head.ok else None
    if now is not None and now.chart_folder:          # its chart folder's commits count too
        paths.append(str(base / now.chart_folder))
    log = run_git(top, "log", "--format=%H%x1f%cI%x1f%s", "--", *paths).decode()
    commits = [line.split("\x1f") for line in log.splitlines() if line]
    if not commits:
        raise HistoryError(f"no commit touches {rel}: nothing to look back on")
    states: list[State] = []
    for sha, date, subject in reversed(commits):      # oldest first
        result, _, _ = compile_at(sha, root, platforms, **settings)
        if not result.ok:
            continue                                  # a commit that did not compile never ran
        found = state_of(result, service, env, sha, date, subject)
        if found is None:
            continue
        if found.chart_folder:
            found = attrs.evolve(found, chart_tree=_tree_id(top, sha, base / found.chart_folder))
        if not states or not found.same_as(states[-1]):
            states.append(found)
    return list(reversed(states))


def _tree_id(top: Path, sha: str, folder: Path) -> str | None:
    """git's id of a folder's tree at a commit (None: the folder is not there)."""
    try:
        return run_git(top, "rev-parse", "--verify", "--quiet", f"{sha}:{folder.as_posix()}").decode().strip()
    except GitError:
        return None


def state_at(ref: str, root: Path, platforms: Path, service: str, env: str,
             **settings: Any) -> State:
    top = check_repository(root)
    try:
        sha = run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitError:
        raise HistoryError(f"{ref!r} is not a commit of this repository") from None
    info = run_git(root, "log", "-1", "--format=%cI%x1f%s", sha).decode().strip().split("\x1f")
    result, _, _ = compile_at(sha, root, platforms, **settings)
    if not result.ok:
        raise HistoryError(f"the platform does not compile at {ref} ({sha[:12]})")
    found = state_of(result, service, env, sha, info[0], info[1] if len(info) > 1 else "")
    if found is None:
        raise HistoryError(f"{service} did not run in {env} at {ref} ({sha[:12]})")
    if found.chart_folder:
        base = root.resolve().relative_to(top.resolve())
        found = attrs.evolve(found, chart_tree=_tree_id(top, sha, base / found.chart_folder))
    return found


def value_differences(current: State, target: State) -> list[tuple[str, Any, Any]]:
    """(dotted path, now, then) for every effective value that differs."""
    now = {**flatten(current.values, "values"), **flatten(current.config, "config")}
    then = {**flatten(target.values, "values"), **flatten(target.config, "config")}
    if current.secrets != target.secrets:
        now["secrets"], then["secrets"] = current.secrets, target.secrets
    if current.chart_tree != target.chart_tree:
        where = f"chart folder {current.chart_folder or target.chart_folder}"
        now[where], then[where] = current.chart_tree, target.chart_tree
    return [(path, now.get(path), then.get(path)) for path in sorted(set(now) | set(then))
            if now.get(path) != then.get(path)]


def commits_to_revert(states: list[State], target: State) -> list[State]:
    """The states newer than `target` whose values or chart differ from the state before them:
    the commits that changed more than pins since then, newest first."""
    index = next((i for i, s in enumerate(states) if i and s.same_as(target)), len(states))
    chain = list(reversed(states[:index + 1]))          # oldest (the target's) first
    out = [after for before, after in itertools.pairwise(chain)
           if set(after.changed_since(before)) - {"image", "chart"}
           or before.chart_source != after.chart_source]
    return list(reversed(out))
