"""The check stage: every rule over the resolved platform; severity overrides and suppressions
applied in one place; diagnostics sorted and de-duplicated."""
from __future__ import annotations

import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ..diagnostics import Diagnostic, Location, Severity, Suppressed, error, sort_key
from . import (  # noqa: F401
    behaviour,
    catalogue,
    git_paths,
    ordering,
    policies,
    references,
    secrets,
    structure,
    zones,
)
from .policies import (
    allowed_registries,
    image_digests,
    min_replicas,
    pinned_images,
    pinned_revisions,
    prune_required,
    resources_required,
)
from .registry import RULES, CheckContext, Finding, Rule, collecting_user_rules, rule

if TYPE_CHECKING:
    from ..model import Platform
    from ..resolve import Resolved

__all__ = [
    "RULES",
    "CheckContext",
    "Checked",
    "Finding",
    "Reused",
    "Rule",
    "Suppressed",
    "all_rules",
    # the opt-in policies, as platform files and tools import them
    "allowed_registries",
    "collecting_user_rules",
    "image_digests",
    "min_replicas",
    "pinned_images",
    "pinned_revisions",
    "prune_required",
    "resources_required",
    "rule",
    "run_checks",
]


class Reusable(Protocol):
    """What the checks ask of a compile's reuse (reuse.Reuse)."""

    def checked(self, resolved: Resolved) -> Reused: ...


@attrs.frozen
class Checked:
    diagnostics: tuple[Diagnostic, ...]
    suppressed: tuple[Suppressed, ...]
    #: the findings of the per-service rules (Rule.per_service) by what they are about: service
    #: name -> those naming the service, Application name -> those naming the Application (one
    #: of a `whole_services` service counts as the service); both None when a finding names
    #: neither, or Applications cannot be told apart by name
    by_service: dict[str, Checked] | None = None
    by_app: dict[str, Checked] | None = None


@attrs.frozen
class Reused:
    """What the last compile found about the services and Applications it did not change (see
    `reuse.Reuse.checked`): their per-service rules do not run again."""

    services: dict[str, Checked] = attrs.field(factory=dict)
    apps: dict[str, Checked] = attrs.field(factory=dict)


def all_rules(user_rules: Sequence[Rule] = ()) -> dict[str, Rule]:
    rules = dict(RULES)
    for item in user_rules:
        rules[item.code] = item
    return dict(sorted(rules.items()))


def _run(item: Rule, target: object) -> list[Diagnostic]:
    try:
        return list(item.check(target))
    except Exception as exc:
        if item.builtin:
            raise  # an internal bug: never disguise it as a user error
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename == item.func.__code__.co_filename]
        where = (Location(frames[-1].filename, frames[-1].lineno or 0) if frames else item.location)
        return [error("GD118", f"rule {item.code} ({item.__name__}) raised {type(exc).__name__}: {exc}",
                      hint="fix the rule; the other rules still ran", location=where)]


def run_checks(resolved: Resolved, root: Path | None = None, *, user_rules: Sequence[Rule] = (), severity: dict[str, Any] | None = None,
               allow: dict[str, Any] | None = None,
               reuse: Reusable | None = None) -> Checked:
    """Run every rule; `severity` ({code: error|warning|off}) and `allow` ({code: reason}) come
    from [tool.gitops-dsl]; objects' own `allow={code: reason}` apply to their findings.

    `reuse` says, once the rules that look at every service have run, what the per-service rules
    found about the services that did not change since the last compile (see `reuse.Reuse`):
    they are not run again for those."""
    rules = all_rules(user_rules)
    severity = dict(severity or {})
    allow = dict(allow or {})
    ctx = CheckContext(resolved, root)
    found: list[Diagnostic] = []
    for code, settings_name in [(c, "severity") for c in severity] + [(c, "allow") for c in allow]:
        if code not in rules:
            found.append(error("GD119", f"[tool.gitops-dsl.{settings_name}] names unknown rule {code}",
                               hint="`gitops-dsl rules` lists the codes"))
    active = [item for code, item in rules.items()
              if not (item.opt_in or item.scope == "model" or severity.get(code) == "off")]
    # first what looks at every service, whatever is reused (in rule order, then the policies)
    found += _pass(active, ctx, severity, local=False)
    reused = reuse.checked(resolved) if reuse is not None else Reused()
    # then the per-service rules, on the services and Applications not reused
    view = resolved if not (reused.services or reused.apps) else attrs.evolve(
        resolved, apps=tuple(a for a in resolved.apps if a.name not in reused.apps),
        services={n: s for n, s in resolved.services.items() if n not in reused.services})
    per_service = _pass(active, CheckContext(view, root), severity, local=True)
    apps = {a.name: a for a in resolved.apps}
    kept, suppressed = _settle(found, severity, allow, resolved.platform, apps)
    # each finding filed under what it is about before duplicates go (an Application's findings
    # stand alone: another Application saying the same may be reused without it)
    own_kept, own_suppressed = _settle(per_service, severity, allow, resolved.platform, apps,
                                       unique=False)
    by_service, by_app = _by_subject(resolved, view, own_kept, own_suppressed)
    for part in (reused.services, reused.apps):
        for checked in part.values():
            own_kept += checked.diagnostics
            own_suppressed += checked.suppressed
    if by_service is not None and by_app is not None:
        by_service.update(reused.services)
        by_app.update(reused.apps)
    return Checked(tuple(sorted(kept + _unique(own_kept), key=sort_key)),
                   tuple(sorted(suppressed + _unique_suppressed(own_suppressed),
                                key=lambda s: sort_key(s.diagnostic))),
                   by_service, by_app)


