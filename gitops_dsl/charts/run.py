"""What every render of one `charts.manifests.render_applications` call shares: the loaded
charts (the standard chart loaded once, not once per Application), their CRDs, what each chart
folder declares and asks, and the render cache."""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..argo.manifest_yaml import load_all
from .dependencies import declares_dependencies
from .render_cache import RenderCache
from .rendered import ChartCache


@attrs.define
class RenderRun:
    """The shared state of one `render_applications` call; `charts` holds each chart folder's
    loaded chart."""

    helm: Any
    files: Mapping[str, bytes]
    index: Any
    tree: Path
    root: Path
    checkout: tuple[tuple[str, str], ...]
    chart_cache: ChartCache | None
    cache: RenderCache | None
    documents: Mapping[str, Any] | None
    loaded: contextlib.ExitStack
    charts: dict[str, Any] = attrs.field(factory=dict)
    #: id(loaded chart) -> its CRDs as (template, object) pairs, parsed once per chart
    crds: dict[int, list[tuple[str, Any]]] = attrs.field(factory=dict)
    #: chart folder -> whether it names dependencies (read once per folder, not per render)
    dependencies: dict[str, bool] = attrs.field(factory=dict)
    #: answer from the render cache only: a render it does not hold raises _Deferred
    cache_only: bool = False
    #: chart folder or archive -> what its templates ask of the cluster (read once)
    asks: dict[str, frozenset[str]] = attrs.field(factory=dict)
    #: chart folder or archive -> a validator of its schema, when it implements the schema
    validators: dict[str, Any] = attrs.field(factory=dict)
    #: chart folder of the repository holding files git ignores -> a copy without them
    #: (charts/committed.py; made before any child is forked, removed with `loaded`)
    views: dict[str, Path] = attrs.field(factory=dict)

    def committed(self, folder: Path) -> Path:
        """`folder` as Argo CD's checkout of the repository holds it."""
        return self.views.get(str(folder), folder)

    def prevalidated(self, chart_dir: Path, chart: Any, values: dict[str, Any]) -> bool:
        """Whether `values` are known to pass the chart's schema before Helm checks them."""
        from .prevalidated import passes, validator_for
        key = str(chart_dir)
        if key not in self.validators:
            self.validators[key] = validator_for(chart)
        validator = self.validators[key]
        return validator is not None and passes(chart, validator, values, self.helm.HelmError)

    def consults(self, chart_dir: Path) -> frozenset[str]:
        found = self.asks.get(str(chart_dir))
        if found is None:
            from .capabilities import consulted
            found = self.asks[str(chart_dir)] = consulted(chart_dir)
        return found

    def chart_crds(self, chart: Any) -> list[tuple[str, Any]]:
        """The chart's `crds/` (with its subcharts'), parsed as Argo CD parses them; the same
        objects for every Application of the chart (read, never changed)."""
        found = self.crds.get(id(chart))
        if found is None:
            found = self.crds[id(chart)] = [
                (f"crds/{crd.get('filename') or crd.get('name')}", obj)
                for crd in chart.crds for obj in load_all(crd.get("data", "")) if obj]
        return found

    def names_dependencies(self, chart_dir: Path) -> bool:
        found = self.dependencies.get(str(chart_dir))
        if found is None:
            found = self.dependencies[str(chart_dir)] = \
                chart_dir.is_dir() and declares_dependencies(chart_dir)
        return found

    def chart(self, chart_dir: Path, reuse: bool, validated: bool = True) -> Any:
        """The chart in `chart_dir`, loaded by the Helm engine (kept open for the call when
        `reuse`: a folder of this call that does not change while it runs); not `validated`:
        as `--skip-schema-validation` renders it (`unvalidated`)."""
        key = str(chart_dir) if validated else f"{chart_dir}\0unvalidated"
        if reuse and key in self.charts:
            return self.charts[key]
        chart = self.loaded.enter_context(self.helm.Chart.load(str(chart_dir)))
        if not validated:
            from .unvalidated import without_schemas
            folder = tempfile.mkdtemp(prefix="gitops-dsl-chart-")
            self.loaded.callback(shutil.rmtree, folder, ignore_errors=True)
            copy = without_schemas(self.helm, chart, Path(folder))
            chart = self.loaded.enter_context(self.helm.Chart.load(str(copy)))
        if reuse:
            self.charts[key] = chart
        return chart
