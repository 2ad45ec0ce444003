"""Hypothesis strategies for whole platforms: valid ones, and ones that break exactly one
invariant. Built from the public DSL, as a user would write them."""
from __future__ import annotations

import base64

from hypothesis import strategies as st

import attrs

from gitops_dsl import (Backoff, Cluster, Environment, ExternalSecret, GitPath, HelmChart,
                        IgnoreDifference, Image, Overlay, Platform, Project, Repo, Retry,
                        SealedSecrets, SecretRef, Service, SyncOptions, SyncPolicy, Zone, ZoneOverlay)
from gitops_dsl.checks.secrets import SECRET_NAME
from gitops_dsl.secrets.scan import _SECRET_VALUE_KEY, credential_shaped
from gitops_dsl.secrets.keys import is_secret_key

HOSTILE = ["yes", "no", "on", "off", "y", "n", "true", "False", "1.0", "1.25", "0755", "0o755", "0x1F",
           "1e3", "1_000", "~", "null", "Null", "-", "---", "...", " lead", "trail ", "#x", "a #b",
           "a: b", "key:", "[x]", "{x}", "*ref", "&a", "!tag", "%x", "@x", "|", ">", "'", '"',
           "multi\nline", "trailing\n", "\ttab", "ü ñ 漢字", "x" * 300, "12:30", "2001-12-14", ".inf",
           ".nan", "=", "<<", "", "  ", "\\", "a\\nb", "$HOME", "{{ .Values.x }}"]

ZONES = ["internal", "internet", "edge"]
ENVS = ["dev", "stg", "prod", "qa", "uat"]
PROJECTS = ["app", "tools", "monitoring"]


def _clean_text(text: str) -> bool:
    return not credential_shaped(text)


hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)).filter(_clean_text)
keys = st.one_of(st.sampled_from([h for h in HOSTILE if len(h) < 100]),
                 st.from_regex(r"[a-zA-Z][a-zA-Z0-9_.-]{0,10}", fullmatch=True)).filter(
    lambda k: not _SECRET_VALUE_KEY.match(k) and not SECRET_NAME.search(k) and not is_secret_key(k)
    and "autoscal" not in k
    and _clean_text(k))
scalars = st.one_of(hostile_text, st.integers(-2**63, 2**63), st.integers(-10, 10),
                    st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none())
value_trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=12)
helm_values = st.dictionaries(keys, value_trees, max_size=4)
# what the standard chart's schema admits, with the hostile strings where it takes free text
standard_values = st.fixed_dictionaries({}, optional={
    "replicaCount": st.integers(0, 5),
    "env": st.dictionaries(keys, hostile_text, max_size=3),
    "podAnnotations": st.dictionaries(keys, hostile_text, max_size=3),
    "resources": st.dictionaries(keys, value_trees, max_size=2),
    "service": st.fixed_dictionaries({}, optional={"port": st.integers(1, 65535)}),
})
config_maps = st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True).filter(
    lambda k: not SECRET_NAME.search(k) and not is_secret_key(k)), hostile_text, max_size=3)


@st.composite
def ciphertexts(draw) -> str:
    """Values shaped exactly like sealed-secrets output (RSA-4096 block + AES-GCM payload)."""
    body = draw(st.binary(min_size=512 + 16, max_size=512 + 48))
    return base64.b64encode((512).to_bytes(2, "big") + body).decode()


@st.composite
def dags(draw, names):
    """Dependencies from later to earlier names only: never a cycle."""
    return {n: sorted(draw(st.sets(st.sampled_from(names[:i]), max_size=2))) if i else []
            for i, n in enumerate(names)}


LABEL_KEYS = ["team", "tier", "acme.io/owner", "cost-center"]
label_maps = st.dictionaries(st.sampled_from(LABEL_KEYS), st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?",
                                                                       fullmatch=True), max_size=2)
annotation_maps = st.dictionaries(st.sampled_from(["acme.io/owner", "acme.io/runbook", "note"]),
                                  hostile_text, max_size=2)
NAMESPACE_TEMPLATES = [None, "{service}-{env}", "shared-{env}", "{platform}-{service}"]


def _sealed(draw, env_names: list[str], scope: str) -> SealedSecrets:
    keys = draw(st.lists(st.sampled_from(["KEY_A", "KEY_B", "KEY_C"]), min_size=1, max_size=3,
                         unique=True))
    return SealedSecrets({e: {k: draw(ciphertexts()) for k in keys} for e in env_names},
                         scope=scope, name=draw(st.sampled_from([None, "app-secrets"])))


