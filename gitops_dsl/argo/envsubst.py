"""The substitution Argo CD's repo server applies to Helm parameters before it runs Helm.

reposerver/repository/repository.go `helmTemplate` passes every `helm.parameters` value (and the
paths of value files and file parameters) through `Env.Envsubst`
(pkg/apis/application/v1alpha1/types.go), which is Go's `os.Expand` (src/os/env.go) with `$$`
kept as a literal `$` and every unknown name made empty. The names it knows are the build
environment of `newEnv`: ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE, ARGOCD_APP_PROJECT_NAME,
ARGOCD_APP_REVISION (and its first 7 and 8 characters), ARGOCD_APP_SOURCE_REPO_URL,
ARGOCD_APP_SOURCE_PATH and ARGOCD_APP_SOURCE_TARGET_REVISION.

Go's rules: `$name` takes the longest run of letters, digits and `_`; `${name}` runs to the
closing brace; `$` before one of `*#$@!?-` or a digit names that one character; `${}` and an
unclosed `${` are eaten whole; a `$` before anything else, or at the end, stays as it is.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

__all__ = ["BUILD_VARIABLES", "build_environment", "expand", "expand_path", "references"]

BUILD_VARIABLES = ("ARGOCD_APP_NAME", "ARGOCD_APP_NAMESPACE", "ARGOCD_APP_PROJECT_NAME",
                   "ARGOCD_APP_REVISION", "ARGOCD_APP_REVISION_SHORT", "ARGOCD_APP_REVISION_SHORT_8",
                   "ARGOCD_APP_SOURCE_REPO_URL", "ARGOCD_APP_SOURCE_PATH",
                   "ARGOCD_APP_SOURCE_TARGET_REVISION")
_SPECIAL = frozenset("*#$@!?-0123456789")
_NAME = frozenset("_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _shell_name(s: str) -> tuple[str, int]:
    """Go's `getShellName`: the name at the start of `s` and how many characters it takes."""
    if s[0] == "{":
        if len(s) > 2 and s[1] in _SPECIAL and s[2] == "}":
            return s[1], 3
        end = s.find("}", 1)
        if end == 1:
            return "", 2       # `${}`: bad syntax, eaten
        if end < 0:
            return "", 1       # an unclosed `${`: the brace eaten
        return s[1:end], end + 1
    if s[0] in _SPECIAL:
        return s[0], 1
    i = 0
    while i < len(s) and s[i] in _NAME:
        i += 1
    return s[:i], i


def _pieces(s: str) -> Iterator[tuple[str, str | None]]:
    """`s` as (literal text, None) and (original text, name) pieces; a name of "" is bad syntax
    that Go eats."""
    i = j = 0
    while j < len(s):
        if s[j] == "$" and j + 1 < len(s):
            name, width = _shell_name(s[j + 1:])
            if name or width:
                yield s[i:j], None
                yield s[j:j + 1 + width], name
                i = j + 1 + width
            j += width
        j += 1
    yield s[i:], None


def expand(s: str, environment: Mapping[str, str]) -> str:
    """`Env.Envsubst(s)`: references replaced by their values (unknown ones by nothing), `$$` by
    `$`, bad syntax removed."""
    if "$" not in s:
        return s
    out = []
    for text, name in _pieces(s):
        if name is None:
            out.append(text)
        elif name == "$":
            out.append("$")
        elif name:
            out.append(environment.get(name, ""))
    return "".join(out)


def expand_path(path: str, refs: Collection[str], environment: Mapping[str, str]) -> str:
    """A value file's path as the repo server substitutes it: one that starts with `$<ref>/`
    for a `ref` source of the Application keeps that first segment and has the rest substituted
    (repository.go `getReferencedSource`, `getResolvedRefValueFile`); any other path is
    substituted whole."""
    head, slash, rest = path.partition("/")
    if head.startswith("$") and head[1:] in refs:
        return head + slash + expand(rest, environment)
    return expand(path, environment)


def references(s: str) -> list[str]:
    """The `$` references in `s` that Argo CD replaces by something else than the reader may
    expect: names outside the build environment (made empty) and bad syntax (removed)."""
    if "$" not in s:
        return []
    return [text for text, name in _pieces(s)
            if name is not None and name != "$" and name not in BUILD_VARIABLES]


def build_environment(application: Mapping[str, Any], source: Mapping[str, Any],
                      revision: str = "") -> dict[str, str]:
    """`newEnv` for one source of an Application. `revision` is the commit the repo server
    resolved `targetRevision` to (unknown offline: empty unless given)."""
    spec = application.get("spec") or {}
    return {
        "ARGOCD_APP_NAME": str((application.get("metadata") or {}).get("name") or ""),
        "ARGOCD_APP_NAMESPACE": str((spec.get("destination") or {}).get("namespace") or ""),
        "ARGOCD_APP_PROJECT_NAME": str(spec.get("project") or ""),
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_REVISION_SHORT_8": revision[:8],
        "ARGOCD_APP_SOURCE_REPO_URL": str(source.get("repoURL") or ""),
        "ARGOCD_APP_SOURCE_PATH": str(source.get("path") or ""),
        "ARGOCD_APP_SOURCE_TARGET_REVISION": str(source.get("targetRevision") or ""),
    }
