"""Names and paths of everything the renderer writes: one place, so closure holds by design.

Output paths are relative to the output folder (`build/`); repository paths (what Applications
name) are the same files as seen from the repository root, through each Repo's `path`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import attrs

if TYPE_CHECKING:
    from ..model import Environment, Platform, Zone
    from ..resolve import App

GITOPS = "gitops"
CONFIGS = "configs"
CHART_DIR = "charts/service"


#: the label of the Applications of a protected environment (Environment(protected=True)), whose
#: deletion `compile` refuses unless allowed by name
PROTECTED_LABEL = "gitops-dsl.io/protected"


def root_name(platform: Platform, env: Environment) -> str:
    """The environment's root Application: its `root_name` template, or `<platform>-root-<env>`."""
    template = env.root_name or "{platform}-root-{env}"
    return template.replace("{platform}", platform.name).replace("{env}", env.name)


def zone_app_name(platform: Platform, zone: Zone) -> str:
    """The zone Application: the zone's `root_name` template, or `<platform>-zone-<zone>`."""
    template = zone.root_name or "{platform}-zone-{zone}"
    return template.replace("{platform}", platform.name).replace("{zone}", zone.name)


def bootstrap_project_name(platform: Platform) -> str:
    return f"{platform.name}-bootstrap"


def app_file(app: App) -> str:
    return (f"{GITOPS}/argo-apps/{app.zone.name}/apps/{app.env.name}/{app.project}/"
            f"{app.file_name or app.service.name}.yaml")


def apps_dir(zone: Zone, env: Environment) -> str:
    return f"{GITOPS}/argo-apps/{zone.name}/apps/{env.name}"


def root_file(zone: Zone, env: Environment) -> str:
    return f"{GITOPS}/argo-apps/{zone.name}/roots/{env.name}.yaml"


def roots_dir(zone: Zone) -> str:
    return f"{GITOPS}/argo-apps/{zone.name}/roots"


def project_file(zone: Zone, project_name: str) -> str:
    return f"{GITOPS}/argo-apps/{zone.name}/projects/{project_name}.yaml"


def projects_dir(zone: Zone) -> str:
    return f"{GITOPS}/argo-apps/{zone.name}/projects"


def placeholder(folder: str) -> str:
    """The file that keeps a folder an Application reads in existence while it has no manifests."""
    return f"{folder}/README.md"


def bootstrap_dir(zone: Zone) -> str:
    return f"{GITOPS}/bootstrap/{zone.name}"


def values_file(service_name: str, env_name: str | None = None, zone: str | None = None) -> str:
    """values.yaml (the service layer), values-zone-<zone>.yaml (the service layer of a zone
    with a ZoneOverlay) or values-<env>.yaml (an environment's layer)."""
    leaf = (f"values-{env_name}.yaml" if env_name is not None else
            f"values-zone-{zone}.yaml" if zone is not None else "values.yaml")
    return f"{GITOPS}/values/{service_name}/{leaf}"


def values_outputs(app: App) -> tuple[str, ...]:
    """Every values file an Application may have written for it (render writes those it needs):
    its service's common layer (shared with the service's Applications in that zone), its
    environment's layer, its config and secrets."""
    service = app.service.name
    return (values_file(service, zone=app.values_zone), values_file(service, app.env.name),
            config_file(app), secrets_file(app))


def config_file(app: App) -> str:
    return _configs_file(app, "config")


def secrets_file(app: App) -> str:
    return _configs_file(app, "secrets")


def _configs_file(app: App, stem: str) -> str:
    """A file of the configs tree, laid out as the platform's configs_layout says."""
    layout = getattr(app.platform, "configs_layout", "env-first")
    env, service = app.env.name, app.service.name
    if layout == "service-first":
        return f"{CONFIGS}/{service}/{env}/{stem}.yaml"
    if layout == "service-files":
        return f"{CONFIGS}/{service}/{stem}-{env}.yaml"
    return f"{CONFIGS}/{env}/{service}/{stem}.yaml"


def chart_dir() -> str:
    return f"{GITOPS}/{CHART_DIR}"


def in_repo(platform: Platform, out_path: str) -> str:
    """The repository path of an output path: build-relative `gitops/x` -> `<gitops path>/x`."""
    tree, _, rest = out_path.partition("/")
    base = platform.gitops_path if tree == GITOPS else platform.configs_path
    return f"{base}/{rest}" if base else rest


def ref_path(platform: Platform, out_path: str) -> str:
    """How a Helm valueFiles entry names an output file: `$values/...` or `$configs/...`."""
    tree = out_path.partition("/")[0]
    return f"${'values' if tree == GITOPS else 'configs'}/{in_repo(platform, out_path)}"


class TreeIndex:
    """Finds the tree file a `$values/...` or `$configs/...` entry names, whatever folder the
    trees are published in: the longest tail of its path that is a file of the tree."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files

    def find(self, value_file: str) -> str | None:
        ref, _, repo_path = value_file.partition("/")
        if ref not in ("$values", "$configs"):
            return None   # another repository's (RepoFile): not a file of the compiled trees
        tree = "gitops" if ref == "$values" else "configs"
        parts = repo_path.split("/")
        for i in range(len(parts)):
            candidate = f"{tree}/{'/'.join(parts[i:])}"
            if candidate in self.files:
                return candidate
        return None


@attrs.frozen
class OutputFile:
    """What an output path is, read back from the layout above (the one parser of it):
    an Application (`gitops/argo-apps/<zone>/apps/<env>/<project>/<file>.yaml`), a root
    (`.../roots/<env>.yaml`: the first environment of a shared root), an AppProject
    (`.../projects/<name>.yaml`), a zone's bootstrap file (`gitops/bootstrap/<zone>/<file>`),
    or anything else."""

    kind: Literal["app", "root", "project", "bootstrap", "other"]
    zone: str = ""
    env: str = ""
    project: str = ""
    name: str = ""       # the file's name without `.yaml` (for bootstrap: with its extension)


_OTHER = OutputFile("other")


def parse(path: str) -> OutputFile:
    """The layout's reading of an output path (relative to the output folder); any other file
    of a zone's folders (a README placeholder, a kustomization) is "other" with its zone."""
    parts = path.split("/")
    if len(parts) < 4 or parts[0] != GITOPS or parts[1] not in ("argo-apps", "bootstrap"):
        return _OTHER
    zone = parts[2]
    if parts[1] == "bootstrap":
        return OutputFile("bootstrap", zone=zone, name=parts[3]) if len(parts) == 4 else \
            OutputFile("other", zone=zone)
    if not path.endswith(".yaml"):
        return OutputFile("other", zone=zone)
    stem = parts[-1][:-len(".yaml")]
    if len(parts) == 7 and parts[3] == "apps":
        return OutputFile("app", zone=zone, env=parts[4], project=parts[5], name=stem)
    if len(parts) == 5 and parts[3] == "roots":
        return OutputFile("root", zone=zone, env=stem, name=stem)
    if len(parts) == 5 and parts[3] == "projects":
        return OutputFile("project", zone=zone, name=stem)
    return OutputFile("other", zone=zone)
