"""Write a synthetic but realistic platform: `python benchmarks/generate.py --services N --envs E
--zones Z --out DIR` creates DIR/platforms/ (and DIR/pyproject.toml). Deterministic for given
arguments.

The estate looks like a large organisation's: teams of services in their own modules, a
dependency DAG over six waves, per-environment overlays, Helm values of realistic size, config,
sealed secrets for a third of the services, external Helm charts for a fifth.
"""
from __future__ import annotations

import argparse
import base64
import random
from pathlib import Path

WAVES = ["operators", "infrastructure", "databases", "queues", "workers", "apis"]
ENVS = ["dev", "stg", "prod", "qa", "uat", "perf", "demo", "canary"]
TEAM_SIZE = 50


def ciphertext(rnd: random.Random) -> str:
    body = bytes(rnd.getrandbits(8) for _ in range(512 + 40))
    return base64.b64encode((512).to_bytes(2, "big") + body).decode()


COMMON = '''"""What every team's services share: the way this organisation writes a service."""
from __future__ import annotations

from typing import Any, Sequence

from gitops_dsl import HelmChart, Image, Overlay, SealedSecrets, Service, Wave


def values(replicas: int, cpu: str, memory: str, limit: str, env: dict[str, str]) -> dict[str, Any]:
    return {
        "replicaCount": replicas,
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": limit}},
        "podAnnotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
        "env": env,
        "probes": {"liveness": {"path": "/healthz", "periodSeconds": 10},
                   "readiness": {"path": "/ready", "periodSeconds": 5}},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "team",
                         "effect": "NoSchedule"}],
        "nodeSelector": {"kubernetes.io/arch": "amd64"},
    }


def service(name: str, project: str, wave: Wave, *, tag: str | None = None,
            chart: tuple[str, str] | None = None, replicas: int, cpu: str, memory: str,
            limit: str, env: dict[str, str], deps: Sequence[str] = (),
            overlays: dict[str, int] | None = None, sealed: dict[str, dict[str, str]] | None = None,
            feature: str = "off", timeout: str = "30s") -> Service:
    if chart:
        return Service(
            name, project=project, wave=wave, depends_on=list(deps),
            chart=HelmChart("https://charts.example.com/stable", *chart),
            values=values(replicas, cpu, memory, limit, env),
            per_env={e: Overlay(values={"replicaCount": r}) for e, r in (overlays or {}).items()})
    return Service(
        name, project=project, wave=wave, depends_on=list(deps),
        image=Image(f"registry.example.com/team/{name}", tag),
        config={"LOG_LEVEL": "info", "SERVICE_NAME": name, "FEATURE_X": feature,
                "REGION": "eu-west-1", "TIMEOUT": timeout},
        secrets=SealedSecrets(sealed) if sealed else None,
        values=values(replicas, cpu, memory, limit, env),
        per_env={e: Overlay(values={"replicaCount": r}) for e, r in (overlays or {}).items()})
'''


def service_source(rnd: random.Random, index: int, envs: list[str], waves_of: dict[int, int]) -> str:
    name = f"svc-{index:05d}"
    wave = waves_of[index]
    earlier = [i for i in range(max(0, index - 400), index) if waves_of[i] < wave]
    deps = sorted(rnd.sample(earlier, min(len(earlier), rnd.randint(0, 3))))
    project = rnd.choice(["app", "data", "edge"])
    args = [f'"{name}"', f'"{project}"', WAVES[wave]]
    if rnd.random() < 0.2:
        args.append(f'chart=("chart-{index % 37}", "{rnd.randint(1, 9)}.{rnd.randint(0, 20)}.'
                    f'{rnd.randint(0, 9)}")')
    else:
        args.append(f'tag="{rnd.randint(1, 3)}.{rnd.randint(0, 30)}.{rnd.randint(0, 9)}"')
        args.append(f'feature="{rnd.choice(["on", "off"])}", timeout="{rnd.randint(1, 60)}s"')
        if rnd.random() < 0.33:
            sealed = {e: {"DB_PASSWORD": ciphertext(rnd)} for e in envs}
            args.append(f"sealed={sealed!r}")
    env = {f"VAR_{k}": f"value-{rnd.randint(0, 999)}" for k in range(rnd.randint(2, 8))}
    args.append(f'replicas={rnd.randint(1, 3)}, cpu="{rnd.randint(50, 500)}m", '
                f'memory="{rnd.randint(64, 1024)}Mi", limit="{rnd.randint(1024, 4096)}Mi"')
    args.append(f"env={env!r}")
    if deps:
        args.append(f"deps={[f'svc-{d:05d}' for d in deps]!r}")
    overlays = {e: rnd.randint(2, 6) for e in envs if e == "prod" or rnd.random() < 0.3}
    if overlays:
        args.append(f"overlays={overlays!r}")
    return "service(" + ", ".join(args) + ")"


