"""Judge every rendered resource the way Argo CD's sync does, environment by environment and
wave by wave (argocd-facts 19):

- the AppProject admits the Application's sources and destination (util/argo/argo.go
  ValidatePermissions: otherwise InvalidSpecError, nothing synced), with Argo CD's own globs
  (argo/globs.py);
- the Application's AppProject permits it (controller/sync.go validateSyncPermissions; one
  refused resource fails the whole sync): destinations for namespaced resources, the cluster
  resource whitelist for cluster-scoped kinds, the namespace resource black/white lists;
  `CreateNamespace=true` creates a Namespace, which is permission-checked too;
- every custom resource's CRD is installed by an earlier wave of the same environment (or by
  the same Application: gitops-engine applies CRDs first and skips the dry run of their
  resources), or declared on the Cluster, and serves the resource's apiVersion;
- every namespace a resource lands in exists or is created before;
- no two Applications of one cluster render the same resource.
"""
from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from ..argo.hooks import per_sync_name
from ..diagnostics import Diagnostic, Severity
from .kinds import BUILTIN_GROUPS, BUILTIN_NAMESPACES, CLUSTER_SCOPED, group_of
from .permissions import application_reads, permission_problem, refusals
from .rendered_app import RenderedApp


@attrs.frozen
class Verdict:
    unit: RenderedApp
    findings: tuple[Diagnostic, ...]
    windows: tuple[str, ...]            # descriptions of the sync windows that select it

    @property
    def ok(self) -> bool:
        return self.unit.rendered and not any(f.severity is Severity.ERROR for f in self.findings)


@attrs.frozen
class Provider:
    """Where a CRD or a namespace comes from."""

    unit: RenderedApp | None         # None: declared on the cluster, or built in
    versions: tuple[str, ...] = ()      # served versions (CRDs)
    namespaced: bool = True


def _diagnostic(code: str, severity: Severity, message: str, hint: str, owner: object,
                subject: str) -> Diagnostic:
    return Diagnostic(code, severity, message, hint, getattr(owner, "location", None), subject,
                      owner)


def _creates_namespace(unit: RenderedApp) -> bool:
    options = unit.application.get("spec", {}).get("syncPolicy", {}).get("syncOptions") or ()
    return "CreateNamespace=true" in options


def _namespace_task(unit: RenderedApp, made_namespaces: dict[str, Creators]) -> bool:
    """Whether the sync has a task creating the destination namespace, which the project must
    permit like any cluster-scoped resource. gitops-engine pkg/sync/sync_context.go
    `autoCreateNamespace` adds one only with CreateNamespace=true (controller/sync.go), a
    destination namespace, and no rendered Namespace of that name; controller/sync_namespace.go
    `syncNamespace` keeps it only when the namespace does not exist yet or the Application
    manages its metadata (managedNamespaceMetadata)."""
    namespace = unit.app.namespace
    if not (_creates_namespace(unit) and namespace):
        return False
    if any(obj.get("kind") == "Namespace" and group_of(str(obj.get("apiVersion", ""))) == ""
           and (obj.get("metadata") or {}).get("name") == namespace for _, obj in unit.objects):
        return False
    if (unit.application.get("spec", {}).get("syncPolicy") or {}).get("managedNamespaceMetadata"):
        return True
    creators = made_namespaces.get(namespace)
    exists = (namespace in BUILTIN_NAMESPACES or namespace in unit.app.env.cluster.namespaces
              or (creators is not None and creators.when(unit) == "earlier"))
    return not exists


