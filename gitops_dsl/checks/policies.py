"""GD3xx: policies. Opt-in ones run where an environment lists them in policies=[...]; GD306 is
always on, because it is a bug wherever it happens."""
from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..model.charts import GitPath, HelmChart, StandardChart
from .registry import Finding, builtin

if TYPE_CHECKING:
    from ..resolve import App

_BRANCH_LIKE = {"HEAD", "main", "master", "develop", "dev", "trunk"}


@builtin("GD301", summary="image not pinned (missing tag or 'latest')", scope="app", opt_in=True,
         bad='Image("ghcr.io/acme/api", "latest")', good='Image("ghcr.io/acme/api", "1.4.2")')
def pinned_images(app: App) -> Iterator[Finding]:
    """In environments with this policy an image needs an immutable tag or a digest: 'latest'
    and missing tags change what a commit deploys (and IfNotPresent never pulls a new one)."""
    image = app.image
    if image is not None and not image.digest and (not image.tag or image.tag == "latest"):
        pin = app.pins.get("image")
        yield Finding(f"{app.name}: image {image.reference} is not pinned",
                      "give a release tag such as '1.4.2' or a digest",
                      pin.location if pin is not None else image.location, app.name, app.service)
    if isinstance(app.chart, StandardChart):
        return      # its image values come from Image(...), judged above
    # any chart's values: `image: repo:latest`, `*.image.tag: latest` (a missing tag is the
    # chart's own default, pinned by the chart version)
    for path, reference in _unpinned_images(app.effective_values):
        layer = app.overlay if app.overlay is not None and _has(app.env_values, path) else app.service
        yield Finding(f"{app.name}: values.{path} = {reference!r} is not pinned",
                      "give a release tag such as '1.4.2' or a digest", layer.location, app.name,
                      app.service)


