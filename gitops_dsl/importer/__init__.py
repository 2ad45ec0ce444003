from typing import Any

"""`gitops-dsl import`: read a hand-written Argo CD tree and write a platform file for it."""

from pathlib import Path

import attrs


@attrs.frozen
class Imported:
    source: str          # the platform file's text
    apps: tuple[Any, ...]          # normalize.App, one per imported Application
    notes: tuple[Any, ...]         # what the importer reports for the whole tree


def _without_roots(apps: list[Any], root: Path) -> tuple[list[Any], list[Any]]:
    """Split off the app-of-apps: an Application whose folder of the imported tree holds files
    of other imported Applications (it deploys them; its role is taken by the compiled roots)."""
    files = {Path(a.file).resolve(): a for a in apps}
    roots = []
    for app in apps:
        if app.chart[0] != "git":
            continue
        folder = (root / str(app.chart[3])).resolve()
        if any(f.is_relative_to(folder) and other is not app for f, other in files.items()):
            roots.append(app)
    return [a for a in apps if a not in roots], roots


def import_tree(paths: list[Any], name: str = "imported") -> Imported:
    """Read Argo CD trees and write a platform file's text for them."""
    from .normalize import normalize
    from .reader import read
    from .writer import write_platform

    found, notes, root = read([Path(p) for p in paths])
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
            app = normalize(item, root)
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
    from .normalize import ROOT_NOTE, dns_name
    apps, roots = _without_roots(apps, root)
    kept: dict[str, Any] = {}   # environment -> the app-of-apps that becomes its root
    for app in roots:
        folder = (root / str(app.chart[3])).resolve()
        envs = {dns_name(a.env, 20) for a in apps if Path(a.file).resolve().is_relative_to(folder)}
        env = next(iter(envs)) if len(envs) == 1 else None
        if env is not None and env not in kept:
            kept[env] = app
            app.notes.append(
                f"{ROOT_NOTE}: kept as the root of environment {env} (Environment(root_name="
                f"{app.name!r})): the compiled root takes this Application over, so nothing runs "
                "beside it; it reads gitops-dsl's folder of the environment's Applications, and "
                "its project and finalizer become the compiled roots' (its sync policy is kept)")
            continue
        why = ("it manages the Applications of several environments, and gitops-dsl writes one "
               "root per environment" if len(envs) > 1 else "another app-of-apps already manages "
               "that environment" if env is not None else "it manages none of the imported "
               "Applications directly")
        app.notes.append(
            f"{ROOT_NOTE}: not imported, since {why}; detach it without cascading "
            f"(`argocd app delete {app.name} --cascade=false`) when the compiled roots take over, "
            "or it and the new roots manage the same Applications")
    source = write_platform(apps, notes, name, [str(p) for p in paths], kept)
    apps = apps + roots   # (the round trip reports them as not imported)
    per_app = [f"{a.file}: {a.name}: {note}" for a in apps for note in a.notes]
    return Imported(source, tuple(apps), tuple(sorted(set(notes))) + tuple(per_app))
