"""Compile the platform as it was at a git revision, in a temporary folder (`git archive`, so
the repository and its working tree are not touched)."""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api import Result

class GitError(RuntimeError):
    pass


def _git(root: Path, *args: str) -> bytes:
    run = subprocess.run(["git", "-C", str(root), *args], capture_output=True)
    if run.returncode != 0:
        raise GitError(run.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return run.stdout


def compile_at(ref: str, root: Path, platforms: Path,
               **settings: Any) -> tuple[Result, dict[str, bytes], str]:
    """The compile result of `platforms` (inside the repository at `root`) as of `ref`, its
    files and the commit `ref` names."""
    from ..api import compile as compile_platforms

    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    archive = _git(top, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-ref-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        base = Path(folder)
        old_root = base / root.resolve().relative_to(top.resolve())
        old_platforms = base / platforms.resolve().relative_to(top.resolve())
        result = compile_platforms(old_platforms, root=old_root, **settings)
        files = {path: result.files[path] for path in result.files}  # serialize while it exists
    return result, files, commit