def _sync_layer(draw) -> SyncPolicy | None:
    """A sync policy layer: most fields None (inherit), some set."""
    if not draw(st.booleans()):
        return None
    options = draw(st.one_of(st.none(), st.builds(
        SyncOptions, server_side_apply=st.one_of(st.none(), st.booleans()),
        prune_last=st.one_of(st.none(), st.booleans()),
        prune_propagation_policy=st.one_of(st.none(), st.sampled_from(["foreground", "background"])))))
    return SyncPolicy(automated=draw(st.sampled_from([None, None, False, False, True])),
                      prune=draw(st.one_of(st.none(), st.booleans())),
                      self_heal=draw(st.one_of(st.none(), st.booleans())), options=options)


@st.composite
def platforms(draw, *, max_services: int = 6, max_envs: int = 3, explicit_waves: bool | None = None):
    """A valid platform (compiles without errors; warnings allowed) that reaches every part of
    the DSL a platform is made of: zones, layers, waves, secrets, repositories, namespaces
    (features() names them; a test keeps each of them frequent)."""
    zone_names = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
    zones = {z: Zone(z) for z in zone_names}
    env_names = draw(st.lists(st.sampled_from(ENVS), min_size=1, max_size=max_envs, unique=True))
    envs = []
    for name in env_names:
        retry = draw(st.one_of(st.none(), st.just(False),   # False: no retries at all
                               st.builds(Retry, limit=st.integers(-1, 9).filter(bool),
                                         backoff=st.one_of(st.none(), st.just(Backoff("5s", 2, "3m"))))))
        sync = _sync_layer(draw)
        if retry is not None:
            sync = SyncPolicy(retry=retry) if sync is None else attrs.evolve(sync, retry=retry)
        envs.append(Environment(
            name, zone=zones[draw(st.sampled_from(zone_names))],
            cluster=Cluster(f"{name}-cluster", f"https://{name}.k8s.example:6443"),
            sync=sync, namespace=draw(st.sampled_from(["{platform}-{env}", "{env}-apps"])),
            revision_history_limit=draw(st.one_of(st.none(), st.integers(0, 20))),
            cascade=draw(st.sampled_from([None, None, "background", "none"])),
            labels=draw(label_maps), annotations=draw(annotation_maps)))
    count = draw(st.integers(1, max_services))
    names = [f"svc{i}" for i in range(count)]
    deps = draw(dags(names))
    dependents = {d for n in names for d in deps[n]}
    project_names = draw(st.lists(st.sampled_from(PROJECTS), min_size=1, max_size=3, unique=True))
    waves: dict[str, int | None] = {}
    services = []
    # the scopes of sealed secrets, in an order drawn once: every scope as likely as the others
    # from other draws: hypothesis' own choices favour small integers and first elements
    first = (len(env_names) + len(zone_names) + count) % 3
    scopes, sealed_count = ["strict", "namespace-wide", "cluster-wide"][first:] + \
        ["strict", "namespace-wide", "cluster-wide"][:first], 0
    for i, name in enumerate(names):
        mode = explicit_waves if explicit_waves is not None else draw(st.booleans())
        if mode and all(waves[d] is not None for d in deps[name]):
            low = max((waves[d] for d in deps[name]), default=draw(st.integers(-3, 0)) - 1) + 1
            waves[name] = low + draw(st.integers(0, 2))
        else:
            waves[name] = None  # inferred: one wave after its latest dependency
        kind = ("standard", "helm", "standard", "git")[draw(st.integers(0, 3))]
        kwargs: dict = {}
        if kind == "standard":
            kwargs["image"] = Image(f"ghcr.io/acme/{name}", draw(st.sampled_from(["1.0.0", "2.3.4-rc.1"])))
            kwargs["config"] = draw(config_maps)
            values = draw(standard_values)
            # a map both layers set, with keys of their own: the layers must merge, not replace
            kwargs["values"] = {**values, "env": {**values.get("env", {}), "FROM_SERVICE": name},
                                "image": {"pullPolicy": "IfNotPresent"}}  # merged with Image()
            secret_kind = (None, "sealed", "external", "sealed")[draw(st.integers(0, 3))]
            if secret_kind == "sealed":
                kwargs["secrets"] = _sealed(draw, env_names, scopes[sealed_count % 3])
                sealed_count += 1
            elif secret_kind == "external":
                keys = draw(st.lists(st.sampled_from(["KEY_A", "KEY_B"]), min_size=1, unique=True))
                kwargs["secrets"] = ExternalSecret(
                    "vault", {k: SecretRef(f"kv/{name}", k.lower()) for k in keys},
                    store_kind=draw(st.sampled_from(["ClusterSecretStore", "SecretStore"])))
            if len(zone_names) > 1 and draw(st.booleans()):
                zone = draw(st.sampled_from(zone_names))
                zone_values = draw(standard_values)
                kwargs["per_zone"] = {zone: ZoneOverlay(values={
                    **zone_values, "env": {**zone_values.get("env", {}), "FROM_ZONE": zone}})}
        elif kind == "helm":
            kwargs["chart"] = HelmChart(draw(st.sampled_from(["https://charts.example/stable",
                                                              "registry.example/charts"])),
                                        f"chart-{name}", "1.2.3")
            kwargs["values"] = draw(helm_values)
        else:
            kwargs["chart"] = GitPath(f"deploy/{name}", tool="directory",
                                      repo=Repo("https://git.example/acme/manifests.git", "v1.0.0"))
        overlays = {}
        for env in env_names:
            if draw(st.booleans()):
                overlay: dict = {}
                if kind != "git" and draw(st.booleans()):
                    overlay["values"] = draw(standard_values if kind == "standard" else helm_values)
                    if kind == "standard":
                        overlay["values"]["env"] = {**overlay["values"].get("env", {}),
                                                    "FROM_ENVIRONMENT": env}
                if kind == "standard" and draw(st.booleans()):
                    overlay["config"] = draw(config_maps)
                if draw(st.booleans()):
                    overlay["sync"] = SyncPolicy(prune=draw(st.booleans()))
                if draw(st.integers(0, 3)) == 0:
                    overlay["labels"] = draw(label_maps)
                    overlay["annotations"] = draw(annotation_maps)
                if draw(st.integers(0, 3)) == 0:     # replaces the service's list in this env
                    overlay["ignore_differences"] = draw(st.sampled_from([[], [IgnoreDifference(
                        "StatefulSet", group="apps", json_pointers=["/spec/replicas"])]]))
                if draw(st.integers(0, 3)) == 0:
                    overlay["revision_history_limit"] = draw(st.integers(0, 5))
                    overlay["cascade"] = draw(st.sampled_from(["foreground", "none"]))
                if waves[name] is not None and name not in dependents and draw(st.booleans()):
                    overlay["wave"] = waves[name] + draw(st.integers(0, 3))   # a per-env wave
                if deps[name] and draw(st.booleans()):
                    overlay["depends_on"] = []        # no dependencies in this environment
                overlays[env] = Overlay(**overlay)
        environments = None
        if name not in dependents and len(env_names) > 1 and draw(st.booleans()):
            environments = draw(st.lists(st.sampled_from(env_names), min_size=1, unique=True))
            overlays = {e: o for e, o in overlays.items() if e in environments}
            if isinstance(kwargs.get("secrets"), SealedSecrets):
                kwargs["secrets"] = attrs.evolve(kwargs["secrets"], values={
                    e: v for e, v in kwargs["secrets"].values.items() if e in environments})
        if draw(st.integers(0, 2)) == 0:
            kwargs["labels"], kwargs["annotations"] = draw(label_maps), draw(annotation_maps)
            kwargs["info"] = {"owner": f"team-{name}"}
        if draw(st.integers(0, 2)) == 0:
            kwargs["ignore_differences"] = [IgnoreDifference("Deployment", group="apps",
                                                             json_pointers=["/spec/replicas"])]
        if draw(st.integers(0, 2)) == 0:
            kwargs["revision_history_limit"] = draw(st.integers(0, 30))
            kwargs["cascade"] = draw(st.sampled_from(["foreground", "background", "none"]))
        if draw(st.integers(0, 3)) == 0:
            kwargs["release_name"] = f"rel-{name}"
        template = draw(st.sampled_from(NAMESPACE_TEMPLATES))
        if template:
            kwargs["namespace"] = template
        services.append(Service(
            name, project=draw(st.sampled_from(project_names)), depends_on=deps[name],
            wave=waves[name], per_env=overlays, environments=environments,
            stateful=draw(st.booleans()), sync=_sync_layer(draw), **kwargs))
    used = {s.project for s in services}
    configs = draw(st.sampled_from([None, Repo("https://git.example/acme/configs.git"),
                                    Repo("https://git.example/acme/configs.git", path=""),
                                    Repo("https://git.example/acme/configs.git", "live",
                                         path="deploy/configs")]))
    gitops = draw(st.sampled_from([Repo("https://git.example/acme/gitops.git"),
                                   Repo("https://git.example/acme/gitops.git", path="clusters/out")]))
    return Platform("p", gitops_repo=gitops, environments=envs,
                    projects=[Project(p) for p in project_names if p in used], services=services,
                    zones=list(zones.values()), configs_repo=configs, labels=draw(label_maps),
                    sync=_sync_layer(draw), revision_history_limit=draw(st.one_of(st.none(), st.integers(1, 9))),
                    # a wide integer, not sampled_from: hypothesis favours the first choices
                    configs_layout=("env-first", "service-first", "service-files")[
                        draw(st.integers(0, 2**16)) % 3])


