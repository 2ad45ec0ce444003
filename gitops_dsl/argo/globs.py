"""How an AppProject admits a source repository and a destination, as Argo CD decides it.

Argo CD matches project entries with gobwas/glob (pkg/apis/application/v1alpha1/
app_project_types.go: `globMatch`, `IsSourcePermitted`, `isDestinationMatched`; the glob itself
is util/glob/glob.go `Match`):

- `*` matches any run of characters except a separator, `**` any run at all, `?` one character
  except a separator, `[abc]` / `[!abc]` / `[a-z]` one character of a class, `{a,b}` either
  alternative, and `\\` escapes the next character. Source repositories are matched with `/` as
  the separator (so `https://github.com/acme/*` does not admit `.../acme/team/repo`);
  destinations have no separator. A lone `*` matches everything.
- An entry starting with `!` is a deny entry: it *matches* every value its pattern does not
  match, and a value its pattern does match is refused by the whole project.
- Repository URLs are compared normalized (util/git: lowercase, without `.git`).
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping

__all__ = ["normalize_git_url", "glob_match", "source_permitted", "destination_permitted"]


@functools.lru_cache(maxsize=4096)   # a handful of URLs, asked about for every Application
def normalize_git_url(url: str) -> str:
    """The repository identity Argo CD compares (util/git/git.go NormalizeGitURL): lower case,
    `git@host:org/repo` as `host/org/repo`, no `.git` suffix, no `ssh://`."""
    url = url.strip().lower()
    if url.startswith("git@"):
        url = url.replace(":", "/", 1)
    url = url.removeprefix("ssh://")
    return url.removesuffix("/").removesuffix(".git")


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, separator: str | None) -> re.Pattern[str] | None:
    """The regular expression of a gobwas glob, or None for a pattern gobwas refuses (it then
    matches nothing: `Match` returns false on a compile error)."""
    other = "." if separator is None else f"[^{re.escape(separator)}]"
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 == len(pattern):
                return None
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append(f"{other}*")
                i += 1
            continue
        if c == "?":
            out.append(other)
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            if not body:
                return None
            chars = "".join(
                f"{re.escape(a)}-{re.escape(b)}" if dash == "-" else re.escape(a + dash + b)
                for a, dash, b in _ranges(body))
            out.append(f"[{'^' if negate else ''}{chars}]")
            i = end + 1
            continue
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        return None
    return re.compile("".join(out), re.DOTALL)


def _ranges(body: str) -> Iterable[tuple[str, str, str]]:
    """A character class's body as (a, "-", b) ranges and ("c", "", "") single characters."""
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            yield body[i], "-", body[i + 2]
            i += 3
        else:
            yield body[i], "", ""
            i += 1


def glob_match(pattern: str, value: str, *, separator: str | None = None,
               negation: bool = True) -> bool:
    """Argo CD's `globMatch`: a `!` entry matches what its pattern does not."""
    if negation and pattern.startswith("!"):
        compiled = _compile(pattern[1:], separator)
        return not (compiled is not None and compiled.fullmatch(value) is not None)
    if pattern == "*":
        return True
    compiled = _compile(pattern, separator)
    return compiled is not None and compiled.fullmatch(value) is not None


def source_permitted(source_repos: Iterable[str], repo_url: str) -> bool:
    """`AppProject.IsSourcePermitted`: some entry matches and no deny entry refuses."""
    url = normalize_git_url(repo_url)
    matched = False
    for entry in source_repos:
        deny = entry.startswith("!")
        pattern = "!" + normalize_git_url(entry[1:]) if deny else normalize_git_url(entry)
        if glob_match(pattern, url, separator="/"):
            matched = True
        elif deny:
            return False
    return matched


def destination_permitted(destinations: Iterable[Mapping[str, str]], *, server: str = "",
                          name: str = "", namespace: str = "") -> bool:
    """`AppProject.isDestinationMatched`: some entry matches the cluster (by server or name) and
    the namespace, and no deny entry's pattern matches."""
    matched, denied = False, False
    for item in destinations:
        i_server, i_name, i_ns = (str(item.get("server") or ""), str(item.get("name") or ""),
                                  str(item.get("namespace") or ""))
        name_ok = bool(name) and glob_match(i_name, name)
        server_ok = bool(server) and glob_match(i_server, server)
        ns_ok = glob_match(i_ns, namespace)
        if (server_ok or name_ok) and ns_ok:
            matched = True
        elif ((not name_ok and i_name.startswith("!")) or (not server_ok and i_server.startswith("!"))
              or (not ns_ok and i_ns.startswith("!"))):
            denied = True
    return matched and not denied
