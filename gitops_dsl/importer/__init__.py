from typing import Any

"""`gitops-dsl import`: read a hand-written Argo CD tree and write a platform file for it."""

from pathlib import Path

import attrs


@attrs.frozen
class Imported:
    source: str          # the platform file's text
    apps: tuple[Any, ...]          # normalize.App, one per imported Application
    notes: tuple[Any, ...]         # what the importer reports for the whole tree


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
    source = write_platform(apps, notes, name, [str(p) for p in paths])
    per_app = [f"{a.file}: {a.name}: {note}" for a in apps for note in a.notes]
    return Imported(source, tuple(apps), tuple(sorted(set(notes))) + tuple(per_app))
