"""Large mode in a real Chromium (issue #12): a few thousand synthetic plots, more than the
threshold, so the map loads aggregates and plots by view from the landmap-view route."""

from __future__ import annotations

import json
import re
import time

import pytest

from landmap.layers import LAYER_BY_ID
from landmap.viewport import LARGE_MODE_THRESHOLD
from tests.browser.conftest import pick_option, start_server
from tests.synthetic_plots import SECRET_HOLDER, STATUS_CYCLE, write_synthetic_gpkg

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Large enough that one status of seven (the filter test) is still above the threshold.
PLOTS = 15_000
IDLE = LAYER_BY_ID["idle_land"]
STATUS_COLOUR = {s.code: s.color.lower() for s in IDLE.statuses}
SETTLED = '.leaflet-container[data-landmap-pending="0"]:not([data-landmap-loaded="0"])'


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    assert PLOTS // 7 > LARGE_MODE_THRESHOLD
    return write_synthetic_gpkg(tmp_path_factory.mktemp("grid") / "grid.gpkg", PLOTS)


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory, grid):
    yield from start_server(tmp_path_factory, grid, internal_view=True)


@pytest.fixture(scope="module")
def public_app(tmp_path_factory, grid):
    yield from start_server(tmp_path_factory, grid)


def map_frame(page):
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            return frame
    raise AssertionError("map iframe not found")


def record_view_answers(page) -> list[tuple[str, bytes]]:
    answers: list[tuple[str, bytes]] = []

    def keep(response) -> None:
        if "/landmap-view/" in response.url and response.status == 200:
            answers.append((response.url, response.body()))

    page.on("response", keep)
    return answers


