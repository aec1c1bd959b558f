"""The first screen at laptop size: the map fills most of the window, beside a useful side
column, and keeps its size (and its state) when the filter changes."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_map_in_browser import MAP_IFRAME, map_frame, open_map

pytestmark = pytest.mark.browser


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def map_box(page) -> dict:
    return page.locator(MAP_IFRAME).bounding_box()


def leaflet_size(page) -> dict:
    return map_frame(page).evaluate("(() => { const s = window.map.getSize(); return s; })()")


def test_the_map_fills_most_of_a_1280_by_800_screen(sample_app, laptop):
    open_map(laptop, sample_app.url)
    laptop.get_by_text("当前筛选", exact=True).wait_for()
    box = map_box(laptop)
    assert box["y"] < 160  # a compact header: no banner above the map
    assert box["y"] + box["height"] <= 800  # all of it on the first screen
    assert box["height"] >= 0.75 * 800
    assert box["width"] >= 520
    # Leaflet itself fills the frame (not a 620 px map inside a taller frame).
    size = leaflet_size(laptop)
    assert abs(size["y"] - box["height"]) <= 4 and abs(size["x"] - box["width"]) <= 4

    # A filter change swaps the data, not the map: same window, same size.
    map_frame(laptop).evaluate("window.__kept = true")
    sidebar = laptop.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stCheckbox"]').filter(has_text="道路工程").click()
    laptop.wait_for_url(re.compile(r"layers="), timeout=30_000)
    laptop.get_by_text(re.compile("图层：闲置地、棚改地块、老旧小区$")).first.wait_for()
    assert map_frame(laptop).evaluate("window.__kept === true")
    assert map_box(laptop)["height"] == box["height"]


def test_the_map_grows_with_a_taller_window(sample_app, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        open_map(page, sample_app.url)
        box = map_box(page)
        assert box["height"] >= 0.8 * 1080 and box["y"] + box["height"] <= 1080
        assert leaflet_size(page)["y"] >= box["height"] - 4
    finally:
        context.close()
