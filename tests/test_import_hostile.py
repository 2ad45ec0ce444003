"""A crafted tree cannot make `import` (or the compile of what it wrote) run code: every string
from it reaches the platform file as a literal or as an escaped comment, never in the two lines
where Python reads a source encoding declaration."""
from __future__ import annotations

import ast
import base64
import codecs
from pathlib import Path

import pytest
import yaml

from tests.helpers import empty_project, run_cli

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


def _project(tmp_path):
    project = tmp_path / "project"
    (project / "platforms").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\n')
    return project


def test_reads_stay_inside_the_tree(tmp_path):
    secret = tmp_path / "outside.yaml"
    secret.write_text("stolen: hunter2-outside\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
           "metadata": {"name": "api-stg"},
           "spec": {"project": "app", "destination": {"server": "https://kubernetes.default.svc",
                                                      "namespace": "stg"},
                    "sources": [{"repoURL": "https://example.com/a.git", "path": "charts/api",
                                 "helm": {"valueFiles": [str(secret), "$values/../outside.yaml",
                                                         "../../../outside.yaml"]}},
                                {"repoURL": "https://example.com/a.git", "ref": "values"}]}}
    (tree / "app.yaml").write_text(yaml.safe_dump(app))
    project = _project(tmp_path)
    run = run_cli("import", str(tree), "--out", "platforms/x.py", cwd=project)
    assert "Traceback" not in run.stderr
    assert "hunter2-outside" not in (project / "platforms/x.py").read_text()
    assert run.stderr.count("is outside the imported tree: not read") == 3


BOMB = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_malformed_and_hostile_documents_are_reported(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "bomb.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Application\n" + BOMB)
    (tree / "deep.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Application\nx: "
                                    + "[" * 900 + "]" * 900 + "\n")
    shapes = [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "spec": [1, 2]},
              {"apiVersion": 5, "kind": "Application"},
              {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": "x",
               "spec": {"source": {"repoURL": "https://e.com/a.git", "path": "p"}}},
              {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
               "spec": {"sources": ["not a mapping"]}},
              {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "b"},
               "spec": {"source": {"repoURL": "https://e.com/a.git", "path": "p"},
                        "syncPolicy": {"retry": {"limit": "abc"}}}}]
    (tree / "shapes.yaml").write_text(yaml.safe_dump_all(shapes))
    project = _project(tmp_path)
    import time
    started = time.perf_counter()
    run = run_cli("import", str(tree), "--out", "platforms/x.py", cwd=project)
    assert time.perf_counter() - started < 60
    assert "Traceback" not in run.stderr, run.stderr
    assert "bomb.yaml: not readable YAML (more than" in run.stderr
    assert "deep.yaml: not readable YAML (nested more than" in run.stderr
    assert "malformed" in run.stderr


def test_a_source_without_a_usable_repository_url_is_reported_not_a_crash(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    shapes = [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
               "metadata": {"name": f"web{i}-dev"},
               "spec": {"project": "default", "source": {"repoURL": url, "path": "charts/web"},
                        "destination": {"server": "https://kubernetes.default.svc",
                                        "namespace": "web"}}}
              for i, url in enumerate(["", 12345, None, ["x"]])]
    (tree / "apps.yaml").write_text(yaml.safe_dump_all(shapes))
    project = _project(tmp_path)
    run = run_cli("import", str(tree), "--out", "platforms/x.py", cwd=project)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1
    assert "Application web0-dev: malformed (ValueError: a source's repoURL is empty" in run.stderr
    assert "Application web1-dev: malformed (ValueError: a source's repoURL is 12345" in run.stderr
    assert "nothing written" in run.stderr
    assert not (project / "platforms/x.py").exists()
    # beside a good Application, the bad ones are reported and the good one imported
    shapes.append({**shapes[0], "metadata": {"name": "api-dev"},
                   "spec": {**shapes[0]["spec"], "source": {"repoURL": "https://e.com/a.git",
                                                            "path": "charts/api"}}})
    (tree / "apps.yaml").write_text(yaml.safe_dump_all(shapes))
    run = run_cli("import", str(tree), "--out", "platforms/x.py", cwd=project)
    assert run.returncode == 0, run.stderr
    assert "wrote platforms/x.py: 1 Applications" in run.stdout


