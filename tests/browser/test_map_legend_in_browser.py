"""The map's colours as Chromium draws them: the fill of each Leaflet path by status and by
deadline, the tooltip's deadline line, and the legend on the map after a filter (issue #10)."""

from __future__ import annotations

import re

import pytest

from landmap.dataset import load_dataset
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.map.colours import MIN_TEXT_CONTRAST, contrast_ratio, hex_colour
from landmap.progress.deadlines import (
    DeadlineState,
    load_milestones,
    today_shanghai,
    with_deadline_columns,
)
from landmap.store import GpkgStore
from tests.browser.test_map_in_browser import MAP_IFRAME, map_frame, open_map
from tests.conftest import SAMPLE_GPKG

pytestmark = pytest.mark.browser

# Per drawn feature: the colour attributes Leaflet gave its SVG path.
DRAWN_PATHS_JS = """() => {
    const out = {};
    window.map.eachLayer(layer => {
        const id = layer.feature && layer.feature.properties.id;
        if (id && layer._path && layer.options.interactive !== false) {
            out[id] = {fill: layer._path.getAttribute("fill"),
                       stroke: layer._path.getAttribute("stroke")};
        }
    });
    return out;
}"""

# The legend as a reader sees it: block titles, then (label, count) rows.
LEGEND_JS = """() => {
    const box = document.querySelector(".leaflet-control-container .landmap-legend");
    if (!box) { return null; }
    return {
        title: box.querySelector("button").textContent,
        sections: Array.from(box.querySelectorAll(".landmap-legend-section")).map(s => ({
            title: s.querySelector("b") ? s.querySelector("b").textContent : "",
            rows: Array.from(s.querySelectorAll(".landmap-legend-row")).map(r => [
                r.querySelector(".landmap-legend-label").textContent,
                Number(r.querySelector(".landmap-legend-count").textContent)]),
        })),
    };
}"""


@pytest.fixture(scope="module")
def sample():
    """The sample's layers with each feature's deadline state today, judged as the app does."""
    store = GpkgStore(SAMPLE_GPKG)
    frames = load_dataset(store).frames
    return with_deadline_columns(frames, load_milestones(store).milestones, today_shanghai())


def drawn_paths(page) -> dict[str, dict[str, str]]:
    return map_frame(page).evaluate(DRAWN_PATHS_JS)


def wait_for_legend(page, predicate, timeout_ms: int = 30_000):
    """The legend once ``predicate`` holds (the legend is swapped in after each rerun)."""
    frame = map_frame(page)
    for _ in range(timeout_ms // 250):
        legend = frame.evaluate(LEGEND_JS)
        if legend is not None and predicate(legend):
            return legend
        page.wait_for_timeout(250)
    return frame.evaluate(LEGEND_JS)


def painted(spec_geometry: GeometryKind, attributes: dict[str, str]) -> str:
    """The colour that identifies a path: its fill for areas, its stroke for lines."""
    return attributes["stroke" if spec_geometry is GeometryKind.LINE else "fill"]


def css_hex(css: str) -> str:
    """``rgb(33, 33, 33)`` → ``#212121`` (computed styles come back as rgb())."""
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return hex_colour(r, g, b)


def test_deadline_colouring_paints_each_feature_by_its_deadline_state(sample_app, page, sample):
    open_map(page, f"{sample_app.url}/?colour=deadline")
    expected = {
        fid: (LAYER_BY_ID[layer_id].geometry, DeadlineState(state).color)
        for layer_id, frame in sample.items()
        for fid, state in zip(frame["id"], frame["deadline_state"], strict=True)
    }
    for _ in range(120):
        paths = drawn_paths(page)
        if len(paths) == len(expected):
            break
        page.wait_for_timeout(250)
    assert set(paths) == set(expected)
    wrong = {
        fid: (painted(kind, paths[fid]), colour)
        for fid, (kind, colour) in expected.items()
        if painted(kind, paths[fid]) != colour
    }
    assert wrong == {}
    # The sample has all of these, areas and lines: a grey map would fail here.
    for state in (DeadlineState.OVERDUE, DeadlineState.DUE_SOON, DeadlineState.MET):
        assert sum(colour == state.color for _, colour in expected.values()) > 0, state
    roads = sample["roads"]
    overdue_road = roads.loc[roads["deadline_state"] == "overdue", "id"].iloc[0]
    assert paths[overdue_road]["stroke"] == DeadlineState.OVERDUE.color


def test_tooltip_of_an_overdue_plot_says_so(sample_app, page, sample):
    idle = sample["idle_land"]
    plot = idle[idle["deadline_state"] == "overdue"].iloc[0]
    open_map(page, f"{sample_app.url}/?colour=deadline&layers=idle_land")
    # Bring the plot to the middle of the map, big enough to hover, as a user would zoom.
    frame = map_frame(page)
    found = frame.evaluate(
        """(id) => {
            let hit = null;
            window.map.eachLayer(l => {
                if (l.feature && l.feature.properties.id === id && l._path) { hit = l; }
            });
            if (!hit) { return false; }
            window.map.fitBounds(hit.getBounds(), {animate: false, maxZoom: 17});
            hit._path.setAttribute("data-test-plot", id);
            return true;
        }""",
        plot["id"],
    )
    assert found
    page.wait_for_timeout(500)
    page.frame_locator(MAP_IFRAME).locator(f'path[data-test-plot="{plot["id"]}"]').hover(force=True)
    tooltip = page.frame_locator(MAP_IFRAME).locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=10_000)
    lines = tooltip.inner_text().splitlines()
    assert lines[0] == plot["name"]
    assert "已逾期" in lines


