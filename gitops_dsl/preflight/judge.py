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

import itertools
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from ..argo.globs import destination_permitted, kind_listed, source_permitted
from ..argo.hooks import per_sync_name
from ..diagnostics import Diagnostic, Severity
from .kinds import BUILTIN_GROUPS, BUILTIN_NAMESPACES, CLUSTER_SCOPED, group_of
from .unit import Unit


@attrs.frozen
class Verdict:
    unit: Unit
    findings: tuple[Diagnostic, ...]
    windows: tuple[str, ...]            # descriptions of the sync windows that select it

    @property
    def ok(self) -> bool:
        return self.unit.rendered and not any(f.severity is Severity.ERROR for f in self.findings)


@attrs.frozen
class Provider:
    """Where a CRD or a namespace comes from."""

    unit: Unit | None         # None: declared on the cluster, or built in
    versions: tuple[Any, ...] = ()      # served versions (CRDs)
    namespaced: bool = True


def permission_problem(project: dict[str, Any], cluster: tuple[str, str], group: str, kind: str,
                       namespaced: bool, namespace: str | None, name: str = "") -> str | None:
    """Why Argo CD refuses to apply one resource in a project, or None: controller/sync.go
    `validateSyncPermissions`, with `IsGroupKindNamePermitted` (app_project_types.go) and its
    lists matched as types.go `isResourceInList` does (Go's filepath.Match); `cluster` is the
    destination cluster's (server, name)."""
    spec = project.get("spec", {})
    project_name = project.get("metadata", {}).get("name")
    if not namespaced:
        if not kind_listed(spec.get("clusterResourceWhitelist"), group, kind, name) or \
                kind_listed(spec.get("clusterResourceBlacklist"), group, kind, name):
            return (f"cluster-scoped {group or 'core'}/{kind} is not in project {project_name}'s "
                    "clusterResourceWhitelist")
        return None
    if kind_listed(spec.get("namespaceResourceBlacklist"), group, kind):
        return f"{group or 'core'}/{kind} is in project {project_name}'s namespaceResourceBlacklist"
    # no whitelist admits every kind; an empty one (`[]`) admits none
    whitelist = spec.get("namespaceResourceWhitelist")
    if whitelist is not None and not kind_listed(whitelist, group, kind):
        return f"{group or 'core'}/{kind} is not in project {project_name}'s namespaceResourceWhitelist"
    if not destination_permitted(spec.get("destinations") or (), server=cluster[0],
                                 name=cluster[1], namespace=namespace or ""):
        return f"namespace {namespace} on {cluster[0]} is not a destination of project {project_name}"
    return None


def application_problems(application: dict[str, Any], project: dict[str, Any],
                         cluster: tuple[str, str]) -> list[str]:
    """Why Argo CD refuses the Application itself (util/argo/argo.go `ValidatePermissions`: an
    InvalidSpecError condition, and nothing is synced): a source repository its project does
    not admit (`IsSourcePermitted`), or a destination it does not admit (the Application's own
    destination namespace, empty when it names none)."""
    spec = application.get("spec") or {}
    project_spec = project.get("spec") or {}
    project_name = project.get("metadata", {}).get("name")
    sources = spec.get("sources") or [spec.get("source") or {}]
    problems = [f"application repo {s.get('repoURL')} is not permitted in project '{project_name}'"
                for s in sources
                if not source_permitted(project_spec.get("sourceRepos") or (), str(s.get("repoURL") or ""))]
    namespace = str((spec.get("destination") or {}).get("namespace") or "")
    if not destination_permitted(project_spec.get("destinations") or (), server=cluster[0],
                                 name=cluster[1], namespace=namespace):
        problems.append(f"destination server '{cluster[0]}' and namespace '{namespace}' do not "
                        f"match any of the allowed destinations in project '{project_name}'")
    return problems


def _diagnostic(code: str, severity: Severity, message: str, hint: str, owner: object,
                subject: str) -> Diagnostic:
    return Diagnostic(code, severity, message, hint, getattr(owner, "location", None), subject,
                      owner)