def judge(units: Iterable[RenderedApp]) -> list[Verdict]:
    """Every RenderedApp's verdict, in the order Argo CD syncs them: environment, wave, name."""
    units = sorted(units, key=lambda u: (u.app.env.name, u.app.wave, u.app.name))
    by_cluster: dict[str, list[RenderedApp]] = {}
    for unit in units:
        by_cluster.setdefault(unit.app.env.cluster.server, []).append(unit)
    verdicts = []
    owners: dict[tuple[str, ...], RenderedApp] = {}
    known = {server: (_crds(members), _namespaces(members)) for server, members in by_cluster.items()}
    # per cluster and environment, the waves and names of the Units that could not be rendered,
    # by wave and name
    unrendered: dict[str, dict[str, tuple[list[int], list[str]]]] = {}
    for unit in units:
        if not unit.rendered:
            waves, names = unrendered.setdefault(unit.app.env.cluster.server, {}).setdefault(
                unit.app.env.name, ([], []))
            waves.append(unit.app.wave)
            names.append(unit.app.name)
    permitted: dict[tuple[Any, ...], Any] = {}
    for unit in units:
        server = unit.app.env.cluster.server
        verdicts.append(_judge_one(unit, unrendered.get(server, {}), owners, *known[server],
                                   permitted))
    return [_starts_anyway(v, units) if v.unit.error and not v.unit.corrupt else v
            for v in verdicts]


def _earlier(unrendered: tuple[list[int], list[str]] | None, wave: int) -> list[str]:
    """The names of the unrendered Applications of waves before `wave` (sorted by wave)."""
    if unrendered is None:
        return []
    waves, names = unrendered
    return names[:bisect.bisect_left(waves, wave)]


def _starts_anyway(verdict: Verdict, units: list[RenderedApp]) -> Verdict:
    """An Application whose manifests cannot be generated has no resources, and Argo CD rates an
    Application without resources Healthy (controller/health.go `setApplicationHealth`); the
    Application health check the roots rely on (render/bootstrap.py) passes that on, so the root
    starts the next waves of the environment anyway. Said on the failing Application."""
    app = verdict.unit.app
    later = [u.app for u in units if u.app.env.name == app.env.name and u.app.wave > app.wave]
    if not later:
        return verdict
    direct = sorted(a.name for a in later if app.service.name in a.depends_on)
    named = direct or sorted(a.name for a in later)
    shown = some(named)
    finding = _diagnostic(
        "GD712", Severity.WARNING,
        f"{app.name}: Argo CD rates an Application whose manifests fail to generate Healthy (it "
        f"has no resources), so the root starts the later waves anyway: "
        f"{'its dependents ' if direct else ''}{shown} will sync without it",
        "fix the render first; until then the waves after it give no ordering guarantee",
        app.service, app.name)
    return attrs.evolve(verdict, findings=verdict.findings + (finding,))


def _crds(units: list[RenderedApp]) -> dict[tuple[str, str], list[Provider]]:
    found: dict[tuple[str, str], list[Provider]] = {}
    for unit in units:
        for _, obj in unit.objects:
            if obj.get("kind") != "CustomResourceDefinition":
                continue
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            served = tuple(v["name"] for v in spec.get("versions") or ()
                           if v.get("served", True) and isinstance(v.get("name"), str))
            if kind:
                found.setdefault((spec.get("group", ""), kind), []).append(
                    Provider(unit, served, spec.get("scope", "Namespaced") == "Namespaced"))
    return found


@attrs.frozen
class Creators:
    """Who creates one namespace on a cluster: the Applications, and per environment the
    earliest wave that does."""

    units: frozenset[int]          # ids of the Units
    first_wave: dict[str, int]     # env name -> lowest wave
    example: dict[str, RenderedApp]       # env name -> one RenderedApp of that env

    def when(self, unit: RenderedApp) -> str:
        """As _before: 'same', 'earlier', 'other-env' or 'not-earlier' (the best of them)."""
        if id(unit) in self.units:
            return "same"
        env = unit.app.env.name
        if env in self.first_wave and self.first_wave[env] < unit.app.wave:
            return "earlier"
        return "other-env" if any(e != env for e in self.first_wave) else "not-earlier"


