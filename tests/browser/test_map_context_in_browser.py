"""The district around the plots, in a real Chromium: plot names at zoom, place names, the
subdistrict in a tooltip, and the offline basemap served by the app itself from an MBTiles file
(no request leaving the host)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from landmap.dataset import load_dataset
from landmap.layers import SUBDISTRICTS
from landmap.map.labels import LABEL_MAX_CHARS
from landmap.store import GpkgStore
from landmap.tiles.route import ROUTE_NAME
from tests.browser.conftest import start_server
from tests.browser.test_map_in_browser import map_frame, open_map
from tests.conftest import SAMPLE_GPKG
from tests.tile_files import tiles_around, write_mbtiles

pytestmark = pytest.mark.browser

# Screenshots for a person to look at: set LANDMAP_SHOTS_DIR to keep them.
SHOTS = os.environ.get("LANDMAP_SHOTS_DIR")


def sample_plot():
    """The first sample plot: its id, name and a point inside it."""
    frame = load_dataset(GpkgStore(SAMPLE_GPKG)).frames["idle_land"]
    row = frame.iloc[0]
    point = row.geometry.representative_point()
    return row["id"], str(row["name"]), point.y, point.x


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory):
    """The sample, staff view, with a tiny MBTiles file around the first plot as LANDMAP_TILES."""
    _, _, lat, lon = sample_plot()
    path = write_mbtiles(
        tmp_path_factory.mktemp("tiles") / "xiqu.mbtiles",
        tiles_around(lat, lon, range(12, 18), radius=3),
        {"minzoom": "12", "maxzoom": "17", "attribution": "<b>西区影像</b> 测试"},
    )
    before = os.environ.get("LANDMAP_TILES")
    os.environ["LANDMAP_TILES"] = str(path)
    try:
        yield from start_server(tmp_path_factory, None, internal_view=True)
    finally:
        if before is None:
            os.environ.pop("LANDMAP_TILES", None)
        else:
            os.environ["LANDMAP_TILES"] = before


def visible_texts(frame, selector: str) -> list[str]:
    return frame.locator(selector).all_inner_texts()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


def test_plot_names_appear_from_a_zoom_where_they_fit(tiles_app, page):
    plot_id, name, lat, lon = sample_plot()
    frame = open_map(page, tiles_app.url)
    leaflet = map_frame(page)
    page.wait_for_timeout(500)
    # At the opening (district) zoom: place names, but plots are too small to carry a name.
    assert leaflet.evaluate("window.map.getZoom()") < 15
    assert visible_texts(frame, ".landmap-plot-label") == []
    places = visible_texts(frame, ".landmap-place-label")
    assert "格里坪" in places or "清香坪" in places

    leaflet.evaluate(f"window.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    page.wait_for_timeout(500)
    expected = name if len(name) <= LABEL_MAX_CHARS else name[: LABEL_MAX_CHARS - 1] + "…"
    labels = visible_texts(frame, ".landmap-plot-label")
    assert expected in labels
    # Grade C place names (1–3 km off) are gone this close in.
    assert "格里坪" not in visible_texts(frame, ".landmap-place-label")
    shot(page, "labels-zoom17.png")

    # Zooming out again takes the names away, in the browser (no rerun needed).
    leaflet.evaluate("window.map.setZoom(12, {animate: false})")
    page.wait_for_timeout(300)
    assert visible_texts(frame, ".landmap-plot-label") == []
    assert plot_id  # the plot exists in the sample


def test_tooltip_names_the_subdistrict(tiles_app, page):
    _, _, lat, lon = sample_plot()
    frame = open_map(page, f"{tiles_app.url}/?layers=idle_land")
    leaflet = map_frame(page)
    leaflet.evaluate(f"window.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    page.wait_for_timeout(500)
    point = leaflet.evaluate(
        f"(function () {{ var p = window.map.latLngToContainerPoint([{lat}, {lon}]);"
        " return [p.x, p.y]; })()"
    )
    iframe_box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.move(iframe_box["x"] + point[0], iframe_box["y"] + point[1])
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.first.wait_for(timeout=10_000)
    text = tooltip.first.inner_text()
    frame_data = load_dataset(GpkgStore(SAMPLE_GPKG)).frames["idle_land"]
    assert frame_data.iloc[0]["subdistrict"] in text
    assert any(name in text for name in SUBDISTRICTS)


def test_offline_basemap_is_served_by_the_app_and_nothing_leaves_the_host(tiles_app, page):
    _, _, lat, lon = sample_plot()
    frame = open_map(page, f"{tiles_app.url}/?basemap=offline")
    leaflet = map_frame(page)
    leaflet.evaluate(f"window.map.setView([{lat}, {lon}], 16, {{animate: false}})")
    tiles = frame.locator("img.leaflet-tile-loaded")
    tiles.first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(800)
    widths = tiles.evaluate_all("(imgs) => imgs.map((i) => i.naturalWidth)")
    assert widths and set(widths) == {256}
    own = urlparse(tiles_app.url).netloc
    tile_urls = [u for u in page.requests if f"/{ROUTE_NAME}/" in u]
    assert tile_urls, "no tile was requested"
    assert all(urlparse(u).netloc == own for u in tile_urls)
    assert all(urlparse(u).path.startswith(f"/{ROUTE_NAME}/") for u in tile_urls)
    foreign = [
        u
        for u in page.requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != own
    ]
    assert foreign == []
    # The file's attribution is shown as text, not markup.
    attribution = frame.locator(".leaflet-control-attribution").inner_text()
    assert "<b>西区影像</b>" in attribution
    assert frame.locator(".landmap-basemap-notice").count() == 0
    shot(page, "offline-basemap-zoom16.png")


def test_a_basemap_that_cannot_load_says_so_on_the_map(tiles_app, page):
    # OpenStreetMap on a machine without internet: every tile fails.
    page.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    frame = open_map(page, f"{tiles_app.url}/?basemap=osm")
    notice = frame.locator(".landmap-basemap-notice")
    notice.first.wait_for(timeout=30_000)
    assert "底图无法加载" in notice.first.inner_text()
    shot(page, "osm-offline-notice.png")


@pytest.fixture(scope="module")
def broken_tiles_app(tmp_path_factory):
    """LANDMAP_TILES names a file that is not a tile file at all."""
    path = tmp_path_factory.mktemp("broken") / "xiqu.mbtiles"
    path.write_bytes(b"this is not SQLite")
    before = os.environ.get("LANDMAP_TILES")
    os.environ["LANDMAP_TILES"] = str(path)
    try:
        yield from start_server(tmp_path_factory, None)
    finally:
        if before is None:
            os.environ.pop("LANDMAP_TILES", None)
        else:
            os.environ["LANDMAP_TILES"] = before


def test_a_broken_tile_file_says_so_on_the_map(broken_tiles_app, page):
    frame = open_map(page, f"{broken_tiles_app.url}/?basemap=offline")
    notice = frame.locator(".landmap-basemap-notice")
    notice.first.wait_for(timeout=30_000)
    assert "离线底图文件无法打开" in notice.first.inner_text()
    assert frame.locator("img.leaflet-tile").count() == 0
    # The map itself still works: the plots are drawn.
    assert frame.locator("path.leaflet-interactive").count() > 0
