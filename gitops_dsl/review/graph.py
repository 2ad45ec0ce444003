"""The wave graph of an environment: services grouped by wave, dependency arrows, zone and
project shown; as mermaid (renders on GitHub) or Graphviz dot."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..resolve import App, Resolved

def _node(name: str) -> str:
    return "n_" + name.replace("-", "_").replace(".", "_")


def _groups(apps: Sequence[App]) -> list[tuple[int, str, list[Any]]]:
    waves: dict[int, list[Any]] = {}
    for app in apps:
        waves.setdefault(app.wave, []).append(app)
    return [(w, min(members, key=lambda a: a.service.name).wave_name,
             sorted(members, key=lambda a: a.service.name)) for w, members in sorted(waves.items())]


def mermaid(resolved: Resolved, env: str) -> str:
    apps = resolved.apps_in(env)
    zone = apps[0].zone.name if apps else "?"
    lines = ["flowchart LR", f"  %% environment {env}, zone {zone}"]
    for wave, name, members in _groups(apps):
        label = f"wave {wave}" + (f": {name}" if name != str(wave) else "")
        lines.append(f'  subgraph w{str(wave).replace("-", "m")}["{label}"]')
        lines += [f'    {_node(a.service.name)}["{a.service.name}<br/><small>{a.project}</small>"]'
                  for a in members]
        lines.append("  end")
    for app in sorted(apps, key=lambda a: a.service.name):
        lines += [f"  {_node(d)} --> {_node(app.service.name)}" for d in app.depends_on]
    return "\n".join(lines) + "\n"


def dot(resolved: Resolved, env: str) -> str:
    apps = resolved.apps_in(env)
    zone = apps[0].zone.name if apps else "?"
    lines = [f'digraph "{env}" {{', "  rankdir=LR;", f'  label="environment {env}, zone {zone}";',
             "  node [shape=box];"]
    for wave, name, members in _groups(apps):
        label = f"wave {wave}" + (f": {name}" if name != str(wave) else "")
        lines.append(f'  subgraph "cluster_w{wave}" {{')
        lines.append(f'    label="{label}";')
        lines += [f'    "{a.service.name}" [label="{a.service.name}\\n{a.project}"];' for a in members]
        lines.append("  }")
    for app in sorted(apps, key=lambda a: a.service.name):
        lines += [f'  "{d}" -> "{app.service.name}";' for d in app.depends_on]
    lines.append("}")
    return "\n".join(lines) + "\n"
