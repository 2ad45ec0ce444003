"""Which keys name a secret: one classifier for the rules (GD501, GD504) and for every output
that must never show a secret's value (diagnostics, diff, explain).

A key is split into words (`DB_PASSWORD`, `postgresPassword`, `jwt-secret`, `smtp.pass`); it is
secret-like when a word is one of the secret words (password, pass, pwd, secret, token, jwt,
credential, ...) or a pair such as api+key, private+key, access+key, secret+key - unless it
is a *reference* to a secret: `existingSecret`, `secretName`, `passwordKey`,
`existingSecretPasswordKey`, `tokenFile`, `secretRef`, `secretKey` (the key inside a Secret)."""
from __future__ import annotations

import itertools
import re

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
SECRET_WORDS = frozenset({"password", "passwd", "pass", "pwd", "passphrase", "secret", "secrets",
                          "token", "tokens", "jwt", "credential", "credentials", "apikey",
                          "privatekey", "accesskey"})
# (secret, key) is not among them: `secretKey` names the key inside a Secret (ExternalSecret,
# secretKeyRef) far more often than it holds one
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"),
                          ("client", "secret"), ("signing", "key"), ("encryption", "key"),
                          ("master", "key"), ("auth", "key")})
# the last word of a key that holds where a secret is, not the secret
REFERENCE_WORDS = frozenset({"name", "ref", "file", "path", "key", "keys", "enabled", "length",
                             "policy", "type", "store", "mount", "namespace", "id", "env", "from",
                             "annotations", "labels"})


def words(key: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(str(key))]


def is_secret_key(key: str) -> bool:
    parts = words(key)
    if not parts:
        return False
    pairs = set(itertools.pairwise(parts))
    if pairs & SECRET_PAIRS and parts[-1] == "key" and (parts[-2], "key") in SECRET_PAIRS:
        return parts[0] != "existing"            # accessKey, secretKey, apiKey
    found = set(parts) & SECRET_WORDS
    if "pass" in found and parts[-1] != "pass":
        found.discard("pass")                           # DB_PASS, smtp.pass - not passThrough
    if not (found or pairs & SECRET_PAIRS):
        return False
    # existingSecret, secretName, envFromSecrets: references to a secret, not one
    return not (parts[0] == "existing" or parts[-1] in REFERENCE_WORDS or "from" in parts)


def is_secret_path(path: str) -> bool:
    """A dotted path (`values.auth.postgresPassword`, `config.DB_PASS`) with a secret-like key
    in it (a value anywhere under a secret-like key is secret too)."""
    return any(is_secret_key(part) for part in re.split(r"[.\[\]]", path) if part)


MASK = "(secret: value not shown)"
