"""The library API the CLI wraps: compile in memory, then write or check.

    result = gitops_dsl.compile("platforms")     # load -> resolve -> check -> render, no IO out
    if result.ok:
        gitops_dsl.write(result, "build")        # emit: all or nothing, owned files only
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .checks import Checked, run_checks
from .diagnostics import error, has_errors, sort_key
from .emit.files import Files, serialize_tree
from .emit.tree import Document
from .emit.writer import CheckReport, Plan, apply, check, plan
from .errors import NotFound
from .fingerprint import GITIGNORE
from .load import load
from .recorder import loaded as platform_loaded
from .recorder import recording
from .render import render
from .render.names import parse
from .render.reads import chart_inputs
from .resolve import Resolved, resolve
from .versions.file import EMPTY, check_references

if TYPE_CHECKING:
    from .checks.registry import Rule
    from .codecache import CodeCache
    from .diagnostics import Diagnostic, Suppressed
    from .incremental import Record
    from .model import Platform
    from .recorder import Recorder
    from .reuse import Reuse
    from .versions.file import Versions

OVERVIEW = "README.md"   # the compiled tree's overview (render/overview.py)


@attrs.frozen(kw_only=True)
class Result:
    """A compile in memory: the rendered tree, its bytes, and every diagnostic (made by
    keyword; a compile with errors has an empty tree and no files)."""

    platforms: tuple[Platform, ...]
    diagnostics: tuple[Diagnostic, ...]
    tree: dict[str, Document] = attrs.field(factory=dict)     # output path -> Document
    #: output path -> bytes (each serialized on first access)
    files: Files = attrs.field(factory=lambda: serialize_tree({}))
    root: Path | None = None
    suppressed: tuple[Suppressed, ...] = ()  # silenced diagnostics with their reasons
    rules: tuple[Rule, ...] = ()             # user rules loaded from platforms/
    versions: tuple[Versions, ...] = ()      # the versions file of each platform
    inputs: Recorder | None = None           # what the compile read (with a recording cache)
    #: with a recording cache: repository path -> the Applications whose chart reads it (`diff`)
    chart_inputs: dict[str, tuple[str, ...]] | None = None
    #: with units: what this compile made of each service, to keep for the next (incremental)
    units: dict[str, Record] | None = None
    #: the names of the Applications whose files were reused from the last compile
    reused_apps: frozenset[str] = frozenset()
    #: (Applications reused, Applications) when the last compile's units were offered
    reuse: tuple[int, int] | None = None
    #: why nothing could be reused (a platform the keys cannot see into), when units were asked
    unkeyed: str | None = None
    #: each platform as this compile resolved it (`resolved_platforms` resolves again without)
    resolved: tuple[Resolved, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


class Cache(Protocol):
    """What a compile asks of the output folder's caches (`cache.CompileCache` is the one the
    CLI opens): whether to record what the compile reads, the platform's compiled code, and what
    to reuse of the last compile, service by service."""

    record: bool
    code: CodeCache | None

    def reuse(self, root: Path, settings: Any) -> Reuse | None: ...


def compile(platforms_dir: str | Path, *, root: str | Path | None = None,
            severity: dict[str, Any] | None = None, allow: dict[str, Any] | None = None,
            render_tree: bool = True, versions_text: Mapping[Path, str] | None = None,
            cache: Cache | None = None) -> Result:
    """Load, resolve, check and render every platform in `platforms_dir`; write nothing.

    `severity` ({code: "error"|"warning"|"off"}) and `allow` ({code: reason}) are the project's
    rule settings. With errors, `tree` and `files` are empty: nothing half-rendered can be
    written. `render_tree=False` stops after the checks (what `gitops-dsl validate` does),
    but for several platforms, rendered to find a file two of them write (GD116).
    `versions_text` stands in for versions files (path -> text). With `cache` (see `cache`), the
    compile records what it reads, compiles the platform's modules through the code cache and
    reuses what the last compile made of each unchanged service; the result is the same.
    """
    platforms_dir = Path(platforms_dir)
    root_path = Path(root).resolve() if root is not None else platforms_dir.resolve().parent
    settings = (severity, allow)
    if cache is None or not cache.record:
        return _compile(platforms_dir, root_path, settings, render_tree, versions_text, cache)
    with recording(Path(root) if root is not None else platforms_dir.resolve().parent) as recorder:
        result = _compile(platforms_dir, root_path, settings, render_tree, versions_text, cache)
        if result.ok:
            read_by = chart_inputs([a for r in result.resolved for a in r.apps], root_path)
            result = attrs.evolve(result, chart_inputs={
                path: tuple(sorted(apps)) for path, apps in sorted(read_by.items())})
    return attrs.evolve(result, inputs=recorder)


def _compile(platforms_dir: Path, root: Path, settings: tuple[Any, Any], render_tree: bool,
             versions_text: Mapping[Path, str] | None, cache: Cache | None) -> Result:
    loaded = load(platforms_dir, versions_text=versions_text,
                  code=cache.code if cache is not None else None)
    platform_loaded()
    if has_errors(loaded.diagnostics):
        return Result(platforms=loaded.platforms,
                      diagnostics=tuple(sorted(loaded.diagnostics, key=sort_key)), root=root,
                      rules=loaded.rules, versions=loaded.versions)
    severity, allow = settings
    return compile_platforms(loaded.platforms, root=root, user_rules=loaded.rules,
                             severity=severity, allow=allow, render_tree=render_tree,
                             diagnostics=loaded.diagnostics, versions=loaded.versions,
                             reuse=cache.reuse(root, settings) if cache is not None else None)


def compile_platforms(platforms: Iterable[Platform], *, root: str | Path | None = None,
                      user_rules: Sequence[Rule] = (), severity: dict[str, str] | None = None,
                      allow: dict[str, str] | None = None, render_tree: bool = True,
                      diagnostics: Iterable[Diagnostic] = (), versions: Sequence[Versions] = (),
                      reuse: Reuse | None = None) -> Result:
    """Resolve, check and render Platform objects already in memory (no import, no IO).
    `reuse` (see `reuse.Reuse`) spares the unchanged services' checks and renders."""
    root_path = Path(root).resolve() if root is not None else None
    platforms = tuple(platforms)
    versions = tuple(versions) or (EMPTY,) * len(platforms)
    found = list(diagnostics)
    checked: list[tuple[Resolved, Checked]] = []
    try:
        for platform, pins, findings in _with_versions_findings(platforms, versions):
            found += findings
            if reuse is not None:
                reuse.start(platform, pins)   # hashing its services meanwhile, in a child
            resolved = resolve(platform, pins)
            outcome = run_checks(resolved, root_path, user_rules=user_rules, severity=severity,
                                 allow=allow, reuse=reuse)
            found += outcome.diagnostics
            checked.append((resolved, outcome))
    finally:
        if reuse is not None:
            reuse.close()
    suppressed = tuple(s for _, outcome in checked for s in outcome.suppressed)
    # platforms sharing the output folder are rendered even when only checked: that two of
    # them write one file differently (GD116) is found by rendering them
    tree = (_render(checked, root_path, reuse, found)
            if (render_tree or len(checked) > 1) and not has_errors(found) else {})
    if not render_tree:
        tree = {}
    ordered = tuple(sorted(found, key=sort_key))
    if has_errors(ordered):
        return Result(platforms=platforms, diagnostics=ordered, root=root_path,
                      suppressed=suppressed, rules=tuple(user_rules), versions=versions)
    files = serialize_tree(tree, reuse.paths if reuse is not None else {},
                           reuse.read if reuse is not None and reuse.previous is not None else None)
    return Result(platforms=platforms, tree=tree, files=files, diagnostics=ordered, root=root_path,
                  suppressed=suppressed, rules=tuple(user_rules), versions=versions,
                  units=reuse.made if reuse is not None and render_tree else None,
                  reused_apps=frozenset(reuse.apps if reuse is not None else ()),
                  reuse=((reuse.reused, reuse.compiled)
                         if reuse is not None and reuse.previous is not None else None),
                  unkeyed=reuse.refused if reuse is not None else None,
                  resolved=tuple(resolved for resolved, _ in checked))