# Python reads a source encoding declaration (PEP 263) from the first two lines of a module;
# declared as UTF-7, a value that looks like random text to a reviewer (`+AAo-...`) decodes to a
# line break and code. The import keeps everything from the tree out of those lines, declares
# UTF-8 itself, and the loader refuses any platform module that declares another encoding.


def payload(mark: Path) -> str:
    """Python that leaves `mark`, hidden in UTF-7 (what a coding: utf-7 line would make of it):
    decoded, it closes the string literal it stands in, runs, and comments out the rest of the
    line."""
    code = f"'\n__import__('pathlib').Path({str(mark)!r}).write_text('ran')\n#"
    # every character shifted into UTF-7's base64 form (its encoder leaves ASCII as it is)
    hidden = "+" + base64.b64encode(code.encode("utf-16-be")).decode("ascii").rstrip("=") + "-"
    assert codecs.decode(hidden.encode("ascii"), "utf-7") == code
    return hidden


def hostile_trees(root: Path, mark: Path) -> dict[str, Path]:
    hidden = payload(mark)
    trees = {}
    for label, folder_name, value in [
        ("a folder declaring utf-7", "x -*- coding: utf-7 -*-", hidden),
        ("a folder declaring utf-7 with a line break", "a\ncoding=utf-7", hidden),
        ("quotes and a carriage return", "q'\"\r", "\'\'\'\r\"\"\"" + hidden),
        ("a line separator and NUL", "sep\u2028x", "\u2028coding: utf-7\u2028" + hidden),
    ]:
        tree = root / label.replace(" ", "-") / folder_name
        tree.mkdir(parents=True)
        doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
               "metadata": {"name": "api", "namespace": "argocd", "annotations": {"note": value}},
               "spec": {"project": "app",
                        "source": {"repoURL": "https://example.com/acme/gitops.git",
                                   "targetRevision": "main", "path": "charts/api",
                                   "helm": {"parameters": [{"name": "note", "value": value}]}},
                        "destination": {"server": "https://kubernetes.default.svc",
                                        "namespace": "api"}}}
        (tree / "api.yaml").write_text(yaml.safe_dump(doc))
        trees[label] = tree
    return trees


@pytest.mark.parametrize("label", ["a folder declaring utf-7",
                                   "a folder declaring utf-7 with a line break",
                                   "quotes and a carriage return", "a line separator and NUL"])
def test_nothing_from_a_tree_runs(tmp_path: Path, label: str) -> None:
    mark = tmp_path / "ran"
    tree = hostile_trees(tmp_path / "trees", mark)[label]
    project = empty_project(tmp_path / "project")
    imported = run_cli("import", str(tree), "--out", "platforms/legacy.py", cwd=project)
    assert "Traceback" not in imported.stderr, imported.stderr
    platform = project / "platforms" / "legacy.py"
    assert platform.exists(), imported.stderr
    for command in (["compile"], ["validate"]):
        done = run_cli(*command, cwd=project)
        assert "Traceback" not in done.stderr, done.stderr
        assert not mark.exists(), f"{command[0]} ran code from the tree"
    run_cli("import", str(tree), "--check-roundtrip", cwd=tmp_path)
    assert not mark.exists(), "import --check-roundtrip ran code from the tree"
    head = platform.read_bytes().split(b"\n")[:2]
    assert head == [b"# Imported by `gitops-dsl import`.", b"# -*- coding: utf-8 -*-"]


def test_a_platform_module_declaring_another_encoding_is_never_run(tmp_path: Path) -> None:
    mark = tmp_path / "ran"
    project = empty_project(tmp_path / "project")
    (project / "platforms" / "demo.py").write_bytes(
        b"# -*- coding: utf-7 -*-\nx = '" + payload(mark).encode() + b"'\n")
    (project / "platforms" / "_helper.py").write_bytes(b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n")
    for command in ("compile", "validate"):
        done = run_cli(command, cwd=project)
        assert done.returncode == 1 and not mark.exists()
        assert "demo.py:1:1: error[GD100] demo.py declares the source encoding utf-7" in done.stderr
        assert "_helper.py declares the source encoding iso-8859-1" in done.stderr
    # the control: without the declaration the same bytes are an ordinary string
    (project / "platforms" / "demo.py").write_bytes(b"x = '" + payload(mark).encode() + b"'\n")
    (project / "platforms" / "_helper.py").unlink()
    assert "declares the source encoding" not in run_cli("compile", cwd=project).stderr
    assert not mark.exists()
