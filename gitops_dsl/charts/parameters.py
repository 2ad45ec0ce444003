"""Helm parameters and file parameters over the merged values, as `helm template --set`,
`--set-string` and `--set-file` apply them after Argo CD's substitution (argo/envsubst.py)."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from ..argo.envsubst import expand, expand_path
from ..merging import deep_merge


def glob_match(pattern: str, path: str) -> bool:
    """Argo CD's glob on a file's path in the folder (util/glob, gobwas/glob without separators):
    `*` matches any run of characters, `/` included; `?` one; `[...]` a class (`[!...]` negated);
    `{a,b}` either. The one matcher of argo/globs.py, with no separator and no deny entries."""
    from ..argo.globs import glob_match as argo_glob
    return argo_glob(pattern, path, negation=False)


def _clean_set_parameter(value: str) -> str:
    """What Argo CD passes Helm for a parameter's value: commas escaped unless already escaped,
    except in a `{a,b}` list (reposerver: util/helm/cmd.go cleanSetParameters)."""
    if value.startswith("{") and value.endswith("}"):
        return value
    out, previous = [], ""
    for ch in value:
        out.append("\\," if ch == "," and previous != "\\" else ch)
        previous = ch
    return "".join(out)


def with_parameters(helm: Any, values: dict[str, Any], options: dict[str, Any],
                     chart_dir: Path, bound: Path, environment: Mapping[str, str],
                     refs: Collection[str] = ()) -> dict[str, Any]:
    """Values with the Application's `helm.parameters` and `fileParameters` applied as Argo CD's
    repo server passes them to `helm template`: each value substituted (`Env.Envsubst`, see
    argo/envsubst.py), then `--set`, then `--set-string` (forceString), then `--set-file`
    (util/helm/cmd.go template), each parsed by Helm's own strvals parser."""
    parameters = [p for p in options.get("parameters") or () if isinstance(p, dict)]
    files = [p for p in options.get("fileParameters") or () if isinstance(p, dict)]
    if not parameters and not files:
        return values
    for force in (False, True):
        for p in parameters:
            if bool(p.get("forceString")) is force:
                value = expand(str(p.get("value", "")), environment)
                expression = f"{p['name']}={_clean_set_parameter(value)}"
                parsed = (helm.parse_set_string_values(expression) if force
                          else helm.parse_set_string(expression))
                values = deep_merge(values, parsed)
    for p in files:
        # relative to the chart's folder (reposerver ResolveValueFilePathOrUrl with the app path)
        target = (chart_dir / expand_path(str(p["path"]), refs, environment)).resolve()
        if not target.is_relative_to(bound.resolve()) or not target.is_file():
            raise ValueError(f"fileParameters {p['name']}: {p['path']} is not a file of the "
                             "repository")
        values = deep_merge(values, helm.parse_set_literal(f"{p['name']}={target.read_text()}"))
    return values