def _with_versions_findings(platforms: tuple[Platform, ...], versions: tuple[Versions, ...]
                            ) -> Iterator[tuple[Platform, Versions, list[Diagnostic]]]:
    """Each platform with its versions file, and the findings about a versions file (pins of
    services no platform reading it has) with the first platform that reads it."""
    readers: dict[Any, list[Platform]] = {}   # a versions file -> the platforms that read it
    for platform, pins in zip(platforms, versions):
        readers.setdefault(pins.path or id(pins), []).append(platform)
    seen: set[Any] = set()
    for platform, pins in zip(platforms, versions):
        key = pins.path or id(pins)
        first = key not in seen
        seen.add(key)
        yield platform, pins, check_references(pins, readers[key]) if first else []


def _render(checked: list[tuple[Resolved, Checked]], root: Path | None, reuse: Reuse | None,
            found: list[Diagnostic]) -> dict[str, Document]:
    """The tree of every platform (several may share an output folder: a file two of them
    write differently is GD116, appended to `found`)."""
    tree: dict[str, Document] = {}
    written_by: dict[str, Platform] = {}
    reused_paths = reuse.paths if reuse is not None else {}
    platforms = [resolved.platform for resolved, _ in checked]
    for resolved, outcome in checked:
        skip, skip_values = (reuse.skipped(resolved) if reuse is not None
                             else (frozenset(), frozenset()))
        rendered = render(resolved, str(root) if root else None, suppressed=outcome.suppressed,
                          skip=skip, skip_values=skip_values)
        if reuse is not None:
            reuse.rendered(resolved, rendered, outcome)
        for path, document in rendered.items():
            if path in reused_paths:
                # a reused file of another platform in this folder
                other = next((p for p in platforms if p is not resolved.platform),
                             resolved.platform)
                found.append(_collision(path, resolved.platform, other))
            if path == OVERVIEW and path in tree:
                # several platforms in one folder: one overview with a section for each, in the
                # order the platforms were found
                first = tree[path]
                tree[path] = Document(f"{first.data.rstrip()}\n\n---\n\n{document.data}", "text",
                                      None)
                continue
            if path in tree and tree[path] != document:
                found.append(_collision(path, resolved.platform, written_by[path]))
            tree[path] = document
            written_by.setdefault(path, resolved.platform)
    if tree:
        tree[".gitignore"] = Document(GITIGNORE, "raw")   # the local cache of the output folder
    return tree


