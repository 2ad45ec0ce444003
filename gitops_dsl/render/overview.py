"""build/README.md: what the compiled tree deploys, per zone and environment, for reviewers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model.charts import GitPath, HelmChart
from . import names

if TYPE_CHECKING:
    from ..diagnostics import Suppressed
    from ..resolve import App, Resolved

def chart_label(app: App) -> str:
    chart = app.chart
    if isinstance(chart, HelmChart):
        return f"{chart.chart} {chart.version}"
    if isinstance(chart, GitPath):
        return f"{chart.path} ({chart.tool})"
    return "standard chart"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _mermaid(apps: Sequence[App]) -> list[str]:
    lines = ["```mermaid", "flowchart LR"]
    by_wave: dict[int, list[Any]] = {}
    for app in apps:
        by_wave.setdefault(app.wave, []).append(app)
    for wave in sorted(by_wave):
        members = sorted(by_wave[wave], key=lambda a: a.service.name)
        lines.append(f"  subgraph wave_{wave}[\"wave {wave}: {members[0].wave_name}\"]".replace(
            "wave_-", "wave_m"))
        lines.extend(f"    {a.service.name.replace('-', '_')}[{a.service.name}]" for a in members)
        lines.append("  end")
    for app in apps:
        for dep in app.depends_on:
            lines.append(f"  {dep.replace('-', '_')} --> {app.service.name.replace('-', '_')}")
    lines.append("```")
    return lines


def _suppressions(suppressed: Sequence[Suppressed], root: str | None) -> list[str]:
    if not suppressed:
        return []
    out = ["## Suppressed findings", "",
           "Rules silenced on purpose, with the reason given. Review these like code.", "",
           "| rule | where | finding | reason | allowed by |", "| --- | --- | --- | --- | --- |"]
    for item in suppressed:
        d = item.diagnostic
        where = d.location.display(root).rsplit(":", 1)[0] if d.location else ""
        out.append(f"| {d.code} | {_cell(where)} | {_cell(d.message)} | {_cell(item.reason)} | "
                   f"{_cell(item.where)} |")
    return out + [""]


def render_overview(resolved: Resolved, suppressed: Sequence[Suppressed] = (), root: str | None = None) -> str:
    platform = resolved.platform
    out = [f"# {platform.name}: compiled Argo CD tree", "",
           ("Each environment has its own root Application; sync waves order the Applications "
           "inside one root. Argo CD waits for a wave to be healthy before the next one only with "
           "the Application health check from `gitops/bootstrap/<zone>/`."), ""]
    for zone in resolved.zones:
        envs = [e for e in resolved.environments if e.zone.name == zone.name]
        out += [f"## Zone `{zone.name}`", "",
                (f"Bootstrap: `kubectl apply -k {names.in_repo(platform, names.bootstrap_dir(zone))}` "
                f"on the zone's Argo CD (namespace `{zone.argocd_namespace}`)."), ""]
        for env in envs:
            apps = resolved.apps_in(env.name)
            out += [f"### Environment `{env.name}`", "",
                    (f"Cluster `{env.cluster.name}` ({env.cluster.server}), root "
                    f"`{names.root_name(platform, env)}`, {len(apps)} Applications."), "",
                    "| wave | Application | project | chart | image | namespace |",
                    "| --- | --- | --- | --- | --- | --- |"]
            for app in sorted(apps, key=lambda a: (a.wave, a.service.name)):
                image = app.image.reference if app.image else ""
                out.append(f"| {app.wave} {_cell(app.wave_name)} | `{app.name}` | {app.project} | "
                           f"{_cell(chart_label(app))} | {_cell(image)} | {app.namespace} |")
            out.append("")
            out += _mermaid(apps)
            out.append("")
    out += _suppressions(suppressed, root)
    return "\n".join(out).rstrip("\n") + "\n"
