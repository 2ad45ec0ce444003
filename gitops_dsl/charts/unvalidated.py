"""A chart as `helm template --skip-schema-validation` renders it, for an Application with
`helm.skipSchemaValidation` (reposerver/repository/repository.go `helmTemplate` passes the flag:
util/helm/cmd.go `template`).

The Helm engine gitops-dsl renders with validates the values against every values.schema.json
of the chart, its own and its subcharts', and takes no option to skip it. What the flag skips is
exactly that: Helm reads values.schema.json at a chart's root into the chart's schema and
nowhere else (not into `.Files`: helm pkg/chart/v2/loader/load.go), and uses the schema only to
validate (pkg/chart/common/util/values.go `ToRenderValuesWithSchemaValidation`). So the same
chart with no schema at any chart root renders what the flag renders. It is made from the loaded
chart (the engine writes it back as a folder, its subcharts as archives, which are unpacked here
to reach their schemas) in a folder of its own: the chart's own folder is never touched.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

SCHEMA = "values.schema.json"
#: helm pkg/chart/v2/loader: what under charts/ is loaded as a subchart
_ARCHIVES = (".tgz", ".tar.gz")


def without_schemas(helm: Any, chart: Any, folder: Path) -> Path:
    """The loaded `chart` written into `folder` (a new, empty folder) with no values.schema.json
    at any chart's root; returns the chart's folder."""
    root = Path(chart.save_dir(str(folder)))
    _strip(helm, root)
    return root


def _strip(helm: Any, root: Path) -> None:
    """Remove the schema at `root` and at the root of each subchart below it."""
    (root / SCHEMA).unlink(missing_ok=True)
    charts = root / "charts"
    if not charts.is_dir():
        return
    for entry in sorted(charts.iterdir()):
        if entry.name.startswith((".", "_")):
            continue   # (the loader skips these too)
        if entry.is_file() and entry.name.endswith(_ARCHIVES):
            unpacked = Path(tempfile.mkdtemp(dir=charts, prefix=".unpack-"))
            helm.expand(str(unpacked), str(entry))
            [inner] = list(unpacked.iterdir())   # (an archive holds one chart folder)
            target = charts / f"{entry.name.split('.')[0]}-unpacked"
            os.replace(inner, target)
            shutil.rmtree(unpacked)
            entry.unlink()
            _strip(helm, target)
        elif entry.is_dir():
            _strip(helm, entry)
