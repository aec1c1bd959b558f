"""The page as a user drives it: filters, links, language, selection, broken data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd

from landmap.ui.state import MAIN_TAB
from landmap.ui.tables import table_key_for
from tests.conftest import write_gpkg

MAIN_TABS = ("summary", "table", "compare", "export")  # the tabs under the map, in order


def plain(markdown: str) -> str:
    """Markdown without its backslash escapes (data text is escaped before display)."""
    return markdown.replace("\\", "")


def shown_count(at) -> int:
    caption = next(c.value for c in at.caption if re.search(r"(显示|Showing) \d+", c.value))
    return int(re.search(r"(\d+)", caption).group(1))


def all_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in at.error] + [str(w.value) for w in at.warning]
    parts += [str(i.value) for i in at.info]
    parts += [e.proto.body for e in at.get("html")]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(parts)


def open_tab(at, which: str):
    """Open one of the tabs under the map (only the open tab is drawn) and rerun."""
    labels = [tab.label for tab in at.tabs][: len(MAIN_TABS)]
    at.session_state[MAIN_TAB] = labels[MAIN_TABS.index(which)]
    return at.run()


def every_tab(at) -> Iterator:
    """The page once per tab under the map (ending on the last, 导出与打印); a page without
    them (the dashboard, the data page) once as it is."""
    if len(at.tabs) < len(MAIN_TABS) or MAIN_TAB not in at.session_state:
        yield at
        return
    for which in MAIN_TABS:
        yield open_tab(at, which)


def feature_table(at) -> pd.DataFrame:
    """The 要素列表 tab's table (the tab opened first)."""
    open_tab(at, "table")
    return next(df.value for df in at.dataframe if "id" in df.value.columns)


def map_element(at):
    return next(e for e in at.get("component_instance"))


def test_opens_in_chinese_with_the_sample_notice(make_app):
    at = make_app(staff=True)
    assert not at.exception
    assert at.title[0].value == "西区土地与项目一张图"
    # Said once as a toast and kept as a marker in the title row, not as a box above the map.
    assert any("当前为示例数据" in toast.value for toast in at.toast)
    assert not any("示例数据" in box.value for box in at.info)
    assert shown_count(at) > 80  # the whole sample
    assert map_element(at) is not None


def test_status_filter_applies_to_every_layer_with_that_code(make_app, place_data, sample_copy):
    # 已开工 plots are not offered: not in the public view
    at = make_app(**place_data(sample_copy).app_args, staff=True)
    total = shown_count(at)
    at.multiselect(key="status__idle_land").select("under_construction").run()
    assert at.multiselect(key="status__renovation").value == ["under_construction"]
    assert at.multiselect(key="status__roads").value == ["under_construction"]
    assert at.multiselect(key="status__shantytown").value == []
    filtered = shown_count(at)
    assert 0 < filtered < total
    assert at.query_params["status"] == "under_construction"
    table = feature_table(at)
    assert set(table["状态"]) <= {"已开工", "在建（已开工）", "在建"}
    at.multiselect(key="status__roads").unselect("under_construction").run()
    assert at.multiselect(key="status__idle_land").value == []
    assert shown_count(at) == total


def test_layer_toggle_and_search(make_app):
    at = make_app()
    for layer in ("idle_land", "shantytown", "renovation"):
        at.checkbox(key=f"layer_on__{layer}").uncheck()
    at.run()
    roads_only = shown_count(at)
    assert at.query_params["layers"] == "roads"
    assert all(v == "道路" for v in feature_table(at)["图层"])
    at.text_input(key="search").input("金竹路").run()
    assert 0 < shown_count(at) < roads_only


def test_link_restores_filters_and_selection(make_app):
    query = {"layers": "idle_land", "status": "listed,promoting", "plot": "XQ-XZ-001"}
    at = make_app(query=query, staff=True)
    assert not at.exception
    assert at.checkbox(key="layer_on__roads").value is False
    assert set(at.multiselect(key="status__idle_land").value) == {"listed", "promoting"}
    assert set(feature_table(at)["状态"]) <= {"挂牌公告中", "招商推介中"}
    text = all_text(at)
    assert "XQ-XZ-001" in text and "亩" in text
    assert at.query_params["plot"] == "XQ-XZ-001"


