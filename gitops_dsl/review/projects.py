"""AppProject changes between two compiled trees, field by field, with the Applications a change
blocks: Argo CD refuses to sync an Application whose project no longer admits its source
repositories or its destination, or that names a project that is gone (pkg/apis/application/
v1alpha1/app_project_types.go, `IsSourcePermitted` and `IsDestinationPermitted`, asked by
util/argo/argo.go `ValidatePermissions` before every sync)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..argo.globs import destination_permitted, source_permitted
from ..emit.yaml import load
from ..render.names import parse
from ..render.views import APP_PREFIX, FieldChange, flatten, shown

__all__ = ["ProjectChange", "project_changes", "project_key"]


@attrs.frozen
class ProjectChange:
    kind: str                              # added | removed | changed
    zone: str
    name: str
    path: str
    fields: tuple[FieldChange, ...] = ()
    blockers: tuple[str, ...] = ()         # "<application>: why Argo CD refuses its sync"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "zone": self.zone, "name": self.name, "path": self.path,
                "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in self.fields],
                "blockers": list(self.blockers)}


def project_key(path: str) -> tuple[str, str] | None:
    """(zone, file name) of an AppProject file: gitops/argo-apps/<zone>/projects/<name>.yaml or
    a zone's bootstrap project, gitops/bootstrap/<zone>/project.yaml."""
    where = parse(path)
    if where.kind == "project":
        return where.zone, where.name
    if where.kind == "bootstrap" and where.name == "project.yaml":
        return where.zone, ""
    return None


def _document(files: Mapping[str, bytes], path: str) -> dict[str, Any] | None:
    data = files.get(path)
    if data is None:
        return None
    doc = load(data)
    return doc if isinstance(doc, dict) and doc.get("kind") == "AppProject" else None


def _canonical(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _spec_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Lists (repositories, destinations, whitelists, roles, windows) compare by item: an
    entry removed or added; everything else by dotted path."""
    out: list[FieldChange] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, list) or isinstance(b, list):
            before = {_canonical(i): i for i in (a if isinstance(a, list) else [])}
            after = {_canonical(i): i for i in (b if isinstance(b, list) else [])}
            out += [FieldChange(key, shown(key, before[k]), None)
                    for k in sorted(before.keys() - after.keys())]
            out += [FieldChange(key, None, shown(key, after[k]))
                    for k in sorted(after.keys() - before.keys())]
            continue
        flat_a, flat_b = flatten(a, key), flatten(b, key)
        out += [FieldChange(p, shown(p, flat_a.get(p)), shown(p, flat_b.get(p)))
                for p in sorted(set(flat_a) | set(flat_b)) if flat_a.get(p) != flat_b.get(p)]
    return out


def _applications(files: Mapping[str, bytes], zone: str, project: str) -> Iterable[dict[str, Any]]:
    """The Application documents of a zone that name `project` (service apps are filed under
    their project's folder; roots and the zone app are read whole)."""
    prefix = f"{APP_PREFIX}{zone}/"
    for path in files:
        if not path.startswith(prefix) or not path.endswith(".yaml"):
            continue
        where = parse(path)
        if not ((where.kind == "app" and where.project == project) or where.kind == "root"):
            continue
        doc = load(files[path])
        if isinstance(doc, dict) and doc.get("kind") == "Application" and \
                (doc.get("spec") or {}).get("project") == project:
            yield doc
    zone_app = files.get(f"gitops/bootstrap/{zone}/zone.yaml")
    if zone_app is not None:
        doc = load(zone_app)
        if isinstance(doc, dict) and (doc.get("spec") or {}).get("project") == project:
            yield doc


def _refusals(app: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Why a project with `spec` refuses the Application `app` (nothing: it admits it)."""
    app_spec = app.get("spec") or {}
    sources = app_spec.get("sources") or [app_spec.get("source") or {}]
    why = [f"source {s['repoURL']} is not in the project's sourceRepos" for s in sources
           if s.get("repoURL") and not source_permitted(spec.get("sourceRepos") or [], s["repoURL"])]
    dest = app_spec.get("destination") or {}
    if not destination_permitted(spec.get("destinations") or [], server=dest.get("server") or "",
                                 name=dest.get("name") or "", namespace=dest.get("namespace") or ""):
        where = dest.get("server") or dest.get("name")
        why.append(f"destination {where} namespace {dest.get('namespace') or '(none)'} is not "
                   "among the project's destinations")
    return why


def project_changes(old: Mapping[str, bytes], new: Mapping[str, bytes],
                    changed: Iterable[str]) -> list[ProjectChange]:
    out = []
    for path in sorted(changed):
        key = project_key(path)
        if key is None:
            continue
        before, after = _document(old, path), _document(new, path)
        if before is None and after is None:
            continue
        zone = key[0]
        name = str(((after or before) or {}).get("metadata", {}).get("name", key[1]))
        if after is None:
            gone = tuple(f"{a['metadata']['name']}: its project {name} is deleted, so Argo CD "
                         "refuses every operation on it" for a in _applications(new, zone, name))
            out.append(ProjectChange("removed", zone, name, path, blockers=gone))
            continue
        if before is None:
            out.append(ProjectChange("added", zone, name, path))
            continue
        old_spec, new_spec = before.get("spec") or {}, after.get("spec") or {}
        fields = _spec_changes(old_spec, new_spec)
        old_name = str(before.get("metadata", {}).get("name", ""))
        if old_name != name:
            fields.insert(0, FieldChange("name", old_name, name))
        blockers: list[str] = []
        if any(f.path in ("sourceRepos", "destinations") for f in fields) or old_name != name:
            for app in _applications(new, zone, name):
                now = _refusals(app, new_spec)
                if now and (old_name != name or not _refusals(app, old_spec)):
                    blockers += [f"{app['metadata']['name']}: {why}" for why in now]
        if fields:
            out.append(ProjectChange("changed", zone, name, path, tuple(fields), tuple(blockers)))
    return out
