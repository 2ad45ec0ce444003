"""The Helm engine (helm-python, the `render` extra), imported on first use."""
from __future__ import annotations

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
