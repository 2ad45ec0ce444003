"""The receiving side's own policy over a bundle: which image registries and which hosts it
accepts. Judged on parsed documents, not on lines: every image reference in values (any key
ending in `image`, and `repository` with an optional `registry` beside it), every chart
repository an Application names, every URL - with Docker's reference grammar and its
normalisation (`grafana/k6` is `docker.io/grafana/k6`, `nginx` is `docker.io/library/nginx`).

    allowed_registries: [ghcr.io/acme, docker.io/grafana]   # a registry, or a registry/path prefix
    allowed_hosts: [acme.example]                             # a domain covers its subdomains
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import yaml

from ..errors import GitopsDslError

# distribution/reference: a domain component has a dot or a port, or is localhost; the rest of
# the name is lower case
_DOMAIN = re.compile(r"^(localhost|[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*\.?[a-zA-Z0-9-]*)(:[0-9]+)?$")
_PATH = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@]+@)?([^/\s:?#]+)")
_MAX_DOC = 4 * 1024 * 1024


class PolicyError(GitopsDslError, ValueError):
    """A policy file that cannot be used."""


def normalize_image(reference: str) -> str | None:
    """The full repository name of an image reference (registry/path, no tag or digest), or
    None when it is not a valid reference."""
    ref = reference.strip()
    if not ref or any(c.isspace() for c in ref):
        return None
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
        if not _DOMAIN.match(domain) or domain != domain.lower():
            return None          # Docker refuses upper case in the registry host
    else:
        domain, path = "docker.io", name
        if "/" not in path:
            path = f"library/{path}"
    if not _PATH.match(path):
        return None
    return f"{domain}/{path}"


def load_policy(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError("a policy is a mapping with allowed_registries and/or allowed_hosts")
    unknown = sorted(set(map(str, data)) - {"allowed_registries", "allowed_hosts"})
    if unknown:
        raise PolicyError(f"unknown policy key(s): {', '.join(unknown)}")
    for key in ("allowed_registries", "allowed_hosts"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise PolicyError(f"{key} must be a list of strings")
    return data


def _documents(name: str, content: bytes) -> list[Any]:
    if not name.endswith((".yaml", ".yml", ".json")) or len(content) > _MAX_DOC:
        return []
    try:
        return [d for d in yaml.load_all(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))]
    except yaml.YAMLError:
        return []       # a chart template (Go templating) is not YAML until rendered


def _images(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        repository = node.get("repository")
        if key.lower().endswith("image") and isinstance(repository, str):
            registry = node.get("registry")
            yield f"{registry}/{repository}" if isinstance(registry, str) and registry else repository
        for k, v in node.items():
            if isinstance(v, str) and str(k).lower().endswith("image"):
                yield v
            else:
                yield from _images(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from _images(item, key)


def _chart_repositories(doc: Any) -> Iterator[str]:
    """OCI registries Applications pull charts from (repoURL without a scheme)."""
    if isinstance(doc, dict) and doc.get("kind") == "Application":
        spec = doc.get("spec") or {}
        for source in spec.get("sources") or [spec.get("source") or {}]:
            url = source.get("repoURL") if isinstance(source, dict) else None
            if isinstance(url, str) and "://" not in url and source.get("chart"):
                yield f"{url.rstrip('/')}/{source['chart']}"


def _allowed(name: str, allowed: Iterable[str]) -> bool:
    return any(name == a.rstrip("/") or name.startswith(a.rstrip("/") + "/") for a in allowed)


def policy_findings(files: Mapping[str, bytes], policy: dict[str, Any]) -> list[str]:
    from ..render.closure import strings_of
    registries = list(policy.get("allowed_registries") or ())
    hosts = [h.lower().lstrip("*.") for h in policy.get("allowed_hosts") or ()]
    found = []
    for name, content in sorted(files.items()):
        for doc in _documents(name, content):
            if registries:
                for reference in [*_images(doc), *_chart_repositories(doc)]:
                    full = normalize_image(reference)
                    if full is None:
                        found.append(f"{name}: {reference[:100]!r} is not a valid image reference")
                    elif not _allowed(full, registries):
                        found.append(f"{name}: image {full} is not from an allowed registry")
            if hosts:
                for text in strings_of(doc):
                    for match in _URL.finditer(text):
                        host = match.group(2).lower().rstrip(".")
                        if not any(host == h or host.endswith("." + h) for h in hosts):
                            found.append(f"{name}: {host} is not an allowed host")
    return sorted(set(found))
