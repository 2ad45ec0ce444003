"""Rules: stable codes, one function each, findings turned into Diagnostics in one place.

Built-in rules register at import into RULES. Rules a team writes in platforms/ register while
the loader imports them and are collected per compile (`collecting_user_rules`), so one project's
rules never leak into another compile in the same process.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..diagnostics import Diagnostic, Location, ModelError, Severity, caller_location

if TYPE_CHECKING:
    from ..resolve import Resolved

@attrs.frozen
class CheckContext:
    """What platform-scope rules receive: the resolved platform and the repository root."""

    resolved: Resolved
    root: Path | None = None
    #: a Git folder's files by its path, read once for the rules that look into them
    #: (checks/secrets.py folder_files)
    folder_files: dict[str, dict[str, bytes] | None] = attrs.field(
        factory=dict, init=False, eq=False, repr=False)


#: how a rule's finding counts; `[tool.gitops-dsl.severity]` may also turn a rule "off"
RuleSeverity = Literal["error", "warning"]
#: what a rule receives: the check context, one resolved Application, or (model) nothing
Scope = Literal["platform", "app", "model"]

CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")


@attrs.frozen
class Finding:
    """What a rule function yields; the rule adds its code and severity.

    `owner` is the model object the finding is about (a Service, Environment, Project, ...): its
    `allow={code: reason}` can suppress the finding.
    """

    message: str
    hint: str = ""
    location: Location | None = None
    subject: str = ""
    owner: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Rule:
    """A check with a stable code.

    scope "platform" rules receive the check context (resolved platform, repository root);
    scope "app" rules receive one resolved Application. Opt-in rules (policies) run only in
    environments that list them in Environment(policies=[...]); calling a policy with keyword
    arguments binds its parameters: `min_replicas(count=2)`.
    """

    code: str
    severity: Severity
    summary: str
    func: Callable[..., Any] = attrs.field(repr=False)
    scope: Scope = "platform"
    opt_in: bool = False
    explanation: str = ""
    bad: str = ""
    good: str = ""
    builtin: bool = True
    location: Location | None = attrs.field(default=None, eq=False, repr=False)
    params: dict[str, Any] = attrs.field(factory=dict, eq=False)
    #: each finding names a service or one of its Applications as its subject; what it finds
    #: about a service depends on nothing but the Service and the platform layer (zones,
    #: repositories, the environments' names), about an Application on nothing but that
    #: Application: the findings of what did not change are reused (incremental)
    per_service: bool = False

    @property
    def __name__(self) -> str:
        return self.func.__name__

    def __call__(self, **params: Any) -> Rule:
        if not self.opt_in:
            raise ModelError("GD101", f"rule {self.code} takes no parameters")
        return attrs.evolve(self, params={**self.params, **params})

    def check(self, target: object) -> Iterator[Diagnostic]:
        if self.scope == "model":
            return
        for found in self.func(target, **self.params):
            if isinstance(found, str):  # user rules may yield plain messages
                found = Finding(found, location=getattr(getattr(target, "service", None), "location",
                                                        None))
            yield Diagnostic(self.code, self.severity, found.message, found.hint, found.location,
                             found.subject, found.owner)


RULES: dict[str, Rule] = {}
_collecting: list[list[Rule]] = []


@contextlib.contextmanager
def collecting_user_rules() -> Iterator[list[Rule]]:
    """Rules registered inside this block (while platforms/ is imported) go to the list yielded."""
    found: list[Rule] = []
    _collecting.append(found)
    try:
        yield found
    finally:
        _collecting.remove(found)


def rule(code: str, *, summary: str = "", severity: RuleSeverity = "error", scope: Scope = "app",
         opt_in: bool = False, bad: str = "", good: str = ""
         ) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Register a rule; the decorated function yields Findings (or plain message strings).

    In a platform file: `@rule("ACME001", summary="...")` over `def f(app): ...` receives each
    resolved Application (scope="app") or the whole check context (scope="platform").
    """
    if not isinstance(code, str) or not CODE.match(code):
        raise ModelError("GD101", f"rule code {code!r} must look like ACME001 (letters, then 3 digits)")
    if severity not in ("error", "warning"):
        raise ModelError("GD101", f"rule {code}: severity must be 'error' or 'warning'")
    location = caller_location()

    def register(func: Callable[..., Iterable[Finding]]) -> Rule:
        user = bool(_collecting)
        made = Rule(code, Severity(severity), summary or (func.__doc__ or "").strip().split("\n")[0],
                    func, scope, opt_in, (func.__doc__ or "").strip(), bad, good, not user, location)
        if user:
            if code.startswith("GD"):
                raise ModelError("GD101", f"rule code {code}: the GD prefix is reserved for "
                                          "gitops-dsl's own rules", "use your own prefix, e.g. ACME001")
            _collecting[-1].append(made)
        else:
            if code in RULES:
                raise ValueError(f"rule code {code} is registered twice")
            RULES[code] = made
        return made
    return register


def builtin(code: str, *, summary: str, severity: RuleSeverity = "error", scope: Scope = "platform",
            opt_in: bool = False, bad: str = "", good: str = "", per_service: bool = False
            ) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Register a built-in rule (platform scope unless said otherwise). `per_service`: see
    Rule.per_service (every app-scope built-in rule is per service)."""
    made = rule(code, summary=summary, severity=severity, scope=scope, opt_in=opt_in, bad=bad,
                good=good)

    def register(func: Callable[..., Iterable[Finding]]) -> Rule:
        item = made(func)
        if per_service or scope == "app":
            item = RULES[code] = attrs.evolve(item, per_service=True)
        return item
    return register


def model_code(code: str, *, summary: str, explanation: str, bad: str = "", good: str = "",
               severity: RuleSeverity = "error") -> None:
    """Document a code that the DSL classes or the loader report (not a rule that runs)."""
    builtin(code, summary=summary, severity=severity, scope="model", bad=bad, good=good)(
        _explained(explanation))


def _explained(text: str) -> Callable[..., Iterator[Finding]]:
    def no_check(target: object) -> Iterator[Finding]:
        return iter(())
    no_check.__doc__ = text
    return no_check