def settle(page, loaded_before: int = 0, timeout: float = 60) -> int:
    """Wait until the layer has finished more loads than ``loaded_before`` and none is in
    flight; returns the count of finished loads."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = map_frame(page).evaluate(
                """() => { const el = document.querySelector('.leaflet-container');
                return [el.getAttribute('data-landmap-pending'),
                        el.getAttribute('data-landmap-loaded')]; }"""
            )
        except AssertionError:
            state = [None, None]
        if state[0] == "0" and state[1] is not None and int(state[1]) > loaded_before:
            time.sleep(0.3)  # Leaflet draws on the next frame
            return int(state[1])
        time.sleep(0.2)
    raise AssertionError("the map did not finish loading")


def open_large_map(page, url: str) -> None:
    page.goto(url)
    page.frame_locator(MAP_IFRAME).locator(SETTLED).wait_for(state="attached", timeout=60_000)
    settle(page)


def fills(page, selector: str) -> list[str]:
    return map_frame(page).evaluate(
        f"""() => [...document.querySelectorAll('{selector}')]
            .map(p => (p.getAttribute('fill') || '').toLowerCase())"""
    )


def zoom_to_plots(page) -> int:
    loaded = int(
        map_frame(page).evaluate(
            "document.querySelector('.leaflet-container').getAttribute('data-landmap-loaded')"
        )
    )
    # The middle of the grid (tests/synthetic_plots.py: 80 columns, 60 m apart).
    map_frame(page).evaluate(
        "() => { const b = window.map.getBounds(); "
        "window.map.setView(b.getCenter(), 17, {animate: false}); }"
    )
    return settle(page, loaded)


def uncovered_plot(page) -> int:
    index = map_frame(page).evaluate(
        """() => [...document.querySelectorAll('path.leaflet-interactive')].findIndex(p => {
            if (p.classList.contains('landmap-cluster')) { return false; }
            const r = p.getBoundingClientRect();
            return r.width > 10 && document.elementFromPoint(r.x + r.width / 2,
                                                             r.y + r.height / 2) === p;
        })"""
    )
    assert index >= 0, "no plot can be clicked"
    return index


def opening_answers(page) -> dict[str, dict]:
    """The tile answers the page sent with the map (``viewport.tiles.opening_tiles``), read
    from the feature-group script st_folium evaluated in the map frame."""
    script = map_frame(page).evaluate("window.__GLOBAL_DATA__.last_feature_group")
    start = script.index("landmapViewport(")
    # The call's fifth argument: {"z/x/y": answer, ...}; the text before it has no '{"9'.
    literal = re.search(r'\{"\d+/\d+/\d+":.*?\}\}(?=,\s*\[)', script[start:], re.S)
    return json.loads(literal.group(0)) if literal else {}


def test_first_view_comes_with_the_page_and_draws_aggregates_in_status_colours(staff_app, page):
    answers = record_view_answers(page)
    open_large_map(page, staff_app.url)
    cluster_fills = fills(page, "path.landmap-cluster")
    assert cluster_fills, "no aggregate drawn"
    # The opening view's tiles came with the page: drawn without a request to the route.
    assert not answers
    opening = opening_answers(page)
    assert opening and all("a" in answer for answer in opening.values())
    dominant = {parts[0][1] for answer in opening.values() for _, _, parts in answer["a"]}
    assert dominant
    every_status = {s.color.lower() for spec in LAYER_BY_ID.values() for s in spec.statuses}
    assert set(cluster_fills) <= every_status
    # the grid's aggregates are coloured by plot statuses (and more than one of them)
    grid_colours = {STATUS_COLOUR[c] for c in STATUS_CYCLE}
    assert len(set(cluster_fills) & grid_colours) >= 2
    # nothing was sent as a whole: the page's map holds no plot of the grid
    assert not any(b'"G-' in body and b'"a"' in body for _, body in answers)


def test_zooming_in_draws_plots_in_status_colours_and_a_click_opens_details(staff_app, page):
    open_large_map(page, staff_app.url)
    zoom_to_plots(page)
    plot_fills = fills(page, "path.leaflet-interactive:not(.landmap-cluster)")
    assert len(plot_fills) > 20
    assert not fills(page, "path.landmap-cluster"), "aggregates stay after zooming in"
    assert set(plot_fills) <= set(STATUS_COLOUR.values())
    assert len(set(plot_fills)) >= 3

    plots = page.frame_locator(MAP_IFRAME).locator("path.leaflet-interactive")
    index = uncovered_plot(page)
    colour = fills(page, "path.leaflet-interactive")[index]
    plots.nth(index).click(force=True)
    page.wait_for_url(re.compile(r"plot=G-\d{6}"), timeout=30_000)
    plot_id = re.search(r"plot=(G-\d{6})", page.url).group(1)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(f"网格地块{int(plot_id[2:])}").first.wait_for(timeout=30_000)
    status = STATUS_CYCLE[int(plot_id[2:]) % len(STATUS_CYCLE)]
    assert colour == STATUS_COLOUR[status]
    assert main.get_by_text(IDLE.status_label(status, "zh")).first.is_visible()


def test_status_filter_change_loads_a_new_view(staff_app, page):
    answers = record_view_answers(page)
    open_large_map(page, staff_app.url)
    loaded = zoom_to_plots(page)
    leaflet = map_frame(page)
    leaflet.evaluate("window.__kept = true")
    first_tokens = {url.split("/landmap-view/")[1].split("/")[0] for url, _ in answers}
    assert len(first_tokens) == 1

    sidebar = page.locator('[data-testid="stSidebar"]')
    idle_statuses = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="闲置低效用地")
    pick_option(page, idle_statuses, "挂牌公告中")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"status=listed"), timeout=30_000)

    deadline = time.monotonic() + 60
    listed = STATUS_COLOUR["listed"]
    plot_fills: list[str] = []
    while time.monotonic() < deadline:
        plot_fills = fills(page, "path.leaflet-interactive:not(.landmap-cluster)")
        if plot_fills and set(plot_fills) == {listed}:
            break
        time.sleep(0.3)
    assert plot_fills and set(plot_fills) == {listed}
    # the progress count goes on rising across the swap (the benchmark waits on it)
    assert settle(page, loaded) > loaded
    tokens = {url.split("/landmap-view/")[1].split("/")[0] for url, _ in answers}
    assert len(tokens) == 2  # a new view for the new filter
    leaflet = map_frame(page)
    assert leaflet.evaluate("window.__kept === true")  # swapped in place, no remount
    assert leaflet.evaluate("window.map.getZoom()") == 17


def test_public_view_answers_carry_nothing_internal(public_app, page):
    answers = record_view_answers(page)
    open_large_map(page, public_app.url)
    assert fills(page, "path.landmap-cluster")
    # the answers sent with the page are checked like those of the route
    answers += [
        ("opening " + key, json.dumps(a).encode()) for key, a in opening_answers(page).items()
    ]
    zoom_to_plots(page)
    assert fills(page, "path.leaflet-interactive:not(.landmap-cluster)")
    kinds = {next(iter(json.loads(body))) for _, body in answers}
    assert kinds == {"a", "f"}
    offered = set(IDLE.offered_statuses)
    hidden = [f"G-{i:06d}" for i in range(PLOTS) if STATUS_CYCLE[i % 7] not in offered]
    for url, body in answers:
        text = body.decode("utf-8")
        assert SECRET_HOLDER not in text, url
        assert '"d":' not in text  # no deadline state for the public
        data = json.loads(text)
        for layer in data.get("f", []):
            for feature in layer:
                assert feature["s"] in offered or not feature["id"].startswith("G-")
        for _, _, parts in data.get("a", []):
            assert all(p[1] in offered or p[0] != 0 for p in parts)
    everything = b"".join(body for _, body in answers).decode("utf-8")
    assert not any(f'"{fid}"' in everything for fid in hidden[:500])


def test_clicking_an_aggregate_zooms_in_without_selecting(staff_app, page):
    open_large_map(page, staff_app.url)
    leaflet = map_frame(page)
    zoom = leaflet.evaluate("window.map.getZoom()")
    index = leaflet.evaluate(
        """() => [...document.querySelectorAll('path.landmap-cluster')].findIndex(p => {
            const r = p.getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === p;
        })"""
    )
    assert index >= 0
    page.frame_locator(MAP_IFRAME).locator("path.landmap-cluster").nth(index).click(force=True)
    deadline = time.monotonic() + 20
    while leaflet.evaluate("window.map.getZoom()") == zoom and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leaflet.evaluate("window.map.getZoom()") == zoom + 2
    assert "plot=" not in page.url


def test_a_view_the_server_no_longer_holds_says_reload(staff_app, page):
    page.route("**/landmap-view/**", lambda route: route.fulfill(status=404, body=""))
    open_large_map(page, staff_app.url)  # the opening view comes with the page
    map_frame(page).evaluate("() => window.map.setZoom(window.map.getZoom() + 3)")
    notice = page.frame_locator(MAP_IFRAME).locator(".landmap-view-expired")
    notice.wait_for(timeout=60_000)
    assert "请刷新页面" in notice.inner_text()