def test_status_colouring_paints_each_feature_by_its_status(sample_app, page, sample):
    open_map(page, sample_app.url)
    total = sum(len(f) for f in sample.values())
    for _ in range(120):
        paths = drawn_paths(page)
        if len(paths) == total:
            break
        page.wait_for_timeout(250)
    wrong = {}
    for layer_id, frame in sample.items():
        spec = LAYER_BY_ID[layer_id]
        for fid, code in zip(frame["id"], frame["status"], strict=True):
            status = spec.status(code)
            colour = (
                (status.outline or status.color)
                if spec.geometry is GeometryKind.LINE
                else status.color
            )
            if painted(spec.geometry, paths[fid]) != colour:
                wrong[fid] = (painted(spec.geometry, paths[fid]), colour)
    assert wrong == {}


def test_legend_on_the_map_lists_only_the_filtered_statuses_with_counts(sample_app, page, sample):
    open_map(page, f"{sample_app.url}/?status=listed,under_construction")
    expected = []
    for layer_id, frame in sample.items():
        spec = LAYER_BY_ID[layer_id]
        rows = [
            [s.label.zh, int((frame["status"] == s.code).sum())]
            for s in spec.statuses
            if s.code in ("listed", "under_construction") and (frame["status"] == s.code).any()
        ]
        if rows:
            expected.append({"title": spec.short_name.zh, "rows": rows})
    legend = wait_for_legend(page, lambda lg: len(lg["sections"]) == len(expected))
    assert legend["title"].endswith("图例")
    assert legend["sections"] == expected
    assert "在建" in [row[0] for section in legend["sections"] for row in section["rows"]]

    # Legible: computed text colours against the box's computed background (WCAG AA).
    colours = map_frame(page).evaluate(
        """() => {
            const box = document.querySelector(".landmap-legend");
            const css = e => getComputedStyle(e);
            return {
                background: css(box).backgroundColor,
                label: css(box.querySelector(".landmap-legend-label")).color,
                count: css(box.querySelector(".landmap-legend-count")).color,
                title: css(box.querySelector("button")).color,
            };
        }"""
    )
    background = css_hex(colours.pop("background"))
    for name, colour in colours.items():
        assert contrast_ratio(css_hex(colour), background) >= MIN_TEXT_CONTRAST, name

    # Still there, and in view, when the map fills the screen.
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator(".leaflet-control-zoom-fullscreen").first.click()
    page.wait_for_timeout(800)
    legend_box = frame.locator(".landmap-legend")
    assert legend_box.is_visible()
    map_box = frame.locator("#map_div").bounding_box()
    assert map_box["height"] > 900  # full screen: the viewport is 1100 px high
    box = legend_box.bounding_box()
    assert box["y"] + box["height"] <= map_box["y"] + map_box["height"]


def test_deadline_legend_counts_what_is_drawn(sample_app, page, sample):
    open_map(page, f"{sample_app.url}/?colour=deadline&layers=roads")
    counts = sample["roads"]["deadline_state"].value_counts()
    expected = [[s.label.zh, int(counts[s.value])] for s in DeadlineState if s.value in counts]
    legend = wait_for_legend(page, lambda lg: lg["title"].endswith("期限状态"))
    assert legend["title"].endswith("期限状态")
    assert [s["rows"] for s in legend["sections"]] == [expected]


def test_status_pill_text_is_legible_in_the_page(sample_app, page, sample):
    on_hold = sample["renovation"].query("status == 'on_hold'").iloc[0]
    open_map(page, f"{sample_app.url}/?plot={on_hold['id']}")
    main = page.locator('[data-testid="stMain"]')
    pill = main.get_by_text("暂缓", exact=True).first
    pill.wait_for(timeout=30_000)
    colours = pill.evaluate(
        "e => ({text: getComputedStyle(e).color, background: getComputedStyle(e).backgroundColor})"
    )
    assert css_hex(colours["background"]) == "#e0e0e0"
    assert contrast_ratio(css_hex(colours["text"]), "#e0e0e0") >= MIN_TEXT_CONTRAST


def test_switching_a_layer_off_takes_its_legend_block_along(sample_app, page):
    frame = open_map(page, f"{sample_app.url}/?layers=idle_land,roads")
    legend = wait_for_legend(page, lambda lg: len(lg["sections"]) == 2)
    assert [s["title"] for s in legend["sections"]] == ["闲置地", "道路"]
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label").filter(has_text="道路工程").click()
    roads = frame.locator(".landmap-legend-section").filter(has_text="道路")
    roads.wait_for(state="hidden", timeout=10_000)
    assert frame.locator(".landmap-legend-section").filter(has_text="闲置地").is_visible()


def test_no_legend_when_the_filter_leaves_nothing_to_draw(sample_app, page):
    page.goto(f"{sample_app.url}/?layers=roads&status=revitalised")
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator(".leaflet-control-zoom").wait_for(timeout=60_000)
    page.get_by_text("显示 0 个要素", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert frame.locator("path.leaflet-interactive").count() == 0
    assert frame.locator(".landmap-legend").count() == 0