def _namespaces(units: list[RenderedApp]) -> dict[str, Creators]:
    made: dict[str, list[RenderedApp]] = {}
    for unit in units:
        if _creates_namespace(unit) and unit.app.namespace:
            made.setdefault(unit.app.namespace, []).append(unit)
        for _, obj in unit.objects:
            if obj.get("kind") == "Namespace" and group_of(obj.get("apiVersion", "")) == "":
                name = (obj.get("metadata") or {}).get("name")
                if name:
                    made.setdefault(name, []).append(unit)
    out = {}
    for name, creators in made.items():
        first: dict[str, int] = {}
        example: dict[str, RenderedApp] = {}
        for u in creators:
            env = u.app.env.name
            if env not in first or u.app.wave < first[env]:
                first[env], example[env] = u.app.wave, u
        out[name] = Creators(frozenset(id(u) for u in creators), first, example)
    return out


def _before(provider: RenderedApp | None, unit: RenderedApp) -> str:
    """'same' (the same Application), 'earlier' (an earlier wave of the same environment, or
    the cluster itself), 'other-env' (another environment's root: not ordered with this one) or
    'not-earlier'."""
    if provider is None:
        return "earlier"
    if provider is unit:
        return "same"
    if provider.app.env.name != unit.app.env.name:
        return "other-env"
    return "earlier" if provider.app.wave < unit.app.wave else "not-earlier"


def _provider_name(provider: Provider) -> str:
    return provider.unit.app.name if provider.unit is not None else "the cluster"


@attrs.define
class _Judging:
    """What judging one Application's objects needs, and the findings so far."""

    unit: RenderedApp
    owners: dict[tuple[str, ...], RenderedApp]
    crds: dict[tuple[str, str], list[Provider]]
    made_namespaces: dict[str, Creators]
    cluster: tuple[str, str]
    project_owner: Any
    #: Applications of an earlier wave of the environment that could not be rendered
    unrendered: list[str]
    #: what permission_problem and refusals said, by what they read (projects by
    #: identity: every Application of a project has the same dict)
    permitted: dict[tuple[Any, ...], Any]
    findings: list[Diagnostic] = attrs.Factory(list)

    def application_problems(self) -> list[str]:
        """Why Argo CD refuses the Application itself (permissions.refusals), kept by what
        that reads."""
        repos, namespace = application_reads(self.unit.application)
        key = ("application", id(self.unit.project), self.cluster, repos, namespace)
        if key not in self.permitted:
            self.permitted[key] = tuple(refusals(repos, namespace, self.unit.project, self.cluster))
        return list(self.permitted[key])

    def permission(self, group: str, kind: str, namespaced: bool, namespace: str | None,
                   name: str = "") -> str | None:
        # (a namespaced kind's permission does not depend on the object's name)
        key = (id(self.unit.project), self.cluster, group, kind, namespaced, namespace,
               "" if namespaced else name)
        if key not in self.permitted:
            self.permitted[key] = permission_problem(self.unit.project, self.cluster, group, kind,
                                                     namespaced, namespace, name)
        problem: str | None = self.permitted[key]
        return problem

    def add(self, code: str, severity: Severity, message: str, hint: str, owner: Any = None) -> None:
        app = self.unit.app
        self.findings.append(_diagnostic(code, severity, f"{app.name}: {message}", hint,
                                         app.service if owner is None else owner, app.name))


