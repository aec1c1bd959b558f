"""What a person would check by eye, in a real Chromium: the map draws, filters, clicks, stays
offline, and shows hostile text as text."""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest
import shapely

from landmap.dataset import load_dataset
from landmap.store import GpkgStore
from tests.browser.conftest import pick_option, start_server
from tests.conftest import SAMPLE_GPKG, layer_frame, square_4543, tiny_tables, write_gpkg

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
XSS_NAME = "<img src=x onerror=\"document.title='pwned'\">"


def drawable_counts(path) -> dict[str, int]:
    """Per status code, how many features of the file have a shape to draw."""
    counts: dict[str, int] = {}
    for frame in load_dataset(GpkgStore(path)).frames.values():
        for status, geom in zip(frame["status"], frame.geometry, strict=True):
            if geom is not None and not geom.is_empty:
                counts[status] = counts.get(status, 0) + 1
    return counts


def map_frame(page):
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            return frame
    raise AssertionError("map iframe not found")


def uncovered_path(page, timeout: float = 20) -> int:
    """The index of a drawn feature a reader can click: not under the legend or a control
    (asked until the map has settled: right after loading, shapes may still be moving)."""
    deadline = time.monotonic() + timeout
    while True:
        index = map_frame(page).evaluate(
            """() => [...document.querySelectorAll('path.leaflet-interactive')].findIndex(p => {
                const r = p.getBoundingClientRect();
                return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === p;
            })"""
        )
        if index >= 0 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert index >= 0, "every feature is covered"
    return index


def open_map(page, url: str):
    page.goto(url)
    page.frame_locator(MAP_IFRAME).locator("path.leaflet-interactive").first.wait_for(
        state="attached", timeout=60_000
    )
    return page.frame_locator(MAP_IFRAME)


def wait_for_count(locator, expected: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    count = locator.count()
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.25)
        count = locator.count()
    return count


def test_map_draws_every_sample_feature(sample_app, page):
    expected = sum(drawable_counts(SAMPLE_GPKG).values())
    frame = open_map(page, sample_app.url)
    paths = frame.locator("path.leaflet-interactive")
    assert wait_for_count(paths, expected) == expected
    assert frame.locator(".leaflet-control-zoom").count() == 1
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert frame.locator(".leaflet-control-zoom-fullscreen, .fullscreen-icon").count() >= 1
    # The measure tool's script is loaded once the map is up (offline.OfflineMeasureControl):
    # its button comes a moment after the features, once, in Chinese.
    measure = frame.locator(".leaflet-control-measure")
    measure.wait_for(timeout=15_000)
    assert measure.count() == 1
    assert "测量" in measure.inner_html()


def test_status_filter_changes_what_is_drawn_and_keeps_the_zoom(sample_app, page):
    counts = drawable_counts(SAMPLE_GPKG)
    frame = open_map(page, sample_app.url)
    paths = frame.locator("path.leaflet-interactive")
    assert wait_for_count(paths, sum(counts.values())) == sum(counts.values())

    # Zoom in and mark the iframe's window: a remount would lose both.
    leaflet = map_frame(page)
    leaflet.evaluate(
        "window.map.setZoom(window.map.getZoom() + 1, {animate: false}); window.__kept = true;"
    )
    zoom = leaflet.evaluate("window.map.getZoom()")

    sidebar = page.locator('[data-testid="stSidebar"]')
    idle_statuses = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="闲置低效用地")
    pick_option(page, idle_statuses, "挂牌公告中")
    page.keyboard.press("Escape")

    expected = counts.get("listed", 0)
    assert 0 < expected < sum(counts.values())
    assert wait_for_count(paths, expected) == expected
    page.wait_for_url(re.compile(r"status=listed"), timeout=30_000)
    leaflet = map_frame(page)
    assert leaflet.evaluate("window.__kept === true")
    assert leaflet.evaluate("window.map.getZoom()") == zoom


def test_link_to_a_plot_opens_zoomed_on_it(sample_app, page):
    open_map(page, f"{sample_app.url}/?plot=XQ-LJ-004")
    page.wait_for_timeout(1000)
    leaflet = map_frame(page)
    assert leaflet.evaluate("window.map.getZoom()") >= 15
    dataset = load_dataset(GpkgStore(SAMPLE_GPKG))
    center = dataset.frames["renovation"].loc["XQ-LJ-004"].geometry.centroid
    inside = leaflet.evaluate(f"window.map.getBounds().contains(L.latLng({center.y}, {center.x}))")
    assert inside


def test_link_with_status_draws_only_that_status(sample_app, page):
    counts = drawable_counts(SAMPLE_GPKG)
    frame = open_map(page, f"{sample_app.url}/?status=under_construction")
    expected = counts["under_construction"]
    assert wait_for_count(frame.locator("path.leaflet-interactive"), expected) == expected