def _collision(path: str, platform: Platform, other: Platform) -> Diagnostic:
    """GD116, saying why two platforms in one output folder write the same file."""
    zone = parse(path).zone or None
    shared = zone is not None and any(e.zone.name == zone for e in platform.environments) and \
        any(e.zone.name == zone for e in other.environments)
    if shared:
        return error("GD116", f"platforms {other.name!r} and {platform.name!r} share zone {zone!r} "
                              f"in one output folder (both write {path})",
                     location=platform.location, subject=path,
                     hint="a zone's folders are read by one platform's zone Application: compile "
                          "the two platforms into separate output folders (--platforms/--out, one "
                          "folder of platform files each), or give each its own zones")
    return error("GD116", f"platforms {other.name!r} and {platform.name!r} both write {path}",
                 location=platform.location, subject=path,
                 hint="platforms compiled into one folder need distinct service, environment and "
                      "zone names")


def write(result: Result, out_dir: str | Path) -> Plan:
    """Write a successful compile into `out_dir`. Returns the plan that was carried out; a plan
    with conflicts (foreign files in the way) is returned unapplied."""
    if not result.ok:
        raise ValueError("a compile with errors cannot be written")
    from .emit.journal import recover
    out = Path(out_dir)
    repaired = recover(out) if out.is_dir() else None
    the_plan = plan(out, result.files)
    if not the_plan.conflicts:
        apply(out, result.files, the_plan)
    return attrs.evolve(the_plan, recovered=repaired)


def check_tree(result: Result, out_dir: str | Path) -> CheckReport:
    """Compare `out_dir` with a successful compile, writing nothing."""
    if not result.ok:
        raise ValueError("a compile with errors cannot be checked against a folder")
    # what git ignores there is never committed: a foreign file Argo CD never reads, a
    # generated one it never reads either
    from .argo.links import ignored_paths, not_ignored
    out = Path(out_dir)
    report = check(out, result.files)
    return attrs.evolve(report, foreign=tuple(not_ignored(out, report.foreign)),
                        ignored=tuple(ignored_paths(out, result.files.keys(), root_itself=False)))


def resolved_platforms(result: Result) -> list[Any]:
    """Each platform of a compile as it resolved them (resolved again, with its versions file's
    pins, for a result made elsewhere)."""
    if result.resolved:
        return list(result.resolved)
    versions = result.versions or (None,) * len(result.platforms)
    return [resolve(p, v) for p, v in zip(result.platforms, versions)]


def resolved_apps(result: Result) -> list[Any]:
    return [a for resolved in resolved_platforms(result) for a in resolved.apps]


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

    for app in resolved_apps(result):
        if app.service.name == service and app.env.name == env:
            secrets = app.secrets if isinstance(app.secrets, SealedSecrets) else None
            return SealTarget(service, env, app.namespace,
                              (secrets.name if secrets and secrets.name else app.release_name),
                              secrets.scope if secrets else "strict", app.env.cluster.name,
                              app.env.cluster.sealing_cert_fingerprint)
    known = sorted({f"{a.service.name}/{a.env.name}" for a in resolved_apps(result)})
    raise NotFound(f"no service {service!r} in environment {env!r}; known: {', '.join(known[:20])}")


def renames(result: Result) -> dict[str, tuple[Any, ...]]:
    return {s.name: s.previous_names for p in result.platforms for s in p.services if s.previous_names}


