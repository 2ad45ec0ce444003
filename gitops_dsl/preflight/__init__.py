"""Preflight: will the compiled estate roll out? Render every Application offline and judge each
rendered resource as Argo CD's sync will (see judge.py), environment by environment and wave by
wave, and print the plan.

    plan = run_preflight(result, root, charts)   # a compile Result; charts: a ChartCache
    print(format_text(plan))
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..argo.hooks import applied
from ..diagnostics import Diagnostic, Severity, sort_key
from .judge import Verdict, judge, kind_counts, some
from .rendered_app import RenderedApp

if TYPE_CHECKING:
    from ..api import Result
    from ..charts.rendered import ChartCache, Rendered
    from ..emit.tree import Document

@attrs.frozen
class Plan:
    verdicts: tuple[Verdict, ...]       # in sync order
    diagnostics: tuple[Diagnostic, ...]  # every finding, plus the charts that could not be rendered

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


#: Argo CD's built-in `default` AppProject as a fresh installation creates it (argo-cd
#: server/server.go initializeDefaultProject: it admits every source repository, destination and cluster-scoped
#: kind); gitops-dsl never writes it
BUILTIN_DEFAULT_PROJECT = {"metadata": {"name": "default"}, "spec": {
    "sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}],
    "clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}}


def units_of(result: Result, rendered: Iterable[Rendered]) -> list[RenderedApp]:
    """Pair each rendered Application with its resolved App and its zone's AppProject."""
    from ..api import resolved_apps
    from ..render import names
    apps = {(a.zone.name, a.env.name, a.name): a for a in resolved_apps(result)}
    units = []
    for item in rendered:
        app = apps.get((item.zone, item.env, item.app))
        if app is None:
            continue
        application = result.tree[names.app_file(app)].data
        project_doc = result.tree.get(names.project_file(app.zone, app.project))
        project_data = (project_doc.data if project_doc else
                        BUILTIN_DEFAULT_PROJECT if app.project == "default" else {})
        # what a sync never applies (Helm test, rollback and delete hooks; Skip) is not judged
        objects = tuple(o for o in item.objects if applied(o[1]))
        units.append(RenderedApp(app, application, project_data, objects, item.skipped, item.error,
                          item.corrupt, not_applied=len(item.objects) - len(objects),
                          consults=item.consults))
    return units


class _Documents(Mapping[str, Any]):
    """The compiled documents as parsed data, without a YAML round trip (yaml documents only)."""

    def __init__(self, tree: Mapping[str, Document]) -> None:
        self.tree = tree

    def __contains__(self, path: object) -> bool:
        doc = self.tree.get(path) if isinstance(path, str) else None
        return doc is not None and doc.format == "yaml"

    def __getitem__(self, path: str) -> Any:
        return self.tree[path].data

    def __iter__(self) -> Iterator[str]:
        return (path for path, doc in self.tree.items() if doc.format == "yaml")

    def __len__(self) -> int:
        return sum(1 for _ in self)


def run_preflight(result: Result, root: Path, charts: ChartCache | None = None, *, env: str | None = None,
                  strict: bool = False, cache: Path | None = None) -> Plan:
    """Render every Application of a successful compile and judge it. Needs the Helm engine
    (charts.engine.RenderUnavailable otherwise). `cache` is a folder for rendered manifests by
    input key (none: render everything)."""
    from ..charts.manifests import render_applications
    from ..charts.render_cache import RenderCache
    documents = _Documents(result.tree)
    rendered = render_applications(result.files, root, documents=documents,
                                   checkout=[(p.gitops_repo.url, p.gitops_repo.revision)
                                             for p in result.platforms], charts=charts,
                                   cache=RenderCache(cache) if cache else None)
    verdicts = judge(units_of(result, rendered))
    if env is not None:
        verdicts = [v for v in verdicts if v.unit.app.env.name == env]
    diagnostics: list[Diagnostic] = []
    for verdict in verdicts:
        diagnostics.extend(verdict.findings)
        unit = verdict.unit
        if unit.skipped:
            chart = unit.app.chart
            diagnostics.append(Diagnostic(
                "GD707", Severity.ERROR if strict else Severity.WARNING,
                f"{unit.app.name}: not rendered, so not judged: {unit.skipped}",
                "`gitops-dsl charts pull` fetches external charts into the cache",
                getattr(chart, "location", None) or unit.app.service.location, unit.app.name,
                unit.app.service))
    diagnostics += _unknown_capabilities([v.unit for v in verdicts if v.unit.rendered])
    return Plan(tuple(verdicts), tuple(sorted(diagnostics, key=sort_key)))