def generate(services: int, envs: int, zones: int, out: Path) -> None:
    rnd = random.Random(f"{services}-{envs}-{zones}")
    env_names = ENVS[:envs]
    zone_names = [f"zone{z}" for z in range(zones)]
    waves_of = {i: min(len(WAVES) - 1, i * len(WAVES) // max(services, 1)) for i in range(services)}
    platforms = out / "platforms"
    platforms.mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text('[tool.gitops-dsl]\nplatforms = "platforms"\nout = "build"\n\n'
                                        '[tool.pyright]\nextraPaths = ["platforms"]\n')
    (platforms / "_waves.py").write_text(
        "from gitops_dsl import Waves\n\n" + ", ".join(WAVES)
        + f" = Waves({', '.join(repr(w) for w in WAVES)})\n")
    (platforms / "_common.py").write_text(COMMON)
    teams = []
    for start in range(0, services, TEAM_SIZE):
        team = f"_team_{start // TEAM_SIZE:04d}"
        teams.append(team)
        body = ",\n".join("    " + service_source(rnd, i, env_names, waves_of)
                          for i in range(start, min(services, start + TEAM_SIZE)))
        (platforms / f"{team}.py").write_text(
            f"from _common import service\nfrom _waves import {', '.join(WAVES)}\n\nSERVICES = [\n{body},\n]\n")
    env_lines = ",\n    ".join(
        f'Environment("{e}", zone="{zone_names[i % zones]}", '
        f'cluster=Cluster("{e}", "https://{e}.k8s.example.com:6443", kinds=CONTROLLER_KINDS), '
        f'sync=SyncPolicy(retry=Retry(limit={3 if e == "prod" else 5})))' for i, e in enumerate(env_names))
    imports = "\n".join(f"from {t} import SERVICES as {t.upper()[1:]}" for t in teams)
    (platforms / "estate.py").write_text(
        "from gitops_dsl import *\n" + imports + "\n\n"
        "# the kinds the standard chart renders: their controllers are installed outside the estate\n"
        'CONTROLLER_KINDS = [ClusterKind("argoproj.io/v1alpha1", "Rollout"),\n'
        '                    ClusterKind("argoproj.io/v1alpha1", "AnalysisTemplate"),\n                    ClusterKind("bitnami.com/v1alpha1", "SealedSecret")]\n\n'
        f"environments = [\n    {env_lines},\n]\n\n"
        "platform = Platform(\n"
        '    "estate", gitops_repo=Repo("https://git.example.com/org/gitops.git"),\n'
        "    environments=environments,\n"
        '    projects=[Project(n, cluster_resources=[ResourceKind("", "Namespace")])\n'
        '              for n in ("app", "data", "edge")],\n'
        f"    services=[*{', *'.join(t.upper()[1:] for t in teams)}],\n"
        "    sync=SyncPolicy(options=SyncOptions(apply_out_of_sync_only=True)),\n"
        ")\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, required=True)
    parser.add_argument("--envs", type=int, default=3)
    parser.add_argument("--zones", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not 1 <= args.envs <= len(ENVS):
        parser.error(f"--envs must be 1..{len(ENVS)}")
    generate(args.services, args.envs, args.zones, args.out)


if __name__ == "__main__":
    main()