def _judge_one(unit: RenderedApp, unrendered: dict[str, tuple[list[int], list[str]]],
               owners: dict[tuple[str, ...], RenderedApp],
               crds: dict[tuple[str, str], list[Provider]],
               made_namespaces: dict[str, Creators],
               permitted: dict[tuple[Any, ...], Any]) -> Verdict:
    app = unit.app
    windows = tuple(
        f"{w.get('kind')} '{w.get('schedule')}' for {w.get('duration')}"
        + (f" {w['timeZone']}" if w.get("timeZone") else "")
        for w in unit.project.get("spec", {}).get("syncWindows") or ()
        if app.name in (w.get("applications") or ()))
    if unit.skipped and not unit.error:
        return Verdict(unit, (), windows)
    judging = _Judging(
        unit, owners, crds, made_namespaces, (app.env.cluster.server, app.env.cluster.name),
        next((p for p in app.platform.projects if p.name == app.project), None),
        _earlier(unrendered.get(app.env.name), app.wave), permitted)
    if unit.error:
        judging.add("GD708" if unit.corrupt else "GD706", Severity.ERROR, unit.error,
                    "fix the chart or its values; `gitops-dsl manifests --service "
                    f"{app.service.name}` shows the same error")
        return Verdict(unit, tuple(judging.findings), windows)
    refused = judging.application_problems()
    if refused:
        judging.add("GD710", Severity.ERROR, f"{'; '.join(refused)}: Argo CD marks the Application "
                    "InvalidSpecError and syncs nothing of it", "add the repository to the "
                    "Project's source_repos and the destination to its destinations (or leave them "
                    "None to derive them)", judging.project_owner)
        return Verdict(unit, tuple(judging.findings), windows)
    if _namespace_task(unit, made_namespaces):
        problem = judging.permission("", "Namespace", False, None, app.namespace)
        if problem:
            judging.add("GD701", Severity.ERROR, f"CreateNamespace=true creates Namespace "
                        f"{app.namespace}, but {problem}: Argo CD fails the first sync (\"resource "
                        ":Namespace is not permitted in project\")", "add ResourceKind(\"\", "
                        "\"Namespace\") to the Project's cluster_resources, or set "
                        "create_namespace=False and create the namespace in an earlier wave",
                        judging.project_owner)
    for template, obj in unit.objects:
        _judge_object(judging, template, obj)
    from .containers import policy_findings
    judging.findings.extend(policy_findings(unit))
    return Verdict(unit, tuple(judging.findings), windows)


def _judge_object(judging: _Judging, template: str, obj: dict[str, Any]) -> None:
    """One rendered object: its kind served, its namespace there, the Project's permission,
    one owner."""
    unit, app = judging.unit, judging.unit.app
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    meta = obj.get("metadata") or {}
    name = meta.get("name") or (f"{meta['generateName']}*" if meta.get("generateName") else "?")
    what = f"{kind}/{name} ({template})"
    group = group_of(api_version)
    namespaced = (group, kind) not in CLUSTER_SCOPED
    if group not in BUILTIN_GROUPS:
        namespaced = _judge_custom_kind(judging, api_version, kind, what, namespaced)
    namespace = (meta.get("namespace") or app.namespace) if namespaced else None
    if namespaced and not namespace:
        # controller/state.go: NormalizeTargetObjects gives a namespaced object without one
        # the Application's destination namespace; with none, CompareAppState adds an
        # InvalidSpecError ("Namespace for ... is missing.") and the sync is refused
        judging.add("GD711", Severity.ERROR,
                    f"{what} is namespaced but has no namespace, and the Application has no "
                    f"destination namespace: Argo CD refuses the sync (\"Namespace for {name} "
                    f"{api_version}, Kind={kind} is missing.\")",
                    "give the Application a namespace (Service(namespace=...)), or set "
                    "metadata.namespace in the chart")
        return
    problem = judging.permission(group, kind, namespaced, namespace, str(name))
    if problem:
        judging.add("GD701", Severity.ERROR, f"{what}: {problem}; Argo CD refuses the whole sync "
                    "and the Application stays Missing", "keep the chart in its namespace with "
                    "values, or widen the Project (destinations, cluster_resources)",
                    judging.project_owner)
    if namespace and namespace not in BUILTIN_NAMESPACES and \
            namespace not in app.env.cluster.namespaces:
        _judge_namespace(judging, namespace, what)
    if per_sync_name(obj):
        return   # a new name at every sync, and not tracked: never shared
    key = (judging.cluster[0], group, kind, namespace or "", name)
    first = judging.owners.setdefault(key, unit)
    if first is not unit:
        judging.add("GD705", Severity.ERROR,
                    f"{what} is rendered by {first.app.name} too: two Applications would fight "
                    "over it (Argo CD's shared-resource warning, endless re-syncs)",
                    "render it in one Application only (change the release name or the values)")


