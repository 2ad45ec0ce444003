"""Small platforms with local chart folders, judged by the real preflight; and a real Helm
repository (packaged with the Helm engine, an index.yaml, served over HTTP on 127.0.0.1)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import textwrap
import threading
from pathlib import Path

from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.preflight import run_preflight
from tests.helpers import make_project

HEAD = '''
from gitops_dsl import *

gitops = Repo("https://example.com/acme/gitops.git")
cluster = Cluster("stg", "https://stg.example:6443"{cluster})
stg = Environment("stg", cluster=cluster, zone="z")
first, second, third = Waves("first", "second", "third")
app = Project("app", cluster_resources=[{resources}])
'''
TAIL = '''
platform = Platform("demo", gitops_repo=gitops, environments=[stg{envs}], projects=[app],
                    services=services)
'''


CORE_RESOURCES = ('ResourceKind("", "Namespace"), '
                  'ResourceKind("apiextensions.k8s.io", "CustomResourceDefinition")')


def crd(group: str, kind: str, versions=("v1",), scope: str = "Namespaced") -> str:
    plural = kind.lower() + "s"
    served = "".join(f"  - name: {v}\n    served: true\n    storage: {str(i == 0).lower()}\n"
                     "    schema:\n      openAPIV3Schema:\n        type: object\n"
                     for i, v in enumerate(versions))
    return (f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            f"metadata:\n  name: {plural}.{group}\nspec:\n  group: {group}\n  scope: {scope}\n"
            f"  names:\n    kind: {kind}\n    plural: {plural}\n  versions:\n{served}")


def manifest(api_version: str, kind: str, name: str, namespace: str | None = None) -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}{ns}\n"


def write_project(tmp_path: Path, services: str, files: dict[str, str], *, cluster: str = "",
                  resources: str = CORE_RESOURCES, envs: str = "",
                  extra: str = "") -> Path:
    source = (HEAD.format(cluster=cluster, resources=resources) + textwrap.dedent(extra) +
              "\nservices = [\n" + textwrap.indent(textwrap.dedent(services).strip(), "    ") +
              "\n]\n" + TAIL.format(envs=envs))
    project = make_project(tmp_path, source)
    for rel, text in files.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return project


def judged(project: Path, charts=None, strict: bool = False):
    result = compile_platforms(project / "platforms", root=project)
    assert result.ok, [d.format() for d in result.diagnostics]
    return run_preflight(result, project, charts, strict=strict)


def line_of(project: Path, marker: str) -> int:
    lines = (project / "platforms" / "demo.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if marker in line)


def codes(plan) -> list[str]:
    return [d.code for d in plan.diagnostics]


def build_chart(folder: Path, name: str, version: str, templates: dict[str, str],
                crds: dict[str, str] | None = None, values: str = "") -> Path:
    chart = folder / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n")
    (chart / "values.yaml").write_text(values)
    for rel, text in templates.items():
        (chart / "templates" / rel).write_text(text)
    for rel, text in (crds or {}).items():
        (chart / "crds").mkdir(exist_ok=True)
        (chart / "crds" / rel).write_text(text)
    return chart


@contextlib.contextmanager
def helm_repository(folder: Path, charts: list[Path]):
    """Package the chart folders with the real Helm engine into `folder`, index them, and serve
    the folder over HTTP on 127.0.0.1 (an ephemeral port). Yields the repository URL."""
    import helm_python as helm
    folder.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for chart in charts:
        helm.package(str(chart), destination=str(folder))
    helm.repo_index_generate(str(folder), base_url=url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D401 - no request log on stderr
        pass
