"""One scanner for plaintext secrets, over any data that reaches an output file or a bundle:
Helm values at every layer, what an Application carries (labels, annotations, info, Helm
parameters, `valuesObject`, Kustomize common annotations, namespace metadata), a chart folder's
own values files. What it calls a secret:

- a literal value under a key whose name says it is a password, token or key (`password`,
  `DB_PASSWORD`, `apiKey`; not `existingSecret` or `passwordSecretName`, which name a Secret);
- a Kubernetes-style `{name: DB_PASSWORD, value: ...}` entry, at any depth (container `env`
  lists, a third-party chart's `extraEnv`);
- a value shaped like a credential whatever its key: private key material, cloud and forge
  tokens, JWTs, a URL with a password in it.

A value that points at a secret instead of being one (`$VAR`, `{{ ... }}`, empty) is not one.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from .keys import is_secret_key

# Values that are credentials whatever their key: key material and well-known token shapes.
CREDENTIAL_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b"
    r"|\bglpat-[A-Za-z0-9_-]{20,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}\b|\bsk_live_[A-Za-z0-9]{16,}\b"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|://[^/\s:@]+:[^/\s@]{3,}@")
# Keys whose string value would be a literal secret (a reference such as existingSecret is fine).
_SECRET_VALUE_KEY = re.compile(r"^(password|passwd|secret|token|api_?key|private_?key|"
                               r"admin_?password|root_?password|client_?secret)$", re.IGNORECASE)


@functools.lru_cache(maxsize=100_000)   # keys repeat in every service
def secret_key(key: str) -> tuple[bool, bool]:
    """Whether a key is one whose string value is a literal secret, and whether it names a
    secret."""
    return bool(_SECRET_VALUE_KEY.match(key)), is_secret_key(key)


def reference(value: str) -> bool:
    """A value that points at a secret instead of being one: a template or an env reference."""
    return value.startswith(("$", "{{")) or value.strip() == ""


def _literal_under(key: str, value: str) -> bool:
    literal, named = secret_key(key)
    return literal or (named and not reference(value))


def plaintext(data: Any, where: str = "") -> Iterator[str]:
    """Where in `data` (dotted paths from `where`) a plaintext secret is, depth first; no
    value is ever part of what is yielded."""
    stack: list[tuple[Any, str]] = [(data, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            name, value = node.get("name"), node.get("value")
            if (isinstance(name, str) and isinstance(value, str) and value
                    and _literal_under(name, value)):
                yield f"{path}[name={name}]" if path else f"[name={name}]"
            for key, item in node.items():
                here = f"{path}.{key}" if path else str(key)
                if isinstance(item, (dict, list)):
                    stack.append((item, here))
                elif isinstance(item, str) and item:
                    if _literal_under(str(key), item) or CREDENTIAL_VALUE.search(item):
                        yield here
                if isinstance(key, str) and CREDENTIAL_VALUE.search(key):
                    yield f"{path}.<a key>" if path else "<a key>"
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    stack.append((item, f"{path}[{i}]"))
                elif isinstance(item, str) and CREDENTIAL_VALUE.search(item):
                    yield f"{path}[{i}]"
        elif isinstance(node, str) and CREDENTIAL_VALUE.search(node):
            yield path
