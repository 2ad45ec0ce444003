"""Normalized Applications -> a readable platform file: services grouped across environments,
what is common lifted to the service, what differs kept as per-environment overlays."""
from __future__ import annotations

import pprint
import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from ..model._fields import DNS1123_LABEL, expand_name
from ..resolve import DEFAULT_APP_NAME
from .normalize import App, dns_name

IN_CLUSTER = "https://kubernetes.default.svc"


def _common(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    """The part of several values trees that is the same in all of them."""
    out = {}
    for key in dicts[0]:
        if not all(key in d for d in dicts):
            continue
        items = [d[key] for d in dicts]
        if all(isinstance(i, dict) for i in items):
            nested = _common(items)
            if nested:
                out[key] = nested
        elif all(i == items[0] for i in items):
            out[key] = items[0]
    return out


def _minus(values: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """What an environment adds to or changes in the common values (deep_merge inverse)."""
    out = {}
    for key, value in values.items():
        if key not in common:
            out[key] = value
        elif isinstance(value, dict) and isinstance(common[key], dict):
            rest = _minus(value, common[key])
            if rest:
                out[key] = rest
        elif value != common[key]:
            out[key] = value
    return out


def _text(value: Any) -> str:
    """Any text from an imported tree, made safe to stand in a comment: control characters
    (line breaks above all) and non-printable ones escaped, so it can never become code."""
    text = str(value)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _identifier(prefix: str, name: str, taken: set[Any]) -> str:
    """A Python variable name for an imported name: never the name itself unchecked."""
    import keyword
    candidate = prefix + re.sub(r"\W", "_", name.encode("ascii", "replace").decode())
    if not candidate.isidentifier() or keyword.iskeyword(candidate) or candidate in taken:
        candidate = f"{prefix}{len(taken)}"
    taken.add(candidate)
    return candidate


def _fmt(value: Any, indent: int) -> str:
    text = pprint.pformat(value, width=max(40, 100 - indent), sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def _chart(chart: tuple[Any, ...]) -> str:
    if chart[0] == "helm":
        repo = chart[1].removeprefix("oci://")
        extra = "".join(f", {k}={v!r}" for k, v in chart[4].items())
        return f"HelmChart({repo!r}, {chart[2]!r}, {chart[3]!r}{extra})"
    _, repo, revision, path, tool, options = chart
    extra = "".join(f", {k}={v!r}" for k, v in options.items()
                    if v not in (None, True) and k != "jsonnet")
    if options.get("jsonnet"):
        extra += ", jsonnet=Jsonnet(" + ", ".join(f"{k}={v!r}" for k, v in options["jsonnet"].items()) + ")"
    return f"GitPath({path!r}, repo=Repo({repo!r}, {revision!r}), tool={tool!r}{extra})"


def _sync(sync: dict[str, Any]) -> str:
    parts = [f"automated={sync['automated']!r}"]
    for key in ("prune", "self_heal", "allow_empty"):
        if key in sync:
            parts.append(f"{key}={sync[key]!r}")
    if "retry" in sync:
        r = sync["retry"]
        b = r["backoff"]
        parts.append(f"retry=Retry(limit={r['limit']!r}, backoff=Backoff({b['duration']!r}, "
                     f"{b['factor']!r}, {b['max_duration']!r}))")
    else:
        parts.append("retry=False")   # as the tree has it: no retries (no platform default)
    options = ", ".join(f"{k}={v!r}" for k, v in sync["options"].items())
    parts.append(f"options=SyncOptions({options})")
    return "SyncPolicy(" + ", ".join(parts) + ")"


def _ignore(entries: list[Any]) -> str:
    items = []
    for e in entries:
        args = [repr(e["kind"])] + [f"{k}={v!r}" for k, v in e.items() if k != "kind"]
        items.append("IgnoreDifference(" + ", ".join(args) + ")")
    return "[" + ", ".join(items) + "]"


def _cluster_name(server: str) -> str:
    if server == IN_CLUSTER:
        return "in-cluster"
    return dns_name((urlparse(server).hostname or server).split(".")[0], 63)


def plan(apps: list[App], notes: list[str]) -> dict[str, Any]:
    """Group apps: {service: {env: App}}, renaming to valid names and recording why."""
    grouped: dict[str, dict[str, App]] = {}
    for app in apps:
        service = dns_name(app.service, 53)
        env = dns_name(app.env, 20)
        if service != app.service:
            app.notes.append(f"service name {app.service!r} written as {service!r}")
        if env in grouped.get(service, {}):
            app.notes.append(f"a second Application for service {service} in {env} "
                             f"({grouped[service][env].name} came first): not imported")
            notes.append(f"{app.file}: {app.name} duplicates {grouped[service][env].name}: not imported")
            continue
        if not DNS1123_LABEL.match(app.name) or len(app.name) > 63:
            app.notes.append(f"Application name {app.name} is not a DNS-1123 label of at most 63 "
                             f"characters: it becomes {service}-{env}")
        grouped.setdefault(service, {})[env] = app
    return grouped


def write_platform(apps: list[App], notes: list[str], name: str, sources: list[str],
                   roots: dict[str, App] | None = None, zone_root: App | None = None) -> str:
    """The platform file's text; `roots` (environment -> an app-of-apps of the tree) are kept as
    those environments' roots: their names and sync policies; `zone_root` (an app-of-apps over
    those roots) as the zone Application: its name."""
    roots = roots or {}
    grouped = plan(apps, notes)
    envs: dict[str, list[App]] = {}
    for per_env in grouped.values():
        for env, app in per_env.items():
            envs.setdefault(env, []).append(app)
    # everything from the imported tree reaches this file as a repr() literal or as an escaped
    # comment (_text): a name with a line break or quotes in it stays text
    # the first two lines are where Python looks for a source encoding declaration (PEP 263):
    # nothing from the tree reaches them, and the second declares the file's own
    lines = ["# Imported by `gitops-dsl import`.", "# -*- coding: utf-8 -*-", "#",
             "# From: " + _text(", ".join(sources)), "#",
             "# Review what the importer reported (below, and at the end of each service), then",
             "# commit this file and the compiled build/ together.", "#"]
    reported = sorted(set(notes))
    if reported:
        lines += ["# Reported while importing:"] + [f"# - {_text(n)}" for n in reported] + ["#"]
    lines += ["from gitops_dsl import *", ""]
    env_vars: dict[str, str] = {}
    taken: set[Any] = set()
    repo = Counter(a.chart[1] for a in apps if a.chart[0] == "git").most_common(1)
    repo_url = repo[0][0] if repo else "https://example.com/your/gitops.git"
    if not repo_url.startswith(("https://", "http://", "ssh://", "git@")):
        repo_url = "https://example.com/your/gitops.git"
    if zone_root is not None:
        lines.append(f"zone_main = Zone('main', root_name={zone_root.name!r})")
    for env in sorted(envs):
        servers = Counter(a.server for a in envs[env])
        server = servers.most_common(1)[0][0]
        for app in envs[env]:
            if app.server != server:
                app.notes.append(f"deployed to {app.server}, but gitops-dsl puts every Application of "
                                 f"{env} on one cluster ({server})")
        var = _identifier("env_", env, taken)
        env_vars[env] = var
        # an environment whose folders of the gitops repository are all at one other revision
        # (dev tracks `develop`) reads the gitops repository there: its values too
        revisions = {a.chart[2] for a in envs[env] if a.chart[0] == "git" and a.chart[1] == repo_url}
        tracked = f", gitops_revision={revisions.pop()!r}" if len(revisions) == 1 and \
            next(iter(revisions)) != "main" else ""
        kept = roots.get(env)
        root = (f",\n    root_name={kept.name!r}, root_sync={_sync(kept.sync)}"
                if kept is not None else "")
        zone = "zone_main" if zone_root is not None else "'main'"
        lines.append(f"{var} = Environment({env!r}, zone={zone}, "
                     f"cluster=Cluster({_cluster_name(server)!r}, {server!r}){tracked}{root})")
    projects = sorted({a.project for a in apps})
    # Argo CD's built-in `default` project is kept (GD420 warns about it), never declared
    project_names = {p: ("default" if p == "default" else dns_name(p, 63)) for p in projects}
    lines += ["", "platform = Platform(",
              f"    {dns_name(name, 30)!r},",
              f"    gitops_repo=Repo({repo_url!r}, 'main'),",
              f"    environments=[{', '.join(env_vars[e] for e in sorted(envs))}],",
              f"    projects=[{', '.join(f'Project({n!r})' for n in sorted(set(project_names.values()) - {'default'}))}],",
              *(["    single_source=True,"] if apps and all(a.single_source for a in apps) else []),
              "    services=["]
    for service in sorted(grouped):
        lines += _service(service, grouped[service], project_names, sorted(envs))
    lines += ["    ],", ")", ""]
    return "\n".join(lines)


_WRITE = object()  # field(): always write the value


def _same(values: list[Any]) -> bool:
    return all(v == values[0] for v in values)


def _helm_options(options: dict[str, Any]) -> str:
    args = []
    if options.get("parameters"):
        args.append("parameters=[" + ", ".join(
            f"HelmParameter({n!r}, {v!r}{', force_string=True' if f else ''})"
            for n, v, f in options["parameters"]) + "]")
    if options.get("file_parameters"):
        args.append("file_parameters=[" + ", ".join(
            f"HelmFileParameter({n!r}, {p!r})" for n, p in options["file_parameters"]) + "]")
    if options.get("value_files"):
        args.append("value_files=[" + ", ".join(
            f"RepoFile(Repo({url!r}, {revision!r}), {path!r}"
            + ("" if ref in ("values", "configs") else f", ref={ref!r}") + ")"
            for url, revision, path, ref in options["value_files"]) + "]")
    for key in ("pass_credentials", "ignore_missing_value_files", "skip_tests",
                "skip_schema_validation", "namespace", "version", "values_object"):
        if key in options:
            args.append(f"{key}={options[key]!r}")
    return f"HelmOptions({', '.join(args)})"


def _kustomize_options(options: dict[str, Any]) -> str:
    return "KustomizeOptions(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"


def _template(value: str, service: str, env: str) -> str:
    """`value` with the service's and the environment's names as placeholders (when putting them
    back gives `value` again), else `value` itself."""
    candidate = value.replace(service, "{service}", 1) if service in value else value
    if env in candidate.replace("{service}", "\0"):
        head, _, tail = candidate.replace("{service}", "\0").partition(env)
        candidate = (head + "{env}" + tail).replace("\0", "{service}")
    same = expand_name(candidate, service=service, env=env, platform="") == value
    return candidate if same and "{platform}" not in candidate else value


def _names(service: str, per_env: dict[str, App], keyword: str, names: list[str], default: str,
           args: list[str], overlay: dict[str, list[str]], envs: list[str], *, limit: int) -> None:
    """Write the names an imported service had (`app_name` or `release_name`): nothing when they
    are gitops-dsl's default, one template when one makes them all, else a name per environment."""
    valid = [DNS1123_LABEL.match(n) is not None and len(n) <= limit for n in names]
    templates = {_template(n, service, e) for n, e in zip(names, envs)}
    if all(valid) and len(templates) == 1:
        template = templates.pop()
        if template != default:
            args.append(f"{keyword}={template!r}")
        return
    for env, name, ok in zip(envs, names, valid):
        if name == expand_name(default, service=service, env=env, platform=""):
            continue
        if ok:
            overlay[env].append(f"{keyword}={name!r}")
        else:
            per_env[env].notes.append(f"{keyword} {name!r} is not a DNS-1123 label of at most "
                                      f"{limit} characters: not kept")


def _service(name: str, per_env: dict[str, App], project_names: dict[str, Any], all_envs: list[str]) -> list[str]:
    apps = [per_env[e] for e in sorted(per_env)]
    # the project most environments use is the service's; any other is that environment's own
    # (a separated production in an AppProject of its own keeps it)
    usual = Counter(a.project for a in apps).most_common(1)[0][0]
    args = [f"{name!r}", f"project={project_names[usual]!r}"]
    overlay: dict[str, list[str]] = {e: [] for e in per_env}
    for env, a in per_env.items():
        if a.project != usual:
            overlay[env].append(f"project={project_names[a.project]!r}")

    def field(attr: str, render: Callable[[Any], str], service_kw: str, overlay_kw: str | None = None,
              skip: object = _WRITE) -> None:
        values = [getattr(a, attr) for a in apps]
        if _same(values):
            if skip is _WRITE or values[0] != skip:
                args.append(f"{service_kw}={render(values[0])}")
        else:
            for env, a in per_env.items():
                overlay[env].append(f"{overlay_kw or service_kw}={render(getattr(a, attr))}")

    field("chart", _chart, "chart")
    field("namespace", repr, "namespace")
    field("wave", repr, "wave", skip=None)
    field("sync", _sync, "sync")
    field("ignore", _ignore, "ignore_differences", skip=[])
    field("history", repr, "revision_history_limit", skip=None)
    field("cascade", repr, "cascade")
    field("info", repr, "info", skip={})
    field("helm", _helm_options, "helm", skip={})
    field("kustomize", _kustomize_options, "kustomize", skip={})
    # names are kept exactly: a new name is a new Application, and a new release renames (so
    # deletes and re-creates) every workload. Argo CD's own default release name is the
    # Application's name (gitops-dsl's is the service name).
    envs = sorted(per_env)
    _names(name, per_env, "app_name", [a.name for a in apps], DEFAULT_APP_NAME, args, overlay, envs,
           limit=63)
    helm = [e for e in envs if per_env[e].source_type == "helm"]
    if helm:
        _names(name, {e: per_env[e] for e in helm}, "release_name",
               [per_env[e].release_name or per_env[e].name for e in helm], "{service}", args, overlay,
               helm, limit=53)
    values = [a.values for a in apps]
    common = _common(values) if len(values) > 1 else values[0]
    if common:
        args.append(f"values={_fmt(common, 15)}")
    for env, a in per_env.items():
        rest = _minus(a.values, common)
        if rest:
            overlay[env].append(f"values={_fmt(rest, 23)}")
    if sorted(per_env) != all_envs:
        args.append(f"environments={sorted(per_env)!r}")
    overlays = {e: o for e, o in overlay.items() if o}
    out = ["        Service("]
    out += [f"            {arg}," for arg in args]
    if overlays:
        out.append("            per_env={")
        for env in sorted(overlays):
            out.append(f"                {env!r}: Overlay(" + ", ".join(overlays[env]) + "),")
        out.append("            },")
    out.append("        ),")
    app_notes = sorted({n for a in apps for n in a.notes})
    if app_notes:
        out = [f"        # {_text(a.file)}: {_text(a.name)}" for a in apps] + \
            [f"        # - {_text(n)}" for n in app_notes] + out
    return out
