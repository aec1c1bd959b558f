"""Who may see and do what: audiences (public or staff), the sign-in throttle and the limit
on public form submissions."""

from landmap.access.audience import (
    Audience,
    audience_for,
    project_frame,
    project_frames,
    visible_columns,
)
from landmap.access.submission_limit import SubmissionLimiter
from landmap.access.throttle import SignInThrottle

__all__ = [
    "Audience",
    "SignInThrottle",
    "SubmissionLimiter",
    "audience_for",
    "project_frame",
    "project_frames",
    "visible_columns",
]
