"""Compiled trees read from disk or from git, for `diff --tree` on a repository that has no
platform files (the receiving side of a zone): keyed as the compiler keys them (`gitops/...`,
`configs/...`)."""
from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from ..errors import GitopsDslError

MAX_TREE = 512 * 1024 * 1024


class TreeError(GitopsDslError, ValueError):
    pass


def _keyed(rel_paths: dict[str, bytes]) -> dict[str, bytes]:
    """A build folder (gitops/, configs/) as it is; a gitops tree itself (argo-apps/ at its top,
    as in a zone repository's `deploy/`) under gitops/."""
    if any(p.startswith(("gitops/", "configs/")) for p in rel_paths):
        return rel_paths
    if any(p.startswith("argo-apps/") for p in rel_paths):
        return {f"gitops/{p}": data for p, data in rel_paths.items()}
    raise TreeError("no compiled tree there: expected gitops/ and configs/ (a build folder) or "
                    "argo-apps/ (a gitops tree)")


def tree_files(folder: Path) -> dict[str, bytes]:
    out, total = {}, 0
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.startswith(".gitops-dsl"):
            continue
        total += path.stat().st_size
        if total > MAX_TREE:
            raise TreeError(f"{folder} holds more than {MAX_TREE} bytes: not a compiled tree")
        out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return _keyed(out)


def tree_at_ref(folder: Path, ref: str) -> dict[str, bytes]:
    """The same folder as committed at a git revision."""
    top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                         capture_output=True, text=True, check=False)
    if top.returncode != 0:
        raise TreeError(f"{folder} is not in a git repository: give --against-tree")
    rel = folder.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    run = subprocess.run(["git", "-C", top.stdout.strip(), "archive", "--format=tar", ref, "--",
                          rel if rel != "." else "."], capture_output=True, check=False)
    if run.returncode != 0:
        raise TreeError(f"git: {run.stderr.decode(errors='replace').strip()}")
    out = {}
    prefix = "" if rel == "." else rel + "/"
    with tarfile.open(fileobj=io.BytesIO(run.stdout)) as tar:
        for info in tar:
            if info.isfile() and info.name.startswith(prefix):
                name = info.name[len(prefix):]
                if not name.split("/")[-1].startswith(".gitops-dsl"):
                    member = tar.extractfile(info)
                    if member is not None:
                        out[name] = member.read()
    return _keyed(out) if out else {}
