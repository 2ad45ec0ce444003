"""The semantic diff of two compiled trees, per zone / environment / service: Applications added,
removed or renamed, wave moves, and changed fields as dotted paths with old -> new values.
Secrets only ever show as changed."""
from __future__ import annotations

import json
from typing import Any, Mapping

import attrs

from .views import AppView, app_views


@attrs.frozen
class FieldChange:
    path: str
    old: Any
    new: Any

    @property
    def secret(self) -> bool:
        return self.path.startswith("secrets.")


@attrs.frozen
class AppChange:
    kind: str                 # added | removed | renamed | changed
    zone: str
    env: str
    service: str
    app: str
    old_app: str | None = None
    wave: tuple = (None, None)  # (old, new)
    fields: tuple = ()
    protected: bool = False


@attrs.frozen
class TreeDiff:
    apps: tuple
    other_files: tuple        # (path, "added" | "removed" | "changed") outside Applications

    @property
    def empty(self) -> bool:
        return not self.apps and not self.other_files

    def as_json(self) -> dict:
        return {
            "changes": [
                {"kind": c.kind, "zone": c.zone, "env": c.env, "service": c.service, "app": c.app,
                 **({"old_app": c.old_app} if c.old_app else {}),
                 "wave": {"old": c.wave[0], "new": c.wave[1]},
                 "fields": [{"path": f.path, "old": None if f.secret else f.old,
                             "new": None if f.secret else f.new,
                             **({"secret": "ciphertext changed"} if f.secret else {})}
                            for f in c.fields],
                 **({"protected": True} if c.protected else {})}
                for c in self.apps],
            "other_files": [{"path": p, "change": how} for p, how in self.other_files],
        }


_ORDER = {"removed": 0, "renamed": 1, "added": 2, "changed": 3}


def field_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    changes = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a != b:
            changes.append(FieldChange(path, a, b))
    return tuple(changes)


def diff_trees(old: Mapping[str, bytes], new: Mapping[str, bytes], *, renames: dict | None = None,
               env: str | None = None, zone: str | None = None) -> TreeDiff:
    """Compare two trees. `renames` maps a new service name to its previous names."""
    old_views, new_views = app_views(old), app_views(new)
    changes: list[AppChange] = []
    matched_old: set = set()
    for key, view in new_views.items():
        before = old_views.get(key)
        if before is None:
            for previous in (renames or {}).get(view.service, ()):
                candidate = old_views.get((view.zone, view.env, previous))
                if candidate is not None and (view.zone, view.env, previous) not in new_views:
                    before = candidate
                    matched_old.add((view.zone, view.env, previous))
                    changes.append(AppChange("renamed", view.zone, view.env, view.service, view.name,
                                             candidate.name, (candidate.fields["wave"],
                                                              view.fields["wave"]),
                                             field_changes(candidate.fields, view.fields)))
                    break
            else:
                changes.append(AppChange("added", view.zone, view.env, view.service, view.name,
                                         wave=(None, view.fields["wave"])))
            continue
        matched_old.add(key)
        fields = field_changes(before.fields, view.fields)
        if fields or before.path != view.path:
            changes.append(AppChange("changed", view.zone, view.env, view.service, view.name,
                                     wave=(before.fields["wave"], view.fields["wave"]), fields=fields))
    for key, view in old_views.items():
        if key not in matched_old and key not in new_views:
            changes.append(AppChange("removed", view.zone, view.env, view.service, view.name,
                                     wave=(view.fields["wave"], None), protected=view.protected))
    changes = [c for c in changes if (env is None or c.env == env) and (zone is None or c.zone == zone)]
    changes.sort(key=lambda c: (_ORDER[c.kind], c.zone, c.env, c.service))
    app_paths = {v.path for v in old_views.values()} | {v.path for v in new_views.values()}
    other = []
    if env is None and zone is None:
        for path in sorted(set(old) | set(new)):
            if path in app_paths or path == ".gitops-dsl-manifest" or _consumed(path):
                continue
            if path not in old:
                other.append((path, "added"))
            elif path not in new:
                other.append((path, "removed"))
            elif old[path] != new[path]:
                other.append((path, "changed"))
    return TreeDiff(tuple(changes), tuple(other))


def _consumed(path: str) -> bool:
    """Value and config files: their changes already show as Application fields."""
    return path.startswith(("gitops/values/", "configs/")) or path == "README.md"


