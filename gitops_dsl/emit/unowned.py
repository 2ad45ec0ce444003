"""Files that nobody decided, in the folders Argo CD applies whole.

A zone app syncs its `projects/` and `roots/` folders, and each root syncs its environment's
`apps/<env>/` folder recursively: Argo CD applies every manifest file it finds there
(reposerver/repository/repository.go, `findManifests`: names matching
`^.*\\.(yaml|yml|json|jsonnet)$`). A file in one of them that the compile did not write (a
restored old Application, a hand copy) is deployed all the same, so it is reported, never
passed over in silence."""
from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

__all__ = [
    "DEPLOYED_AS_IT_IS",
    "READ_WITH_THE_SOURCE",
    "RENDERED_WITH_THE_CHART",
    "argo_apps_trees",
    "chart_roots",
    "foreign_files",
    "source_folders",
    "unowned_in_applied_folders",
    "unowned_in_folders",
]

#: what the commands say of such a file
DEPLOYED_AS_IT_IS = ("not written by gitops-dsl, in a folder Argo CD applies whole: it is deployed "
                     "as it is; remove it, or make it part of the platform")
#: ... and of a file in a copy of a chart folder
RENDERED_WITH_THE_CHART = ("not written by gitops-dsl, in a chart folder the repo server reads "
                           "whole: the chart Argo CD renders is not the platform's; remove it, or "
                           "add it to the chart folder beside the platform")

#: ... and of a file in a copy of another folder an Application reads (a directory of manifests,
#: a Kustomize folder)
READ_WITH_THE_SOURCE = ("not written by gitops-dsl, in a folder an Application reads as its source: "
                        "Argo CD may apply it with the platform's files; remove it, or add it to "
                        "the folder beside the platform")

#: what Argo CD's directory source reads as manifests (the pattern above, as suffixes)
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".jsonnet")
#: (folder under gitops/argo-apps/<zone>/, recursive): the folders a zone app or a root applies
APPLIED = (("projects", False), ("roots", False), ("apps", True))


def argo_apps_trees(paths: Iterable[str]) -> list[str]:
    """The `argo-apps` folders (relative, with /) that hold the zones' applied folders among
    `paths`: `gitops/argo-apps` in the output folder, `<Repo.path>/argo-apps` in a checkout of
    a gitops repository."""
    trees = set()
    for path in paths:
        parts = path.split("/")
        for i in range(len(parts) - 3):
            if parts[i] == "argo-apps" and any(parts[i + 2] == f for f, _ in APPLIED):
                trees.add("/".join(parts[:i + 1]))
    return sorted(trees)


def unowned_in_applied_folders(out: Path, owned: Collection[str],
                               trees: Iterable[str] = ("gitops/argo-apps",)) -> list[str]:
    """Paths (relative to `out`, with /) of the manifest files in an applied folder, under each
    of `trees`, that are not in `owned` (the compile's files and the manifest's), sorted. One
    directory listing per folder (15,000 Application files: 10-25 ms on tmpfs)."""
    found: list[str] = []
    for tree in trees:
        found += _unowned(out, owned, tree)
    return sorted(found)