def test_clicking_a_polygon_shows_its_details(sample_app, page):
    frame = open_map(page, f"{sample_app.url}/?layers=idle_land")
    frame.locator("path.leaflet-interactive").nth(uncovered_path(page)).click(force=True)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("面积（亩）").first.wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r"plot=XQ-XZ-\d{3}"), timeout=30_000)
    plot_id = re.search(r"plot=(XQ-XZ-\d{3})", page.url).group(1)
    dataset = load_dataset(GpkgStore(SAMPLE_GPKG))
    name = dataset.frames["idle_land"].loc[plot_id, "name"]
    assert main.get_by_text(name).first.is_visible()
    assert main.get_by_text(plot_id).first.is_visible()
    assert main.get_by_text("关键日期").first.is_visible()


def test_no_request_leaves_the_app_host_with_no_basemap(sample_app, page):
    frame = open_map(page, sample_app.url)
    frame.locator("path.leaflet-interactive").nth(0).click(force=True)
    page.locator('[data-testid="stMain"]').get_by_text("基本信息").first.wait_for(timeout=30_000)
    own = urlparse(sample_app.url).netloc
    foreign = [
        u
        for u in page.requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != own
    ]
    assert page.requests, "no request was recorded at all"
    assert foreign == []


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from landmap.layers import LAYER_BY_ID

    tables = tiny_tables()
    rows = [
        {
            "id": "XSS-1",
            "name": XSS_NAME,
            "status": "listed",
            "subdistrict": "清香坪街道",
            "owner_name": "${document.title='tpl'}",
            "address": "![x](http://127.0.0.9/b.png)",
            "geometry": square_4543(0, 0, 400),
        }
    ]
    tables["idle_land"] = layer_frame(LAYER_BY_ID["idle_land"], rows)
    path = write_gpkg(tmp_path_factory.mktemp("xss") / "xss.gpkg", tables)
    yield from start_server(tmp_path_factory, path)


def test_hostile_name_is_shown_literally_and_runs_nothing(hostile_app, page):
    frame = open_map(page, f"{hostile_app.url}/?layers=idle_land&plot=XSS-1")
    title = page.title()
    polygon = frame.locator("path.leaflet-interactive").first
    polygon.hover(force=True)
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.first.wait_for(timeout=10_000)
    assert XSS_NAME in tooltip.first.inner_text()
    polygon.click(force=True)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(XSS_NAME, exact=True).first.wait_for(timeout=30_000)
    assert main.get_by_text("${document.title='tpl'}").first.is_visible()
    assert main.get_by_text("![x](http://127.0.0.9/b.png)").first.is_visible()
    page.get_by_role("tab", name="要素列表").click()
    page.wait_for_timeout(1500)
    assert page.title() == title != "pwned"
    assert map_frame(page).evaluate("document.title") != "pwned"
    assert not any("127.0.0.9" in u for u in page.requests)
    assert page.locator("img[src='x']").count() == 0
    assert frame.locator("img[src='x']").count() == 0


def test_shapes_of_bad_geometry_are_not_drawn_but_listed(tmp_path_factory, browser):
    tables = tiny_tables()
    from landmap.layers import LAYER_BY_ID

    tables["renovation"] = layer_frame(
        LAYER_BY_ID["renovation"],
        [
            {
                "id": "EMPTY-1",
                "name": "空图形小区",
                "status": "planned",
                "geometry": shapely.Polygon(),
            },
        ],
    )
    path = write_gpkg(tmp_path_factory.mktemp("bad") / "bad.gpkg", tables)
    # The notice names files and ids: staff only, so this server shows the internal view.
    for server in start_server(tmp_path_factory, path, internal_view=True):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        open_map(page, server.url)
        page.get_by_text("数据质量提示").first.wait_for(timeout=30_000)
        assert page.get_by_text("EMPTY-1").first.is_visible()
        assert page.locator("text=Traceback").count() == 0
        context.close()


def test_ticking_a_table_row_selects_and_zooms_to_the_feature(sample_app, page):
    open_map(page, f"{sample_app.url}/?layers=renovation")
    before = map_frame(page).evaluate("window.map.getZoom()")
    page.get_by_role("tab", name="要素列表").click()
    page.get_by_text("点击行首的选择框").wait_for(timeout=30_000)  # the tab's own rerun is in
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # the grid draws its canvas after it appears
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The glide grid is a canvas: tick the checkbox of the third data row.
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17 + 35 * 2)
    page.wait_for_url(re.compile(r"plot=XQ-LJ-\d{3}"), timeout=30_000)
    plot_id = re.search(r"plot=(XQ-LJ-\d{3})", page.url).group(1)
    page.locator('[data-testid="stMain"]').get_by_text(plot_id).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the map flies to the feature
    assert map_frame(page).evaluate("window.map.getZoom()") > before
