"""geomap: turn news articles into a map of the places they mention."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["geoparse", "Engine", "__version__"]


def __getattr__(name: str) -> Any:  # lazy: `import geomap` must not load spaCy
    if name in ("geoparse", "Engine"):
        from geomap import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
