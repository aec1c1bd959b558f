"""The data page's own sidebar, the feature table per audience, and the plot criteria."""

from __future__ import annotations

import json
import shutil

import pytest

from landmap.accounts import Role, accounts_path, add_account
from tests.app.test_app import feature_table, plain, shown_count
from tests.conftest import SAMPLE_GPKG

PASSWORD = "correct-horse-battery"
HOLDER = "攀钢集团有限公司"


@pytest.fixture
def data_copy(tmp_path):
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return path


@pytest.fixture(autouse=True)
def editor_account():
    path = accounts_path()
    path.unlink(missing_ok=True)
    add_account(path, "zhang", Role.EDITOR, PASSWORD)


def sign_in(at):
    at.text_input(key="sign_in_name").input("zhang")
    at.text_input(key="sign_in_password").input(PASSWORD)
    next(b for b in at.button if b.label == "登录").click().run()
    return at


def test_the_data_page_has_its_own_sidebar_and_the_filters_survive_a_visit(make_app, data_copy):
    query = {"subdistrict": "格里坪镇", "area": "5-", "holder": HOLDER, "q": "地"}
    at = sign_in(make_app(data_copy, query=query))
    assert at.multiselect(key="holder_filter").value == [HOLDER]
    on_map = shown_count(at)

    at.button_group[0].set_value("data").run()
    assert not at.exception
    assert "数据管理" in [h.value for h in at.header]
    # Only language, sign-in and the page switch: no map filter, no basemap.
    assert not at.sidebar.multiselect and not at.sidebar.checkbox
    assert not at.sidebar.number_input and not at.sidebar.selectbox
    assert [r.key for r in at.sidebar.radio] == ["lang"]
    assert any("筛选条件已保留" in c.value for c in at.sidebar.caption)
    assert at.query_params["subdistrict"] == "格里坪镇"  # the link still carries them
    # The uploader speaks Chinese where Streamlit lets it, and a line above says the rest.
    assert any("Browse files" in c.value and "拖到" in c.value for c in at.caption)
    assert "单个文件不超过 50 MB" in (at.get("file_uploader")[0].proto.help)
    templates = [b.proto.label for b in at.get("download_button")]
    assert "闲置低效用地（Excel）" in templates and "道路工程（CSV）" in templates

    at.button_group[0].set_value("map").run()
    assert not at.exception
    assert at.multiselect(key="subdistricts").value == ["格里坪镇"]
    assert at.multiselect(key="holder_filter").value == [HOLDER]
    assert at.number_input(key="area_min").value == 5
    assert at.text_input(key="search").value == "地"
    assert shown_count(at) == on_map
    assert at.query_params["holder"] == HOLDER and at.query_params["area"] == "5-"


def test_staff_table_has_holder_planned_use_and_deadline_state(make_app):
    at = make_app(staff=True, query={"layers": "idle_land"})
    table = feature_table(at)
    for column in ("权属单位", "规划用途", "期限状态", "面积（亩）"):
        assert column in table.columns
    assert "长度（km）" not in table.columns  # no column of dashes for land
    assert "已逾期" in set(table["期限状态"])
    assert table["面积（亩）"].notna().all() and table["权属单位"].notna().all()
    assert "一类工业用地（M1）" in set(table["规划用途"])


def test_public_table_has_no_deadline_state(make_app):
    at = make_app(query={"layers": "idle_land,roads"})
    table = feature_table(at)
    assert "期限状态" not in table.columns and "联系人" not in table.columns
    assert {"权属单位", "规划用途", "面积（亩）", "长度（km）"} <= set(table.columns)
    roads = table[table["图层"] == "道路"]
    land = table[table["图层"] != "道路"]
    assert roads["长度（km）"].notna().all() and roads["面积（亩）"].isna().all()
    assert land["面积（亩）"].notna().all() and land["长度（km）"].isna().all()


def test_roads_alone_get_length_only(make_app):
    table = feature_table(make_app(query={"layers": "roads"}))
    assert "长度（km）" in table.columns and "面积（亩）" not in table.columns
    assert "权属单位" not in table.columns and "规划用途" not in table.columns


def test_plot_criteria_filter_the_table_and_go_into_the_link(make_app):
    at = make_app(staff=True)
    total = shown_count(at)
    at.number_input(key="area_min").set_value(20.0).run()
    at.number_input(key="area_max").set_value(60.0).run()
    table = feature_table(at)
    assert table["面积（亩）"].between(20, 60).all() and "道路" not in set(table["图层"])
    assert at.query_params["area"] == "20-60"
    assert any("面积 20–60 亩" in c.value for c in at.caption)

    at.multiselect(key="planned_use_filter").select("industrial_m2").run()
    assert set(feature_table(at)["规划用途"]) == {"二类工业用地（M2）"}
    assert at.query_params["use"] == "industrial_m2"
    at.multiselect(key="industry_filter").select("新能源电池材料").run()
    assert at.query_params["industry"] == "新能源电池材料"
    narrowed = shown_count(at)
    assert narrowed == 2 and set(feature_table(at).index) == {"XQ-XZ-009", "XQ-XZ-010"}

    next(b for b in at.sidebar.button if b.label == "重置筛选").click().run()
    assert shown_count(at) == total
    assert not {"area", "use", "industry", "holder"} & set(at.query_params.keys())


