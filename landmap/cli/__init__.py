"""`python -m landmap …`: the same operations as the app, for scripts and scheduled jobs."""

from landmap.cli.main import main

__all__ = ["main"]
