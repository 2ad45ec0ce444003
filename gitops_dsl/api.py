"""The library API the CLI wraps: compile in memory, then write or check.

    result = gitops_dsl.compile("platforms")     # load -> resolve -> check -> render, no IO out
    if result.ok:
        gitops_dsl.write(result, "build")        # emit: all or nothing, owned files only
"""
from __future__ import annotations

from pathlib import Path

import attrs

from .checks import run_checks
from .diagnostics import Diagnostic, error, has_errors, sort_key
from .emit import CheckReport, Plan, apply, check, plan, serialize_tree
from .load import load
from .render import render
from .resolve import resolve
from .tree import Document


@attrs.frozen
class Result:
    """A compile in memory: the rendered tree, its bytes, and every diagnostic."""

    platforms: tuple
    tree: dict            # output path -> Document
    files: dict           # output path -> bytes
    diagnostics: tuple
    root: Path | None = None
    suppressed: tuple = ()    # checks.Suppressed: silenced diagnostics with their reasons
    rules: tuple = ()         # user rules loaded from platforms/

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def compile(platforms_dir: str | Path, *, root: str | Path | None = None,  # noqa: A001
            severity: dict | None = None, allow: dict | None = None, render_tree: bool = True
            ) -> Result:
    """Load, resolve, check and render every platform in `platforms_dir`; write nothing.

    `severity` ({code: "error"|"warning"|"off"}) and `allow` ({code: reason}) are the project's
    rule settings. With errors, `tree` and `files` are empty: nothing half-rendered can be
    written. `render_tree=False` stops after the checks (what `gitops-dsl validate` does).
    """
    platforms_dir = Path(platforms_dir)
    root_path = Path(root).resolve() if root is not None else platforms_dir.resolve().parent
    loaded = load(platforms_dir)
    if has_errors(loaded.diagnostics):
        return Result(loaded.platforms, {}, {}, tuple(sorted(loaded.diagnostics, key=sort_key)),
                      root_path, (), loaded.rules)
    return compile_platforms(loaded.platforms, root=root_path, user_rules=loaded.rules,
                             severity=severity, allow=allow, render_tree=render_tree,
                             diagnostics=loaded.diagnostics)


def compile_platforms(platforms, *, root: str | Path | None = None, user_rules=(),
                      severity: dict | None = None, allow: dict | None = None,
                      render_tree: bool = True, diagnostics=()) -> Result:
    """Resolve, check and render Platform objects already in memory (no import, no IO)."""
    root_path = Path(root).resolve() if root is not None else None
    diagnostics = list(diagnostics)
    tree: dict[str, Document] = {}
    checked = []
    for platform in platforms:
        resolved = resolve(platform)
        outcome = run_checks(resolved, root_path, user_rules=user_rules, severity=severity,
                             allow=allow)
        diagnostics.extend(outcome.diagnostics)
        checked.append((resolved, outcome.suppressed))
    suppressed = tuple(s for _, items in checked for s in items)
    if not has_errors(diagnostics) and render_tree:
        for resolved, its_suppressed in checked:
            rendered = render(resolved, str(root_path) if root_path else None,
                              suppressed=its_suppressed)
            for path, document in rendered.items():
                if path in tree and tree[path] != document:
                    diagnostics.append(error(
                        "GD116", f"two platforms write {path}", location=resolved.platform.location,
                        hint="platforms compiled into one folder need distinct names for "
                             "services, environments and zones"))
                tree[path] = document
    diagnostics = sorted(diagnostics, key=sort_key)
    platforms = tuple(platforms)
    if has_errors(diagnostics):
        return Result(platforms, {}, {}, tuple(diagnostics), root_path, suppressed, tuple(user_rules))
    return Result(platforms, tree, serialize_tree(tree), tuple(diagnostics), root_path, suppressed,
                  tuple(user_rules))


def write(result: Result, out_dir: str | Path) -> Plan:
    """Write a successful compile into `out_dir`. Returns the plan that was carried out; a plan
    with conflicts (foreign files in the way) is returned unapplied."""
    if not result.ok:
        raise ValueError("a compile with errors cannot be written")
    out = Path(out_dir)
    the_plan = plan(out, result.files)
    if not the_plan.conflicts:
        apply(out, result.files, the_plan)
    return the_plan


def check_tree(result: Result, out_dir: str | Path) -> CheckReport:
    """Compare `out_dir` with a successful compile, writing nothing."""
    if not result.ok:
        raise ValueError("a compile with errors cannot be checked against a folder")
    return check(Path(out_dir), result.files)


@attrs.frozen
class SealTarget:
    """Where a sealed value of one service in one environment will be unsealed."""

    service: str
    env: str
    namespace: str
    name: str
    scope: str
    cluster: str
    cluster_fingerprint: str | None


def seal_target(result: Result, service: str, env: str) -> SealTarget:
    """The namespace and Secret name the standard chart renders for `service` in `env` (release
    name included), and the scope its SealedSecrets declare. Raises LookupError naming what is
    missing."""
    from .model.secrets import SealedSecrets

    for platform in result.platforms:
        for app in resolve(platform).apps:
            if app.service.name == service and app.env.name == env:
                secrets = app.secrets if isinstance(app.secrets, SealedSecrets) else None
                return SealTarget(service, env, app.namespace,
                                  (secrets.name if secrets and secrets.name else app.release_name),
                                  secrets.scope if secrets else "strict", app.env.cluster.name,
                                  app.env.cluster.sealing_cert_fingerprint)
    known = sorted({f"{a.service.name}/{a.env.name}" for p in result.platforms for a in resolve(p).apps})
    raise LookupError(f"no service {service!r} in environment {env!r}; known: {', '.join(known[:20])}")


@attrs.frozen
class Deletion:
    """An Application a write would delete (Argo CD prunes it; with the resources finalizer,
    its workloads go too)."""

    app: str
    service: str
    env: str
    zone: str
    protected: bool


def pending_deletions(result: Result, out_dir: str | Path) -> list[Deletion]:
    """Applications in `out_dir` that `result` no longer produces (moves and declared renames
    excluded: the same Application name, or a service's previous name, is not a deletion).
    Reads only the Application files that are about to go."""
    from .emit.writer import read_manifest
    from .review.views import app_views

    out = Path(out_dir)
    gone = {}
    for path in read_manifest(out):
        if path.startswith("gitops/argo-apps/") and "/apps/" in path and path not in result.tree:
            try:
                gone[path] = (out / path).read_bytes()
            except OSError:
                continue
    if not gone:
        return []
    new_names = set()
    renamed = set()
    previous = {s.name: s.previous_names for p in result.platforms for s in p.services}
    for path, document in result.tree.items():
        if path.startswith("gitops/argo-apps/") and "/apps/" in path:
            new_names.add(document.data["metadata"]["name"])
            parts = path.split("/")
            service = parts[-1][:-len(".yaml")]
            renamed |= {(parts[2], parts[4], prev) for prev in previous.get(service, ())}
    return [Deletion(v.name, v.service, v.env, v.zone, v.protected)
            for key, v in sorted(app_views(gone).items())
            if v.name not in new_names and key not in renamed]


def renames(result: Result) -> dict[str, tuple]:
    return {s.name: s.previous_names for p in result.platforms for s in p.services if s.previous_names}
