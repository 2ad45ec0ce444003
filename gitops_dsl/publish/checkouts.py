"""Publish the compiled trees into checkouts of the repositories Argo CD reads.

A platform's gitops tree goes to its gitops repository at `Repo.path`, its configs tree to its
configs repository (a repository of its own, with its own reviewers), and a zone with its own
repositories gets the files its Argo CD reads, as in a bundle. In each checkout only the files
gitops-dsl owns there are replaced (an ownership manifest per checkout, as `compile` keeps in
`build/`); every other file is left alone, and a foreign file in the way stops everything before
anything is written.
"""
from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..argo.links import ignored_paths, not_ignored
from ..emit.journal import interrupted, recover
from ..emit.unowned import argo_apps_trees, chart_roots, foreign_files
from ..emit.writer import Plan, apply, plan
from ..errors import GitopsDslError

if TYPE_CHECKING:
    from ..api import Result
    from ..resolve import Resolved

class PublishError(GitopsDslError, ValueError):
    """A target that cannot be published to; the message says why."""


@attrs.frozen
class Target:
    """One checkout and what goes into it."""

    label: str                # "gitops", "configs", "zone internet", ...
    checkout: Path
    revision: str             # the branch the Applications track: the checkout must be on it
    files: dict[str, Any]               # repository path -> bytes
    manifest: str             # the ownership manifest's name at the checkout's root
    #: the chart folders copied whole into it (repository paths): the repo server reads them whole
    chart_folders: tuple[str, ...] = ()


def _git(folder: Path, *args: str) -> tuple[int, str]:
    run = subprocess.run(["git", "--no-optional-locks", "-C", str(folder), *args],
                         capture_output=True, text=True, check=False)
    return run.returncode, run.stdout.strip()


def check_checkout(target: Target, *, require_clean: bool = True) -> None:
    """A git checkout's root, on the branch the Applications track, without local changes."""
    folder = target.checkout
    if not folder.is_dir():
        raise PublishError(f"{target.label}: {folder} is not a folder")
    code, top = _git(folder, "rev-parse", "--show-toplevel")
    if code != 0:
        raise PublishError(f"{target.label}: {folder} is not a git checkout")
    if Path(top).resolve() != folder.resolve():
        raise PublishError(f"{target.label}: {folder} is inside the checkout {top}; give its root")
    code, branch = _git(folder, "symbolic-ref", "--quiet", "--short", "HEAD")
    if code != 0 or branch != target.revision:
        raise PublishError(f"{target.label}: {folder} is on {branch or 'a detached HEAD'!r}, but "
                           f"the Applications track {target.revision!r}: check out "
                           f"{target.revision!r} first")
    if require_clean:
        _, status = _git(folder, "status", "--porcelain")
        if status:
            first = ", ".join(line[3:] for line in status.splitlines()[:5])
            raise PublishError(f"{target.label}: {folder} has uncommitted changes ({first}): "
                               "commit, stash or discard them first")


def targets(result: Result, resolved: Sequence[Resolved], *, gitops: Path | None, configs: Path | None,
            zones: Mapping[str, Path], zone_configs: Mapping[str, Path], root: Path) -> list[Target]:
    """What goes where. `gitops`/`configs`: checkouts of the platform's repositories;
    `zones`/`zone_configs`: checkouts of zones' own repositories, by zone name."""
    from ..argo.globs import normalize_git_url
    from ..render.closure import chart_folder_files, chart_folders
    from ..render.names import in_repo
    from ..zones.bundle import bundle_files

    out: list[Target] = []
    for item in resolved:
        platform = item.platform
        own = normalize_git_url(platform.configs.url) != normalize_git_url(platform.gitops_repo.url)
        trees: dict[str, dict[str, str]] = {"gitops": {}, "configs": {}}
        for path in result.files:
            tree = path.partition("/")[0]
            if tree in trees:
                into = "configs" if tree == "configs" and own else "gitops"
                trees[into][in_repo(platform, path)] = path
        if gitops is not None:
            files = {repo: result.files[p] for repo, p in trees["gitops"].items()}
            # what the Applications read from the gitops repository beside the compiled files:
            # its chart folders and all they reach (as a zone's bundle carries them)
            for rel, data in chart_folder_files(item.apps, root, committable=True).items():
                if files.get(rel, data) != data:
                    raise PublishError(f"{rel}: a chart folder's file and a compiled file share "
                                       "this path")
                files[rel] = data
            out.append(Target("gitops repository", gitops, platform.gitops_repo.revision,
                              dict(sorted(files.items())), ".gitops-dsl-manifest-gitops",
                              tuple(chart_folders(item.apps, root))))
        if configs is not None:
            if not own:
                raise PublishError("the configs tree is published with the gitops repository "
                                   "(Platform(configs_repo=...) is not set): use --gitops")
            out.append(Target("configs repository", configs, platform.configs.revision,
                              {repo: result.files[p] for repo, p in trees["configs"].items()},
                              ".gitops-dsl-manifest-configs"))
        known = {z.name: z for z in item.zones}
        for name in sorted(set(zones) | set(zone_configs)):
            zone = known.get(name)
            if zone is None:
                raise PublishError(f"no zone {name!r}; known: {', '.join(sorted(known))}")
            if zone.gitops_repo is None:
                raise PublishError(f"zone {name} has no repository of its own: its files go with "
                                   "the platform's gitops repository (--gitops)")
            members = bundle_files(result.files, resolved, name, root)
            split: dict[str, dict[str, bytes]] = {"gitops": {}, "configs": {}}
            for member, data in members.items():
                tree, _, rest = member.partition("/")
                split[tree][rest] = data
            if name in zones:
                out.append(Target(f"zone {name} gitops repository", zones[name],
                                  zone.gitops_repo.revision, split["gitops"],
                                  f".gitops-dsl-manifest-{name}",
                                  tuple(chart_folders([a for a in item.apps
                                                       if a.zone.name == name], root))))
            if name in zone_configs:
                if not split["configs"]:
                    raise PublishError(f"zone {name}'s configs are published with its gitops "
                                       "repository: drop --zone-configs")
                out.append(Target(f"zone {name} configs repository", zone_configs[name],
                                  (zone.configs_repo or zone.gitops_repo).revision, split["configs"],
                                  f".gitops-dsl-manifest-{name}-configs"))
            elif split["configs"] and name in zones:
                raise PublishError(f"zone {name} has a configs repository of its own: give "
                                   f"--zone-configs {name}=CHECKOUT too")
    return out


