"""Hypothesis strategies for whole platforms: valid ones, and ones that break exactly one
invariant. Built from the public DSL, as a user would write them."""
from __future__ import annotations

import base64

from hypothesis import strategies as st

from gitops_dsl import (Backoff, Cluster, Environment, ExternalSecret, GitPath, HelmChart, Image,
                        Overlay, Platform, Project, Repo, Retry, SealedSecrets, SecretRef, Service,
                        SyncPolicy, Zone)
from gitops_dsl.checks.secrets import CREDENTIAL_VALUE, SECRET_NAME, _SECRET_VALUE_KEY
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
    return not CREDENTIAL_VALUE.search(text)


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


@st.composite
def platforms(draw, *, max_services: int = 6, max_envs: int = 3, explicit_waves: bool | None = None):
    """A valid platform: compiles without errors (warnings allowed)."""
    zone_names = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True))
    zones = {z: Zone(z) for z in zone_names}
    env_names = draw(st.lists(st.sampled_from(ENVS), min_size=1, max_size=max_envs, unique=True))
    envs = []
    for name in env_names:
        retry = draw(st.one_of(st.none(), st.builds(Retry, limit=st.integers(-1, 9).filter(bool),
                                                    backoff=st.one_of(st.none(), st.just(Backoff("5s", 2, "3m"))))))
        envs.append(Environment(
            name, zone=zones[draw(st.sampled_from(zone_names))],
            cluster=Cluster(f"{name}-cluster", f"https://{name}.k8s.example:6443"),
            sync=SyncPolicy(retry=retry) if retry else None,
            revision_history_limit=draw(st.one_of(st.none(), st.integers(0, 20)))))
    count = draw(st.integers(1, max_services))
    names = [f"svc{i}" for i in range(count)]
    deps = draw(dags(names))
    dependents = {d for n in names for d in deps[n]}
    project_names = draw(st.lists(st.sampled_from(PROJECTS), min_size=1, max_size=3, unique=True))
    waves: dict[str, int | None] = {}
    services = []
    for i, name in enumerate(names):
        mode = explicit_waves if explicit_waves is not None else draw(st.booleans())
        if mode and all(waves[d] is not None for d in deps[name]):
            low = max((waves[d] for d in deps[name]), default=-1) + 1
            waves[name] = low + draw(st.integers(0, 2))
        else:
            waves[name] = None  # inferred: one wave after its latest dependency
        kind = draw(st.sampled_from(["standard", "helm", "git"]))
        kwargs = {}
        if kind == "standard":
            kwargs["image"] = Image(f"ghcr.io/acme/{name}", draw(st.sampled_from(["1.0.0", "2.3.4-rc.1"])))
            kwargs["config"] = draw(config_maps)
            kwargs["values"] = draw(standard_values)
            secret_kind = draw(st.sampled_from([None, "sealed", "external"]))
            if secret_kind == "sealed":
                kwargs["secrets"] = SealedSecrets({e: {"KEY_A": draw(ciphertexts())} for e in env_names})
            elif secret_kind == "external":
                kwargs["secrets"] = ExternalSecret("vault", {"KEY_A": SecretRef(f"kv/{name}", "a")})
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
                overlay = {}
                if kind != "git" and draw(st.booleans()):
                    overlay["values"] = draw(standard_values if kind == "standard" else helm_values)
                if kind == "standard" and draw(st.booleans()):
                    overlay["config"] = draw(config_maps)
                if draw(st.booleans()):
                    overlay["sync"] = SyncPolicy(prune=draw(st.booleans()))
                overlays[env] = Overlay(**overlay)
        environments = None
        if name not in dependents and len(env_names) > 1 and draw(st.booleans()):
            environments = draw(st.lists(st.sampled_from(env_names), min_size=1, unique=True))
            overlays = {e: o for e, o in overlays.items() if e in environments}
            if isinstance(kwargs.get("secrets"), SealedSecrets):
                kwargs["secrets"] = SealedSecrets({e: v for e, v in kwargs["secrets"].values.items()
                                                   if e in environments})
        services.append(Service(
            name, project=draw(st.sampled_from(project_names)), depends_on=deps[name],
            wave=waves[name], per_env=overlays, environments=environments,
            stateful=draw(st.booleans()), **kwargs))
    used = {s.project for s in services}
    configs = draw(st.sampled_from([None, Repo("https://git.example/acme/configs.git"),
                                    Repo("https://git.example/acme/configs.git", path="")]))
    return Platform("p", gitops_repo=Repo("https://git.example/acme/gitops.git"), environments=envs,
                    projects=[Project(p) for p in project_names if p in used], services=services,
                    zones=list(zones.values()), configs_repo=configs,
                    configs_layout=draw(st.sampled_from(["env-first", "service-first",
                                                         "service-files"])))
