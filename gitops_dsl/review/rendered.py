"""What a chart folder change does to the resources Argo CD applies: each affected Application
rendered twice - with the chart folder as it was at the base, and as it is now - and the
resources compared (added, removed, and changed fields as dotted paths).

The Helm engine and the render cache are the ones `manifests` and `preflight` use; without the
engine the comparison is left out and the diff says so. Values of a Secret never show: a change
shows as "value changed".
"""
from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..render.views import flatten

_MAX_FIELDS = 20   # per resource: a reviewer reads the first ones; the count says the rest


@attrs.frozen
class ResourceChange:
    """One resource of one Application, as rendered before and after."""

    app: str
    kind: str
    name: str
    how: str                                   # "added" | "removed" | "changed"
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (dotted path, old, new), secrets masked
    more: int = 0                              # changed fields left out of `fields`

    def as_json(self) -> dict[str, Any]:
        return {"application": self.app, "kind": self.kind, "name": self.name, "change": self.how,
                "fields": [{"path": p, "masked": True} if o is _MASKED or n is _MASKED else
                           {"path": p, "old": o, "new": n} for p, o, n in self.fields],
                "more_fields": self.more}

    def line(self) -> str:
        head = f"{self.app}: {'+' if self.how == 'added' else '-' if self.how == 'removed' else '~'} " \
               f"{self.kind} {self.name}"
        if self.how != "changed":
            return f"{head} {self.how}"
        shown = ", ".join(_field(path, old, new) for path, old, new in self.fields)
        return f"{head}: {shown}" + (f" (and {self.more} more)" if self.more else "")


def _field(path: str, old: Any, new: Any) -> str:
    import json
    if old is _MASKED or new is _MASKED:
        return f"{path}: value changed"
    if old is None:
        return f"{path}: {json.dumps(new)} (added)"
    if new is None:
        return f"{path}: {json.dumps(old)} (removed)"
    return f"{path}: {json.dumps(old)} -> {json.dumps(new)}"


_MASKED = object()


def compare(app: str, old: Sequence[tuple[str, Any]], new: Sequence[tuple[str, Any]]
            ) -> list[ResourceChange]:
    """The resources of one Application before and after, matched by kind, namespace, name."""
    def keyed(objects: Sequence[tuple[str, Any]]) -> dict[tuple[str, str, str], Any]:
        out = {}
        for _, obj in objects:
            meta = obj.get("metadata") or {}
            out[(str(obj.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))] = obj
        return out
    before, after = keyed(old), keyed(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        kind, _, name = key
        if key not in before:
            changes.append(ResourceChange(app, kind, name, "added"))
        elif key not in after:
            changes.append(ResourceChange(app, kind, name, "removed"))
        elif before[key] != after[key]:
            a, b = flatten(before[key]), flatten(after[key])
            paths = [p for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]
            secret = kind == "Secret"
            fields = tuple((p, _MASKED, _MASKED) if secret and p.startswith(("data.", "stringData."))
                           else (p, a.get(p), b.get(p)) for p in paths[:_MAX_FIELDS])
            changes.append(ResourceChange(app, kind, name, "changed", fields,
                                          max(0, len(paths) - _MAX_FIELDS)))
    return changes


def rendered_changes(apps: Sequence[str], old_tree: Mapping[str, bytes],
                     new_tree: Mapping[str, bytes], base_files: Mapping[str, bytes], root: Path,
                     checkout: Sequence[tuple[str, str]], cache_folder: Path | None
                     ) -> tuple[list[ResourceChange], str]:
    """The resource changes of `apps` when their chart folders go from `base_files` (repository
    path -> bytes, as at the base) to the working tree at `root`; and a note when they could not
    be rendered (no Helm engine, an Application that does not render)."""
    from ..charts.engine import RenderUnavailable
    from ..charts.manifests import render_applications
    from ..charts.render_cache import RenderCache
    cache = RenderCache(cache_folder) if cache_folder is not None else None
    wanted = set(apps)
    try:
        after = {r.app: r for r in render_applications(new_tree, root, checkout=checkout, cache=cache,
                                                       names=wanted)}
        with tempfile.TemporaryDirectory(prefix="gitops-dsl-base-") as folder:
            base_root = Path(folder)
            for rel, data in base_files.items():
                target = base_root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            before = {r.app: r for r in render_applications(old_tree, base_root, checkout=checkout,
                                                            cache=cache, names=wanted)}
    except RenderUnavailable as exc:
        return [], f"rendered resources not compared: {exc}"
    changes: list[ResourceChange] = []
    problems = []
    for app in sorted(wanted):
        old, new = before.get(app), after.get(app)
        if old is None or new is None:
            continue
        trouble = new.skipped or new.error or old.skipped or old.error
        if trouble:
            problems.append(f"{app}: {trouble}")
            continue
        changes.extend(compare(app, old.objects, new.objects))
    note = ("not rendered: " + "; ".join(problems)) if problems else ""
    return changes, note
