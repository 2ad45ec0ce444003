"""What a zone's Argo CD reads, and what in it a zone's deny lists refuse.

The compiled files of a zone (its apps, roots, projects and bootstrap, and every value and config
file they name), the repository files its Applications' chart folders reach, and the lines of
those that name a denied host, registry or repository. The checks (GD6xx), the bundle of a zone
and its unpacking share this one account of the closure.
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .. import untrusted
from ..emit.yaml import load
from ..errors import GitopsDslError
from ..model.charts import GitPath
from .inputs import Unlistable, helm_inputs, kustomize_inputs
from .names import TreeIndex

if TYPE_CHECKING:
    from ..model import Zone
    from ..resolve import App

_HOST = re.compile(r"(?<![A-Za-z0-9.-])([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def strings_of(data: Any) -> Iterator[str]:
    """Every key and string value in nested data."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from strings_of(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_of(value)
    elif isinstance(data, str):
        yield data


def leaks(zone: Zone, texts: Iterable[str]) -> list[str]:
    """What in `texts` a zone's deny lists forbid, as readable findings."""
    found = []
    for text in texts:
        for host in _HOST.findall(text):
            host = host.lower()
            for denied in zone.deny_hosts:
                d = denied.lower().lstrip("*.")
                if host == d or host.endswith("." + d):
                    found.append(f"host {host}")
        for denied in zone.deny_registries:
            base = denied.rstrip("/")
            if re.search(rf"(^|[\s\"'/@=:]){re.escape(base)}(/|:|$)", text) or fnmatch.fnmatchcase(text, denied):
                found.append(f"registry {base}")
        for denied in zone.deny_repos:
            if fnmatch.fnmatchcase(text, denied) or text.rstrip("/").removesuffix(".git") == \
                    denied.rstrip("/").removesuffix(".git"):
                found.append(f"repository {text}")
    return sorted(set(found))


class BundleError(GitopsDslError, ValueError):
    """A bundle that must not be trusted; the message says why."""


@attrs.frozen
class Leak:
    path: str
    line: int
    what: str                 # "host", "registry" or "repository" (the name itself stays home)


def zone_files(files: Mapping[str, bytes], zone: str) -> dict[str, bytes]:
    """The files a zone's Argo CD reads: its apps, roots, projects and bootstrap, and every value
    file, config file and chart those Applications name."""

    chosen = {p: files[p] for p in files
              if p.startswith((f"gitops/argo-apps/{zone}/", f"gitops/bootstrap/{zone}/"))}
    index = TreeIndex(files)
    for path in list(chosen):
        if "/apps/" not in path:
            continue
        doc = load(files[path])
        for source in (doc.get("spec", {}).get("sources") or []):
            for value_file in (source.get("helm") or {}).get("valueFiles", []):
                target = index.find(value_file)
                if target:
                    chosen[target] = files[target]
            chart_path = source.get("path", "")
            if "/charts/" in f"/{chart_path}" and chart_path.split("/charts/")[-1]:
                prefix = "gitops/charts/" + chart_path.split("charts/", 1)[1].rstrip("/") + "/"
                chosen.update({p: files[p] for p in files if p.startswith(prefix)})
    return dict(sorted(chosen.items()))


class NotClosed(BundleError):
    """A zone Application reads a path that its bundle cannot carry."""


def repository_inputs(apps: Sequence[App], root: Path) -> dict[str, set[str]]:
    """For each chart folder of the gitops repository that a zone's Applications read, every
    repository path it depends on (the refresh-path inputs: Kustomize bases, file:// charts).
    Raises NotClosed for an input that cannot be carried (outside the repository, unreadable)."""

    found: dict[str, set[str]] = {}
    for app in apps:
        chart = app.chart
        if not isinstance(chart, GitPath) or chart.repo is not None or chart.path in found:
            continue
        try:
            if chart.tool == "kustomize":
                found[chart.path] = kustomize_inputs(root, chart.path, skip_remote=True)
            elif chart.tool == "helm":
                found[chart.path] = helm_inputs(root, chart.path)
            else:
                found[chart.path] = {chart.path.strip("/")}
        except Unlistable as exc:
            raise NotClosed(f"{app.name}: GitPath({chart.path!r}) reads {exc}, which a bundle "
                            "cannot carry") from None
    return found


def checkout_files(root: Path, repo_path: str, skip: frozenset[str] = frozenset()
                   ) -> dict[str, bytes]:
    """The files of a folder (or one file) of the checkout, by repository path, but those in
    `skip`; links refused."""
    base = os.path.join(str(root), repo_path)
    if os.path.isfile(base) and not os.path.islink(base):
        return {} if repo_path in skip else {repo_path: untrusted.read(base)}
    out: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in (".git",))
        for name in sorted(names):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, str(root)).replace(os.sep, "/")
            if rel in skip:
                continue
            if os.path.islink(path):
                raise NotClosed(f"{rel} is a symbolic link, which a bundle does not carry")
            try:
                out[rel] = untrusted.read(path)
            except untrusted.UnreadableInput as exc:
                raise NotClosed(f"{exc}, which a bundle does not carry") from None
    return out


def chart_folders(apps: Sequence[App], root: Path) -> list[str]:
    """The repository paths of the folders among what the Applications' chart folders read
    (`repository_inputs`): copied whole, and read whole by the repo server. Raises NotClosed."""
    return sorted({p for inputs in repository_inputs(apps, root).values() for p in inputs
                   if os.path.isdir(os.path.join(str(root), p))})


def chart_folder_files(apps: Sequence[App], root: Path, *, committable: bool = False
                       ) -> dict[str, bytes]:
    """Every file of the repository that the Applications' chart folders read (GitPath folders
    of the gitops repository and all they reach), by repository path: what a bundle and a
    published gitops checkout must hold beside the compiled files. With `committable`, not the
    files git ignores there (`ignored_files`). Raises NotClosed."""
    out: dict[str, bytes] = {}
    paths = sorted({p for inputs in repository_inputs(apps, root).values() for p in inputs})
    skip = ignored_files(root, paths) if committable and paths else frozenset()
    for repo_path in paths:
        out.update(checkout_files(root, repo_path, skip))
    return out


def ignored_files(root: Path, repo_paths: Sequence[str]) -> frozenset[str]:
    """The files under `repo_paths` that git ignores in the work tree at `root` (.gitignore,
    .git/info/exclude, core.excludesFile): never committed, so never read by the repo server,
    and never carried to another repository by a bundle or `publish` (a local values file kept
    out of git is kept out of those too). None outside a git work tree."""
    from ..argo.links import ignored_under
    return ignored_under(root, repo_paths)[0] or frozenset()


def scan(files: Mapping[str, bytes], zone: Zone) -> list[Leak]:
    """Every line of every file that names something the zone denies."""
    found = []
    for path, data in files.items():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for what in leaks(zone, [line]):
                found.append(Leak(path, number, what.split(" ", 1)[0]))
    return found
