"""The status pill of the detail panel: its text reads on every status colour (WCAG AA)."""

from __future__ import annotations

import re

import pytest

from landmap.layers import LAYERS, UNKNOWN_STATUS_STYLE
from landmap.map.colours import MIN_TEXT_CONTRAST, contrast_ratio, readable_text_colour
from landmap.ui.detail import _headline_html


def _pill_colours(html: str) -> tuple[str, str]:
    style = re.search(r'<span style="([^"]*)">', html).group(1)
    background = re.search(r"background:(#[0-9a-f]{6})", style).group(1)
    text = re.search(r";color:(#[0-9a-f]{6})", style).group(1)
    return background, text


@pytest.mark.parametrize(
    "status",
    [s for layer in LAYERS for s in layer.statuses] + [UNKNOWN_STATUS_STYLE],
    ids=lambda s: s.code or "unknown",
)
def test_status_pill_text_reaches_wcag_aa(status):
    html = _headline_html(status.label.zh, status.color, [("面积（亩）", "12.5")])
    background, text = _pill_colours(html)
    assert background == status.color
    assert text == readable_text_colour(status.color)
    assert contrast_ratio(text, background) >= MIN_TEXT_CONTRAST


def test_pill_of_on_hold_is_dark_on_light_grey():
    background, text = _pill_colours(_headline_html("暂缓", "#e0e0e0", []))
    assert (background, text) == ("#e0e0e0", "#212121")
