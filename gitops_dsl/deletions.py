"""What a write would make Argo CD delete: Applications the roots prune (with the resources
finalizer, their workloads go too), Helm releases renamed, roots renamed in place and zones
removed while their hand-applied zone Application still reads them. `compile` refuses those of
protected environments unless allowed by name."""
from __future__ import annotations

import os
from pathlib import Path

import attrs

from .api import Result
from .emit.manifest import read_manifest_view
from .emit.yaml import load
from .render.names import GITOPS, PROTECTED_LABEL, parse, placeholder
from .render.views import app_views, release_name, workloads_deleted


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
    it; "zone-app": a zone Application renamed in place (applied by hand, the old one stays and
    manages the same roots)."""

    app: str
    service: str
    env: str
    zone: str
    protected: bool
    kind: str = "application"
    cascades: bool = True


def _document_name(path: Path) -> str | None:
    try:
        data = load(path.read_bytes())
        return str(data["metadata"]["name"])
    except Exception:  # noqa: BLE001 - a file we cannot read names nothing
        return None


def _may_be_protected(data: bytes) -> bool:
    """Whether an Application file's bytes can hold the protected label: they spell it out,
    unless a double-quoted scalar writes it with escapes or the file is UTF-16 or UTF-32 (which
    the YAML loader reads too)."""
    return _LABEL in data or b"\\" in data or b"\0" in data


_LABEL = PROTECTED_LABEL.encode()


def _read(base: str, path: str) -> bytes:
    with open(os.path.join(base, path), "rb") as handle:   # (thousands: no Path objects)
        return handle.read()


def pending_deletions(result: Result, out_dir: str | Path, *,
                      protected_only: bool = False) -> list[Deletion]:
    """What `out_dir` holds that `result` no longer produces and Argo CD would delete. Moves
    and completed renames (the old Application already without its finalizer) are not
    deletions. Reads only the files that are about to go, or whose Application changed (and
    with `protected_only`, only those that can be in a protected environment: the guard's
    question, asked of a thousand changed Applications when an environment changes)."""
    out = Path(out_dir)
    base = str(out)

    def wanted(data: bytes) -> bool:
        return not protected_only or _may_be_protected(data)
    gone = {}
    zones_gone = []
    owned, _ = read_manifest_view(out)
    result.files.prepare(owned)   # every key, and the bytes the write will need, on two cores
    file_key = result.files.key
    reused = result.files.reused
    renamed_here: dict[str, bytes] = {}   # same file, another Application name (app_name)
    roots_renamed: list[tuple[str, str, str | None]] = []
    roots_gone: list[str] = []
    # reused from the last compile: the same file, the same key (most of them: told apart in C)
    for path in sorted(owned.keys() - reused.keys()):
        if path in result.files:
            if file_key(path) != owned[path][1] and parse(path).kind == "app":
                try:
                    data = _read(base, path)
                except OSError:
                    continue
                if wanted(data):
                    renamed_here[path] = data
            elif file_key(path) != owned[path][1] and (
                    parse(path).kind == "root" or path.endswith("/zone.yaml")
                    and parse(path).kind == "bootstrap"):
                old, new = _document_name(out / path), result.tree[path].data["metadata"]["name"]
                if old is not None and old != new:
                    roots_renamed.append((path, old, new))
            continue
        where = parse(path)
        if where.kind == "app":
            try:
                data = _read(base, path)
            except OSError:
                continue
            if wanted(data):
                gone[path] = data
        if where.kind == "bootstrap" and where.name == "zone.yaml":
            zones_gone.append((where.zone, _document_name(out / path)))
        if where.kind == "root" and placeholder(f"{GITOPS}/argo-apps/{where.zone}/apps/{where.env}") \
                in result.files:
            # the environment stays, its root file goes: it now shares another environment's
            # root (Environment.root_name), which has a name of its own unless it is this one's
            roots_gone.append(path)
    found = [Deletion(name or zone, "", "", zone, True, "zone") for zone, name in sorted(zones_gone)]
    if roots_gone:
        names_now = {document.data["metadata"]["name"] for rel, document in result.tree.items()
                     if parse(rel).kind == "root"}
        for path in roots_gone:
            old_name = _document_name(out / path)
            if old_name is not None and old_name not in names_now:
                roots_renamed.append((path, old_name, None))
    # a root renamed in place (root_name, the platform's name): the zone Application prunes the
    # old root, whose resources finalizer deletes every Application of the environment - and,
    # through theirs, the workloads - before the new root re-creates them. Refused in every
    # environment unless allowed by name.
    # A zone Application renamed in place (Zone.root_name): it is applied by hand, so the old
    # one stays and both manage the zone's roots until it is deleted - without cascading.
    for path, old, _ in roots_renamed:
        where = parse(path)
        found.append(Deletion(old, "", where.env, where.zone, True,
                              "root" if where.kind == "root" else "zone-app"))
    return found + _renamed_in_place(result, renamed_here) + _apps_gone(result, gone)


def _renamed_in_place(result: Result, renamed_here: dict[str, bytes]) -> list[Deletion]:
    """The Applications whose file stays with another Application name or release name."""
    found = []
    for path, v in sorted((v.path, v) for v in app_views(renamed_here).values()):
        new = result.tree[path].data
        # Argo CD's root prunes the Application of the old name and creates the new one (with
        # the resources finalizer, its workloads too); a new release name re-creates them
        how = workloads_deleted(v, new["metadata"]["name"], release_name(new))
        if how is not None:
            found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, how,
                                  cascades=how == "renamed"))
    return found


def _apps_gone(result: Result, gone: dict[str, bytes]) -> list[Deletion]:
    """The Applications whose file goes: pruned, unless another file now makes the same name."""
    if not gone:
        return []
    found = []
    new_names: set[str] = set()
    renamed = set()
    previous = {s.name: s.previous_names for p in result.platforms for s in p.services}
    new_names.update(result.reused_apps)
    for path in result.files:
        where = parse(path)
        if where.kind == "app":
            document = result.tree.get(path)
            if document is not None:
                new_names.add(document.data["metadata"]["name"])
            renamed |= {(where.zone, where.env, prev) for prev in previous.get(where.name, ())}
    for key, v in sorted(app_views(gone).items()):
        if v.name in new_names:
            continue
        if key in renamed:
            if v.cascades:
                found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, "rename"))
            continue
        found.append(Deletion(v.name, v.service, v.env, v.zone, v.protected, cascades=v.cascades))
    return found
