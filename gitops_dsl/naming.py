"""Names a user typed, checked against the names that exist: an unknown one is an error that
says what was meant ("did you mean 'stg'?"), never an empty answer that a typo in CI passes."""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from .errors import NotFound

__all__ = ["UnknownName", "did_you_mean", "known", "names_in_tree"]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1) or [
        c for c in choices if name and (c.startswith(name) or name.startswith(c))][:1]
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(choices) or 'none'}"


class UnknownName(NotFound):
    """A name given on the command line that names nothing."""

    def __init__(self, kind: str, name: str, choices: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"no {kind} {name!r}; {did_you_mean(name, choices)}")


def known(kind: str, name: str | None, choices: Iterable[str]) -> None:
    """Raise UnknownName unless `name` (None: not given) is one of `choices`."""
    choices = set(choices)
    if name is not None and name not in choices:
        raise UnknownName(kind, name, choices)


def names_in_tree(files: Iterable[str]) -> Mapping[str, set[str]]:
    """The zones, environments, services and projects a compiled tree holds, read from its
    paths (gitops/argo-apps/<zone>/apps/<env>/<project>/<service>.yaml, roots/<env>.yaml)."""
    found: dict[str, set[str]] = {"zone": set(), "environment": set(), "service": set(),
                                  "project": set()}
    for path in files:
        parts = path.split("/")
        if len(parts) < 4 or parts[:2] != ["gitops", "argo-apps"]:
            continue
        found["zone"].add(parts[2])
        if parts[3] == "apps" and len(parts) == 7 and parts[6].endswith(".yaml"):
            found["environment"].add(parts[4])
            found["project"].add(parts[5])
            found["service"].add(parts[6][:-len(".yaml")])
        elif parts[3] == "roots" and len(parts) == 5 and parts[4].endswith(".yaml"):
            found["environment"].add(parts[4][:-len(".yaml")])
    return found
