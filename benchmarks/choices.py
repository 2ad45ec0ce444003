"""Measure two hand-written parts against the well-kept library that could replace each:
`python benchmarks/choices.py [--work /dev/shm/gitops-dsl-choices]` (needs `pip install
fastjsonschema ruamel.yaml`; neither is a dependency of gitops-dsl).

1. The standard chart's values schema: gitops-dsl's validator of the subset the schema uses
   (`checks/schema.py`) against fastjsonschema's compiled validator, on the values of every
   standard-chart Application of the 1000 x 3 estate - what GD416 checks on every compile that
   runs the checks (a cold compile, a --no-cache no-op) - valid values, the common case.
2. Editing the versions file: `versions.file.set_pin` (the value's own characters replaced, or
   the missing keys inserted after their block) against ruamel.yaml's round trip (load, set,
   dump), for a pin set in a 1000-service file: time per edit, and the lines outside the edit
   that each changes (comments, quoting, indentation).
Prints a markdown table.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import io
import json
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def schema_figures(project: Path) -> dict[str, float]:
    import fastjsonschema

    from gitops_dsl.api import compile as compile_platforms
    from gitops_dsl.api import resolved_apps
    from gitops_dsl.checks.schema import Validator
    from gitops_dsl.model.charts import StandardChart
    result = compile_platforms(project / "platforms", root=project, render_tree=False)
    apps = [a for a in resolved_apps(result) if isinstance(a.chart, StandardChart)]
    layers = [a.values for a in apps] + [a.env_values for a in apps]
    schema = json.loads((resources.files("gitops_dsl") / "data" / "charts" / "service" /
                         "values.schema.json").read_text())

    def no_required(node):
        if isinstance(node, dict):
            return {k: no_required(v) for k, v in node.items() if k != "required"}
        if isinstance(node, list):
            return [no_required(v) for v in node]
        return node
    ours = Validator(schema)
    start = time.perf_counter()
    theirs = fastjsonschema.compile(no_required(copy.deepcopy(schema)))
    compile_s = time.perf_counter() - start

    def run_ours():
        for layer in layers:
            for _ in ours.errors(layer, required=False):
                pass

    def run_theirs():
        for layer in layers:
            try:
                theirs(layer)
            except fastjsonschema.JsonSchemaValueException:
                pass
    return {"layers": len(layers), "ours": best(run_ours), "theirs": best(run_theirs),
            "theirs_compile": compile_s}


def versions_figures(project: Path) -> dict[str, object]:
    from ruamel.yaml import YAML

    from gitops_dsl.versions.file import set_pin
    text = _versions_text(1000)
    services = [f"svc-{i:05d}" for i in range(1000)]
    edits = [(s, "image", f"9.9.{i}", None) for i, s in enumerate(services[:50])]

    def run_ours():
        out = text
        for service, field, value, env in edits:
            out = set_pin(out, service, field, value, env)
        return out

    rt = YAML()
    rt.preserve_quotes = True

    def run_theirs():
        out = text
        for service, field, value, _ in edits:
            doc = rt.load(out)
            doc["services"][service][field] = value
            buffer = io.StringIO()
            rt.dump(doc, buffer)
            out = buffer.getvalue()
        return out

    def changed_elsewhere(edited: str) -> int:
        """Lines that differ from the original beyond the edited pins' own lines."""
        diff = [d for d in difflib.unified_diff(text.splitlines(), edited.splitlines(), n=0,
                                                lineterm="") if d[:1] in "+-" and d[:3] not in ("+++", "---")]
        return max(0, len([d for d in diff if d.startswith("-")]) - len(edits))
    return {"pins": len(services), "edits": len(edits),
            "ours": best(run_ours, 3) / len(edits), "theirs": best(run_theirs, 1) / len(edits),
            "ours_elsewhere": changed_elsewhere(run_ours()),
            "theirs_elsewhere": changed_elsewhere(run_theirs())}


def _versions_text(count: int) -> str:
    """A versions file as teams keep them: a header, an image pin per service, an environment's
    own pin for some, a chart pin with its Renovate annotation for others, a comment here and
    there."""
    lines = ["# Version pins: image tags and chart versions, per service and environment.",
             "# Edited by `gitops-dsl set-image`, by CI and by bots.", "---", "services:"]
    for i in range(count):
        lines.append(f"  svc-{i:05d}:")
        if i % 7 == 0:
            lines.append("    # pinned while the 2.x migration runs")
        lines.append(f"    image: '1.{i % 13}.{i % 5}'")
        if i % 5 == 0:
            lines.append(f"    chart: 19.6.{i % 4}  # renovate: datasource=helm depName=redis")
        if i % 3 == 0:
            lines += ["    envs:", "      prod:", f"        image: \"1.{i % 11}.0\""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/gitops-dsl-choices"))
    parser.add_argument("--services", type=int, default=1000)
    args = parser.parse_args()
    project = args.work / f"estate-{args.services}"
    if not (project / "platforms").is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--services", str(args.services),
                        "--envs", "3", "--zones", "2", "--out", str(project)], check=True)
    s = schema_figures(project)
    v = versions_figures(project)
    print("| choice | gitops-dsl's own | the library | decision input |")
    print("| --- | --- | --- | --- |")
    print(f"| values schema, {s['layers']} value layers | {s['ours'] * 1000:.1f} ms | "
          f"fastjsonschema {s['theirs'] * 1000:.1f} ms (+ {s['theirs_compile'] * 1000:.0f} ms "
          f"compiling the schema in each process) | ratio {s['theirs'] / s['ours']:.2f} |")
    print(f"| versions file, one pin of {v['pins']} services | {v['ours'] * 1000:.2f} ms, "
          f"{v['ours_elsewhere']} other lines changed | ruamel.yaml round trip "
          f"{v['theirs'] * 1000:.1f} ms, {v['theirs_elsewhere']} other lines changed | "
          f"ratio {v['theirs'] / v['ours']:.1f} |")


if __name__ == "__main__":
    main()
