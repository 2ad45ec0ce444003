"""The output folder as committed at a git revision, read lazily: what Argo CD has at the base of
a pull request, without compiling the platform as it was.

A diff of a one-service change reads three things here: the list of owned files at the base
(its committed manifest), which paths git says differ between the base and the working tree
(`git diff` and the untracked files: git compares content, through its index), and the bytes of
those few files. Everything else is known to be equal and never read.
"""
from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from ..errors import NotFound
from .gitref import GitError, run_git


class LazyTree(Mapping[str, bytes]):
    """path -> bytes of a known set of paths, each read on first access."""

    def __init__(self, paths: list[str], reader: Callable[[str], bytes | None]) -> None:
        self._paths = set(paths)
        self._order = sorted(self._paths)
        self._reader = reader
        self._bytes: dict[str, bytes] = {}

    def __getitem__(self, path: str) -> bytes:
        if path not in self._paths:
            raise KeyError(path)
        data = self._bytes.get(path)
        if data is None:
            data = self._reader(path)
            if data is None:
                raise KeyError(path)
            self._bytes[path] = data
        return data

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def on_disk(out: Path, paths: list[str]) -> LazyTree:
    """The owned files of an output folder, read when asked for."""
    def read(rel: str) -> bytes | None:
        try:
            return (out / rel).read_bytes()
        except OSError:
            return None
    return LazyTree(paths, read)


class _Blobs:
    """One `git cat-file --batch` for the files of one commit, asked for one by one."""

    def __init__(self, top: Path, commit: str, prefix: str) -> None:
        self.top, self.commit, self.prefix = top, commit, prefix
        self.proc: subprocess.Popen[bytes] | None = None

    def __call__(self, rel: str) -> bytes | None:
        if self.proc is None:
            self.proc = subprocess.Popen(["git", "-C", str(self.top), "cat-file", "--batch"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{self.commit}:{self.prefix}{rel}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)   # the newline after the contents
        return data

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait()


class Committed:
    """The output folder `out` as committed at `ref`."""

    def __init__(self, ref: str, root: Path, out: Path, manifest_name: str) -> None:
        top, commit = run_git(root, "rev-parse", "--show-toplevel", "--verify",
                           f"{ref}^{{commit}}").decode().splitlines()
        self.top, self.commit = Path(top).resolve(), commit.strip()
        try:
            rel = out.resolve().relative_to(self.top).as_posix()
        except ValueError:
            raise GitError(f"{out} is outside the repository") from None
        self.prefix = "" if rel == "." else rel + "/"
        self.blobs = _Blobs(self.top, self.commit, self.prefix)
        manifest = self.blobs(manifest_name)
        if manifest is None:
            raise NotFound(f"no {self.prefix}{manifest_name} at {ref}")
        from ..emit.manifest import manifest_entries
        self.owned = manifest_entries(out, manifest, manifest_name)
        self.tree = LazyTree(list(self.owned), self.blobs)

    def changed_since(self) -> set[str]:
        """The paths under the output folder (relative to it) whose working-tree content differs
        from the commit's, by git: modified, deleted, added, and not yet added."""
        out = self.prefix or "."
        # both at once: each walks the folder
        runs = [subprocess.Popen(["git", "-C", str(self.top), *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
                for args in (["diff", "--no-renames", "--name-only", "-z", self.commit, "--", out],
                             ["ls-files", "-z", "--others", "--exclude-standard", "--", out])]
        outputs = []
        for run in runs:
            stdout, stderr = run.communicate()
            if run.returncode != 0:
                raise GitError(stderr.decode(errors="replace").strip() or "git failed")
            outputs.append(stdout)
        changed, untracked = outputs
        found = set()
        for name in (changed + b"\0" + untracked).decode("utf-8", "replace").split("\0"):
            if name.startswith(self.prefix) and name != self.prefix:
                found.add(name[len(self.prefix):])
        return found

    def naming(self, strings: list[bytes], under: str = "gitops/argo-apps") -> set[str]:
        """The files of the working tree's output folder (below `under` in it) that hold one of
        `strings` (git grep: every file there as it is in the working tree, tracked, untracked
        or ignored), relative to the folder."""
        if not strings:
            return set()
        patterns: list[str] = []
        for text in strings:
            patterns += ["-e", text.decode("utf-8", "surrogateescape")]
        run = subprocess.run(["git", "-C", str(self.top), "grep", "-l", "-z", "-F", "--no-color",
                              "--untracked", "--no-exclude-standard", *patterns, "--",
                              self.prefix + under],
                             capture_output=True, check=False)
        if run.returncode not in (0, 1):   # 1: nothing found
            raise GitError(run.stderr.decode(errors="replace").strip() or "git grep failed")
        return {name[len(self.prefix):] for name in run.stdout.decode("utf-8", "replace").split("\0")
                if name.startswith(self.prefix)}

    def close(self) -> None:
        self.blobs.close()


def committed(ref: str, root: Path, out: Path, manifest_name: str) -> Committed | None:
    """The committed output folder at `ref`, or None when `ref` has none (no manifest there)."""
    try:
        return Committed(ref, root, out, manifest_name)
    except LookupError:
        return None