@attrs.frozen
class Planned:
    target: Target
    plan: Plan
    #: what finishing or undoing an interrupted write found in the checkout (see `recover`)
    recovered: str | None = None
    #: files no compile wrote that Argo CD reads all the same - in the folders the zones' Argo CD
    #: applies whole, in the copies of chart folders - with what to say of each; never touched
    #: (see `emit.unowned.foreign_files`)
    foreign: tuple[tuple[str, str], ...] = ()
    #: files it publishes that git ignores in the checkout (those there now): never committed,
    #: so never read
    ignored: tuple[str, ...] = ()

    @property
    def changed(self) -> tuple[Any, ...]:
        return tuple(sorted(set(self.plan.write) | set(self.plan.delete)))


def prepare(all_targets: list[Target], *, require_clean: bool = True, repair: bool = True
            ) -> list[Planned]:
    """Check every target and plan every write before anything is written. With `repair`, a
    write of ours that was interrupted in a checkout is finished first (and a journal we did not
    write there is removed, never carried out: see `recover`), so that the plan is made against
    what the checkout really holds; without it (`--check`) nothing is touched and such a
    checkout is not current."""
    for target in all_targets:
        check_checkout(target, require_clean=require_clean)
    planned = []
    for target in all_targets:
        recovered = None
        if target.checkout.is_dir():
            if repair:
                recovered = recover(target.checkout)
            elif interrupted(target.checkout):
                recovered = "holds the journal of an interrupted write: publish finishes it"
        the_plan = plan(target.checkout, target.files, trust_mtimes=False,
                        manifest=target.manifest)
        foreign = not_ignored(target.checkout, foreign_files(
            target.checkout, target.files.keys() | set(the_plan.delete),
            trees=argo_apps_trees(target.files), charts=chart_roots(target.files),
            sources=target.chart_folders))
        planned.append(Planned(target, the_plan, recovered, tuple(foreign),
                               tuple(ignored_paths(target.checkout, target.files.keys()))))
    conflicts = [f"{p.target.checkout / rel}" for p in planned for rel in p.plan.conflicts]
    if conflicts:
        raise PublishError("not written by gitops-dsl and in the way: " + ", ".join(conflicts[:10]))
    return planned


def carry_out(planned: list[Planned]) -> None:
    for item in planned:
        apply(item.target.checkout, item.target.files, item.plan, manifest_name=item.target.manifest)


def commit_message(planned: list[Planned], source_commit: str, subject: str) -> str:
    changed = [(p.target.label, rel, "removed" if rel in p.plan.delete else "updated")
               for p in planned for rel in p.changed]
    head = f"gitops-dsl: publish {source_commit[:12]}" + (f" ({subject})" if subject else "")
    lines = [head, "", f"Compiled from {source_commit} by gitops-dsl; {len(changed)} file(s) changed."]
    for label, rel, how in changed[:50]:
        lines.append(f"- {how}: {rel}" + (f" ({label})" if len(planned) > 1 else ""))
    if len(changed) > 50:
        lines.append(f"- ... and {len(changed) - 50} more")
    return "\n".join(lines) + "\n"