def _creates_namespace(unit: Unit) -> bool:
    options = unit.application.get("spec", {}).get("syncPolicy", {}).get("syncOptions") or ()
    return "CreateNamespace=true" in options


def _namespace_task(unit: Unit, made_namespaces: dict[str, Creators]) -> bool:
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


def judge(units: Iterable[Unit]) -> list[Verdict]:
    """Every Unit's verdict, in the order Argo CD syncs them: environment, wave, name."""
    units = sorted(units, key=lambda u: (u.app.env.name, u.app.wave, u.app.name))
    by_cluster: dict[str, list[Unit]] = {}
    for unit in units:
        by_cluster.setdefault(unit.app.env.cluster.server, []).append(unit)
    verdicts = []
    owners: dict[tuple[str, ...], Unit] = {}
    known = {server: (_crds(members), _namespaces(members)) for server, members in by_cluster.items()}
    # per cluster and environment, the Units that could not be rendered, by wave and name
    unrendered: dict[str, dict[str, list[Unit]]] = {}
    for unit in units:
        if not unit.rendered:
            unrendered.setdefault(unit.app.env.cluster.server, {}).setdefault(
                unit.app.env.name, []).append(unit)
    for unit in units:
        server = unit.app.env.cluster.server
        verdicts.append(_judge_one(unit, unrendered.get(server, {}), owners, *known[server]))
    return [_starts_anyway(v, units) if v.unit.error and not v.unit.corrupt else v
            for v in verdicts]


def _starts_anyway(verdict: Verdict, units: list[Unit]) -> Verdict:
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
    shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
    finding = _diagnostic(
        "GD712", Severity.WARNING,
        f"{app.name}: Argo CD rates an Application whose manifests fail to generate Healthy (it "
        f"has no resources), so the root starts the later waves anyway: "
        f"{'its dependents ' if direct else ''}{shown} will sync without it",
        "fix the render first; until then the waves after it give no ordering guarantee",
        app.service, app.name)
    return attrs.evolve(verdict, findings=verdict.findings + (finding,))


def _crds(units: list[Unit]) -> dict[tuple[str, str], list[Provider]]:
    found: dict[tuple[str, str], list[Provider]] = {}
    for unit in units:
        for _, obj in unit.objects:
            if obj.get("kind") != "CustomResourceDefinition":
                continue
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            served = tuple(v.get("name") for v in spec.get("versions") or () if v.get("served", True))
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
    example: dict[str, Unit]       # env name -> one Unit of that env

    def when(self, unit: Unit) -> str:
        """As _before: 'same', 'earlier', 'other-env' or 'not-earlier' (the best of them)."""
        if id(unit) in self.units:
            return "same"
        env = unit.app.env.name
        if env in self.first_wave and self.first_wave[env] < unit.app.wave:
            return "earlier"
        return "other-env" if any(e != env for e in self.first_wave) else "not-earlier"


def _namespaces(units: list[Unit]) -> dict[str, Creators]:
    made: dict[str, list[Unit]] = {}
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
        example: dict[str, Unit] = {}
        for u in creators:
            env = u.app.env.name
            if env not in first or u.app.wave < first[env]:
                first[env], example[env] = u.app.wave, u
        out[name] = Creators(frozenset(id(u) for u in creators), first, example)
    return out


def _before(provider: Unit | None, unit: Unit) -> str:
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