def _unowned(out: Path, owned: Collection[str], tree: str) -> list[str]:
    base = os.path.join(out, *tree.split("/"))
    try:
        zones = sorted(e.name for e in os.scandir(base) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    found: list[str] = []
    for zone in zones:
        for folder, recursive in APPLIED:
            stack = [(os.path.join(base, zone, folder), f"{tree}/{zone}/{folder}/")]
            while stack:
                where, prefix = stack.pop()
                try:
                    entries = list(os.scandir(where))
                except OSError:
                    continue
                for entry in entries:
                    name = entry.name
                    if name.endswith(MANIFEST_SUFFIXES):
                        path = prefix + name
                        if path not in owned and not entry.is_dir(follow_symlinks=False):
                            found.append(path)
                    elif recursive and entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{prefix}{name}/"))
    return found


def unowned_in_folders(out: Path, owned: Collection[str], folders: Iterable[str],
                       suffixes: tuple[str, ...] = ("",)) -> list[str]:
    """Paths (relative to `out`, with /) of the files under `folders` (relative, with /) that
    are not in `owned`, sorted: what a copy of a chart folder holds beyond the chart (with
    `suffixes`, only files whose names end so)."""
    found = []
    for folder in folders:
        for where, dirs, names in os.walk(os.path.join(out, *folder.split("/"))):
            dirs[:] = [d for d in dirs if d != ".git"]
            prefix = os.path.relpath(where, out).replace(os.sep, "/")
            found += [f"{prefix}/{name}" for name in names
                      if name.endswith(suffixes) and f"{prefix}/{name}" not in owned]
    return sorted(set(found))


def chart_roots(paths: Iterable[str]) -> list[str]:
    """The folders among `paths` that are Helm charts (their `Chart.yaml` is one of `paths`):
    the repo server's `helm template` loads a chart folder whole, every file but those
    `.helmignore` names (helm pkg/chart/loader/directory.go LoadDir), and renders every file
    under templates/."""
    return sorted({p[:-len("/Chart.yaml")] for p in paths if p.endswith("/Chart.yaml")})


#: a `path:` line of a YAML document (in a list item too), its value unquoted or quoted
_PATH_LINE = re.compile(rb"""^[ \t]*(?:-[ \t]+)?path:[ \t]*["']?([^"'\r\n#]+?)["']?[ \t]*$""",
                        re.MULTILINE)


def source_folders(files: Mapping[str, bytes]) -> list[str]:
    """The folders among `files` (a bundle's tree: paths relative to a checkout, with /) that
    the Applications among them read as their source (`spec.source.path`,
    `spec.sources[].path`), sorted: the repo server reads a chart folder whole and a directory
    source's every manifest file, so a file added there is rendered or applied with them. The
    Applications' `path:` lines are read without parsing the documents (a zone's thousands of
    Applications parse in seconds); a `path:` that is not a source's names a file (a file
    parameter, a patch), not a folder of the bundle, and is left out."""
    folders = {path.rsplit("/", 1)[0] for path in files if "/" in path}
    folders |= {f.rsplit("/", i)[0] for f in folders for i in range(1, f.count("/") + 1)}
    named: set[str] = set()
    for tree in argo_apps_trees(files):
        for path, data in files.items():
            if path.startswith(f"{tree}/") and path.endswith(MANIFEST_SUFFIXES):
                named.update(m.decode("utf-8", "replace").strip("/")
                             for m in _PATH_LINE.findall(data))
    return sorted(named & folders)


def foreign_files(out: Path, owned: Collection[str], *,
                  trees: Iterable[str] = ("gitops/argo-apps",),
                  charts: Iterable[str] | None = None,
                  sources: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The files of an output folder or a checkout that no compile wrote and that Argo CD reads
    all the same, each with what to say of it, sorted by path: in a folder it applies whole
    (under `trees`), in a chart folder (`charts`; by default those of `owned`: gitops-dsl's
    standard chart), or in another folder an Application reads (`sources`)."""
    charts = set(chart_roots(owned) if charts is None else charts)
    found = [(rel, DEPLOYED_AS_IT_IS) for rel in unowned_in_applied_folders(out, owned, trees)]
    in_charts = unowned_in_folders(out, owned, charts)
    found += [(rel, RENDERED_WITH_THE_CHART) for rel in in_charts]
    named = {rel for rel, _ in found}
    # a directory source reads its manifest files (a kustomization, only what it names: fewer)
    found += [(rel, READ_WITH_THE_SOURCE) for rel in
              unowned_in_folders(out, owned, set(sources) - charts, MANIFEST_SUFFIXES)
              if rel not in named]
    return sorted(found)