def _unpinned_images(values: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(values, dict):
        for key, value in values.items():
            here = f"{path}.{key}" if path else str(key)
            if str(key).lower().endswith("image"):
                if isinstance(value, str) and value and "@sha256:" not in value:
                    last = value.rsplit("/", 1)[-1]
                    if ":" not in last or last.rsplit(":", 1)[1] == "latest":
                        yield here, value
                    continue
                if isinstance(value, dict) and not value.get("digest"):
                    tag = value.get("tag")
                    if isinstance(tag, str) and tag.strip() in ("latest", ""):
                        yield f"{here}.tag", tag
            yield from _unpinned_images(value, here)
    elif isinstance(values, list):
        for i, item in enumerate(values):
            yield from _unpinned_images(item, f"{path}[{i}]")


def _has(values: Any, path: str) -> bool:
    node = values
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


@builtin("GD302", summary="CPU/memory requests and memory limit not set", scope="app", opt_in=True,
         bad='Service("api", image=..., values={})',
         good='values={"resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, '
              '"limits": {"memory": "512Mi"}}}')
def resources_required(app: App) -> Iterator[Finding]:
    """Without requests the scheduler packs pods blindly; without a memory limit one pod can
    starve a node. Checked for the standard chart, whose values it understands."""
    if not isinstance(app.chart, StandardChart):
        return
    resources = app.effective_value("resources") or {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    missing = [p for p, ok in (("requests.cpu", "cpu" in requests),
                               ("requests.memory", "memory" in requests),
                               ("limits.memory", "memory" in limits)) if not ok]
    if missing:
        yield Finding(f"{app.name}: resources {', '.join(missing)} not set",
                      "set values={'resources': {'requests': {...}, 'limits': {...}}}",
                      app.service.location, app.name, app.service)


@builtin("GD303", summary="a git source follows a branch or HEAD", scope="app", opt_in=True,
         bad='GitPath("deploy", repo=Repo(url, "HEAD"))', good='GitPath("deploy", repo=Repo(url, "v1.2.0"))')
def pinned_revisions(app: App) -> Iterator[Finding]:
    """A branch or HEAD changes what a given commit of this repository deploys. Applies to sources
    from other repositories; the gitops repository itself is what this compile publishes."""
    chart = app.chart
    if isinstance(chart, GitPath) and chart.repo is not None:
        revision = chart.revision or chart.repo.revision
        if revision in _BRANCH_LIKE or revision.startswith("refs/heads/"):
            yield Finding(f"{app.name}: {chart.repo.url} follows {revision!r}",
                          "pin a tag or a commit SHA (revision='v1.2.0')", chart.location, app.name,
                          app.service)


@builtin("GD304", summary="image without a digest", scope="app", opt_in=True,
         bad='Image("ghcr.io/acme/api", "1.4.2")',
         good='Image("ghcr.io/acme/api", "1.4.2", digest="sha256:...")')
def image_digests(app: App) -> Iterator[Finding]:
    """Tags can be moved; a digest cannot. For environments that require immutable images."""
    if app.image is not None and not app.image.digest:
        yield Finding(f"{app.name}: image {app.image.reference} has no digest",
                      "add digest='sha256:...'", app.image.location, app.name, app.service)


@builtin("GD305", summary="fewer replicas than the environment requires", scope="app", opt_in=True,
         bad='min_replicas(count=2) and values={"replicaCount": 1}',
         good='per_env={"prod": Overlay(values={"replicaCount": 2})}')
def min_replicas(app: App, count: int = 2) -> Iterator[Finding]:
    """One replica means downtime on every node drain. Checked for the standard chart
    (`replicaCount`, or `autoscaling.minReplicas` when autoscaling is on)."""
    if not isinstance(app.chart, StandardChart):
        return
    autoscaling = app.effective_value("autoscaling") or {}
    have = autoscaling.get("minReplicas", 1) if autoscaling.get("enabled") else \
        app.effective_value("replicaCount", 1)
    if not isinstance(have, int) or have < count:
        yield Finding(f"{app.name}: {have} replica(s), {app.env.name} requires at least {count}",
                      f"set replicaCount (or autoscaling.minReplicas) to {count} or more",
                      app.service.location, app.name, app.service)


def autoscaled(app: App) -> bool:
    for key in ("autoscaling", "hpa", "keda"):
        block = app.effective_value(key)
        if isinstance(block, dict) and block.get("enabled") is True:
            return True
    return False


@builtin("GD306", summary="selfHeal fights an autoscaler over replicas", scope="app",
         bad='values={"autoscaling": {"enabled": True}} with selfHeal and no ignoreDifferences',
         good='ignore_differences=[IgnoreDifference("Deployment", group="apps", '
              'json_pointers=["/spec/replicas"])]')
def self_heal_resets_replicas(app: App) -> Iterator[Finding]:
    """With selfHeal, Argo CD puts back the replica count from git every time the HPA or KEDA
    changes it. Ignore /spec/replicas (and keep respect_ignore_differences) on autoscaled apps.
    The standard chart leaves replicas out when autoscaling is on, so it is exempt."""
    if isinstance(app.chart, StandardChart) or not autoscaled(app) or not app.sync.self_heal:
        return
    if any("/spec/replicas" in d.json_pointers or any("replicas" in q for q in d.jq_path_expressions)
           for d in app.ignore_differences):
        return
    yield Finding(f"{app.name}: autoscaled, selfHeal on, and /spec/replicas not ignored",
                  "add IgnoreDifference(<workload kind>, json_pointers=['/spec/replicas'])",
                  app.service.location, app.name, app.service)


@builtin("GD307", summary="automated prune is off", scope="app", opt_in=True,
         bad='SyncPolicy(prune=False) in an environment with prune_required',
         good="prune on; protect single objects with the Prune=false resource annotation")
def prune_required(app: App) -> Iterator[Finding]:
    """Without prune, resources removed from git keep running and the app stays OutOfSync."""
    if not (app.sync.automated and app.sync.prune):
        yield Finding(f"{app.name}: automated prune is off", "turn it on, or allow={'GD307': why}",
                      app.service.location, app.name, app.service)


@builtin("GD308", summary="an image or chart from a registry the environment does not allow",
         scope="app", opt_in=True,
         bad='allowed_registries(registries=["ghcr.io/acme"]) and Image("docker.io/someone/x", "1")',
         good='Image("ghcr.io/acme/x", "1")')
def allowed_registries(app: App, registries: tuple[Any, ...] = ()) -> Iterator[Finding]:
    """Only images and OCI charts from the listed registries (prefixes or globs)."""
    refs = []
    if app.image is not None:
        refs.append(("image", app.image.repository, app.image.location))
    if isinstance(app.chart, HelmChart) and app.chart.is_oci:
        refs.append(("chart", app.chart.repo_url, app.chart.location))
    for what, ref, location in refs:
        if not any(ref == r or ref.startswith(r.rstrip("/") + "/") or fnmatch.fnmatchcase(ref, r)
                   for r in registries):
            yield Finding(f"{app.name}: {what} {ref} is not from an allowed registry "
                          f"({', '.join(registries) or 'none allowed'})",
                          "mirror it into an allowed registry", location, app.name, app.service)