def _judge_one(unit: Unit, cluster_units: dict[str, list[Unit]], owners: dict[tuple[str, ...], Unit],
               crds: dict[tuple[str, str], list[Provider]],
               made_namespaces: dict[str, Creators]) -> Verdict:
    app = unit.app
    service = app.service
    project_owner = next((p for p in app.platform.projects if p.name == app.project), None)
    findings: list[Diagnostic] = []
    windows = tuple(
        f"{w.get('kind')} '{w.get('schedule')}' for {w.get('duration')}"
        + (f" {w['timeZone']}" if w.get("timeZone") else "")
        for w in unit.project.get("spec", {}).get("syncWindows") or ()
        if app.name in (w.get("applications") or ()))
    if unit.error:
        code = "GD708" if unit.corrupt else "GD706"
        findings.append(_diagnostic(code, Severity.ERROR, f"{app.name}: {unit.error}",
                                    "fix the chart or its values; `gitops-dsl manifests --service "
                                    f"{service.name}` shows the same error", service, app.name))
        return Verdict(unit, tuple(findings), windows)
    if unit.skipped:
        return Verdict(unit, (), windows)
    server = app.env.cluster.server
    cluster = (server, app.env.cluster.name)
    refused = application_problems(unit.application, unit.project, cluster)
    if refused:
        findings.append(_diagnostic(
            "GD710", Severity.ERROR,
            f"{app.name}: {'; '.join(refused)}: Argo CD marks the Application InvalidSpecError "
            "and syncs nothing of it", "add the repository to the Project's source_repos and the "
            "destination to its destinations (or leave them None to derive them)",
            project_owner, app.name))
        return Verdict(unit, tuple(findings), windows)
    unrendered = [u.app.name for u in itertools.takewhile(
        lambda u: u.app.wave < app.wave, cluster_units.get(app.env.name, ()))]
    declared = {(k.group, k.kind): k for k in app.env.cluster.kinds}
    hint_unverified = (f" (not verified: {', '.join(unrendered[:5])} of an earlier wave could not "
                       "be rendered)") if unrendered else ""   # for namespaces

    if _namespace_task(unit, made_namespaces):
        problem = permission_problem(unit.project, cluster, "", "Namespace", False, None,
                                     app.namespace)
        if problem:
            findings.append(_diagnostic(
                "GD701", Severity.ERROR,
                f"{app.name}: CreateNamespace=true creates Namespace {app.namespace}, but {problem}: "
                "Argo CD fails the first sync (\"resource :Namespace is not permitted in project\")",
                "add ResourceKind(\"\", \"Namespace\") to the Project's cluster_resources, or set "
                "create_namespace=False and create the namespace in an earlier wave",
                project_owner, app.name))
    for template, obj in unit.objects:
        api_version = str(obj.get("apiVersion", ""))
        kind = str(obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        name = meta.get("name") or (f"{meta['generateName']}*" if meta.get("generateName") else "?")
        what = f"{kind}/{name} ({template})"
        group = group_of(api_version)
        version = api_version.rpartition("/")[2]
        namespaced = (group, kind) not in CLUSTER_SCOPED
        if group not in BUILTIN_GROUPS:
            providers = crds.get((group, kind), [])
            placed = [(p, _before(p.unit, unit)) for p in providers]
            usable = [p for p, when in placed if when in ("same", "earlier")]
            if (group, kind) in declared:
                usable.append(Provider(None, (declared[(group, kind)].api_version.rpartition("/")[2],),
                                       declared[(group, kind)].namespaced))
            other_env = [p for p, when in placed if when == "other-env"]
            if usable:
                namespaced = usable[0].namespaced
                if not any(version in p.versions for p in usable):
                    served = sorted({v for p in usable for v in p.versions})
                    findings.append(_diagnostic(
                        "GD703", Severity.ERROR,
                        f"{app.name}: {what} uses {api_version}, which the installed CRD does not "
                        f"serve (served: {', '.join(served) or 'none'})",
                        "use a served apiVersion, or a controller version that serves this one",
                        service, app.name))
            elif other_env:
                namespaced = other_env[0].namespaced
                findings.append(_diagnostic(
                    "GD709", Severity.WARNING,
                    f"{app.name}: the CRD of {what} comes from {_provider_name(other_env[0])}, another "
                    "environment's root, which Argo CD does not order with this one",
                    "install the controller in an earlier wave of this environment, or declare it "
                    "with Cluster(kinds=[ClusterKind(...)])", service, app.name))
            else:
                later = sorted({_provider_name(p) for p, when in placed if when == "not-earlier"})
                if later:
                    severity = Severity.ERROR
                    reason = (f"its CRD comes from {', '.join(later)} in the same or a later wave: "
                              "Argo CD fails the sync (\"the server could not find the requested "
                              "resource\")")
                elif unrendered:
                    severity = Severity.WARNING
                    reason = (f"its CRD is in nothing that could be rendered; not verified: "
                              f"{', '.join(unrendered[:5])} (an earlier wave, not rendered) may "
                              "install it")
                else:
                    severity = Severity.ERROR
                    reason = ("no Application of the cluster installs its CRD: Argo CD fails the "
                              "sync (\"the server could not find the requested resource\")")
                findings.append(_diagnostic(
                    "GD702", severity, f"{app.name}: {what} ({api_version}): {reason}",
                    f"install the controller of {group} in an earlier wave (depends_on), or declare "
                    f"it on the cluster: Cluster(kinds=[ClusterKind(\"{api_version}\", \"{kind}\")])",
                    service, app.name))
        namespace = (meta.get("namespace") or app.namespace) if namespaced else None
        if namespaced and not namespace:
            # controller/state.go: NormalizeTargetObjects gives a namespaced object without one
            # the Application's destination namespace; with none, CompareAppState adds an
            # InvalidSpecError ("Namespace for ... is missing.") and the sync is refused
            findings.append(_diagnostic(
                "GD711", Severity.ERROR,
                f"{app.name}: {what} is namespaced but has no namespace, and the Application has "
                f"no destination namespace: Argo CD refuses the sync (\"Namespace for {name} "
                f"{api_version}, Kind={kind} is missing.\")",
                "give the Application a namespace (Service(namespace=...)), or set "
                "metadata.namespace in the chart", service, app.name))
            continue
        problem = permission_problem(unit.project, cluster, group, kind, namespaced, namespace,
                                     str(name))
        if problem:
            findings.append(_diagnostic(
                "GD701", Severity.ERROR,
                f"{app.name}: {what}: {problem}; Argo CD refuses the whole sync and the "
                "Application stays Missing", "keep the chart in its namespace with values, or "
                "widen the Project (destinations, cluster_resources)", project_owner, app.name))
        if namespace and namespace not in BUILTIN_NAMESPACES and \
                namespace not in app.env.cluster.namespaces:
            creators = made_namespaces.get(namespace)
            when = creators.when(unit) if creators is not None else "none"
            if when not in ("same", "earlier"):
                if when == "other-env":
                    assert creators is not None  # "other-env" comes from a creator
                    other = next(u for e, u in sorted(creators.example.items()) if e != app.env.name)
                    findings.append(_diagnostic(
                        "GD709", Severity.WARNING,
                        f"{app.name}: namespace {namespace} of {what} is created by "
                        f"{other.app.name}, another environment's root, not ordered with this one",
                        "create it in an earlier wave of this environment, or declare it with "
                        "Cluster(namespaces=[...])", service, app.name))
                else:
                    findings.append(_diagnostic(
                        "GD704", Severity.WARNING if unrendered else Severity.ERROR,
                        f"{app.name}: {what} goes to namespace {namespace}, which nothing creates "
                        f"before it{hint_unverified}",
                        "set create_namespace=True on the Application whose destination it is, "
                        "create it in an earlier wave, or declare it with Cluster(namespaces=[...])",
                        service, app.name))
        if per_sync_name(obj):
            continue   # a new name at every sync, and not tracked: never shared
        key = (server, group, kind, namespace or "", name)
        first = owners.setdefault(key, unit)
        if first is not unit:
            findings.append(_diagnostic(
                "GD705", Severity.ERROR,
                f"{app.name}: {what} is rendered by {first.app.name} too: two Applications would "
                "fight over it (Argo CD's shared-resource warning, endless re-syncs)",
                "render it in one Application only (change the release name or the values)",
                service, app.name))
    from .containers import policy_findings
    findings.extend(policy_findings(unit))
    return Verdict(unit, tuple(findings), windows)


def kind_counts(objects: Iterable[tuple[str, dict[str, Any]]]) -> str:
    counts = Counter(obj.get("kind", "?") for _, obj in objects)
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
