"""Large-mode maps (issue #12): views registered per process, served as tiles on demand."""

from landmap.viewport.registry import (
    LARGE_MODE_THRESHOLD,
    REGISTRY,
    View,
    ViewLayer,
    ViewRegistry,
    build_view,
    is_large,
)

__all__ = [
    "LARGE_MODE_THRESHOLD",
    "REGISTRY",
    "View",
    "ViewLayer",
    "ViewRegistry",
    "build_view",
    "is_large",
]