def test_holder_from_a_link_filters_and_is_described(make_app):
    at = make_app(query={"holder": HOLDER})
    table = feature_table(at)
    assert not table.empty and set(table["权属单位"]) == {HOLDER}
    assert any(f"权属单位：{HOLDER}" in c.value for c in at.caption)


def test_a_holder_the_public_may_not_see_is_not_offered_nor_kept_from_a_link(make_app):
    # This company's plots are supplied (not offered): the public view shows none of them.
    hidden = "某新能源电池材料企业（竞得人）"
    public = make_app(query={"holder": hidden})
    assert hidden not in public.multiselect(key="holder_filter").options
    assert public.multiselect(key="holder_filter").value == []
    assert "holder" not in public.query_params
    staff = make_app(staff=True, query={"holder": hidden})
    assert staff.multiselect(key="holder_filter").value == [hidden]
    assert set(feature_table(staff).index) == {"XQ-XZ-009", "XQ-XZ-010"}


def test_an_area_range_typed_backwards_means_the_same_range(make_app):
    at = make_app(staff=True)
    at.number_input(key="area_min").set_value(60.0).run()
    at.number_input(key="area_max").set_value(20.0).run()
    assert at.query_params["area"] == "20-60"
    assert feature_table(at)["面积（亩）"].between(20, 60).all()


def test_the_data_page_in_english(make_app, data_copy):
    at = sign_in(make_app(data_copy))
    at.button_group[0].set_value("data").run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert "at most 50 MB" in at.get("file_uploader")[0].proto.help
    assert not any("拖到" in c.value for c in at.caption)  # the box's own words are English
    assert "Download a blank template" in [e.label for e in at.expander]
    assert "Idle & inefficient land (Excel)" in [b.proto.label for b in at.get("download_button")]


def test_the_photo_upload_box_is_explained_in_chinese(make_app, data_copy):
    at = sign_in(make_app(data_copy, query={"plot": "XQ-XZ-004"}))
    assert "上传照片" in [e.label for e in at.expander]
    assert any("Browse files" in c.value and "拖到" in c.value for c in at.caption)


def plot_geojson(feature_id: str) -> bytes:
    ring = [[101.6200, 26.6200], [101.6212, 26.6200], [101.6212, 26.6210], [101.6200, 26.6210]]
    feature = {
        "type": "Feature",
        "properties": {"编号": feature_id, "名称": "新摸排地块", "状态": "已摸排"},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def plot_ids(store) -> set[str]:
    return set(store.read_table("idle_land")["id"])


def said(at) -> str:
    return plain("\n".join([*(s.value for s in at.success), *(e.value for e in at.error)]))


def restore(at, backup_id: str):
    at.selectbox(key="restore_choice").set_value(backup_id)
    at.checkbox(key="restore_confirm").check().run()
    next(b for b in at.button if b.label == "恢复这份备份").click().run()
    return at


def test_an_editor_imports_a_file_then_restores_the_backup_and_undoes_that(
    make_app, sample_copy, place_data
):
    placed = place_data(sample_copy)
    before = plot_ids(placed.store)
    assert not placed.store.backups()
    at = sign_in(make_app(**placed.app_args))
    at.button_group[0].set_value("data").run()
    assert any(i.value == "暂无备份。" for i in at.info)

    picker = next(f for f in at.get("file_uploader") if f.label == "选择文件")
    picker.set_value(("new.geojson", plot_geojson("XQ-XZ-901"), "application/geo+json")).run()
    next(b for b in at.button if b.label == "检查文件").click().run()
    assert not at.exception
    assert "检查报告" in [h.value for h in at.subheader]
    next(b for b in at.button if b.label == "导入 1 个要素（追加要素）").click().run()
    assert not at.exception
    assert "已导入 1 个要素" in said(at)
    assert plot_ids(placed.store) == before | {"XQ-XZ-901"}
    (backup,) = placed.store.backups()
    assert backup.id in said(at) and backup.user == "zhang"
    listed = at.dataframe[-1].value  # the backups tab's table
    assert list(listed["id"]) == [backup.id]

    restore(at, backup.id)
    assert not at.exception
    assert "已恢复" in said(at)
    assert plot_ids(placed.store) == before
    newest, older = placed.store.backups()  # the restore backed up what it replaced
    assert older.id == backup.id and newest.action == "restore"
    assert list(at.dataframe[-1].value["id"]) == [newest.id, backup.id]
    assert at.selectbox(key="restore_choice").value == newest.id  # the undo is preselected
    assert not at.checkbox(key="restore_confirm").value  # and still needs its confirmation

    restore(at, newest.id)  # undo the restore: the imported plot is back
    assert "已恢复" in said(at)
    assert plot_ids(placed.store) == before | {"XQ-XZ-901"}
    at.button_group[0].set_value("map").run()
    assert not at.exception
    at.text_input(key="search").input("XQ-XZ-901").run()
    assert shown_count(at) == 1  # the map reads the store anew
