"""Colour arithmetic for legibility: WCAG contrast, readable text on a fill, colours as seen.

Pure functions over ``#rrggbb`` strings, so the map, the legend and the detail panel choose
their text colours by the same rule, and tests can check every colour of the registry.

- Contrast follows WCAG 2.x: relative luminance of linearised sRGB, ratio
  ``(L_light + 0.05) / (L_dark + 0.05)``; body text needs at least 4.5:1 (success criterion 1.4.3).
- Distinctness uses the CIELAB distance ΔE*ab (CIE 1976) between colours *as drawn*, i.e. after a
  half-transparent fill is blended onto the map's background.
"""

from __future__ import annotations

import re

MIN_TEXT_CONTRAST = 4.5  # WCAG 2.x AA for normal text
DARK_TEXT = "#212121"
LIGHT_TEXT = "#ffffff"

_HEX = re.compile(r"#([0-9a-fA-F]{6})")


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#1e88e5"`` → (30, 136, 229). Raises ValueError for anything but ``#rrggbb``."""
    match = _HEX.fullmatch(colour.strip())
    if match is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_colour(red: float, green: float, blue: float) -> str:
    """(30, 136, 229) → ``"#1e88e5"`` (channels rounded and clipped to 0–255)."""
    return "#" + "".join(f"{min(255, max(0, round(c))):02x}" for c in (red, green, blue))


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1 (same) to 21 (black on white); order-free."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text_colour(background: str, dark: str = DARK_TEXT, light: str = LIGHT_TEXT) -> str:
    """The text colour to write on ``background``: whichever of ``dark`` and ``light`` contrasts
    more, as long as it reaches 4.5:1; else pure black or white, one of which always does (the
    worst background, mid-grey, still gives 4.58:1 with black)."""
    best = max((dark, light), key=lambda text: contrast_ratio(text, background))
    if contrast_ratio(best, background) >= MIN_TEXT_CONTRAST:
        return best
    return max(("#000000", "#ffffff"), key=lambda text: contrast_ratio(text, background))


def blend(colour: str, opacity: float, background: str) -> str:
    """``colour`` painted at ``opacity`` over ``background`` (what a half-transparent fill
    looks like on the map)."""
    top, bottom = rgb(colour), rgb(background)
    return hex_colour(*(opacity * t + (1 - opacity) * b for t, b in zip(top, bottom, strict=True)))


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) coordinates of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(first: str, second: str) -> float:
    """Perceived distance of two colours (CIE76 ΔE*ab): ~2 is barely noticed, >20 is plainly
    another colour."""
    return sum((a - b) ** 2 for a, b in zip(lab(first), lab(second), strict=True)) ** 0.5
