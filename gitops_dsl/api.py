"""The library API the CLI wraps: compile in memory, then write or check.

    result = gitops_dsl.compile("platforms")     # load -> resolve -> check -> render, no IO out
    if result.ok:
        gitops_dsl.write(result, "build")        # emit: all or nothing, owned files only
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .checks import run_checks
from .diagnostics import error, has_errors, sort_key
from .emit import CheckReport, Plan, apply, check, plan, serialize_tree
from .emit.tree import Document
from .fingerprint import GITIGNORE

OVERVIEW = "README.md"   # the compiled tree's overview (render/overview.py)
from .load import load
from .naming import UnknownName
from .render import render
from .resolve import Resolved, resolve

if TYPE_CHECKING:
    from .checks.registry import Rule
    from .codecache import CodeCache
    from .diagnostics import Diagnostic, Suppressed
    from .emit.writer import Entry
    from .incremental import Previous, Unit
    from .model import Platform
    from .recorder import Recorder
    from .versions.file import Versions

#: one pin to set: (service, field, value, environment or None for every environment)
PinEdit = tuple[str, str, str, "str | None"]


@attrs.frozen
class Result:
    """A compile in memory: the rendered tree, its bytes, and every diagnostic."""

    platforms: tuple[Platform, ...]
    tree: dict[str, Document]       # output path -> Document
    files: Mapping[str, bytes]      # output path -> bytes (serialized on first access)
    diagnostics: tuple[Diagnostic, ...]
    root: Path | None = None
    suppressed: tuple[Suppressed, ...] = ()  # silenced diagnostics with their reasons
    rules: tuple[Rule, ...] = ()             # user rules loaded from platforms/
    versions: tuple[Versions, ...] = ()      # the versions file of each platform
    inputs: Recorder | None = None           # what the compile read (with record_inputs=True)
    #: with record_inputs: repository path -> the Applications whose chart reads it (for `diff`)
    chart_inputs: dict[str, tuple[str, ...]] | None = None
    #: with units: what this compile made of each service, to keep for the next (incremental)
    units: dict[str, Unit] | None = None
    #: the names of the Applications whose files were reused from the last compile
    reused_apps: frozenset[str] = frozenset()
    #: (services reused, services) when the last compile's units were offered
    reuse: tuple[int, int] | None = None
    #: why nothing could be reused (a platform the keys cannot see into), when units were asked
    unkeyed: str | None = None
    #: each platform as this compile resolved it (`resolved_platforms` resolves again without)
    resolved: tuple[Any, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def compile(platforms_dir: str | Path, *, root: str | Path | None = None,
            severity: dict[str, Any] | None = None, allow: dict[str, Any] | None = None, render_tree: bool = True,
            versions_text: Mapping[Path, str] | None = None, record_inputs: bool = False,
            units: bool = False, previous: Previous | None = None,
            code: CodeCache | None = None, _chart_inputs: bool = False) -> Result:
    """Load, resolve, check and render every platform in `platforms_dir`; write nothing.

    `severity` ({code: "error"|"warning"|"off"}) and `allow` ({code: reason}) are the project's
    rule settings. With errors, `tree` and `files` are empty: nothing half-rendered can be
    written. `render_tree=False` stops after the checks (what `gitops-dsl validate` does).
    With `record_inputs`, `inputs` records every file and folder the compile read (see
    `fingerprint`). With `units`, `units` holds what the compile made of each service; with
    `previous` (the last compile's units), unchanged services are not checked or rendered again
    (see `incremental`). With `code`, the platform's modules are compiled through that cache
    (see `codecache`).
    """
    if record_inputs:
        from .recorder import recording
        with recording(Path(root) if root is not None else Path(platforms_dir).resolve().parent
                       ) as recorder:
            result = compile(platforms_dir, root=root, severity=severity, allow=allow,
                             render_tree=render_tree, versions_text=versions_text,
                             units=units, previous=previous, code=code, _chart_inputs=True)
        return attrs.evolve(result, inputs=recorder)
    platforms_dir = Path(platforms_dir)
    root_path = Path(root).resolve() if root is not None else platforms_dir.resolve().parent
    loaded = load(platforms_dir, versions_text=versions_text, code=code)
    from .recorder import loaded as platform_loaded
    platform_loaded()
    if has_errors(loaded.diagnostics):
        return Result(loaded.platforms, {}, {}, tuple(sorted(loaded.diagnostics, key=sort_key)),
                      root_path, (), loaded.rules, loaded.versions)
    return compile_platforms(loaded.platforms, root=root_path, user_rules=loaded.rules,
                             severity=severity, allow=allow, render_tree=render_tree,
                             diagnostics=loaded.diagnostics, versions=loaded.versions,
                             units=units, previous=previous, _chart_inputs=_chart_inputs)


def compile_platforms(platforms: Iterable[Platform], *, root: str | Path | None = None,
                      user_rules: Sequence[Rule] = (), severity: dict[str, str] | None = None,
                      allow: dict[str, str] | None = None, render_tree: bool = True,
                      diagnostics: Iterable[Diagnostic] = (),
                      versions: Sequence[Versions] = (), units: bool = False,
                      previous: Previous | None = None, _chart_inputs: bool = False) -> Result:
    """Resolve, check and render Platform objects already in memory (no import, no IO)."""
    from .checks import Checked
    from .incremental import Keys, new_units, unit_name
    from .versions.file import EMPTY, check_references

    root_path = Path(root).resolve() if root is not None else None
    platforms = tuple(platforms)
    found = list(diagnostics)
    tree: dict[str, Document] = {}
    checked = []
    versions = tuple(versions) or (EMPTY,) * len(platforms)
    readers: dict[Any, list[Platform]] = {}   # a versions file -> the platforms that read it
    for platform, pins in zip(platforms, versions):
        readers.setdefault(pins.path or id(pins), []).append(platform)
    checked_files: set[Any] = set()
    keys = Keys(root_path, (severity, allow)) if units else None
    made: dict[str, Unit] | None = {} if units else None
    reused_paths: dict[str, Entry] = {}   # output path -> manifest entry, of reused services' files
    reused_apps: set[str] = set()
    reused_count = total = 0
    for platform, pins in zip(platforms, versions):
        key = pins.path or id(pins)
        if key not in checked_files:
            checked_files.add(key)
            found.extend(check_references(pins, readers[key]))
        if keys is not None:
            keys.start(platform, pins)   # hashing its services meanwhile, in a child process
        learned: dict[str, Any] = {"unit_keys": None, "hits": {}}
        try:
            resolved = resolve(platform, pins)

            def reuse(resolved: Resolved = resolved, learned: dict[str, Any] = learned
                      ) -> dict[str, Checked]:
                """The units to reuse: asked for by the checks once the rules that look at every
                service have run (the child hashing the services has had that long too)."""
                unit_keys = keys.units(resolved) if keys is not None else None
                hits: dict[str, Unit] = {}
                if unit_keys is not None and previous is not None:
                    named = {unit_name(resolved.platform.name, s): s for s in unit_keys}
                    found = previous.reusable_units({n: unit_keys[s] for n, s in named.items()})
                    hits = {named[n]: unit for n, unit in found.items()}
                learned.update(unit_keys=unit_keys, hits=hits)
                return {s: Checked(u.kept, u.suppressed) for s, u in hits.items()}
            outcome = run_checks(resolved, root_path, user_rules=user_rules, severity=severity,
                                 allow=allow, reuse=reuse)
        finally:
            if keys is not None:
                keys.close()
        unit_keys, hits = learned["unit_keys"], learned["hits"]
        total += len(resolved.services)
        reused_count += len(hits)
        found.extend(outcome.diagnostics)
        checked.append((resolved, outcome, unit_keys, hits))
        if previous is not None:
            owned = previous.owned
            paths = {p for unit in hits.values() for p in unit.paths}
            # in the manifest's order (sorted): Files sorts them with the rendered paths fastest
            reused_paths.update({p: entry for p, entry in owned.items() if p in paths})
            reused_apps.update(a.name for a in resolved.apps if a.service.name in hits)
    suppressed = tuple(s for _, outcome, _, _ in checked for s in outcome.suppressed)
    written_by: dict[str, Platform] = {}
    if not has_errors(found) and render_tree:
        for resolved, outcome, unit_keys, hits in checked:
            rendered = render(resolved, str(root_path) if root_path else None,
                              suppressed=outcome.suppressed, skip=frozenset(hits))
            if made is not None:
                these = (new_units(resolved.platform.name, unit_keys, hits, rendered, outcome)
                         if unit_keys is not None else None)
                made = None if these is None else {**made, **these}
            for path, document in rendered.items():
                if path in reused_paths:
                    # a reused file of another platform in this folder
                    other = next((p for p in platforms if p is not resolved.platform),
                                 resolved.platform)
                    found.append(_collision(path, resolved.platform, other))
                if path == OVERVIEW and path in tree:
                    # several platforms in one folder: one overview with a section for each,
                    # in the order the platforms were found
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
    ordered = tuple(sorted(found, key=sort_key))
    if has_errors(ordered):
        return Result(platforms, {}, {}, ordered, root_path, suppressed, tuple(user_rules), versions)
    files = serialize_tree(tree, reused_paths, previous.read if previous is not None else None)
    read_by = None
    if _chart_inputs and root_path is not None:
        from .render.reads import chart_inputs
        read_by = {path: tuple(sorted(apps)) for path, apps in sorted(chart_inputs(
            [a for resolved, *_ in checked for a in resolved.apps], root_path).items())}
    return Result(platforms, tree, files, ordered, root_path, suppressed,
                  tuple(user_rules), versions, chart_inputs=read_by,
                  units=made if render_tree else None, reused_apps=frozenset(reused_apps),
                  reuse=(reused_count, total) if previous is not None else None,
                  unkeyed=keys.refused if keys is not None else None,
                  resolved=tuple(resolved for resolved, *_ in checked))


def _collision(path: str, platform: Platform, other: Platform) -> Diagnostic:
    """GD116, saying why two platforms in one output folder write the same file."""
    parts = path.split("/")
    zone = parts[2] if len(parts) > 2 and parts[:2] in (["gitops", "argo-apps"], ["gitops", "bootstrap"]) \
        else None
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
    from .emit.writer import recover
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
    return check(Path(out_dir), result.files)


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
    raise LookupError(f"no service {service!r} in environment {env!r}; known: {', '.join(known[:20])}")


def is_app_file(path: str) -> bool:
    """gitops/argo-apps/<zone>/apps/<env>/<project>/<service>.yaml"""
    parts = path.split("/")
    return (len(parts) == 7 and parts[1] == "argo-apps" and parts[3] == "apps"
            and path.endswith(".yaml"))


@attrs.frozen
class Deletion:
    """Something a write would make Argo CD delete.

    kind "application": an Application the root prunes (with the resources finalizer, its
    workloads go too); "rename": the old Application of a rename compiled in one step, which
    still has that finalizer; "renamed": an Application whose name changed in place (app_name);
    "release": an Application whose Helm release name changed (release_name), so that Argo CD
    prunes every object of the old release; "zone": a zone whose folders go while its hand-applied zone
    Application still reads them (it then fails with "app path does not exist"); "root": an
    environment's root renamed in place, which the zone Application prunes with everything under
    it."""

    app: str
    service: str
    env: str
    zone: str
    protected: bool
    kind: str = "application"
    cascades: bool = True


def _is_root_file(path: str) -> bool:
    """gitops/argo-apps/<zone>/roots/<env>.yaml"""
    parts = path.split("/")
    return (len(parts) == 5 and parts[1] == "argo-apps" and parts[3] == "roots"
            and path.endswith(".yaml"))


def _document_name(path: Path) -> str | None:
    from .emit.yaml import load
    try:
        data = load(path.read_bytes())
        return str(data["metadata"]["name"])
    except Exception:  # noqa: BLE001 - a file we cannot read names nothing
        return None


def pending_deletions(result: Result, out_dir: str | Path) -> list[Deletion]:
    """What `out_dir` holds that `result` no longer produces and Argo CD would delete. Moves
    and completed renames (the old Application already without its finalizer) are not
    deletions. Reads only the files that are about to go."""
    from .emit.writer import _read_manifest

    out = Path(out_dir)
    gone = {}
    zones_gone = []
    owned, _ = _read_manifest(out)
    key = getattr(result.files, "key", None)
    reused = getattr(result.files, "reused", {})
    renamed_here: dict[str, bytes] = {}   # same file, another Application name (app_name)
    roots_renamed = []
    # reused from the last compile: the same file, the same key (most of them: told apart in C)
    for path in sorted(owned.keys() - reused.keys()):
        if path in result.files:
            if (key is None or key(path) != owned[path][1]) and is_app_file(path):
                try:
                    renamed_here[path] = (out / path).read_bytes()
                except OSError:
                    pass
            elif (key is None or key(path) != owned[path][1]) and _is_root_file(path):
                old, new = _document_name(out / path), result.tree[path].data["metadata"]["name"]
                if old is not None and old != new:
                    roots_renamed.append((path, old, new))
            continue
        if is_app_file(path):
            try:
                gone[path] = (out / path).read_bytes()
            except OSError:
                continue
        parts = path.split("/")
        if len(parts) == 4 and parts[:2] == ["gitops", "bootstrap"] and parts[3] == "zone.yaml":
            zones_gone.append((parts[2], _document_name(out / path)))
    found = [Deletion(name or zone, "", "", zone, True, "zone") for zone, name in sorted(zones_gone)]
    # a root renamed in place (root_name, the platform's name): the zone Application prunes the
    # old root, whose resources finalizer deletes every Application of the environment - and,
    # through theirs, the workloads - before the new root re-creates them. Refused in every
    # environment unless allowed by name.
    for path, old, _ in roots_renamed:
        parts = path.split("/")
        found.append(Deletion(old, "", parts[4][:-len(".yaml")], parts[2], True, "root"))
    if not renamed_here and not gone:
        return found
    from .render.views import app_views, release_name, workloads_deleted
    for path, v in sorted((v.path, v) for v in app_views(renamed_here).values()):
        new = result.tree[path].data
        # Argo CD's root prunes the Application of the old name and creates the new one (with
        # the resources finalizer, its workloads too); a new release name re-creates them
        how = workloads_deleted(v, new["metadata"]["name"], release_name(new))
        if how is not None:
            found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, how,
                                  cascades=how == "renamed"))
    if not gone:
        return found
    new_names: set[str] = set()
    renamed = set()
    previous = {s.name: s.previous_names for p in result.platforms for s in p.services}
    new_names.update(result.reused_apps)
    for path in result.files:
        if is_app_file(path):
            document = result.tree.get(path)
            if document is not None:
                new_names.add(document.data["metadata"]["name"])
            parts = path.split("/")
            service = parts[-1][:-len(".yaml")]
            renamed |= {(parts[2], parts[4], prev) for prev in previous.get(service, ())}
    for key, v in sorted(app_views(gone).items()):
        if v.name in new_names:
            continue
        if key in renamed:
            if v.cascades:
                found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, "rename"))
            continue
        found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, cascades=v.cascades))
    return found


def renames(result: Result) -> dict[str, tuple[Any, ...]]:
    return {s.name: s.previous_names for p in result.platforms for s in p.services if s.previous_names}


@attrs.frozen
class VersionEdit:
    """A versions-file change checked by a full compile in memory before anything is written."""

    path: Path
    old_text: str
    new_text: str
    result: Result


def edit_versions(platforms_dir: str | Path, edits: Iterable[PinEdit], *, root: str | Path | None = None,
                  severity: dict[str, str] | None = None, allow: dict[str, str] | None = None
                  ) -> VersionEdit:
    """Apply `edits` - (service, field, value, env or None) - to the versions file of the platform
    that has the service, and compile with the edited text in memory. Raises LookupError for an
    unknown service; the caller writes `new_text` only when `result.ok`."""
    from .load import load, versions_path
    from .versions.file import EditError, set_pin

    loaded = load(Path(platforms_dir))
    if has_errors(loaded.diagnostics):
        return VersionEdit(Path(), "", "", Result(loaded.platforms, {}, {}, loaded.diagnostics))
    edits = list(edits)
    owner = None
    for platform in loaded.platforms:
        if any(s.name == edits[0][0] for s in platform.services):
            owner = platform
    if owner is None:
        raise UnknownName("service", edits[0][0], (s.name for p in loaded.platforms for s in p.services))
    path = versions_path(owner)
    # raw text: line endings and a BOM are kept as they are (set_pin keeps them too)
    old_text = path.read_bytes().decode("utf-8") if path.exists() else ""
    envs = {e.name for e in owner.environments}
    text = old_text
    from .model.charts import HelmChart
    by_name = {s.name: s for s in owner.services}
    for service, field, value, env in edits:
        if env is not None and env not in envs:
            raise UnknownName("environment", env, envs)
        declared = by_name.get(service)
        layers = [declared] + ([declared.per_env[env]] if declared and env in declared.per_env else
                               list(declared.per_env.values()) if declared else [])
        layers += list(declared.per_zone.values()) if declared else []
        if declared is not None and field == "image" and not any(
                getattr(layer, "image", None) is not None for layer in layers):
            raise LookupError(f"{service} has no Image(...): an image pin would change nothing "
                              "(its chart's own values say which image runs; set it there with "
                              "values=..., or give the service an image)")
        if declared is not None and field == "chart" and not any(
                isinstance(getattr(layer, "chart", None), HelmChart) for layer in layers):
            raise LookupError(f"{service} has no HelmChart(...): a chart version pin would change "
                              "nothing")
        try:
            text = set_pin(text, service, field, value, env)
        except EditError as exc:
            raise LookupError(f"{path}: {exc}") from None
    result = compile(platforms_dir, root=root, severity=severity, allow=allow,
                     versions_text={path: text})
    if result.ok:
        _refuse_dead_pins(result, edits)
    return VersionEdit(path, old_text, text, result)


def _refuse_dead_pins(result: Result, edits: Sequence[PinEdit]) -> None:
    """A pin for an environment the service does not run in changes nothing that Argo CD
    deploys: refused (LookupError), so that nothing is written."""
    runs: dict[str, set[str]] = {}
    for app in resolved_apps(result):
        runs.setdefault(app.service.name, set()).add(app.env.name)
    for service, _, _, env in edits:
        if env is not None and env not in runs.get(service, set()):
            where = ", ".join(sorted(runs.get(service, ()))) or "no environment"
            raise LookupError(f"{service} does not run in environment {env!r} (it runs in "
                              f"{where}): a pin there would change nothing; nothing written")


def promotion_edits(result: Result, service: str | None, source: str, target: str) -> list[PinEdit]:
    """The pins of `source` copied to `target`, for one service or (None) every service whose
    pins differ between the two environments."""
    from .versions.file import FIELDS

    edits: list[PinEdit] = []
    runs = {(a.service.name, a.env.name) for a in resolved_apps(result)}
    for platform, pins in zip(result.platforms, result.versions):
        for s in platform.services:
            if service is not None and s.name != service:
                continue
            if service is None and (s.name, target) not in runs:
                continue      # --all: a service that does not run there has nothing to promote
            for field in FIELDS:
                a, b = pins.pin(s.name, source, field), pins.pin(s.name, target, field)
                if a is not None and (b is None or a.value != b.value):
                    edits.append((s.name, field, a.value, target))
    return edits
