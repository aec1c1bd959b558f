"""Leaflet script text in fewer bytes: the map's scripts are sent again with every rerun."""

from __future__ import annotations


def compact_js(script: str) -> str:
    """The script without indentation, blank lines and whole-line ``//`` comments.

    Lines are kept (no reliance on semicolons) and no line's content changes, so Jinja tags and
    data lines (one JSON value each) come through untouched.
    """
    lines = (line.strip() for line in script.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))
