"""External Helm charts, offline: a committed lock and a git-ignored cache.

`gitops-dsl charts pull` resolves every external chart of the platforms (a Helm repository or
an OCI registry) at its pinned version once, records name, version and the sha256 digest of the
packaged chart in `platforms/charts.lock`, and stores the archive in the cache folder under its
digest, the way `helm dependency build` works from Chart.lock. `render` and `preflight` then read
charts from the cache only: never the network, and never an archive whose digest differs from
the lock.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .. import untrusted
from ..errors import GitopsDslError

if TYPE_CHECKING:
    from ..resolve import App

LOCK_NAME = "charts.lock"
DEFAULT_CACHE = ".gitops-dsl/charts"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_HEAD = ("# gitops-dsl chart lock: every external Helm chart of these platforms at its pinned\n"
         "# version, with the digest of the archive `gitops-dsl charts pull` fetched. Commit it;\n"
         "# do not edit it by hand (`gitops-dsl charts pull` rewrites it).\n")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class LockError(GitopsDslError, ValueError):
    """A malformed lock file; `line` is where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class PullError(GitopsDslError, RuntimeError):
    """A chart that could not be fetched, or that does not match its lock entry."""


@attrs.frozen(order=True)
class ChartRef:
    """One external chart at one version, as an Application names it."""

    repository: str          # https://... (Helm repository) or host/path (OCI registry)
    name: str
    version: str

    @property
    def oci(self) -> bool:
        return not self.repository.startswith(("http://", "https://"))

    def display(self) -> str:
        return f"{self.name} {self.version} from {self.repository}"


@attrs.frozen
class Entry:
    ref: ChartRef
    digest: str
    line: int | None = attrs.field(default=None, eq=False)


def lock_path(platforms_dir: Path) -> Path:
    return Path(platforms_dir) / LOCK_NAME


def read_lock(path: Path) -> dict[ChartRef, Entry]:
    """The lock's entries; a missing file is an empty lock. Raises LockError."""
    try:
        text = untrusted.read_text(path)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(f"cannot read it: {exc}") from None
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LockError(f"not valid YAML: {getattr(exc, 'problem', exc)}",
                        mark.line + 1 if mark else None) from None
    if root is None:
        return {}
    charts = _mapping(root).get("charts")
    if charts is None or not isinstance(charts, yaml.SequenceNode):
        raise LockError("expected a mapping with a `charts:` list", root.start_mark.line + 1)
    entries: dict[ChartRef, Entry] = {}
    for node in charts.value:
        line = node.start_mark.line + 1
        fields = _mapping(node)
        values = {}
        for key in ("repository", "name", "version", "digest"):
            item = fields.get(key)
            if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str" \
                    or not item.value:
                raise LockError(f"entry without a string `{key}`", line)
            values[key] = item.value
        unknown = sorted(set(fields) - {"repository", "name", "version", "digest"})
        if unknown:
            raise LockError(f"unknown field(s) {', '.join(unknown)}", line)
        if not _DIGEST.match(values["digest"]):
            raise LockError(f"digest {values['digest']!r} is not sha256:<64 hex digits>", line)
        ref = ChartRef(values["repository"], values["name"], values["version"])
        if ref in entries:
            raise LockError(f"{ref.display()} is locked twice", line)
        entries[ref] = Entry(ref, values["digest"], line)
    return entries


def _mapping(node: yaml.Node) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        raise LockError("expected a mapping", node.start_mark.line + 1)
    out = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise LockError("a key that is not a string", key.start_mark.line + 1)
        out[key.value] = value
    return out


def lock_text(entries: Iterable[Entry]) -> str:
    data = {"charts": [{"repository": e.ref.repository, "name": e.ref.name,
                        "version": e.ref.version, "digest": e.digest}
                       for e in sorted(entries, key=lambda e: e.ref)]}
    return _HEAD + "---\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def cache_file(cache: Path, digest: str) -> Path:
    return Path(cache) / f"{digest.partition(':')[2]}.tgz"


@attrs.frozen
class Lookup:
    """Where a chart's archive is, or why it cannot be used."""

    path: Path | None = None
    missing: str | None = None     # not locked or not cached: fetch it (a warning)
    corrupt: str | None = None     # a cache entry that does not match the lock (an error)


def lookup(ref: ChartRef, lock: dict[ChartRef, Entry], cache: Path) -> Lookup:
    entry = lock.get(ref)
    if entry is None:
        return Lookup(missing=f"chart {ref.display()} is not in {LOCK_NAME}: run `gitops-dsl "
                              "charts pull`")
    path = cache_file(cache, entry.digest)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Lookup(missing=f"chart {ref.display()} is not in the chart cache ({cache}): run "
                              "`gitops-dsl charts pull`")
    except OSError as exc:
        return Lookup(corrupt=f"chart {ref.display()}: cannot read {path}: {exc}")
    if digest_of(data) != entry.digest:
        return Lookup(corrupt=f"chart {ref.display()}: the cached archive {path} has digest "
                              f"{digest_of(data)}, but {LOCK_NAME} records {entry.digest}; delete it "
                              "and run `gitops-dsl charts pull`")
    return Lookup(path=path)