def diff_environments(tree: Mapping[str, bytes], env: str, to_env: str) -> list[tuple[str, tuple]]:
    """What differs between two environments for the services both run: the drift hand-written
    trees accumulate. Identity fields (names, destination) and ciphertexts (always different,
    being bound to each cluster) are left out."""
    views = app_views(tree)
    by_env: dict[str, dict[str, AppView]] = {}
    for (_, e, service), view in views.items():
        by_env.setdefault(e, {})[service] = view
    one, two = by_env.get(env, {}), by_env.get(to_env, {})
    out = []
    for service in sorted(set(one) | set(two)):
        if service not in one or service not in two:
            where = to_env if service in two else env
            out.append((service, (FieldChange("deployed", env if service in one else None,
                                              to_env if service in two else None),), where))
            continue
        a = {k: v for k, v in one[service].fields.items() if not _identity(k)}
        b = {k: v for k, v in two[service].fields.items() if not _identity(k)}
        keys_a = {k for k in a if k.startswith("secrets.")}
        keys_b = {k for k in b if k.startswith("secrets.")}
        for k in keys_a & keys_b:
            a[k] = b[k] = "sealed"
        changes = field_changes(a, b)
        if changes:
            out.append((service, changes, None))
    return out


def _identity(path: str) -> bool:
    return path in ("destination.cluster", "destination.namespace") or path.startswith("annotations.")


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)


def _field_line(change: FieldChange) -> str:
    if change.secret:
        if change.old is None:
            return f"{change.path}: added (value not shown)"
        if change.new is None:
            return f"{change.path}: removed"
        return f"{change.path}: ciphertext changed"
    if change.old is None:
        return f"{change.path}: {_value(change.new)} (added)"
    if change.new is None:
        return f"{change.path}: {_value(change.old)} (removed)"
    return f"{change.path}: {_value(change.old)} -> {_value(change.new)}"


def _title(c: AppChange) -> str:
    if c.kind == "added":
        return f"+ {c.app} added (wave {c.wave[1]})"
    if c.kind == "removed":
        return f"- {c.app} removed{' (protected environment)' if c.protected else ''}"
    if c.kind == "renamed":
        return f"> {c.old_app} renamed to {c.app}"
    return f"~ {c.app}"


def format_text(diff: TreeDiff) -> str:
    if diff.empty:
        return "no changes\n"
    lines = []
    current = None
    for c in diff.apps:
        if (c.zone, c.env) != current:
            current = (c.zone, c.env)
            lines.append(f"zone {c.zone}, environment {c.env}")
        lines.append(f"  {_title(c)}")
        if c.wave[0] is not None and c.wave[1] is not None and c.wave[0] != c.wave[1]:
            lines.append(f"      wave: {c.wave[0]} -> {c.wave[1]}")
        lines.extend(f"      {_field_line(f)}" for f in c.fields if f.path != "wave")
    if diff.other_files:
        lines.append("other files")
        lines.extend(f"  {how}: {path}" for path, how in diff.other_files)
    return "\n".join(lines) + "\n"


def format_markdown(diff: TreeDiff) -> str:
    if diff.empty:
        return "**gitops-dsl diff:** no changes\n"
    counts: dict[tuple, dict[str, int]] = {}
    for c in diff.apps:
        counts.setdefault((c.zone, c.env), {k: 0 for k in _ORDER})[c.kind] += 1
    out = ["### gitops-dsl diff", "",
           "| zone | environment | removed | renamed | added | changed |",
           "| --- | --- | --- | --- | --- | --- |"]
    for (zone, env), n in sorted(counts.items()):
        removed = f"**{n['removed']}**" if n["removed"] else "0"
        out.append(f"| {zone} | {env} | {removed} | {n['renamed']} | {n['added']} | {n['changed']} |")
    if diff.other_files:
        out.append(f"\n{len(diff.other_files)} other file(s) changed.")
    removed = [c for c in diff.apps if c.kind == "removed"]
    if removed:
        out += ["", "**Deleted Applications** (with the resources finalizer, their workloads are "
                "deleted too):", ""]
        out += [f"- **{c.app}** ({c.zone}/{c.env}){' — protected environment' if c.protected else ''}"
                for c in removed]
    for (zone, env) in sorted(counts):
        items = [c for c in diff.apps if (c.zone, c.env) == (zone, env)]
        out += ["", f"<details><summary>{zone} / {env}: {len(items)} Application(s)</summary>", ""]
        for c in items:
            title = _title(c)
            out.append(f"- **{title}**" if c.kind == "removed" else f"- `{title}`")
            if c.wave[0] is not None and c.wave[1] is not None and c.wave[0] != c.wave[1]:
                out.append(f"  - wave: {c.wave[0]} → {c.wave[1]}")
            out.extend(f"  - `{_field_line(f)}`" for f in c.fields if f.path != "wave")
        out += ["", "</details>"]
    if diff.other_files:
        out += ["", "<details><summary>other files</summary>", ""]
        out += [f"- {how}: `{path}`" for path, how in diff.other_files]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def format_env_drift(drift, env: str, to_env: str) -> str:
    if not drift:
        return f"no differences between {env} and {to_env}\n"
    lines = [f"{env} -> {to_env}"]
    for service, changes, only in drift:
        if only is not None or changes[0].path == "deployed":
            lines.append(f"  {service}: only in {changes[0].old or changes[0].new}")
            continue
        lines.append(f"  {service}")
        lines.extend(f"      {_field_line(c)}" for c in changes)
    return "\n".join(lines) + "\n"
