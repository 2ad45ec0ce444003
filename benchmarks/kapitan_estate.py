"""The same estate in Kapitan: layered classes and a kadet component that write the documents
gitops-dsl writes for each Application - the Application itself, and its service's and its
environment's values files - so that the two tools can be timed on the same output.

`python benchmarks/kapitan_estate.py BUILD KAPITAN_DIR` writes the Kapitan project for a compiled
estate (run.py --compare-kapitan does it, times `kapitan compile` and checks the outputs).

The inventory is layered the way a Kapitan user would layer it: a `common` class, one class per
team (the service layer: what an Application has in every environment), one class per
environment (what differs there), and one target per environment that composes them; reclass
merges the classes and the kadet component merges each service's layers into its documents.
What gitops-dsl computes (names, wave annotations, value file paths, sync policies layered from
platform to service) is given to Kapitan as data, already computed: Kapitan does less work here
than gitops-dsl, so the ratio flatters Kapitan.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TEAM_SIZE = 50

COMPONENT = '''\
"""Each service of this target's environment: its Application and its values files."""
from kapitan.inputs.kadet import BaseObj, inventory


def merge(base, layer):
    out = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def main(input_params):
    # output keys are paths without the extension: Kapitan appends ".yaml"
    parameters = inventory().parameters
    out = BaseObj()
    for name, layer in parameters.overlays.items():
        service = parameters.services[name]
        out.root[layer.app_path] = merge(service.app.to_dict(), layer.app.to_dict())
        if "values" in layer:
            out.root[layer.values_path] = layer["values"].to_dict()
        if layer.first and "values" in service:
            out.root[service.values_path] = service["values"].to_dict()
    return out
'''


def _load(path: Path) -> Any:
    return yaml.load(path.read_bytes(), Loader=_Loader)


def _split(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What all the documents share (the service layer), and what each has besides."""
    def common(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = {k: common(a[k], b[k]) for k in a if k in b}
            return {k: v for k, v in out.items() if v is not _NONE}
        return a if a == b else _NONE

    def rest(doc: Any, shared: Any) -> Any:
        if isinstance(doc, dict) and isinstance(shared, dict):
            out = {k: rest(v, shared[k]) if k in shared else v for k, v in doc.items()}
            return {k: v for k, v in out.items() if v is not _NONE}
        return _NONE if doc == shared else doc

    shared = docs[0]
    for doc in docs[1:]:
        shared = common(shared, doc)
    return shared, [rest(doc, shared) for doc in docs]


_NONE = object()


def write_project(build: Path, target: Path) -> dict[str, Any]:
    """Write the Kapitan project for the compiled tree `build` into `target`; returns what each
    document of Kapitan's output must hold: {output path: data}."""
    apps: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}   # service -> env -> (path, doc)
    for path in sorted((build / "gitops/argo-apps").glob("*/apps/*/*/*.yaml")):
        rel = path.relative_to(build).as_posix()
        parts = rel.split("/")
        apps.setdefault(parts[6][:-len(".yaml")], {})[parts[4]] = (rel, _load(path))
    expected: dict[str, Any] = {}
    services: dict[str, dict[str, Any]] = {}
    overlays: dict[str, dict[str, dict[str, Any]]] = {}
    for name, by_env in sorted(apps.items()):
        envs = sorted(by_env)
        shared, rests = _split([by_env[e][1] for e in envs])
        values_path = f"gitops/values/{name}/values.yaml"
        services[name] = {"app": shared, "values_path": values_path[:-len(".yaml")]}
        if (build / values_path).is_file():
            services[name]["values"] = _load(build / values_path)
        for i, (env, extra) in enumerate(zip(envs, rests)):
            app_path = by_env[env][0]
            layer: dict[str, Any] = {"app": extra, "app_path": app_path[:-len(".yaml")],
                                     "first": i == 0,
                                     "values_path": f"gitops/values/{name}/values-{env}"}
            expected[f"{env}/{app_path}"] = by_env[env][1]
            env_values = f"{layer['values_path']}.yaml"
            if (build / env_values).is_file():
                layer["values"] = _load(build / env_values)
                expected[f"{env}/{env_values}"] = layer["values"]
            if i == 0 and "values" in services[name]:
                expected[f"{env}/{values_path}"] = services[name]["values"]
            overlays.setdefault(env, {})[name] = layer
    classes = target / "inventory" / "classes"
    (classes / "teams").mkdir(parents=True, exist_ok=True)
    (classes / "envs").mkdir(parents=True, exist_ok=True)
    (target / "inventory" / "targets").mkdir(parents=True, exist_ok=True)
    (target / "components" / "apps").mkdir(parents=True, exist_ok=True)
    (target / "components" / "apps" / "__init__.py").write_text(COMPONENT)
    _dump(classes / "common.yml", {"parameters": {"kapitan": {"compile": [
        {"output_path": ".", "input_type": "kadet", "output_type": "yaml",
         "input_paths": ["components/apps"]}]}}})
    names = sorted(services)
    teams = [names[i:i + TEAM_SIZE] for i in range(0, len(names), TEAM_SIZE)]
    for number, team in enumerate(teams):
        _dump(classes / "teams" / f"team_{number:04d}.yml",
              {"parameters": {"services": {n: services[n] for n in team}}})
    for env, layers in sorted(overlays.items()):
        _dump(classes / "envs" / f"{env}.yml", {"parameters": {"overlays": layers}})
        _dump(target / "inventory" / "targets" / f"{env}.yml", {
            "classes": ["common", f"envs.{env}", *(f"teams.team_{n:04d}" for n in range(len(teams)))],
            "parameters": {"target_name": env, "kapitan": {"vars": {"target": env}}}})
    return expected


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                              default_flow_style=False, sort_keys=False))


def differences(compiled: Path, expected: dict[str, Any]) -> list[str]:
    """Where Kapitan's output (compiled/<target>/...) is not data-equal to gitops-dsl's."""
    found = []
    written = {p.relative_to(compiled).as_posix() for p in compiled.rglob("*.yaml")}
    for rel in sorted(set(expected) - written):
        found.append(f"missing {rel}")
    for rel in sorted(written - set(expected)):
        found.append(f"unexpected {rel}")
    for rel in sorted(set(expected) & written):
        if _load(compiled / rel) != expected[rel]:
            found.append(f"differs {rel}")
    return found


if __name__ == "__main__":
    print(len(write_project(Path(sys.argv[1]), Path(sys.argv[2]))), "documents expected")