def _pass(rules: Sequence[Rule], ctx: CheckContext, severity: dict[str, Any], *, local: bool
          ) -> list[Diagnostic]:
    """The findings of the rules (and the environments' policies) that look at one service at a
    time (`local`: gitops-dsl's own marked per_service) or of the others, on `ctx`'s platform."""
    found: list[Diagnostic] = []
    for item in rules:
        if (item.per_service and item.builtin) != local:
            continue
        if item.scope == "app":
            for app in ctx.resolved.apps:
                found.extend(_run(item, app))
        else:
            found.extend(_run(item, ctx))
    for app in ctx.resolved.apps:
        for policy in app.env.policies:
            if severity.get(policy.code) != "off" and (policy.per_service and policy.builtin) == local:
                found.extend(_run(policy, app))
    return found


def _key(d: Diagnostic) -> tuple[str, str, str]:
    """What makes two findings one (the first one reported stands for both)."""
    return d.code, d.message, d.location.file if d.location else ""


def _order(d: Diagnostic) -> tuple[Any, ...]:
    """Report order, made total: which of two equal findings stands for both never depends on
    the order they were found in."""
    return (*sort_key(d), d.subject, d.hint)


def _unique(found: list[Diagnostic]) -> list[Diagnostic]:
    """The findings without repeats, each the first in report order (whatever order they were
    found in: reused findings come after the others)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in sorted(found, key=_order):
        if _key(d) not in seen:
            seen.add(_key(d))
            out.append(d)
    return out


def _unique_suppressed(found: list[Suppressed]) -> list[Suppressed]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for s in sorted(found, key=lambda s: (*_order(s.diagnostic), s.reason, s.where)):
        if _key(s.diagnostic) not in seen:
            seen.add(_key(s.diagnostic))
            out.append(s)
    return out


def _settle(found: list[Diagnostic], severity: dict[str, Any], allow: dict[str, Any],
            platform: Platform, apps: dict[str, Any], *, unique: bool = True
            ) -> tuple[list[Diagnostic], list[Suppressed]]:
    """Findings (de-duplicated unless not `unique`) with the project's severities, split into
    reported and allowed."""
    kept, suppressed = [], []
    seen = set()
    for d in found:
        if unique:
            key = _key(d)
            if key in seen:
                continue
            seen.add(key)
        if d.code in severity and severity[d.code] in ("error", "warning") and d.code != "GD119":
            d = attrs.evolve(d, severity=Severity(severity[d.code]))
        reason = _allowed(d, allow, platform, apps)
        if reason is not None and d.code not in ("GD118", "GD119"):
            suppressed.append(Suppressed(d, *reason))
        else:
            kept.append(d)
    return kept, suppressed


Bucket = tuple[list[Diagnostic], list[Suppressed]]


def whole_services(resolved: Resolved) -> set[str] | None:
    """The services whose Applications' findings are filed under the service with its own: one
    with an Application named like it, or like another Application (names are unique in a
    zone's Argo CD, not across zones); their findings are reused for all their Applications or
    not at all. None when findings naming an Application cannot be told apart: two services'
    Applications share a name, or one is named like another service."""
    owners: dict[str, str] = {}
    whole: set[str] = set()
    for app in resolved.apps:
        service = app.service.name
        first = owners.get(app.name)
        if (first is not None and first != service) or (
                app.name in resolved.services and app.name != service):
            return None
        if first is not None or app.name == service:
            whole.add(service)
        owners[app.name] = service
    return whole


def _by_subject(resolved: Resolved, view: Resolved, kept: list[Diagnostic],
                suppressed: list[Suppressed]
                ) -> tuple[dict[str, Checked] | None, dict[str, Checked] | None]:
    """The per-service findings of the services and Applications in `view`, by the service or
    Application their subject names (one of a `whole_services` service: the service); (None,
    None) when one names neither, or Applications cannot be told apart by name."""
    whole = whole_services(resolved)
    if whole is None:
        return None, None
    services: dict[str, Bucket] = {n: ([], []) for n in view.services}
    apps: dict[str, Bucket] = {a.name: ([], []) for a in view.apps if a.service.name not in whole}
    of_whole = {a.name: a.service.name for a in view.apps if a.service.name in whole}
    for subject, index, item in [(d.subject, 0, d) for d in kept] + \
            [(s.diagnostic.subject, 1, s) for s in suppressed]:
        bucket = services.get(subject) or apps.get(subject) or services.get(
            of_whole.get(subject, ""))
        if bucket is None:
            return None, None
        bucket[index].append(item)   # type: ignore[arg-type]

    def checked(bucket: Bucket) -> Checked:
        return Checked(tuple(_unique(bucket[0])), tuple(_unique_suppressed(bucket[1])))
    return ({n: checked(b) for n, b in services.items()},
            {n: checked(b) for n, b in apps.items()})


def _allowed(d: Diagnostic, allow: dict[str, Any], platform: Platform, apps: dict[str, Any]) -> tuple[str, str] | None:
    if d.code in allow:
        return allow[d.code], "[tool.gitops-dsl.allow]"
    layers = [d.owner]
    app = apps.get(d.subject)
    if app is not None:
        layers += [app.overlay, app.env]
    layers.append(platform)
    for layer in layers:
        reasons = getattr(layer, "allow", None) or {}
        if d.code in reasons:
            name = getattr(layer, "name", None)
            return reasons[d.code], f"{type(layer).__name__}({name!r})" if name else type(layer).__name__
    return None
