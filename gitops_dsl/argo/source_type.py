"""Which tool Argo CD renders an Application source with, as data.

A source names its tool with a `helm`, `kustomize`, `directory` or `plugin` block
(`ApplicationSource.ExplicitType`, pkg/apis/application/v1alpha1/types.go); one naming none is
discovered: the config management plugins are asked first, then a `Chart.yaml` in the folder
makes it Helm and a kustomization Kustomize, else it is plain manifests
(util/app/discovery/discovery.go `Discover`, `AppType`). But a block that sets nothing is no
block: the application controller drops it from the Application on every refresh and writes
the Application back (util/argo/argo.go `NormalizeSource`, called by `normalizeApplication` in
controller/appcontroller.go), which leaves the source to discovery - and leaves an app-of-apps
that applies the block seeing its child differ from what it applied, out of sync for good
(argoproj/argo-cd#4501, `directory: {recurse: false}`). What counts as setting nothing is each
block's `IsZero` in types.go.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the blocks that name a source's tool, in the order `ExplicitType` lists them
TOOLS = ("kustomize", "helm", "directory", "plugin")

#: the fields whose values make a block more than nothing (`IsZero`); a `directory` keeps
#: `include` and `exclude` through the normalization (`NormalizeSource`)
_COUNTED = {
    "kustomize": ("namePrefix", "nameSuffix", "version", "namespace", "images", "replicas",
                  "commonLabels", "commonAnnotations", "patches", "components", "kubeVersion",
                  "apiVersions", "ignoreMissingComponents"),
    "helm": ("version", "releaseName", "valueFiles", "parameters", "fileParameters", "values",
             "valuesObject", "passCredentials", "ignoreMissingValueFiles", "skipCrds", "skipTests",
             "skipSchemaValidation", "kubeVersion", "apiVersions", "namespace"),
    "directory": ("recurse", "disableExtensionFilter", "include", "exclude"),
}
_JSONNET = ("extVars", "tlas", "libs")


def sets_nothing(tool: str, block: Any) -> bool:
    """Whether a source's `tool` block (as data) is one Argo CD drops as setting nothing."""
    if block is None:
        return True
    if tool == "plugin" or not isinstance(block, Mapping):
        return False
    if any(block.get(key) for key in _COUNTED[tool]):
        return False
    if tool == "directory":
        jsonnet = block.get("jsonnet")
        return not (isinstance(jsonnet, Mapping) and any(jsonnet.get(key) for key in _JSONNET))
    return True


def named_tools(source: Mapping[str, Any]) -> list[str]:
    """The tools a source's blocks name and Argo CD keeps (more than one: Argo CD refuses the
    source, "multiple application sources defined")."""
    return [tool for tool in TOOLS if tool in source and not sets_nothing(tool, source[tool])]
