"""Compile a platform given as JSON on stdin (the model's cattrs form) and print the digest of the
output: lets a test compile the same random platform in processes with other hash seeds."""
from __future__ import annotations

import hashlib
import json
import sys

from gitops_dsl.api import compile_platforms
from gitops_dsl.model import Platform
from gitops_dsl.convert import structure


def digest(files: dict) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path] + b"\0")
    return h.hexdigest()


if __name__ == "__main__":
    platform = structure(json.load(sys.stdin), Platform)
    result = compile_platforms([platform])
    print(digest(result.files) if result.ok else "errors")
