"""Plain manifests and Kustomize folders, rendered as Argo CD's repo server does (a directory
source, or a kustomization, with the Application's Kustomize options)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import attrs
import yaml

from ..argo.manifest_yaml import load_all
from .committed import committed_test
from .parameters import glob_match
from .rendered import Rendered


def _image(spec: str) -> dict[str, str]:
    """One `kustomize edit set image` argument as a kustomization `images:` entry:
    `nginx:1.27`, `nginx=registry/nginx:1.27`, `nginx@sha256:...`."""
    name, _, new = spec.partition("=") if "=" in spec else ("", "", spec)
    entry: dict[str, str] = {}
    reference = new
    if "@" in reference:
        reference, digest = reference.split("@", 1)
        entry["digest"] = digest
    repo, tag = reference, ""
    if ":" in reference.rsplit("/", 1)[-1]:
        repo, tag = reference.rsplit(":", 1)
    entry["name"] = name or repo
    if name and repo != name:
        entry["newName"] = repo
    if tag:
        entry["newTag"] = tag
    return entry


def _wrapper_kustomization(options: dict[str, Any], folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                           "resources": [folder]}
    for key in ("namePrefix", "nameSuffix", "namespace", "commonLabels", "commonAnnotations"):
        if options.get(key):
            out[key] = options[key]
    if options.get("images"):
        out["images"] = [_image(str(i)) for i in options["images"]]
    if options.get("components"):
        out["components"] = [os.path.join(folder, c) for c in options["components"]]
    if options.get("patches"):
        out["patches"] = [dict(p, path=os.path.join(folder, p["path"])) if "path" in p else p
                          for p in options["patches"]]
    return out


def _patch_files_inside(options: dict[str, Any], folder: Path) -> str | None:
    """A patch file outside the Kustomize folder, which Argo CD's kustomize (load restrictions:
    root only) refuses to read; None when every patch file is inside."""
    for patch in options.get("patches") or ():
        path = patch.get("path") if isinstance(patch, dict) else None
        if isinstance(path, str) and not (folder / path).resolve().is_relative_to(folder.resolve()):
            return path
    return None


def _reach(root: Path, folder: Path) -> tuple[str | None, list[str]]:
    """The first remote reference (another repository, a URL) the kustomization of `folder`
    reaches, or None; and the files it reaches that git ignores (charts/committed.py), which
    the repo server's checkout does not hold."""
    from ..argo.links import committed_files
    from ..render.inputs import Unlistable, kustomize_files
    try:
        read = kustomize_files(root, os.path.relpath(folder, root).replace(os.sep, "/"),
                               skip_remote=False)
    except Unlistable as exc:
        return exc.remote, []   # (anything else: kustomize says what is wrong with it)
    except OSError:
        return None, []
    listed = committed_files(root)
    return None, sorted(f for f in read if listed is not None and f not in listed
                        and (root / f).is_file())


def render_plain(base: Rendered, source: dict[str, Any], folder: Path, root: Path) -> Rendered:
    """A Kustomize folder (with kubectl) or plain manifests, as Argo CD's repo server reads them
    (`root`: the checkout the folder is in)."""
    if any((folder / n).is_file() for n in ("kustomization.yaml", "kustomization.yml",
                                             "Kustomization")):
        import shutil
        import subprocess
        remote, ignored = _reach(root, folder)
        if ignored:
            return attrs.evolve(base, error=f"{source.get('path')}: the kustomization reads "
                                            f"{ignored[0]}, which git ignores: Argo CD's checkout of "
                                            "the repository does not hold it")
        if remote is not None:
            # kustomize would fetch it: a git fetch of the remote into a temporary or cache
            # folder (kustomize api/internal/git/cloner.go ClonerUsingGitExec); rendering is
            # offline
            return attrs.evolve(base, skipped=f"{source.get('path')}: a Kustomize folder with a "
                                              f"remote reference ({remote}), not fetched offline")
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            return attrs.evolve(base, skipped=f"{source.get('path')}: a Kustomize folder, not "
                                              "rendered (kubectl is not installed)")
        options = source.get("kustomize") or {}
        with tempfile.TemporaryDirectory(prefix="gitops-dsl-kustomize-") as wrapper:
            target = str(folder)
            outside = _patch_files_inside(options, folder)
            if outside is not None:
                return attrs.evolve(base, error=f"{source.get('path')}: kustomize patch {outside} "
                                                "is outside the folder (kustomize refuses it)")
            if options:
                # Argo CD applies its kustomize options with `kustomize edit` in a copy of the
                # folder (util/kustomize/kustomize.go); a kustomization over the folder with the
                # same fields builds the same resources
                Path(wrapper, "kustomization.yaml").write_text(yaml.safe_dump(
                    _wrapper_kustomization(options, os.path.relpath(folder, wrapper))))
                target = wrapper
            run = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                                  target] if options else [kubectl, "kustomize", target],
                                 capture_output=True, text=True, timeout=120, check=False)
        if run.returncode != 0:
            return attrs.evolve(base, error=f"{source.get('path')}: kustomize: "
                                            f"{run.stderr.strip()[:500]}")
        texts = [("kustomize", run.stdout)]
    else:
        # directory sources: *.yaml, *.yml, *.json (reposerver's manifestFile pattern), then
        # exclude and include globs on the path in the folder (getPotentiallyValidManifestFile)
        directory = source.get("directory") or {}
        pattern = "**/*" if directory.get("recurse") else "*"
        include, exclude = directory.get("include"), directory.get("exclude")
        # a file git ignores is not in Argo CD's checkout of the repository
        committed = committed_test(root)
        jsonnet = [p for p in folder.glob(pattern) if p.is_file() and p.suffix == ".jsonnet"
                   and committed(p)]
        if jsonnet:
            # reposerver reads .jsonnet files too (manifestFile pattern) and evaluates them; this
            # renderer does not, so it says so rather than render part of the folder
            return attrs.evolve(base, skipped=f"{source.get('path')}: holds .jsonnet files, which "
                                              "gitops-dsl does not evaluate")
        texts = [(rel, p.read_text("utf-8"))
                 for p in sorted(folder.glob(pattern))
                 if p.is_file() and p.suffix in (".yaml", ".yml", ".json") and committed(p)
                 for rel in [p.relative_to(folder).as_posix()]
                 if not (exclude and glob_match(exclude, rel))
                 and not (include and not glob_match(include, rel))]
    objects = []
    try:
        for name, text in texts:
            for obj in load_all(text):
                if isinstance(obj, dict) and obj.get("kind"):
                    objects.append((name, obj))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return attrs.evolve(base, error=f"{source.get('path')}: {exc}")
    return attrs.evolve(base, objects=tuple(objects))

