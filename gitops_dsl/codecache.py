"""Compiled platform modules, kept for the next compile in the output folder's cache.

Python compiles a platform's modules from source on every compile (`load` never reads nor writes
`__pycache__` in platforms/): about 0.3 s for the 4.6 MB of the 5000-service benchmark, a sixth
of a compile that changes one service. This cache keeps the code objects of the last compile.

It must never run bytecode that is not what this machine's Python made of the source it reads
now, because a bytecode file is code nobody reviews:

- an entry is found by the sha256 of the source bytes, their path (code objects carry it),
  Python's bytecode magic number and the optimization level; the source is read every time;
- the cache file is bound to this machine (`bound`: an HMAC keyed by the file's device, inode
  and change time to the nanosecond, which only the kernel sets). A cache delivered in a tree -
  committed to git, in a tarball, by rsync or cp - is a new inode with a new change time, so its
  tag cannot match and none of its bytes are unmarshalled. Any doubt is a compile from source,
  as before.

The cache is read by `compile` and `diff` and written only by a successful `compile`, after the
output; like the input record, it is local to a checkout (git-ignored).
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

from . import bound

CODE = "code.bin"
TAG = "code.bin.tag"


def _key(source: bytes, path: str) -> bytes:
    h = hashlib.sha256(importlib.util.MAGIC_NUMBER)
    h.update(f"{sys.flags.optimize}\0{path}\0".encode())
    h.update(source)
    return h.digest()


class CodeCache:
    """The code objects of the last compile by key (marshalled, each unmarshalled when its
    module is imported), and those this compile used."""

    def __init__(self, folder: Path, tool: str, entries: dict[bytes, bytes]) -> None:
        self.folder = folder
        self.tool = tool
        self.entries = entries
        self.used: dict[bytes, bytes] = {}
        self.compiled = 0   # modules this compile had to compile from source

    def code(self, source: bytes, path: str) -> CodeType:
        key = _key(source, path)
        kept = self.entries.get(key)
        try:
            found = marshal.loads(kept) if kept is not None else None
        except (EOFError, ValueError, TypeError):
            found = None
        if type(found) is CodeType and kept is not None:
            self.used[key] = kept
            return found
        found = compile(source, path, "exec", dont_inherit=True)
        self.used[key] = marshal.dumps(found)
        self.compiled += 1
        return found

    def finder(self, root: Path) -> importlib.abc.MetaPathFinder:
        """A finder for the modules under `root` that compiles them through this cache."""
        return _Finder(os.path.join(str(root), ""), self)

    def save(self) -> None:
        """Keep the code this compile used (and nothing else) for the next one."""
        if not self.compiled and self.used.keys() == self.entries.keys():
            return
        # (the code of unchanged modules as it was read: bytes, copied as they are)
        bound.write(self.folder / CODE, marshal.dumps(dict(sorted(self.used.items()))), self.tool)


def open_cache(folder: Path, tool: str) -> CodeCache:
    """The cache in `folder` (the output folder's cache folder) when this machine wrote it with
    this very tool (see `bound`); an empty one otherwise."""
    entries: dict[bytes, bytes] = {}
    data = bound.read(folder / CODE, tool)
    if data is not None:
        try:
            loaded = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            loaded = None
        if isinstance(loaded, dict):
            entries = {k: v for k, v in loaded.items() if type(k) is bytes and type(v) is bytes}
    return CodeCache(folder, tool, entries)


class _Loader(importlib.machinery.SourceFileLoader):
    """A source loader whose code comes from the cache (the source is read every time)."""

    def __init__(self, fullname: str, path: str, cache: CodeCache) -> None:
        super().__init__(fullname, path)
        self.cache = cache

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        return self.cache.code(self.get_data(path), path)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, root: str, cache: CodeCache) -> None:
        self.root = root
        self.cache = cache

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if (spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader
                or not (spec.origin or "").startswith(self.root)):
            return None   # not a platform module: the finders after this one decide
        spec.loader = _Loader(fullname, spec.origin or "", self.cache)
        return spec
