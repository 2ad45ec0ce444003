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
from collections.abc import Iterable, Mapping

__all__ = [
    "destination_permitted",
    "glob_match",
    "kind_listed",
    "normalize_git_url",
    "resource_match",
    "source_permitted",
]


#: what util/git/git.go calls an SSH URL (`sshURLRegex`): user@host, with or without ssh://
_SSH_URL = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")
_AUTHORITY = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#]*)")


@functools.lru_cache(maxsize=4096)   # a handful of URLs, asked about for every Application
def normalize_git_url(url: str) -> str:
    """The repository identity Argo CD compares (util/git/git.go `NormalizeGitURL`): lower case
    and trimmed; an SSH URL without `ssh://` (`git@host:org/repo`) has its first `:` made a `/`;
    no `.git` suffix; no `ssh://` prefix. A URL Go's url.Parse refuses (a port that is not a
    number, as in `ssh://git@host:org/repo`) normalizes to the empty string, which is what
    Argo CD then compares."""
    repo = url.strip().lower()
    if _SSH_URL.match(repo) and not repo.startswith("ssh://"):
        repo = "ssh://" + repo.replace(":", "/", 1)
    repo = repo.removesuffix(".git")
    authority = _AUTHORITY.match(repo)
    if authority is not None:
        host = authority.group(1).rpartition("@")[2]
        port = host.rpartition("]")[2] if host.startswith("[") else host
        if ":" in port and not port.rpartition(":")[2].isdigit() and port.rpartition(":")[2]:
            return ""
    return repo.removeprefix("ssh://")


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, separator: str | None) -> re.Pattern[str] | None:
    """The regular expression of a gobwas glob, or None for a pattern gobwas refuses (it then
    matches nothing: `Match` returns false on a compile error)."""
    return _translate(pattern, separator, gobwas=True)


def _translate(pattern: str, separator: str | None, *, gobwas: bool) -> re.Pattern[str] | None:
    """A glob as a regular expression: gobwas's (`**` crosses the separator, `{a,b}`, `[!...]`)
    or Go's filepath.Match (`[^...]`, no alternatives); None for a pattern either refuses."""
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
            if gobwas and pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append(f"{other}*")
                i += 1
            continue
        if c == "?":
            out.append(other)
        elif c == "[":
            found = _char_class(pattern, i, "!" if gobwas else "^")
            if found is None:
                return None
            out.append(found[0])
            i = found[1]
            continue
        elif gobwas and c == "{":
            depth += 1
            out.append("(?:")
        elif gobwas and c == "}" and depth:
            depth -= 1
            out.append(")")
        elif gobwas and c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        return None
    return re.compile("".join(out), re.DOTALL)


def _char_class(pattern: str, at: int, negation: str) -> tuple[str, int] | None:
    """The character class starting at `pattern[at]` (`[`) as a regular expression, and the index
    after it; None for a class the glob refuses (unclosed or empty). `negation` is the character
    that negates it: `!` for gobwas, `^` for Go's filepath.Match."""
    end = pattern.find("]", at + 1)
    if end < 0:
        return None
    body = pattern[at + 1:end]
    negate = body.startswith(negation)
    body = body[1:] if negate else body
    if not body:
        return None
    chars = "".join(f"{re.escape(a)}-{re.escape(b)}" if dash == "-" else re.escape(a + dash + b)
                    for a, dash, b in _ranges(body))
    return f"[{'^' if negate else ''}{chars}]", end + 1


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
    """`AppProject.isDestinationMatched` for a cluster known by its server URL and its name (the
    controller fills both from the cluster it resolved: `IsDestinationPermitted`).

    Entries are read in order. An entry admits when its server or name matches and its
    namespace matches (a `!` pattern matching what it does not name). An entry refuses the whole
    project, whatever came before it, when its name is a `!` pattern naming the cluster, or its
    server is a `!` pattern naming it while the namespace matches, or its namespace is a `!`
    pattern naming the namespace while the server matches."""
    admitted = False
    for item in destinations:
        i_server, i_name, i_ns = (str(item.get("server") or ""), str(item.get("name") or ""),
                                  str(item.get("namespace") or ""))
        name_ok = bool(name) and glob_match(i_name, name)
        server_ok = bool(server) and glob_match(i_server, server)
        ns_ok = glob_match(i_ns, namespace)
        if (server_ok or name_ok) and ns_ok:
            admitted = True
        elif (not name_ok and i_name.startswith("!")) or (
                not server_ok and i_server.startswith("!") and ns_ok) or not ns_ok and i_ns.startswith("!") and server_ok:
            return False
    return admitted


def resource_match(pattern: str, value: str) -> bool:
    """Go's `filepath.Match`, which an AppProject's resource lists use for group, kind and name
    (pkg/apis/application/v1alpha1/types.go `isResourceInList`, `isNamedResourceInList`): `*`
    any run but `/`, `?` one character but `/`, `[...]` a class (`^` negates), `\\` escapes; a
    malformed pattern matches nothing. No `{a,b}` and no `!` rules."""
    compiled = _compile_path(pattern)
    return compiled is not None and compiled.fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def _compile_path(pattern: str) -> re.Pattern[str] | None:
    return _translate(pattern, "/", gobwas=False)


def kind_listed(entries: Iterable[Mapping[str, str]] | None, group: str, kind: str,
                name: str | None = None) -> bool:
    """Whether a resource list of an AppProject holds a group and kind (and, in the cluster
    lists, which may name resources, its name)."""
    for entry in entries or ():
        if not (resource_match(str(entry.get("kind") or ""), kind)
                and resource_match(str(entry.get("group") or ""), group)):
            continue
        wanted = str(entry.get("name") or "")
        if not wanted or name is None or resource_match(wanted, name):
            return True
    return False
