"""A crafted tree cannot make `import` (or the compile of what it wrote) run code: every string
from it reaches the platform file as a literal or as an escaped comment."""
from __future__ import annotations

import ast

import yaml

from tests.helpers import run_cli

PAYLOAD = "__import__('pathlib').Path('{marker}').write_text('pwned')"


def hostile_tree(folder):
    folder.mkdir(parents=True)
    docs = [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
         "metadata": {"name": 'p"""\n' + PAYLOAD.format(marker="PWNED-project") + '\n"""'},
         "spec": {"sourceRepos": ["*"]}},
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
         "metadata": {"name": "api-stg\n" + PAYLOAD.format(marker="PWNED-name") + "\n#",
                      "annotations": {"x\n" + PAYLOAD.format(marker="PWNED-key") + "\n#": "v"}},
         "spec": {"project": 'p"""\n' + PAYLOAD.format(marker="PWNED-project") + '\n"""',
                  "destination": {"server": "https://kubernetes.default.svc",
                                  "namespace": "stg=" + PAYLOAD.format(marker="PWNED-ns")},
                  "source": {"repoURL": "https://example.com/acme/charts.git", "path": "charts/api",
                             "targetRevision": "main",
                             "helm": {"valuesObject": {"k'\"\n" + PAYLOAD.format(marker="PWNED-v"):
                                                       "'''\n" + PAYLOAD.format(marker="PWNED-w")}}},
                  "syncPolicy": {"automated": {"prune": True},
                                 "retry": {"limit": "1)\n" + PAYLOAD.format(marker="PWNED-retry")}}}},
    ]
    (folder / "apps.yaml").write_text(yaml.safe_dump_all(docs))


def test_hostile_names_keys_and_values_never_execute(tmp_path):
    tree = tmp_path / "tree"
    hostile_tree(tree)
    project = tmp_path / "project"
    (project / "platforms").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\n')
    run = run_cli("import", str(tree), "--out", "platforms/imported.py", "--check-roundtrip",
                  cwd=project)
    assert "Traceback" not in run.stderr, run.stderr
    source = (project / "platforms/imported.py").read_text()
    ast.parse(source)                                   # valid Python ...
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id == "__import__"]
    assert calls == []                                  # ... that calls nothing it was fed
    run_cli("compile", cwd=project)
    run_cli("validate", cwd=project)
    assert not [p for p in tmp_path.rglob("PWNED*")], "an imported string was executed"
