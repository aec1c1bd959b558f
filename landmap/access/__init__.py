"""Who may see and do what: audiences (public or staff) and the sign-in throttle."""

from landmap.access.audience import (
    Audience,
    audience_for,
    project_frame,
    project_frames,
    visible_columns,
)
from landmap.access.throttle import SignInThrottle

__all__ = [
    "Audience",
    "SignInThrottle",
    "audience_for",
    "project_frame",
    "project_frames",
    "visible_columns",
]