def _judge_custom_kind(judging: _Judging, api_version: str, kind: str, what: str,
                       namespaced: bool) -> bool:
    """A custom resource: its CRD installed before it (same Application or an earlier wave) or
    declared on the cluster, serving its version. Returns whether the kind is namespaced."""
    unit, app = judging.unit, judging.unit.app
    group = group_of(api_version)
    version = api_version.rpartition("/")[2]
    declared = {(k.group, k.kind): k for k in app.env.cluster.kinds}
    placed = [(p, _before(p.unit, unit)) for p in judging.crds.get((group, kind), [])]
    usable = [p for p, when in placed if when in ("same", "earlier")]
    if (group, kind) in declared:
        usable.append(Provider(None, (declared[(group, kind)].api_version.rpartition("/")[2],),
                               declared[(group, kind)].namespaced))
    other_env = [p for p, when in placed if when == "other-env"]
    if usable:
        if not any(version in p.versions for p in usable):
            served = sorted({v for p in usable for v in p.versions})
            judging.add("GD703", Severity.ERROR,
                        f"{what} uses {api_version}, which the installed CRD does not serve "
                        f"(served: {', '.join(served) or 'none'})",
                        "use a served apiVersion, or a controller version that serves this one")
        return usable[0].namespaced
    if other_env:
        judging.add("GD709", Severity.WARNING,
                    f"the CRD of {what} comes from {_provider_name(other_env[0])}, another "
                    "environment's root, which Argo CD does not order with this one",
                    "install the controller in an earlier wave of this environment, or declare it "
                    "with Cluster(kinds=[ClusterKind(...)])")
        return other_env[0].namespaced
    later = sorted({_provider_name(p) for p, when in placed if when == "not-earlier"})
    if later:
        severity = Severity.ERROR
        reason = (f"its CRD comes from {', '.join(later)} in the same or a later wave: Argo CD "
                  "fails the sync (\"the server could not find the requested resource\")")
    elif judging.unrendered:
        severity = Severity.WARNING
        reason = (f"its CRD is in nothing that could be rendered; not verified: "
                  f"{', '.join(judging.unrendered[:5])} (an earlier wave, not rendered) may "
                  "install it")
    else:
        severity = Severity.ERROR
        reason = ("no Application of the cluster installs its CRD: Argo CD fails the sync (\"the "
                  "server could not find the requested resource\")")
    judging.add("GD702", severity, f"{what} ({api_version}): {reason}",
                f"install the controller of {group} in an earlier wave (depends_on), or declare "
                f"it on the cluster: Cluster(kinds=[ClusterKind(\"{api_version}\", \"{kind}\")])")
    return namespaced


def _judge_namespace(judging: _Judging, namespace: str, what: str) -> None:
    """A namespace the object goes to exists before it: created by this Application or one of
    an earlier wave of the environment."""
    unit, app = judging.unit, judging.unit.app
    creators = judging.made_namespaces.get(namespace)
    when = creators.when(unit) if creators is not None else "none"
    if when in ("same", "earlier"):
        return
    if when == "other-env":
        assert creators is not None  # "other-env" comes from a creator
        other = next(u for e, u in sorted(creators.example.items()) if e != app.env.name)
        judging.add("GD709", Severity.WARNING,
                    f"namespace {namespace} of {what} is created by {other.app.name}, another "
                    "environment's root, not ordered with this one",
                    "create it in an earlier wave of this environment, or declare it with "
                    "Cluster(namespaces=[...])")
        return
    unverified = (f" (not verified: {', '.join(judging.unrendered[:5])} of an earlier wave could "
                  "not be rendered)") if judging.unrendered else ""
    judging.add("GD704", Severity.WARNING if judging.unrendered else Severity.ERROR,
                f"{what} goes to namespace {namespace}, which nothing creates before it{unverified}",
                "set create_namespace=True on the Application whose destination it is, create it "
                "in an earlier wave, or declare it with Cluster(namespaces=[...])")


def kind_counts(objects: Iterable[tuple[str, dict[str, Any]]]) -> str:
    counts = Counter(obj.get("kind", "?") for _, obj in objects)
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))


def some(names: list[str]) -> str:
    """The first five names, and how many more there are."""
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
