"""One scanner for plaintext secrets, over any data that reaches an output file or a bundle:
Helm values at every layer, what an Application carries (labels, annotations, info, Helm
parameters, `valuesObject`, Kustomize common annotations, namespace metadata), a chart folder's
own values files. What it calls a secret:

- a literal value under a key whose name says it is a password, token or key (`password`,
  `DB_PASSWORD`, `apiKey`; not `existingSecret` or `passwordSecretName`, which name a Secret),
  and each literal in a list under a key a secret is the value of (`apiKey: [...]`; not under
  `imagePullSecrets`, whose list names Secrets);
- a Kubernetes-style `{name: DB_PASSWORD, value: ...}` entry, at any depth (container `env`
  lists, a third-party chart's `extraEnv`);
- a value shaped like a credential whatever its key: private key material, cloud and forge
  tokens (Google, npm, PyPI too), Slack and Discord webhook URLs, an HTTP Authorization header's
  credentials, JWTs, a URL with a password in it, a password or token given as a parameter of a
  connection string or URL (`?password=...`, `;Password=...;`), a line of a file carried in a
  value that sets a password or token to a literal (`password = ...` in an ini file);
- any of these inside a JSON or YAML document (block or flow style) carried in a string (a
  config file in a value).

A value that points at a secret instead of being one (`$VAR`, `{{ ... }}`, an argocd-vault-plugin
placeholder such as `<path:kv/data/db#password>`, empty) is not one.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from .keys import is_secret_key

# Values that are credentials whatever their key, in three kinds, each asked only of a text that
# holds what every match of it holds (a substring search in C: most values, and a 700 KB Grafana
# dashboard, are then never searched with a regex of twenty alternatives).
#: key material and well-known token shapes, each of which holds one of _ANCHORS: private keys,
#: AWS, GitHub, GitLab, Slack, Stripe, Google, npm and PyPI tokens, JWTs, a URL with a password,
#: Slack and Discord webhook URLs (the URL is the key)
_SHAPED = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b"
    r"|\bglpat-[A-Za-z0-9_-]{20,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}\b|\bsk_live_[A-Za-z0-9]{16,}\b"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|://[^/\s:@]+:[^/\s@]{3,}@"
    r"|\bAIza[0-9A-Za-z_-]{35}\b|\bnpm_[A-Za-z0-9]{36}\b|\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"
    r"|hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}"
    r"|discord(?:app)?\.com/api/webhooks/[0-9]{5,}/[A-Za-z0-9_-]{30,}")
_ANCHORS = ("-----BEGIN", "AKIA", "gh", "glpat-", "xox", "sk_live_", "eyJ", "://", "AIza", "npm_",
            "pypi-", "hooks.slack.com", "discord")
#: an HTTP Authorization header's credentials (its text holds "bearer" or "basic", any case)
_AUTHORIZATION = re.compile(r"(?i:\b(?:bearer|basic)[ \t]+[A-Za-z0-9._~+/-]{20,}=*)")
#: a password or token set to a literal, whose text holds one of _KEY_WORDS (any case) and "=" or
#: ":": as a parameter of a connection string or URL (a JDBC URL's `?user=app&password=...`, an
#: ADO.NET `Server=db;Password=...;`), or on a line of a file carried in a value (a config file,
#: a script: `password: hunter2`, `client_secret = "..."`); a reference - `$VAR`, `{{ ... }}`,
#: `%s`, `<placeholder>` - is none, nor a flow list or mapping or its end (`[...]`, `{...}`, `x}`:
#: what they hold is judged when the file is read as YAML)
_ASSIGNED = re.compile(
    r"(?i:(?:^|[?&;])\s*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"account[_-]?key|shared[_-]?access[_-]?key)\s*=\s*(?![\s$%{<&;])[^&\s;#]{3,})"
    r"|(?im:^[ \t]*[\"']?(?:password|passwd|secret|token|api_?key|private_?key|admin_?password|"
    r"root_?password|client_?secret)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?![$%{<[]|(?:null|none|true|false)\b|~)[^\s\"'#,;}\]]{3,})")
_KEY_WORDS = ("pass", "pwd", "secret", "token", "key")


def credential_shaped(text: str) -> bool:
    """Whether a text holds something shaped like a credential, whatever its key."""
    if any(anchor in text for anchor in _ANCHORS) and _SHAPED.search(text):
        return True
    lower = text.lower()
    if ("bearer" in lower or "basic" in lower) and _AUTHORIZATION.search(text):
        return True
    return (("=" in text or ":" in text) and any(word in lower for word in _KEY_WORDS)
            and _ASSIGNED.search(text) is not None)


# Keys whose string value would be a literal secret (a reference such as existingSecret is fine).
_SECRET_VALUE_KEY = re.compile(r"^(password|passwd|secret|token|api_?key|private_?key|"
                               r"admin_?password|root_?password|client_?secret)$", re.IGNORECASE)


@functools.lru_cache(maxsize=100_000)   # keys repeat in every service
def secret_key(key: str) -> tuple[bool, bool]:
    """Whether a key is one whose string value is a literal secret, and whether it names a
    secret."""
    return bool(_SECRET_VALUE_KEY.match(key)), is_secret_key(key)


def reference(value: str) -> bool:
    """A value that points at a secret instead of being one: a template, an env reference, or
    a placeholder that argocd-vault-plugin replaces with the secret as Argo CD renders
    (`<path:kv/data/db#password>` always, `<db-password>` where the resource names the path;
    argoproj-labs/argocd-vault-plugin pkg/kube/util.go, `specificPathPlaceholder` and
    `genericPlaceholder`)."""
    text = value.strip()
    return (text == "" or value.startswith(("$", "{{"))
            or (text.startswith("<") and text.endswith(">") and "\n" not in text))


#: the answers of `plaintext`'s two questions, kept for the process (the same keys and strings
#: recur in every service and Application; each table bounded): key -> True for a key a secret
#: is the value of (`password`, `apiKey`: a literal string under it, or in a list under it, is
#: one), None for a key that names a secret (`dbPassword`, `imagePullSecrets`: a literal string
#: under it is one; a list under it may list names), False for any other; string -> whether it
#: is shaped like a credential
_KEYS: dict[Any, bool | None] = {}
_SHAPES: dict[str, bool] = {}
_UNKNOWN = object()
_BOUND = 200_000


def _key_class(key: Any) -> bool | None:
    found = _KEYS.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        literal, named = secret_key(str(key))
        found = True if literal else (None if named else False)
        if len(_KEYS) < _BOUND:
            _KEYS[key] = found
    return found   # type: ignore[return-value]


def credential(value: str) -> bool:
    """Whether a value is shaped like a credential, whatever its key."""
    found = _SHAPES.get(value)
    if found is None:
        found = credential_shaped(value)
        if len(_SHAPES) < _BOUND:
            _SHAPES[value] = found
    return found


def _literal_under(key: Any, value: str) -> bool:
    """Whether `value`, under `key`, is a literal secret."""
    return _key_class(key) is not False and not reference(value)


def plaintext(data: Any, where: str = "") -> Iterator[str]:
    """Where in `data` (dotted paths from `where`) a plaintext secret is, depth first; no
    value is ever part of what is yielded."""
    # paths as tuples of parts, made into text only for a finding (most data has none); with
    # each list, whether it is the value of a key a secret is the value of (`apiKey: [...]`)
    stack: list[tuple[Any, tuple[Any, ...], bool]] = [(data, (), False)]
    while stack:
        node, parts, secrets = stack.pop()
        if type(node) is dict:
            name, value = node.get("name"), node.get("value")
            if (type(name) is str and type(value) is str and value
                    and _literal_under(name, value)):
                yield _path(where, parts, f"[name={name}]")
            for key, item in node.items():
                kind = type(item)
                if kind is str:
                    if item and (credential(item) or _literal_under(key, item)):
                        yield _path(where, (*parts, key))
                    elif (carried := _carried(item)) is not None:
                        stack.append((carried[0], (*parts, f"{key}({carried[1]})"), False))
                elif kind is list:
                    stack.append((item, (*parts, key), _key_class(key) is True))
                elif kind is dict:
                    stack.append((item, (*parts, key), False))
        elif type(node) is list:
            for i, item in enumerate(node):
                kind = type(item)
                if kind is str:
                    if credential(item) or (secrets and item and not reference(item)):
                        yield _path(where, parts, f"[{i}]")
                    elif (carried := _carried(item)) is not None:
                        stack.append((carried[0], (*parts, f"[{i}]({carried[1]})"), False))
                elif kind is dict or kind is list:
                    stack.append((item, (*parts, f"[{i}]"), False))
        elif isinstance(node, str):
            if credential(node):
                yield _path(where, parts)
            elif (carried := _carried(node)) is not None:
                stack.append((carried[0], (*parts, f"({carried[1]})"), False))


def _carried(text: str) -> tuple[Any, str] | None:
    """The data of a JSON or YAML document carried in a string (a config file in a value: a
    JSON settings file, an application.yaml, a list of env entries for a tpl'd template), with
    which of the two it is, when a secret-named key could be in it: its keys and `{name, value}`
    pairs are then judged as the value's own are. None for any other string. (Not cached: a
    cache of these would hold every large document it saw; a values layer is scanned once a
    compile.)"""
    if len(text) > 8_000_000:
        return None
    start = text.lstrip()[:1]
    json_like = start in ("{", "[")
    if not json_like and ("\n" not in text or ":" not in text):
        return None   # (YAML carried in a value is a file: lines, and a mapping somewhere)
    lower = text.lower()
    if not any(word in lower for word in _KEY_WORDS):
        return None
    if json_like:
        import json
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, (dict, list)):
            return data, "json"
    if not _sets_secret_key(text):
        return None   # (parsing a large YAML file costs a second or so: asked first of its lines)
    from ..safe_yaml import UnsafeYaml, load_all
    try:   # bounded: an alias bomb in a string is refused, not expanded
        documents = [d for d in load_all(text) if isinstance(d, (dict, list))]
    except UnsafeYaml:
        return None
    if not documents:
        return None
    return (documents[0] if len(documents) == 1 else documents), "yaml"


#: a line of a YAML file that sets a key (`key: ...`, `- key: ...`): the key and its value
_YAML_KEY_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)*[\"']?([\w.-]+)[\"']?[ \t]*:(?:[ \t]+([^\n]*))?$",
                            re.MULTILINE)


#: a key of a flow mapping (`{key: ...`, `, key: ...`, on one line or wrapped) and the word its
#: value starts with
_YAML_FLOW_KEY = re.compile(r"[{,][ \t\n]*[\"']?([\w.-]+)[\"']?[ \t]*:(?:[ \t\n]+[\"']?([\w.-]*))?")


def _sets_secret_key(text: str) -> bool:
    """Whether a YAML file sets a key that names a secret, or a `name:` that does (an env
    entry's), on a line of its own or in a flow mapping (`{password: ...}`): only then can its
    data hold a finding `credential_shaped` did not see."""
    for found in _YAML_KEY_LINE.finditer(text):
        if _names_secret(found.group(1), found.group(2)):
            return True
    return "{" in text and any(_names_secret(found.group(1), found.group(2))
                               for found in _YAML_FLOW_KEY.finditer(text))


def _names_secret(key: str, value: str | None) -> bool:
    if _key_class(key) is not False:
        return True
    return (key == "name" and value is not None
            and _key_class(value.strip().strip("\"'")) is not False)


#: every word a secret-named key holds (`keys.SECRET_WORDS`, `_SECRET_VALUE_KEY`, the pairs
#: ending in "key"), in lower case, and what every credential shape of `credential_shaped` starts
#: with: a document whose text holds none of them has no finding
_HINT_WORDS = ("pass", "pwd", "secret", "token", "jwt", "credential", "key", "bearer", "basic",
               "hooks.slack.com", "discord")
_SHAPE_STARTS = ("-----BEGIN", "AKIA", "gh", "glpat-", "xox", "sk_live_", "eyJ", "AIza", "npm_",
                 "pypi-")


def plaintext_in_document(data: Any, where: str = "") -> list[str]:
    """`plaintext` of a whole document, asked first of its JSON text with substring searches
    (C): most documents (an Application of the standard chart) hold no secret-like word and
    nothing a credential starts with, and are not walked."""
    import json
    text = json.dumps(data, default=str)
    lower = text.lower()
    if not (any(word in lower for word in _HINT_WORDS)
            or any(start in text for start in _SHAPE_STARTS)
            or ("://" in text and "@" in text)):
        return []
    return list(plaintext(data, where))


#: argocd-vault-plugin's placeholder naming the secret's path and key, with an optional version
#: and modifiers (`<path:kv/data/db#password>`, `<path:kv/data/db#password#2 | base64encode>`):
#: argoproj-labs/argocd-vault-plugin pkg/kube/util.go `specificPathPlaceholder`
_VAULT_PLACEHOLDER = re.compile(r"<path:[^#<>\n]+#[^#<>\n]+(?:#[^#<>\n]+)?>")


def holds_vault_placeholder(text: str) -> bool:
    """Whether a text holds an argocd-vault-plugin path placeholder."""
    return "<path:" in text and _VAULT_PLACEHOLDER.search(text) is not None


def vault_placeholders(data: Any, where: str = "") -> Iterator[str]:
    """Where in `data` (dotted paths from `where`) a string holds an argocd-vault-plugin path
    placeholder, depth first."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            items: Any = node.items()
        elif isinstance(node, list):
            items = ((f"[{i}]", item) for i, item in enumerate(node))
        else:
            if isinstance(node, str) and holds_vault_placeholder(node):
                yield _path(where, parts)
            continue
        stack.extend((item, (*parts, key)) for key, item in reversed(list(items)))


def _path(where: str, parts: tuple[Any, ...], last: str = "") -> str:
    text = where
    for part in parts:
        part = str(part)
        text = f"{text}{part}" if part.startswith("[") else (f"{text}.{part}" if text else part)
    return text + last
