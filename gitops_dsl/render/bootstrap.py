"""bootstrap/<zone>/: what a zone's Argo CD needs before the generated tree works as intended.

The argocd-cm settings come as a patch to merge into the install's own argocd-cm (Kustomize) and
as values for the argo-cd Helm chart, never as a whole ConfigMap that would fight the install for
ownership.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..argo import to_data
from . import names
from .roots import render_bootstrap_project, render_zone_app

if TYPE_CHECKING:
    from ..model import Platform, Zone

# Without this check a child Application has no health, so sync waves between child apps only
# order their creation and never wait (argocd-facts 8; text from docs/operator-manual/health.md).
APPLICATION_HEALTH_LUA = """\
hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"""
HEALTH_KEY = "resource.customizations.health.argoproj.io_Application"


def argocd_cm_settings(zone: Zone | None = None) -> dict[str, Any]:
    settings = {HEALTH_KEY: APPLICATION_HEALTH_LUA}
    if zone is not None and zone.instance:
        settings["installationID"] = zone.instance
    return settings


def bootstrap_documents(platform: Platform, zone: Zone) -> dict[str, object]:
    base = names.bootstrap_dir(zone)
    patch = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": zone.argocd_namespace,
                     "labels": {"app.kubernetes.io/part-of": "argocd"}},
        "data": argocd_cm_settings(zone),
    }
    return {
        f"{base}/argocd-cm-patch.yaml": patch,
        f"{base}/argo-cd-values.yaml": {"configs": {"cm": argocd_cm_settings(zone)}},
        f"{base}/project.yaml": to_data(render_bootstrap_project(platform, zone)),
        f"{base}/zone.yaml": to_data(render_zone_app(platform, zone)),
        f"{base}/kustomization.yaml": {
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "namespace": zone.argocd_namespace,
            "resources": ["project.yaml", "zone.yaml"],
        },
    }
