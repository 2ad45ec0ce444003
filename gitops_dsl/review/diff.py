"""The semantic diff of two compiled trees, per zone / environment / service: Applications added,
removed or renamed, wave moves, and changed fields as dotted paths with old -> new values.
Secrets only ever show as changed."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..emit.yaml import load
from ..render.names import parse
from ..render.views import (
    AppView,
    FieldChange,
    app_views,
    control_key,
    flatten,
    is_app_path,
    shown,
    workloads_deleted,
)
from .projects import ProjectChange, project_changes

if TYPE_CHECKING:
    from ..render.reads import InputChange  # (importing it loads the model: `diff` reads no model)




@attrs.frozen
class AppChange:
    kind: str                 # added | removed | renamed | changed
    zone: str
    env: str
    service: str
    app: str
    old_app: str | None = None
    wave: tuple[int | None, int | None] = (None, None)  # (old, new)
    fields: tuple[FieldChange, ...] = ()
    protected: bool = False
    note: str | None = None   # what Argo CD will do: cascades, rename steps
    role: str = "service"     # service | root | zone (see views.control_key)
    dangerous: bool = False   # workloads of a protected environment deleted (compile's guard)


@attrs.frozen
class EnvChange:
    """An environment (its root app-of-apps) added to or removed from a zone."""

    kind: str                 # added | removed
    zone: str
    env: str
    note: str


@attrs.frozen
class TreeDiff:
    apps: tuple[AppChange, ...]
    other_files: tuple[tuple[str, str], ...]   # (path, "added" | "removed" | "changed") outside Applications
    environments: tuple[EnvChange, ...] = ()
    inputs: tuple[InputChange, ...] = ()  # chart folders of the repository that changed
    projects: tuple[ProjectChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.apps or self.other_files or self.environments or self.inputs
                    or self.projects)

    def as_json(self) -> dict[str, Any]:
        return {
            "changes": [
                {"kind": c.kind, "zone": c.zone, "env": c.env, "service": c.service, "app": c.app,
                 **({"old_app": c.old_app} if c.old_app else {}),
                 "wave": {"old": c.wave[0], "new": c.wave[1]},
                 "fields": [{"path": f.path, "old": None if f.secret else f.old,
                             "new": None if f.secret else f.new,
                             **({"secret": "ciphertext changed"} if f.secret else {})}
                            for f in c.fields],
                 **({"protected": True} if c.protected else {}),
                 **({"dangerous": True} if c.dangerous else {}),
                 **({"role": c.role} if c.role != "service" else {}),
                 **({"note": c.note} if c.note else {})}
                for c in self.apps],
            "projects": [p.as_json() for p in self.projects],
            "other_files": [{"path": p, "change": how} for p, how in self.other_files],
            "environments": [{"kind": e.kind, "zone": e.zone, "env": e.env, "note": e.note}
                             for e in self.environments],
            "inputs": [{"path": i.path, "applications": list(i.apps),
                        "files": [{"path": p, "change": how} for p, how in i.files],
                        "resources": [r.as_json() for r in i.resources],
                        **({"note": i.note} if i.note else {})}
                       for i in self.inputs],
        }


ORDER = {"removed": 0, "renamed": 1, "added": 2, "changed": 3}


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    changes = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a != b:
            changes.append(FieldChange(path, a, b))
    return tuple(changes)


def diff_trees(old: Mapping[str, bytes], new: Mapping[str, bytes], *,
               renames: dict[str, Any] | None = None, env: str | None = None,
               zone: str | None = None, inputs: Sequence[InputChange] = (),
               changed: Collection[str] | None = None,
               naming: Callable[[list[bytes]], set[str]] | None = None,
               on_disk: Callable[[list[bytes]], set[str]] | None = None) -> TreeDiff:
    """Compare two trees. `renames` maps a new service name to its previous names; `inputs` are
    the changed chart folders (render/reads.py), kept for the Applications `env`/`zone` select.
    `changed` names the paths whose bytes may differ (every other path is known to be equal on
    both sides - from git or from the manifests' input keys); without it every file is compared.
    Only the Applications a changed file can affect are read back. `naming` and `on_disk`: see
    `touched_apps`."""
    if changed is None:
        changed = {p for p in set(old) | set(new) if old.get(p) != new.get(p)}
    touched = touched_apps(old, new, changed, naming, on_disk)
    touched |= {p for p in changed if control_key(p) is not None}
    old_views = app_views(old, only=touched, control=True)
    new_views = app_views(new, only=touched, control=True)
    changes = match_applications(old_views, new_views, renames or {})
    changes += _unexplained(old, new, changed, changes, old_views, new_views)
    changes = [c for c in changes if (env is None or c.env == env) and (zone is None or c.zone == zone)]
    envs = [e for e in _environment_changes(old, new, old_views)
            if (env is None or e.env == env) and (zone is None or e.zone == zone)]
    told = {(e.zone, e.env) for e in envs}
    changes = [c for c in changes if not (c.role == "root" and c.kind in ("added", "removed")
                                          and (c.zone, c.env) in told)]
    projects = ([p for p in project_changes(old, new, changed) if zone is None or p.zone == zone]
                if env is None else [])
    changes.sort(key=lambda c: (ORDER[c.kind], c.zone, c.env, c.service))
    app_paths = {v.path for v in old_views.values()} | {v.path for v in new_views.values()}
    app_paths |= {p.path for p in projects}
    other = []
    if env is None and zone is None:
        for path in sorted(changed):
            if path in app_paths or path == ".gitops-dsl-manifest" or _consumed(path):
                continue
            if path not in old and path in new:
                other.append((path, "added"))
            elif path not in new and path in old:
                other.append((path, "removed"))
            elif path in old and old[path] != new[path]:
                other.append((path, "changed"))
    if (env is not None or zone is not None) and inputs:
        # the Applications of the selected environments, changed or not (a chart folder change
        # changes what unchanged Applications render)
        selected = {v.name for v in app_views(new, only=[p for p in new if _in(p, env, zone)]).values()
                    if (env is None or v.env == env) and (zone is None or v.zone == zone)}
        inputs = [attrs.evolve(i, apps=tuple(a for a in i.apps if a in selected),
                               resources=tuple(r for r in i.resources if r.app in selected))
                  for i in inputs]
        inputs = [i for i in inputs if i.apps]
    return TreeDiff(tuple(changes), tuple(other), tuple(envs), tuple(inputs), tuple(projects))


def match_applications(old_views: Mapping[tuple[str, str, str], AppView],
                       new_views: Mapping[tuple[str, str, str], AppView],
                       renames: Mapping[str, Any]) -> list[AppChange]:
    """Pair the Applications of two trees as Argo CD does: by identity (instance, namespace,
    name), whatever file holds them. A new identity where an old one stood (the same zone,
    environment and service, or a declared rename) is a rename: Argo CD deletes the old
    Application and creates the new one. Whatever is left is added or removed."""
    old_by_id = {v.identity: k for k, v in old_views.items()}
    new_ids = {v.identity for v in new_views.values()}
    changes: list[AppChange] = []
    matched_old: set[tuple[str, str, str]] = set()
    for key, view in new_views.items():
        before_key = old_by_id.get(view.identity)
        if before_key is not None:
            matched_old.add(before_key)
            change = _changed_app(old_views[before_key], view)
            if change is not None:
                changes.append(change)
            continue
        places = [key] + [(view.zone, view.env, previous)
                          for previous in renames.get(view.service, ())]
        for place in places:
            candidate = old_views.get(place)
            if candidate is None or candidate.identity in new_ids or place in matched_old \
                    or candidate.role != view.role:
                continue
            matched_old.add(place)
            danger = view.protected and candidate.cascades   # the guard's "rename"/"renamed"
            changes.append(AppChange(
                "renamed", view.zone, view.env, view.service, view.name, candidate.name,
                (candidate.fields["wave"], view.fields["wave"]),
                field_changes(candidate.fields, view.fields), protected=danger,
                note=_rename_note(candidate), role=view.role, dangerous=danger))
            break
        else:
            changes.append(AppChange("added", view.zone, view.env, view.service, view.name,
                                     wave=(None, view.fields["wave"]), role=view.role))
    for key, view in old_views.items():
        if key not in matched_old:
            changes.append(AppChange("removed", view.zone, view.env, view.service, view.name,
                                     wave=(view.fields["wave"], None), protected=view.protected,
                                     note=_removal_note(view), role=view.role,
                                     dangerous=view.protected and view.cascades))
    return changes


def _changed_app(before: AppView, view: AppView) -> AppChange | None:
    """The same Application on both sides: what changed, and what Argo CD does about it."""
    fields = field_changes(before.fields, view.fields)
    notes: list[str] = []
    # what compile's delete guard refuses in a protected environment (one rule for both)
    danger = view.protected and workloads_deleted(before, view.name,
                                                  view.fields.get("release")) is not None
    if view.rename_to and view.rename_to != before.rename_to:
        notes.append(f"rename to {view.rename_to}, step 1 of 2: the resources finalizer is "
                     "dropped, so pruning this Application later leaves its workloads running")
    old, new = before.fields, view.fields
    if old.get("release") != new.get("release") and view.role == "service":
        # Argo CD templates with releaseName as the release (reposerver/repository/
        # repository.go, helmTemplate: templateOpts.Name), and charts name their objects after it
        prune = bool(new.get("sync.automated.prune"))
        notes.append(
            f"Helm release renamed ({old.get('release') or before.name} -> "
            f"{new.get('release') or view.name}): workloads re-created under new names; "
            + ("Argo CD prunes the old release's objects" if prune else
               "the old release's objects stay, out of sync, until pruned by hand"))
    if old.get("project") != new.get("project"):
        notes.append(f"moved to another project: {old.get('project')} -> {new.get('project')} "
                     "(its destinations, repositories and windows now decide its syncs)")
    if old.get("destination.cluster") != new.get("destination.cluster"):
        # the controller reads live objects from the destination cluster only (controller/
        # state.go, CompareAppState): those on the old cluster are no longer tracked
        notes.append(f"moved to another cluster: {old.get('destination.cluster')} -> "
                     f"{new.get('destination.cluster')}; Argo CD creates the workloads there and "
                     "leaves those on the old cluster running, unmanaged")
    elif old.get("destination.namespace") != new.get("destination.namespace"):
        prune = bool(new.get("sync.automated.prune"))
        notes.append(f"moved to another namespace: {old.get('destination.namespace')} -> "
                     f"{new.get('destination.namespace')}; workloads re-created there, "
                     + ("and the old ones pruned" if prune else
                        "the old ones stay, out of sync, until pruned by hand"))
    if not (fields or notes or before.path != view.path):
        return None
    return AppChange("changed", view.zone, view.env, view.service, view.name,
                     wave=(old["wave"], new["wave"]), fields=fields,
                     note="; ".join(notes) or None, role=view.role, protected=danger,
                     dangerous=danger)


def _unexplained(old: Mapping[str, bytes], new: Mapping[str, bytes], changed: Collection[str],
                 changes: list[AppChange], old_views: Mapping[tuple[str, str, str], AppView],
                 new_views: Mapping[tuple[str, str, str], AppView]) -> list[AppChange]:
    """An Application file whose bytes differ while its reviewed fields do not (a field the
    view does not model) still shows, with every differing path of the document: a diff never
    says "no changes" over a changed Application."""
    listed = {(c.zone, c.env, c.service) for c in changes}
    out = []
    for key, view in new_views.items():
        before = old_views.get(key)
        if key in listed or before is None or before.path != view.path or \
                view.path not in changed or old.get(view.path) == new.get(view.path):
            continue
        a, b = flatten(load(old[view.path])), flatten(load(new[view.path]))
        fields = tuple(FieldChange(f"manifest.{p}", shown(p, a.get(p)), shown(p, b.get(p)))
                       for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p))
        if not fields:   # the same document in other bytes (comments, layout)
            fields = (FieldChange("manifest", "(same document)", "(other bytes)"),)
        out.append(AppChange("changed", view.zone, view.env, view.service, view.name,
                             wave=(before.fields["wave"], view.fields["wave"]), fields=fields,
                             role=view.role))
    return out


def _in(path: str, env: str | None, zone: str | None) -> bool:
    """Whether an Application file is in `env` and `zone` (by its path)."""
    where = parse(path)
    return (where.kind == "app" and (env is None or where.env == env)
            and (zone is None or where.zone == zone))


def touched_apps(old: Mapping[str, bytes], new: Mapping[str, bytes], changed: Collection[str],
                 naming: Callable[[list[bytes]], set[str]] | None = None,
                 on_disk: Callable[[list[bytes]], set[str]] | None = None) -> set[str]:
    """The Application files a change can show in: those that changed, and those that name a
    changed file (a value or config file) - an Application names the files it reads by a path
    that ends with the file's path in its tree, so its bytes hold that path. `naming` answers
    "which unchanged Application files hold one of these strings" faster (git grep); `on_disk`
    answers it for the files of the output folder on disk, which is where the files a compile
    in memory reused are (`Files.reused`: as the last compile wrote them, untouched since) -
    15,000 Application files at 5000 services x 3 are searched by one git grep, not read."""
    touched = {p for p in changed if is_app_path(p)}
    read = [p.partition("/")[2].encode() for p in changed if "/" in p and not is_app_path(p)]
    if read and naming is not None:
        return touched | {p for p in naming(read) if is_app_path(p)}
    reused: Collection[str] = getattr(new, "reused", None) or ()
    if read and reused and on_disk is not None:
        touched |= {p for p in on_disk(read) if p in reused and is_app_path(p)}
    else:
        reused = ()
    # a compile in memory answers from its data, without serializing (repr() keeps a path
    # as it is unless it holds a quote, a backslash or an unprintable character)
    strings = getattr(new, "strings", None)
    if strings is not None and not all(r.decode().isprintable() and b"'" not in r and b"\\" not in r
                                       for r in read):
        strings = None
    if read:
        others = set(old)
        others.update(new)
        others -= touched
        others.difference_update(reused)   # (in C: most of them, after a one-service change)
        for path in others:
            if not is_app_path(path):
                continue
            if path in new:
                data = strings(path) if strings is not None else new[path]
            else:
                data = old.get(path) or b""
            if any(rest in data for rest in read):
                touched.add(path)
    return touched


def _roots(files: Mapping[str, bytes]) -> set[tuple[str, str]]:
    """(zone, env) of every root: gitops/argo-apps/<zone>/roots/<env>.yaml"""
    found = set()
    for path in files:
        if "/roots/" not in path:   # (44,000 paths at 5000 services x 3: most are not)
            continue
        where = parse(path)
        if where.kind == "root":
            found.add((where.zone, where.env))
    return found


def _environment_changes(old: Mapping[str, bytes], new: Mapping[str, bytes],
                         old_views: Mapping[tuple[str, str, str], AppView]) -> list[EnvChange]:
    before, after = _roots(old), _roots(new)
    out = []
    for zone, env in sorted(before - after):
        apps = [v for (z, e, _), v in old_views.items() if (z, e) == (zone, env) and v.role == "service"]
        cascading = sum(1 for v in apps if v.cascades)
        out.append(EnvChange("removed", zone, env, (
            f"the zone app prunes the environment's root; its resources finalizer deletes its "
            f"{len(apps)} Application(s), and {cascading} of them delete their workloads "
            f"({len(apps) - cascading} keep them: no finalizer)")))
    for zone, env in sorted(after - before):
        out.append(EnvChange("added", zone, env, "a new root: its Applications sync wave by wave"))
    return out


def _rename_note(old: AppView) -> str:
    if old.role == "root":
        return ("the zone app prunes the old root" + (
            ", whose resources finalizer deletes every Application of the environment (and, "
            "through theirs, their workloads) before the new root re-creates them (an outage)"
            if old.cascades else "; without a finalizer its Applications stay and the new root "
            "adopts them"))
    if old.role == "zone":
        return ("the zone app is applied by hand (gitops/bootstrap): apply the new one, then "
                "delete the old one without cascading (`argocd app delete --cascade=false`), or "
                "both manage the same roots")
    if old.cascades:
        return ("in one step: the old Application still has the resources finalizer, so Argo CD "
                "deletes its workloads while the new one re-creates them (an outage); compile "
                "a first step that drops the finalizer (Service(rename='prepare') for a service "
                "rename, cascade='none' for a new app_name), let Argo CD sync it, then rename")
    return ("step 2 of 2: the old Application has no finalizer, so pruning it leaves the "
            "workloads, and the new Application adopts them")


def _removal_note(view: AppView) -> str:
    if view.cascades:
        return "Argo CD deletes the Application and, through its resources finalizer, its workloads"
    return "Argo CD deletes the Application; its workloads stay (no resources finalizer)"


def _consumed(path: str) -> bool:
    """Value and config files: their changes already show as Application fields."""
    return path.startswith(("gitops/values/", "configs/")) or path == "README.md"


def identity(path: str) -> bool:
    return path in ("destination.cluster", "destination.namespace") or path.startswith("annotations.")


def diff_environments(tree: Mapping[str, bytes], env: str, to_env: str
                      ) -> list[tuple[str, tuple[FieldChange, ...], str | None]]:
    """What differs between two environments for the services both run: the drift hand-written
    trees accumulate. Identity fields (names, destination) and ciphertexts (always different,
    being bound to each cluster) are left out."""
    views = app_views(tree)
    by_env: dict[str, dict[str, AppView]] = {}
    for (_, e, service), view in views.items():
        by_env.setdefault(e, {})[service] = view
    one, two = by_env.get(env, {}), by_env.get(to_env, {})
    out: list[tuple[str, tuple[FieldChange, ...], str | None]] = []
    for service in sorted(set(one) | set(two)):
        if service not in one or service not in two:
            where = to_env if service in two else env
            out.append((service, (FieldChange("deployed", env if service in one else None,
                                              to_env if service in two else None),), where))
            continue
        a = {k: v for k, v in one[service].fields.items() if not identity(k)}
        b = {k: v for k, v in two[service].fields.items() if not identity(k)}
        keys_a = {k for k in a if k.startswith("secrets.")}
        keys_b = {k for k in b if k.startswith("secrets.")}
        for k in keys_a & keys_b:
            a[k] = b[k] = "sealed"
        changes = field_changes(a, b)
        if changes:
            out.append((service, changes, None))
    return out