#: the largest repository index `charts pull` lets Helm read (the index of a repository with
#: thousands of charts is tens of megabytes; Helm holds the whole index in memory while parsing
#: it, and a 150 MB one takes minutes and gigabytes)
MAX_INDEX = 64 * 1024 * 1024


def check_index(repository: str, limit: int = MAX_INDEX) -> None:
    """Refuse a Helm repository whose `index.yaml` is larger than `limit`, before Helm reads it:
    by its Content-Length, else by reading at most `limit` bytes of it. A repository that cannot
    be asked (unreachable, credentials) is left to Helm's own pull, which says why."""
    import urllib.error
    import urllib.request
    url = repository.rstrip("/") + "/index.yaml"
    if not url.startswith(("http://", "https://")):
        return
    too_large = PullError(f"{url} is larger than {limit // (1024 * 1024)} MB: not read (a "
                          "repository index that large would take Helm minutes and gigabytes)")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "gitops-dsl"})
        with urllib.request.urlopen(request, timeout=60) as response:
            length = response.headers.get("Content-Length") or ""
            if length.isdigit() and int(length) > limit:
                raise too_large
            read = 0
            while chunk := response.read(1 << 20):
                read += len(chunk)
                if read > limit:
                    raise too_large
    except (OSError, ValueError, urllib.error.URLError):
        return


def fetch(ref: ChartRef) -> bytes:
    """Download one chart archive with the Helm engine. Raises PullError."""
    from .engine import RenderUnavailable, engine
    try:
        helm = engine()
    except RenderUnavailable as exc:
        raise PullError(str(exc)) from None
    if not ref.oci:
        check_index(ref.repository)
    with tempfile.TemporaryDirectory(prefix="gitops-dsl-pull-") as folder:
        host = ref.repository.split("/", 1)[0].split(":", 1)[0]
        try:
            if ref.oci:
                helm.pull(f"oci://{ref.repository.rstrip('/')}/{ref.name}", version=ref.version,
                          destination=folder, plain_http=host in _LOCAL_HOSTS)
            else:
                helm.pull(ref.name, repo_url=ref.repository, version=ref.version, destination=folder)
        except helm.HelmError as exc:
            raise PullError(f"{ref.display()}: {str(exc).strip() or type(exc).__name__}") from None
        archives = sorted(Path(folder).glob("*.tgz"))
        if len(archives) != 1:
            raise PullError(f"{ref.display()}: the download did not produce one chart archive")
        return archives[0].read_bytes()


@attrs.frozen
class PullReport:
    entries: tuple[Entry, ...]          # the new lock's entries
    fetched: tuple[ChartRef, ...]       # downloaded
    cached: tuple[ChartRef, ...]        # already in the cache
    dropped: tuple[ChartRef, ...]       # locked, but no platform uses them any more


def pull(refs: Iterable[ChartRef], lock: dict[ChartRef, Entry], cache: Path, *, update: bool = False,
         fetcher: Callable[[ChartRef], bytes] = fetch) -> PullReport:
    """Fetch what the cache lacks, check it against the lock, write the cache (each archive
    atomically, under its digest). The caller writes the lock. Raises PullError, having written
    no lock and nothing but verified archives."""
    from ..files import atomic_write
    entries, fetched, cached = [], [], []
    for ref in sorted(set(refs)):
        entry = lock.get(ref)
        if entry is not None and not update:
            found = lookup(ref, lock, cache)
            if found.path is not None:
                entries.append(entry)
                cached.append(ref)
                continue
        data = fetcher(ref)
        digest = digest_of(data)
        if entry is not None and not update and digest != entry.digest:
            raise PullError(f"{ref.display()}: the repository now serves an archive with digest "
                            f"{digest}, but {LOCK_NAME} records {entry.digest} (line {entry.line}). "
                            "A published chart changed: check it, then `gitops-dsl charts pull "
                            "--update` to lock what it serves now")
        Path(cache).mkdir(parents=True, exist_ok=True)
        atomic_write(cache_file(cache, digest), data)
        entries.append(Entry(ref, digest))
        fetched.append(ref)
    used = set(refs)
    dropped = tuple(sorted(r for r in lock if r not in used))
    return PullReport(tuple(entries), tuple(fetched), tuple(cached), dropped)


def chart_refs(apps: Sequence[App]) -> list[ChartRef]:
    """Every external chart (at its resolved version) that resolved Applications use."""
    from ..model.charts import HelmChart
    return sorted({ChartRef(a.chart.repo_url, a.chart.chart, a.chart.version) for a in apps
                   if isinstance(a.chart, HelmChart) and a.chart.version})
