"""The check stage: every rule over the resolved platform, diagnostics sorted and de-duplicated."""
from __future__ import annotations

from pathlib import Path

import attrs

from ..diagnostics import Diagnostic, sort_key
from . import ordering, policies, references, secrets, structure  # noqa: F401  (registers rules)
from .registry import RULES, Finding, Rule, rule

__all__ = ["RULES", "Finding", "Rule", "rule", "run_checks", "CheckContext"]

@attrs.frozen
class CheckContext:
    """What platform-scope rules receive: the resolved platform and the repository root."""

    resolved: object
    root: Path | None = None


def run_checks(resolved, root: Path | None = None) -> list[Diagnostic]:
    ctx = CheckContext(resolved, root)
    found: list[Diagnostic] = []
    for code, item in sorted(RULES.items()):
        if item.opt_in:
            continue
        if item.scope == "app":
            for app in resolved.apps:
                found.extend(item.check(app))
        else:
            found.extend(item.check(ctx))
    for app in resolved.apps:
        for policy in app.env.policies:
            found.extend(policy.check(app))
    unique = {(d.code, d.message, d.location.file if d.location else ""): d for d in found}
    return sorted(unique.values(), key=sort_key)

