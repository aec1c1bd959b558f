"""Progress tracking and data management as people use them, in a real Chromium.

An editor signs in, changes a status with a note, and the map colour, the timeline and the
dashboard follow; a viewer sees no edit controls; an editor imports a file through the data
page and restores the backup; a download holds what the filter shows.
"""

from __future__ import annotations

import json
import re
import shutil

import pyogrio
import pytest

from landmap.accounts import Role, accounts_path, add_account
from landmap.layers import LAYER_BY_ID
from landmap.store import GpkgStore
from tests.browser.conftest import choose_status, download, start_server
from tests.browser.conftest import sign_in as browser_sign_in
from tests.browser.test_map_in_browser import MAP_IFRAME, map_frame, open_map
from tests.conftest import SAMPLE_GPKG

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-password"
PLOT = "XQ-LJ-003"  # 河门口街道河滨小区, 招投标 (tendering) in the sample
UNDER_CONSTRUCTION = LAYER_BY_ID["renovation"].status("under_construction")


@pytest.fixture(scope="module")
def live_copy(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "xiqu.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    add_account(accounts_path(), "editor1", Role.EDITOR, PASSWORD)
    add_account(accounts_path(), "viewer1", Role.VIEWER, PASSWORD)
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory, live_copy):
    yield from start_server(tmp_path_factory, live_copy)


@pytest.fixture(autouse=True)
def patient(page):
    # Saves and imports start child processes; on a busy 2-core machine a rerun can take
    # longer than Playwright's 30 s default without anything being wrong.
    page.set_default_timeout(90_000)


def sign_in(page, name):
    browser_sign_in(page, name, PASSWORD)
    page.get_by_text(f"已登录：{name}").wait_for(timeout=30_000)


def fill_colour(page, feature_id):
    """The fill colour Leaflet uses for a feature (not the selection outline)."""
    return map_frame(page).evaluate(
        """(fid) => {
            let colour = null;
            window.map.eachLayer(l => {
                if (l.feature && l.feature.properties.id === fid && l.options.fill !== false
                    && l.options.fillColor) { colour = l.options.fillColor; }
            });
            return colour;
        }""",
        feature_id,
    )


def test_an_editor_changes_a_status_and_map_timeline_and_dashboard_follow(app, page, live_copy):
    open_map(page, f"{app.url}/?plot={PLOT}")
    assert fill_colour(page, PLOT) == LAYER_BY_ID["renovation"].status("tendering").color
    sign_in(page, "editor1")
    choose_status(page, "在建（已开工）")
    form = page.locator('[data-testid="stForm"]')
    form.get_by_label("变更说明（必填）").fill("施工单位已进场")
    form.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for(timeout=30_000)

    history = GpkgStore(live_copy).history(PLOT)
    last = history.iloc[-1]
    assert (last["field"], last["new_value"], last["changed_by"]) == (
        "status",
        "under_construction",
        "editor1",
    )
    page.frame_locator(MAP_IFRAME).locator("path.leaflet-interactive").first.wait_for(
        state="attached"
    )
    page.wait_for_function(
        """([fid, colour]) => {
            const frame = [...document.querySelectorAll('iframe')].find(
                f => f.title === 'streamlit_folium.st_folium');
            if (!frame || !frame.contentWindow.map) { return false; }
            let found = null;
            frame.contentWindow.map.eachLayer(l => {
                if (l.feature && l.feature.properties.id === fid && l.options.fill !== false
                    && l.options.fillColor) { found = l.options.fillColor; }
            });
            return found === colour;
        }""",
        arg=[PLOT, UNDER_CONSTRUCTION.color],
        timeout=30_000,
    )

    page.get_by_text(re.compile(r"^变更记录（\d+ 次）$")).click()
    page.get_by_text("状态：招投标 → 在建（已开工）", exact=True).wait_for(timeout=10_000)
    page.get_by_text("说明：施工单位已进场", exact=True).wait_for()

    page.get_by_text("进度看板", exact=True).click()
    page.get_by_role("heading", name="本月变动").wait_for(timeout=30_000)
    recent = page.locator('[data-testid="stDataFrame"]').last
    recent.get_by_text("河门口街道河滨小区").wait_for(state="attached", timeout=10_000)
    page.screenshot(path=str(live_copy.parent / "dashboard.png"), full_page=True)


def test_a_viewer_sees_no_edit_controls(app, page):
    open_map(page, f"{app.url}/?plot={PLOT}")
    page.get_by_text("关键日期").wait_for()
    assert page.get_by_text("更新进度").count() == 0
    sign_in(page, "viewer1")
    page.get_by_text("关键日期").wait_for()
    assert page.get_by_text("更新进度").count() == 0
    assert page.get_by_role("button", name="恢复到这次修改之前").count() == 0
    assert page.get_by_text("数据管理", exact=True).count() == 0


def plot_geojson(path, feature_id):
    ring = [[101.6200, 26.6200], [101.6212, 26.6200], [101.6212, 26.6210], [101.6200, 26.6210]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"编号": feature_id, "名称": "新摸排地块", "状态": "已摸排"},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return path


def test_an_editor_imports_a_file_and_can_restore_the_backup(app, page, live_copy, tmp_path):
    open_map(page, app.url)
    sign_in(page, "editor1")
    page.get_by_text("数据管理", exact=True).click()
    page.get_by_text("选择文件", exact=True).wait_for(timeout=30_000)
    before = len(pyogrio.read_dataframe(live_copy, layer="idle_land"))
    page.locator('input[type="file"]').first.set_input_files(
        str(plot_geojson(tmp_path / "new.geojson", "XQ-XZ-901"))
    )
    page.get_by_role("button", name="检查文件").click()
    page.get_by_text("检查报告").wait_for(timeout=60_000)
    page.get_by_text("读取要素: 1").wait_for()
    page.get_by_role("button", name="导入 1 个要素（追加要素）").click()
    page.get_by_text("已导入 1 个要素").wait_for(timeout=60_000)
    ids = set(pyogrio.read_dataframe(live_copy, layer="idle_land")["id"])
    assert "XQ-XZ-901" in ids and len(ids) == before + 1

    page.get_by_role("tab", name="备份与恢复").click()
    page.get_by_text("我确认用这份备份替换当前数据").click()
    page.get_by_role("button", name="恢复这份备份").click()
    page.get_by_text("已恢复").wait_for(timeout=60_000)
    ids = set(pyogrio.read_dataframe(live_copy, layer="idle_land")["id"])
    assert "XQ-XZ-901" not in ids and len(ids) == before


def test_a_download_holds_the_filtered_features(app, page, tmp_path):
    open_map(page, f"{app.url}/?layers=roads&status=under_construction")
    page.get_by_role("tab", name="导出与打印").click()
    geojson = download(page, "GeoJSON")
    saved = tmp_path / geojson.suggested_filename
    geojson.save_as(saved)
    assert saved.suffix == ".geojson"
    features = json.loads(saved.read_text("utf-8"))["features"]
    assert features and {f["properties"]["status"] for f in features} == {"under_construction"}
    pdf = tmp_path / "map.pdf"
    download(page, "下载 PDF").save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
