"""GD5xx: secrets never in plaintext, sealed values where they are needed."""
from __future__ import annotations

import re
from typing import Iterator

from ..model.secrets import SealedSecrets
from .registry import Finding, rule

SECRET_NAME = re.compile(r"(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|"
                         r"ACCESS_?KEY)", re.IGNORECASE)


@rule("GD501", summary="a config key looks like a secret")
def secret_in_config(ctx) -> Iterator[Finding]:
    """Config becomes a ConfigMap in git, readable by anyone with the repository. Keys named like
    passwords, tokens or keys belong in SealedSecrets or an ExternalSecret."""
    for service in ctx.resolved.platform.services:
        layers = [(service.config, service.location)]
        layers += [(o.config, o.location) for o in service.per_env.values()]
        for config, location in layers:
            for key in sorted(config):
                if SECRET_NAME.search(key):
                    yield Finding(f"{service.name}: config key {key!r} looks like a secret "
                                  "(value not shown)",
                                  "move it to secrets=SealedSecrets(...) or ExternalSecret(...)",
                                  location, service.name)


@rule("GD503", summary="sealed secrets are missing for an environment the service runs in")
def sealed_secret_missing(ctx) -> Iterator[Finding]:
    """A sealed value is bound to one cluster and namespace, so every environment needs its own;
    without it the service starts without its Secret."""
    for app in ctx.resolved.apps:
        if isinstance(app.secrets, SealedSecrets) and not app.sealed:
            yield Finding(f"{app.name}: no sealed values for {app.env.name}",
                          f"seal the values for {app.env.name}'s cluster and add them under "
                          f"{app.env.name!r}", app.secrets.location, app.name)
