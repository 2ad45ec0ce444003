"""A diff as text, as Markdown (a pull request comment) and the drift between two
environments: secrets only as "changed", each Application under its zone and environment."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..render.views import (
    FieldChange,
)
from .diff import ORDER, AppChange, TreeDiff
from .projects import ProjectChange


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)


def _field_line(change: FieldChange) -> str:
    if change.secret:
        if change.old is None:
            return f"{change.path}: added (value not shown)"
        if change.new is None:
            return f"{change.path}: removed"
        return f"{change.path}: {'ciphertext' if change.path.startswith('secrets.') else 'value'} changed"
    if change.old is None:
        return f"{change.path}: {_value(change.new)} (added)"
    if change.new is None:
        return f"{change.path}: {_value(change.old)} (removed)"
    return f"{change.path}: {_value(change.old)} -> {_value(change.new)}"


_ROLES = {"service": "", "root": " (root)", "zone": " (zone app)"}


def _title(c: AppChange) -> str:
    role = _ROLES[c.role]
    danger = " - DANGEROUS: deletes workloads of a protected environment" if c.dangerous else ""
    if c.kind == "added":
        return f"+ {c.app}{role} added (wave {c.wave[1]})"
    if c.kind == "removed":
        return f"- {c.app}{role} removed{' (protected environment)' if c.protected else ''}{danger}"
    if c.kind == "renamed":
        return f"> {c.old_app}{role} renamed to {c.app}: delete + create{danger}"
    return f"~ {c.app}{role}{danger}"


def _where(zone: str, env: str) -> str:
    return f"zone {zone}, environment {env}" if env else f"zone {zone}"


def _project_lines(p: ProjectChange) -> list[str]:
    lines = [f"project {p.name} {p.kind} (zone {p.zone})"]
    lines += [f"      {_field_line(f)}" for f in p.fields]
    lines += [f"      BLOCKS {b}" for b in p.blockers]
    return lines


def format_text(diff: TreeDiff) -> str:
    if diff.empty:
        return "no changes\n"
    lines = []
    current = None
    env_notes = {(e.zone, e.env): e for e in diff.environments}
    for e in diff.environments:
        if not any((c.zone, c.env) == (e.zone, e.env) for c in diff.apps):
            lines.append(f"zone {e.zone}, environment {e.env} {e.kind}: {e.note}")
    # one header per environment: its changes together, removals first within it
    for c in sorted(diff.apps, key=lambda c: (c.zone, c.env, ORDER[c.kind], c.service)):
        if (c.zone, c.env) != current:
            current = (c.zone, c.env)
            note = env_notes.get(current)
            lines.append(_where(c.zone, c.env) + (f" {note.kind}: {note.note}" if note else ""))
        lines.append(f"  {_title(c)}")
        if c.note:
            lines.append(f"      ({c.note})")
        if c.wave[0] is not None and c.wave[1] is not None and c.wave[0] != c.wave[1]:
            lines.append(f"      wave: {c.wave[0]} -> {c.wave[1]}")
        lines.extend(f"      {_field_line(f)}" for f in c.fields if f.path != "wave")
    for p in diff.projects:
        lines.extend(_project_lines(p))
    if diff.other_files:
        lines.append("other files")
        lines.extend(f"  {how}: {path}" for path, how in diff.other_files)
    for change in diff.inputs:
        lines.append(f"chart folder {change.path} changed: what Argo CD renders changes for "
                     f"{', '.join(change.apps)}")
        lines.extend(f"  {how}: {path}" for path, how in change.files)
        lines.extend(f"  rendered {r.line()}" for r in change.resources)
        if change.note:
            lines.append(f"  ({change.note})")
    return "\n".join(lines) + "\n"


def format_markdown(diff: TreeDiff) -> str:
    if diff.empty:
        return "**gitops-dsl diff:** no changes\n"
    counts: dict[tuple[Any, ...], dict[str, int]] = {}
    for c in diff.apps:
        counts.setdefault((c.zone, c.env), {k: 0 for k in ORDER})[c.kind] += 1
    out = ["### gitops-dsl diff", ""]
    if counts:
        out += ["| zone | environment | removed | renamed | added | changed |",
                "| --- | --- | --- | --- | --- | --- |"]
    for (zone, env), n in sorted(counts.items()):
        gone = f"**{n['removed']}**" if n["removed"] else "0"
        out.append(f"| {zone} | {env} | {gone} | {n['renamed']} | {n['added']} | {n['changed']} |")
    if diff.projects:
        out.append(f"\n{len(diff.projects)} AppProject(s) changed.")
    if diff.other_files:
        out.append(f"\n{len(diff.other_files)} other file(s) changed.")
    for change in diff.inputs:
        out += ["", (f"**Chart folder `{change.path}` changed** ({len(change.files)} file(s)): what "
                    f"Argo CD renders changes for {', '.join(f'**{a}**' for a in change.apps)}")]
    for e in diff.environments:
        out += ["", f"**Environment {e.env} ({e.zone}) {e.kind}:** {e.note}"]
    dangerous = [c for c in diff.apps if c.dangerous]
    if dangerous:
        out += ["", ("**Dangerous: workloads of a protected environment are deleted** "
                    "(`compile` refuses this without `--allow-delete`):"), ""]
        out += [f"- **{c.old_app + ' → ' if c.old_app else ''}{c.app}** ({c.zone}/{c.env}, "
                f"{c.kind}): {c.note}" for c in dangerous]
    blocked = [p for p in diff.projects if p.blockers]
    if blocked:
        out += ["", "**Syncs Argo CD will refuse** (project changes):", ""]
        out += [f"- project **{p.name}** ({p.zone}): {b}" for p in blocked for b in p.blockers]
    removed = [c for c in diff.apps if c.kind == "removed"]
    if removed:
        out += ["", "**Deleted Applications:**", ""]
        out += [f"- **{c.app}** ({c.zone}/{c.env}){' — protected environment' if c.protected else ''}"
                f": {c.note}" for c in removed]
    renamed = [c for c in diff.apps if c.kind == "renamed"]
    unsafe = [c for c in renamed if c.note and "one step" in c.note]
    for title, items in (("**Renames that delete workloads:**", unsafe),
                         (("**Renamed Applications** (Argo CD deletes the old one and creates the "
                          "new; the workloads are adopted):"), [c for c in renamed if c not in unsafe])):
        if items:
            out += ["", title, ""]
            out += [f"- **{c.old_app} → {c.app}** ({c.zone}/{c.env or 'zone app'}): {c.note}"
                    for c in items]
    moves = [c for c in diff.apps if c.kind == "changed" and c.note]
    if moves:
        out += ["", "**What Argo CD does differently:**", ""]
        out += [f"- **{c.app}** ({c.zone}/{c.env or 'zone app'}): {c.note}" for c in moves]
    for (zone, env) in sorted(counts):
        items = [c for c in diff.apps if (c.zone, c.env) == (zone, env)]
        out += ["", f"<details><summary>{zone} / {env}: {len(items)} Application(s)</summary>", ""]
        for c in items:
            title = _title(c)
            out.append(f"- **{title}**" if c.kind == "removed" else f"- `{title}`")
            if c.note:
                out.append(f"  - {c.note}")
            if c.wave[0] is not None and c.wave[1] is not None and c.wave[0] != c.wave[1]:
                out.append(f"  - wave: {c.wave[0]} → {c.wave[1]}")
            out.extend(f"  - `{_field_line(f)}`" for f in c.fields if f.path != "wave")
        out += ["", "</details>"]
    for change in diff.inputs:
        out += ["", f"<details><summary>chart folder {change.path}</summary>", ""]
        out += [f"- {how}: `{path}`" for path, how in change.files]
        out += [f"- rendered `{r.line()}`" for r in change.resources]
        out += [f"- ({change.note})"] if change.note else []
        out += ["", "</details>"]
    for p in diff.projects:
        out += ["", f"<details><summary>project {p.name} ({p.zone}) {p.kind}</summary>", ""]
        out += [f"  - `{_field_line(f)}`" for f in p.fields]
        out += ["", "</details>"]
    if diff.other_files:
        out += ["", "<details><summary>other files</summary>", ""]
        out += [f"- {how}: `{path}`" for path, how in diff.other_files]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def format_env_drift(drift: Sequence[tuple[str, tuple[FieldChange, ...], str | None]], env: str,
                     to_env: str) -> str:
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