def features(platform: Platform) -> set[str]:
    """The parts of the DSL a platform uses (for the strategy's coverage test)."""
    found: set[str] = {f"zones:{min(len(platform.zones), 3)}", f"layout:{platform.configs_layout}"}
    services = platform.services
    layers = [l for s in services for l in (s, *s.per_env.values())]
    checks = {
        "depends_on": any(s.depends_on for s in services),
        "explicit-wave": any(s.wave is not None for s in services),
        "inferred-wave": any(s.wave is None for s in services),
        "negative-wave": any(isinstance(l.wave, int) and l.wave < 0 for l in layers),
        "per-env-wave": any(o.wave is not None for s in services for o in s.per_env.values()),
        "per-env-depends_on": any(o.depends_on is not None for s in services for o in s.per_env.values()),
        "labels": bool(platform.labels) or any(e.labels for e in platform.environments)
        or any(l.labels for l in layers),
        "annotations": any(e.annotations for e in platform.environments) or any(l.annotations for l in layers),
        "info": any(s.info for s in services),
        "custom-namespace": any(s.namespace for s in services)
        or any(e.namespace != "{platform}-{env}" for e in platform.environments),
        "ignore_differences": any(s.ignore_differences for s in services),
        "per-env-ignore_differences": any(o.ignore_differences is not None
                                          for s in services for o in s.per_env.values()),
        "revision_history_limit": any(l.revision_history_limit is not None for l in layers),
        "cascade": any(l.cascade for l in layers) or any(e.cascade for e in platform.environments),
        "stateful": any(s.stateful for s in services),
        "release_name": any(s.release_name for s in services),
        "sync-layer": any(l.sync for l in layers) or platform.sync is not None
        or any(e.sync for e in platform.environments),
        "sync-options": any(l.sync and l.sync.options for l in layers),
        "manual-sync": any(l.sync and l.sync.automated is False for l in layers),
        "environments-subset": any(s.environments for s in services),
        "standard-chart": any(s.chart is None for s in services),
        "helm-chart": any(isinstance(s.chart, HelmChart) for s in services),
        "git-path": any(isinstance(s.chart, GitPath) for s in services),
        "sealed": any(isinstance(s.secrets, SealedSecrets) for s in services),
        "sealed-strict": any(isinstance(s.secrets, SealedSecrets) and s.secrets.scope == "strict"
                             for s in services),
        "sealed-namespace-wide": any(isinstance(s.secrets, SealedSecrets) and s.secrets.scope == "namespace-wide"
                                     for s in services),
        "sealed-cluster-wide": any(isinstance(s.secrets, SealedSecrets) and s.secrets.scope == "cluster-wide"
                                   for s in services),
        "secret-keys>1": any(isinstance(s.secrets, SealedSecrets)
                             and any(len(v) > 1 for v in s.secrets.values.values()) for s in services),
        "external-secret": any(isinstance(s.secrets, ExternalSecret) for s in services),
        "zone-overlay": any(s.per_zone for s in services),
        "configs-repo": platform.configs_repo is not None,
        "repo-path": platform.gitops_repo.path is not None
        or (platform.configs_repo is not None and platform.configs_repo.path is not None),
        "multi-env": len(platform.environments) > 1,
    }
    return found | {name for name, used in checks.items() if used}
