"""Rules: stable codes, one function each, findings turned into Diagnostics in one place."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import attrs

from ..diagnostics import Diagnostic, Location, Severity


@attrs.frozen
class Finding:
    """What a rule function yields; the rule adds its code and severity."""

    message: str
    hint: str = ""
    location: Location | None = None
    subject: str = ""


@attrs.frozen
class Rule:
    """A check with a stable code.

    scope "platform" rules receive the whole resolved platform; scope "app" rules receive one
    resolved Application. Opt-in rules (policies) run only in environments that list them.
    """

    code: str
    severity: Severity
    summary: str
    func: Callable = attrs.field(repr=False)
    scope: str = "platform"
    opt_in: bool = False
    explanation: str = ""

    @property
    def __name__(self) -> str:
        return self.func.__name__

    def check(self, target) -> Iterator[Diagnostic]:
        for found in self.func(target):
            yield Diagnostic(self.code, self.severity, found.message, found.hint, found.location,
                             found.subject)


RULES: dict[str, Rule] = {}


def rule(code: str, *, summary: str, severity: str = "error", scope: str = "platform",
         opt_in: bool = False) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Register a rule. The decorated function yields Findings."""

    def register(func: Callable[..., Iterable[Finding]]) -> Rule:
        if code in RULES and RULES[code].func.__qualname__ != func.__qualname__:
            raise ValueError(f"rule code {code} is registered twice")
        made = Rule(code, Severity(severity), summary, func, scope, opt_in,
                    (func.__doc__ or "").strip())
        RULES[code] = made
        return made
    return register