def _unknown_capabilities(units: list[RenderedApp]) -> list[Diagnostic]:
    """GD713, once per cluster and question: charts that ask what only the live cluster
    answers (charts/capabilities.py) where the Application does not say. Argo CD answers with
    the cluster's own (controller/state.go `GetRepoObjs` sends `GetVersionsInfo`;
    reposerver/repository/repository.go `helmTemplate` uses it unless `helm.apiVersions` or
    `helm.kubeVersion` is set), preflight with Helm's built-in capabilities: what it judged may
    not be what Argo CD applies."""
    from ..charts.capabilities import API, KUBE_VERSION
    from ..render.views import chart_helm
    asking: dict[tuple[str, str, str], tuple[list[RenderedApp], set[str]]] = {}
    for unit in units:
        helm = chart_helm(unit.application)
        cluster = unit.app.env.cluster
        for fact in sorted(unit.consults):
            question = KUBE_VERSION if fact == KUBE_VERSION else API
            if helm.get("kubeVersion" if question == KUBE_VERSION else "apiVersions"):
                continue
            apps, apis = asking.setdefault((cluster.name, cluster.server, question), ([], set()))
            if unit not in apps:
                apps.append(unit)
            if question == API:
                apis.add(fact[len(API):])
    found = []
    for (name, _, question), (asked, apis) in sorted(asking.items()):
        shown = some(sorted(u.app.name for u in asked))
        if question == KUBE_VERSION:
            what, field, option = ("its Kubernetes version (.Capabilities.KubeVersion)",
                                   "kube_version", "kubeVersion")
        else:
            named = some(sorted(a for a in apis if a != "?"))
            what = (f"whether it serves {named}" if named else "which APIs it serves") + \
                " (.Capabilities.APIVersions" + (", computed in a template" if "?" in apis else "") + ")"
            field, option = "api_versions", "apiVersions"
        cluster = asked[0].app.env.cluster
        found.append(Diagnostic(
            "GD713", Severity.WARNING,
            f"cluster {name}: the charts of {shown} ask {what}, which Argo CD answers with the "
            "live cluster's and preflight with Helm's defaults: what was judged may not be what "
            "Argo CD applies",
            f"declare Cluster({field}=...) (written to helm.{option}, so Argo CD renders with "
            "it too)", cluster.location, name, cluster))
    return found




def _verdict_line(verdict: Verdict) -> str:
    unit = verdict.unit
    if unit.error:
        state = "FAILS: could not render"
    elif unit.skipped:
        state = f"not judged: {unit.skipped}"
    else:
        errors = sum(1 for f in verdict.findings if f.severity is Severity.ERROR)
        warnings = len(verdict.findings) - errors
        state = ("FAILS" if errors else "ok") + f": {len(unit.objects)} resource(s)"
        if unit.objects:
            state += f" ({kind_counts(unit.objects)})"
        if unit.not_applied:
            state += f", {unit.not_applied} hook(s) a sync never applies"
        if errors or warnings:
            state += f"; {errors} error(s), {warnings} warning(s)"
    if verdict.windows:
        state += "; sync window " + "; ".join(verdict.windows)
    return f"    {unit.app.name:<32} {state}"


def format_text(plan: Plan) -> str:
    lines = []
    current_env = current_wave = None
    for verdict in plan.verdicts:
        app = verdict.unit.app
        if app.env.name != current_env:
            current_env, current_wave = app.env.name, None
            lines.append(f"environment {app.env.name} (zone {app.zone.name}, cluster "
                         f"{app.env.cluster.name})")
        if app.wave != current_wave:
            current_wave = app.wave
            lines.append(f"  wave {app.wave} ({app.wave_name})")
        lines.append(_verdict_line(verdict))
    judged = sum(1 for v in plan.verdicts if v.unit.rendered)
    lines.append(f"{len(plan.verdicts)} Application(s): {judged} rendered and judged, "
                 f"{len(plan.verdicts) - judged} not; {plan.errors} error(s), "
                 f"{len(plan.diagnostics) - plan.errors} warning(s)")
    return "\n".join(lines) + "\n"


def as_json(plan: Plan, cwd: str) -> str:
    return json.dumps({
        "applications": [{
            "name": v.unit.app.name, "environment": v.unit.app.env.name,
            "zone": v.unit.app.zone.name, "wave": v.unit.app.wave,
            "rendered": v.unit.rendered, "skipped": v.unit.skipped, "error": v.unit.error,
            "resources": [{"apiVersion": o.get("apiVersion"), "kind": o.get("kind"),
                           "name": (o.get("metadata") or {}).get("name"),
                           "namespace": (o.get("metadata") or {}).get("namespace")}
                          for _, o in v.unit.objects],
            "sync_windows": list(v.windows), "ok": v.ok,
        } for v in plan.verdicts],
        "diagnostics": [d.as_json(cwd) for d in plan.diagnostics],
    }, indent=2)