def test_detail_panel_shows_area_dates_and_layer_fields(make_app, place_data, sample_copy):
    at = make_app(**place_data(sample_copy).app_args, query={"plot": "XQ-LJ-001"})
    text = all_text(at)
    assert "面积（亩）" in text and "面积（m²）" in text
    for heading in ("基本信息", "关键日期", "老旧小区信息"):
        assert heading in text
    assert "计划开工" in text and "户数" in text


def test_road_detail_shows_length(make_app):
    at = make_app(query={"plot": "XQ-DL-001"})
    assert "长度（km）" in all_text(at)


def test_table_row_selects_the_feature(make_app):
    at = make_app()
    table = feature_table(at)
    first_id = table.iloc[0]["id"]
    key = table_key_for(list(table["id"]), at.session_state["table_generation"])
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.session_state["selected_id"] == first_id
    assert first_id in all_text(at)
    assert at.query_params["plot"] == first_id


def test_english_switch_keeps_the_filter(make_app):
    at = make_app(query={"status": "listed"})
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Xiqu District Land & Project Map"
    assert at.multiselect(key="status__idle_land").value == ["listed"]
    assert "Listed for sale" in all_text(at)
    assert at.query_params["lang"] == "en"


def test_filtering_keeps_the_map_component_identity(make_app):
    """Same component id ⇒ the browser keeps the map (and the user's zoom) across filters."""
    at = make_app()
    before = map_element(at).proto.id
    at.multiselect(key="status__idle_land").select("listed").run()
    assert map_element(at).proto.id == before


def test_tianditu_without_key_explains_why(make_app):
    at = make_app(query={"basemap": "tianditu_vec"})
    assert any("TIANDITU_KEY" in w.value for w in at.sidebar.warning)


def test_missing_data_file_is_explained_and_the_page_still_works(make_app, tmp_path):
    at = make_app(data_path=tmp_path / "gone.gpkg", staff=True)
    assert not at.exception
    assert at.error and "gone.gpkg" in plain(all_text(at))
    assert shown_count(at) == 0
    assert map_element(at) is not None


def test_bad_features_are_listed_and_everything_else_shown(make_app, tmp_path):
    import shapely

    from landmap.layers import LAYER_BY_ID
    from tests.conftest import layer_frame, square_4543, tiny_tables

    tables = tiny_tables()
    spec = LAYER_BY_ID["idle_land"]
    tables["idle_land"] = layer_frame(
        spec,
        [
            {"id": "OK", "name": "正常地块", "status": "ready", "geometry": square_4543(0, 0, 80)},
            {
                "id": "ODD",
                "name": "状态异常",
                "status": "已挂牌",
                "geometry": square_4543(200, 0, 80),
            },
            {"id": "NOSHAPE", "name": "无图形", "status": "ready", "geometry": shapely.Polygon()},
        ],
    )
    del tables["shantytown"]
    at = make_app(data_path=write_gpkg(tmp_path / "bad.gpkg", tables), staff=True)
    assert not at.exception
    notice = "\n".join(m.value for m in at.markdown)
    assert "ODD" in notice and "NOSHAPE" in notice and "shantytown" in notice
    assert "bad.gpkg" in plain(notice)
    assert shown_count(at) == 3 + 1 + 2  # nothing dropped: 3 plots, 1 compound, 2 roads


def test_no_layer_shown_is_an_empty_map_not_an_error(make_app):
    at = make_app(query={"layers": ""})
    assert not at.exception
    assert shown_count(at) == 0
    assert map_element(at) is not None


def test_link_to_unknown_plot_says_so(make_app):
    at = make_app(query={"plot": "NO-SUCH-PLOT"})
    assert not at.exception
    assert any("NO-SUCH-PLOT" in plain(w.value) for w in at.warning)


def test_clear_button_unselects(make_app):
    at = make_app(query={"plot": "XQ-XZ-004"})  # 招商推介中: offered, in the public view
    at.button(key="clear_selection").click().run()
    assert at.session_state["selected_id"] is None
    assert "plot" not in at.query_params
    assert any("点击" in c.value for c in at.caption)  # the overview says how to pick one
