"""The Helm engine (helm-python, the `render` extra), imported on first use."""
from __future__ import annotations

import re
from typing import Any

from ..errors import GitopsDslError


class RenderUnavailable(GitopsDslError, RuntimeError):
    pass


def engine() -> Any:
    try:
        import helm_python
    except ImportError:
        raise RenderUnavailable("rendering needs the Helm engine: pip install 'gitops-dsl[render]'") \
            from None
    return helm_python


class LazyEngine:
    """The Helm engine, imported when a chart is first rendered: with every Application's
    manifests in the render cache, none is (and a machine without the engine still works)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(engine(), name)


def render(chart: Any, values: dict[str, Any], options: dict[str, Any]) -> dict[str, str]:
    """Render with the cluster's capabilities. Chart.render() does not take them yet, but the
    engine's render call does (as helm lint's kube_version does); without them, the public call."""
    options = {k: v for k, v in options.items() if v is not None}
    if "kube_version" not in options and "api_versions" not in options:
        rendered: dict[str, str] = chart.render(values=values, **options)
        return rendered
    import json

    from helm_python import _native
    native: dict[str, str] = json.loads(_native.call_string("helm_render", chart._raw(),
                                                          json.dumps(values), json.dumps(options)))
    return native


#: what Helm's `tpl` function wraps an error in: the whole template text, quoted as Go's %q does
#: (helm pkg/engine/engine.go initFunMap, "error during tpl function execution for %q")
_TPL_TEXT = re.compile(r'(error during tpl function execution for )"((?:[^"\\]|\\.)*)"')


def readable(message: str) -> str:
    """Helm's error with each template text that `tpl` quotes in it cut to its first line and
    its length: a chart that passes a 200-line configuration through `tpl` (loki does) would
    otherwise quote all of it, once per `tpl` call on the way, before the error itself. The
    error's `gotpl:LINE:COLUMN` still says where in that text it is."""
    def shortened(found: re.Match[str]) -> str:
        text = found.group(2)
        lines = text.count("\\n") + (not text.endswith("\\n"))
        first = text.split("\\n", 1)[0]
        if lines == 1 and len(first) <= 80:
            return found.group(0)
        if len(first) > 60:
            first = first[:60].rstrip("\\")   # (not half an escape)
        return f'{found.group(1)}"{first} ..." (a template of {lines} lines)'
    return _TPL_TEXT.sub(shortened, message)
