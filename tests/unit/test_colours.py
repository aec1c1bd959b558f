"""WCAG contrast and readable text colours, against published reference values."""

from __future__ import annotations

import pytest

from landmap.map.colours import (
    MIN_TEXT_CONTRAST,
    blend,
    contrast_ratio,
    delta_e,
    lab,
    readable_text_colour,
    relative_luminance,
    rgb,
)


def test_luminance_of_the_extremes_and_a_primary():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#777777", 4.48),  # the classic "grey #777 just fails AA"
        ("#ffffff", "#767676", 4.54),  # …and #767676 just passes
        ("#ffffff", "#e0e0e0", 1.32),  # the old 暂缓 pill: white on light grey
        ("#ffffff", "#fdd835", 1.40),  # the old 招投标 pill: white on yellow
    ],
)
def test_contrast_ratio_matches_wcag_examples(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == contrast_ratio(first, second)


def test_readable_text_is_dark_on_light_and_light_on_dark():
    assert readable_text_colour("#e0e0e0") == "#212121"
    assert readable_text_colour("#fdd835") == "#212121"
    assert readable_text_colour("#1b5e20") == "#ffffff"
    assert readable_text_colour("#283593") == "#ffffff"


def test_readable_text_reaches_aa_on_every_grey_and_hue():
    """Mid-tones are where neither near-black nor white is enough; pure black then is."""
    backgrounds = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    backgrounds += [
        f"#{r:02x}{g:02x}{b:02x}"
        for r in range(0, 256, 51)
        for g in range(0, 256, 51)
        for b in range(0, 256, 51)
    ]
    for background in backgrounds:
        text = readable_text_colour(background)
        assert contrast_ratio(text, background) >= MIN_TEXT_CONTRAST, background


def test_bad_colours_are_refused():
    for text in ("red", "#fff", "#12345g", ""):
        with pytest.raises(ValueError):
            rgb(text)


def test_blend_and_lab():
    assert blend("#000000", 0.5, "#ffffff") == "#808080"
    assert blend("#1e88e5", 1.0, "#f3f1ec") == "#1e88e5"
    assert lab("#ffffff") == pytest.approx((100, 0, 0), abs=0.02)
    assert lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert delta_e("#1e88e5", "#1e88e5") == 0
    assert delta_e("#000000", "#ffffff") == pytest.approx(100, abs=0.01)
