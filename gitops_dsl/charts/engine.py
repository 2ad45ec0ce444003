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
