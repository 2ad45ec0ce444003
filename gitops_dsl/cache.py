"""The cache layer: everything a compile may take from the last one, behind one object.

A compile reads its output folder's caches through a `CompileCache`, opened before the platform
runs, and never the other way round:

- `replay()`: the last compile's record, when nothing it read has changed and the folder is as
  it left it (see `fingerprint`); the caller prints what that compile printed and is done;
- `code`: the platform's modules compiled once (see `codecache`);
- `reuse()`: what the last compile made of each unchanged service (see `reuse`, `incremental`);
- `keep(result)`: after a successful write, what this compile read, printed and made, for the
  next one.

A verdict (`--check`, `--strict`) never rests on any of it: such a compile opens no cache, or
opens it with `verdict=True`, which takes nothing the last compile decided. Every cache file is
verified before it is used (see `bound`); whatever cannot be is a miss.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from . import fingerprint
from .files import MANIFEST
from .recorder import CACHE_DIR

if TYPE_CHECKING:
    from .api import Result
    from .codecache import CodeCache
    from .incremental import Previous
    from .reuse import Reuse

# The modules a compile that replays never needs (the model, the checks, the renderers and the
# emitter come with them) are imported by the methods that use them: a replayed compile starts
# in half the time.


class CompileCache:
    """The caches of one output folder for one compile. `settings` (the project's settings) go
    into the key of every cache, with gitops-dsl's own version and sources; `record`: record what
    the compile reads, to be kept by `keep` (a compile that writes nothing records nothing)."""

    def __init__(self, out: str | Path, settings: Any, *, record: bool = True) -> None:
        self.out = Path(out)
        self.record = record
        # before the platform runs (it may change sys.path, which is part of the key)
        self.tool = fingerprint.tool_key(settings)
        self.code: CodeCache | None = None
        self.carried: fingerprint.Record | None = None
        self.previous: Previous | None = None

    def replay(self) -> fingerprint.Record | None:
        """The last compile's record when a compile now would write exactly what it wrote."""
        return fingerprint.current(self.out, self.tool)

    def open(self, *, verdict: bool = False) -> None:
        """Open the code cache and, unless the compile gives a verdict (`--strict`), the last
        compile's units - only when what was read after loading the platform (chart folders,
        Kustomize files) is unchanged, so that only the platform's modules and versions files
        can have changed."""
        from . import codecache, incremental
        self.code = codecache.open_cache(self.out / CACHE_DIR, self.tool)
        self.carried = fingerprint.load_record(self.out, self.tool) if self.out.is_dir() else None
        if self.carried is not None and self.carried.later_current() and not verdict:
            self.previous = incremental.load_units(self.out, self.tool)

    def reuse(self, root: Path, settings: Any) -> Reuse | None:
        """The reuse of this compile (None when there is nothing to take and nothing to keep)."""
        if self.previous is None and not self.record:
            return None
        from .reuse import Reuse
        return Reuse(root, settings, self.previous)

    def close(self) -> None:
        """Stop watching the output folder's files (see incremental.Previous)."""
        if self.previous is not None:
            self.previous.touched.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keep(self, result: Result) -> None:
        """After `result` was written: keep the compiled code, what the compile read and printed
        and what it made of each service, for the next compile. A record that cannot be kept
        only costs the next compile its shortcut."""
        from . import incremental
        from .api import renames
        from .diagnostics import as_record
        from .emit.manifest import keep_parse, settle, sha256
        if self.code is not None:
            self.code.save()
        out = self.out
        incremental.forget(out)   # first: units never outlive the manifest they describe
        # the last compile's record, when this one reused some of its work: its later inputs
        # (the chart folders of services not rendered again) stay inputs
        carried = self.carried if result.reuse and result.reuse[0] else None
        if result.inputs is None:
            fingerprint.forget(out)
            return
        try:
            if not settle(out, trusted=result.files.reused):
                fingerprint.forget(out)
                return
            written = (out / MANIFEST).read_bytes()
            manifest = sha256(written)
            keep_parse(out, written, manifest)
            record = fingerprint.finish(result.inputs, self.tool, {
                "files": len(result.files), "manifest": manifest,
                "diagnostics": [as_record(d) for d in result.diagnostics],
                # what `diff` needs of a compile when it reads this folder instead of compiling
                "renames": {k: list(v) for k, v in sorted(renames(result).items())},
                "chart_inputs": {k: list(v) for k, v in (result.chart_inputs or {}).items()},
                "checkouts": [[p.gitops_repo.url, p.gitops_repo.revision] for p in result.platforms]},
                carried)
            if record is None:
                fingerprint.forget(out)
                return
            if result.units is not None:
                incremental.save(out, result.units, self.tool, manifest)
            fingerprint.save(out, record)   # the last file written: see CompileCache.replay
        except OSError:
            fingerprint.forget(out)
