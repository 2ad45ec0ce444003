"""`gitops-dsl import`: read a hand-written Argo CD tree and write a platform file for it."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .normalize import App


@attrs.frozen
class Imported:
    source: str          # the platform file's text
    apps: tuple[App, ...]          # one per imported Application
    notes: tuple[Any, ...]         # what the importer reports for the whole tree


def _managed(app: Any, root: Path, apps: list[Any]) -> list[Any]:
    """The imported Applications an Application of the tree deploys: the files in its folder -
    the folder alone for a plain directory source (Argo CD reads one level unless `recurse`),
    everything under it for Kustomize and recursive sources."""
    if app.chart[0] != "git":
        return []
    folder = _folder(app, root)
    if folder is None:
        return []
    options = app.chart[5] if len(app.chart) > 5 and isinstance(app.chart[5], dict) else {}
    deep = app.chart[4] != "directory" or options.get("recurse") is True
    found = []
    for other in apps:
        file = Path(other.file).resolve()
        if other is not app and (file.parent == folder or deep and file.is_relative_to(folder)):
            found.append(other)
    return found


def _folder(app: Any, root: Path) -> Path | None:
    """The folder of the tree an Application's git source names: its path from the repository
    root, which is the imported folder or, when several checkouts are imported together, the
    closest folder above the Application's own file that has that path."""
    path = str(app.chart[3])
    root = root.resolve()
    here = Path(app.file).resolve().parent
    for base in (here, *here.parents):
        if not base.is_relative_to(root):
            break
        if (base / path).is_dir():
            return (base / path).resolve()
    return None


def _without_roots(apps: list[Any], root: Path) -> tuple[list[Any], dict[int, list[Any]]]:
    """Split off the app-of-apps: the Applications that deploy other imported Applications
    (their role is taken by the compiled roots), each with those it deploys."""
    managed = {id(app): _managed(app, root, apps) for app in apps}
    roots = {id(app): found for app in apps if (found := managed[id(app)])}
    return [a for a in apps if id(a) not in roots], roots


def _keep_roots(roots: list[Any], managed: dict[int, list[Any]]) -> tuple[dict[str, Any], Any]:
    """environment -> the app-of-apps that becomes its root, and the one that becomes the zone
    Application. An app-of-apps over one environment keeps its name as that environment's root;
    then one over several environments none of which has a root yet becomes the root they share
    (Environment(root_name=...) on each); then one that deploys nothing but roots the import
    kept becomes the zone Application over them (Zone(root_name=...)); any other is reported,
    with how to detach it."""
    from .normalize import ROOT_NOTE, ZONE_ROOT_NOTE, dns_name
    kept: dict[str, Any] = {}
    zone_root = None
    is_root = {id(app) for app in roots}
    over_roots = {id(app) for app in roots if all(id(a) in is_root for a in managed[id(app)])}
    envs = {id(app): sorted({dns_name(a.env, 20) for a in managed[id(app)]}) for app in roots}
    for app in sorted(roots, key=lambda a: (id(a) in over_roots, len(envs[id(a)]) > 1)):
        own = envs[id(app)]
        if id(app) in over_roots and zone_root is None and \
                {id(a) for a in managed[id(app)]} <= {id(r) for r in kept.values()}:
            zone_root = app
            app.notes.append(
                f"{ZONE_ROOT_NOTE}: kept as the zone Application (Zone('main', root_name="
                f"{app.name!r})): the compiled zone Application takes this Application over, so "
                "nothing runs beside it; it reads gitops-dsl's folders of the zone's projects and "
                "roots, and its project, finalizer and sync policy become the zone "
                "Application's")
            continue
        if own and id(app) not in over_roots and not any(e in kept for e in own):
            kept.update({e: app for e in own})
            which = (f"environment {own[0]}" if len(own) == 1 else
                     f"environments {', '.join(own)}, which share it")
            app.notes.append(
                f"{ROOT_NOTE}: kept as the root of {which} (Environment(root_name={app.name!r})): "
                "the compiled root takes this Application over, so nothing runs beside it; it "
                "reads gitops-dsl's folder of the environment's Applications, and its project and "
                "finalizer become the compiled roots' (its sync policy is kept)")
            continue
        why = ("another app-of-apps already manages one of its environments" if own else
               "it manages none of the imported Applications directly")
        app.notes.append(
            f"{ROOT_NOTE}: not imported, since {why}; detach it without cascading "
            f"(`argocd app delete {app.name} --cascade=false`) when the compiled roots take over, "
            "or it and the new roots manage the same Applications")
    return kept, zone_root


def _own_repository(found: list[Any]) -> str | None:
    """The repository being imported (normalized): the one most Applications' folders are read
    from; None when no Application reads a folder of a repository."""
    from collections import Counter

    from ..argo.globs import normalize_git_url
    counts: Counter[str] = Counter()
    for item in found:
        spec = item.doc.get("spec") if isinstance(item.doc.get("spec"), dict) else {}
        sources = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
        for source in sources if isinstance(sources, list) else ():
            if isinstance(source, dict) and source.get("path") and isinstance(source.get("repoURL"), str):
                counts[normalize_git_url(source["repoURL"])] += 1
    return counts.most_common(1)[0][0] if counts else None


def import_tree(paths: list[Any], name: str = "imported") -> Imported:
    """Read Argo CD trees and write a platform file's text for them."""
    from .normalize import normalize
    from .reader import read
    from .writer import write_platform

    found, notes, root = read([Path(p) for p in paths])
    own_repo = _own_repository(found)
    apps = []
    projects = [f for f in found if f.doc["kind"] == "AppProject"]
    for project in projects:
        meta = project.doc.get("metadata")
        notes.append(f"{project.file}: AppProject {meta.get('name') if isinstance(meta, dict) else '?'}: "
                     "gitops-dsl derives source repos and destinations from the services; the "
                     "original rules are not imported")
    for item in found:
        if item.doc["kind"] != "Application":
            continue
        meta = item.doc.get("metadata")
        label = meta.get("name") if isinstance(meta, dict) else "?"
        try:
            app = normalize(item, root, own_repo)
        except (AttributeError, TypeError, ValueError, KeyError, RecursionError) as exc:
            # a document of the wrong shape (spec a list, metadata a string, ...): reported
            notes.append(f"{item.file}: Application {label}: malformed ({type(exc).__name__}: "
                         f"{str(exc)[:80]}): not imported")
            continue
        if app is None:
            notes.append(f"{item.file}: {label}: no source: skipped")
            continue
        apps.append(app)
    if not apps:
        notes.append("no Applications found")
    found_apps = list(apps)
    apps, managed = _without_roots(apps, root)
    roots = [a for a in found_apps if id(a) in managed]
    kept, zone_root = _keep_roots(roots, managed)
    source = write_platform(apps, notes, name, [str(p) for p in paths], kept, zone_root)
    apps = apps + roots   # (the round trip reports them as not imported)
    per_app = [f"{a.file}: {a.name}: {note}" for a in apps for note in a.notes]
    return Imported(source, tuple(apps), tuple(sorted(set(notes))) + tuple(per_app))
