"""Kubernetes objects one service makes and another reads, for ordering checks."""
from __future__ import annotations

import attrs

from ._fields import instance_of, non_empty_str, optional


@attrs.frozen
class Resource:
    """An object by kind and name, e.g. Resource("Secret", "app-env-secrets").

    `namespace=None` means the namespace of the service that names it; "" means cluster-scoped
    (a CRD, a ClusterSecretStore). `{platform}`, `{env}` and `{service}` are replaced.
    """

    #: the kind, e.g. `Secret`
    kind: str = attrs.field(validator=non_empty_str)
    #: its name
    name: str = attrs.field(validator=non_empty_str)
    #: `None`: the service's namespace; `""`: cluster-scoped; `{platform}`, `{env}` and `{service}`
    #: are replaced
    namespace: str | None = attrs.field(default=None, kw_only=True,
                                        validator=optional(instance_of(str)))

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"{self.kind}/{self.name}{where}"
