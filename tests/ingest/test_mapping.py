"""From a clerk's column names and words to the layer registry: fields, statuses, dates, numbers."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.ingest.mapping import (
    apply_field_mapping,
    find_id_column,
    map_status_values,
    normalize_header,
    parse_date,
    parse_date_parts,
    parse_number,
    suggest_field_mapping,
)
from landmap.ingest.problems import Severity
from landmap.layers import LAYER_BY_ID

IDLE = LAYER_BY_ID["idle_land"]
SHANTY = LAYER_BY_ID["shantytown"]
RENO = LAYER_BY_ID["renovation"]
ROADS = LAYER_BY_ID["roads"]

# The header of an idle-land 台账 as the district keeps it.
IDLE_HEADER = [
    "序号", "宗地编号", "地块名称", "所属街道", "社区", "宗地坐落", "土地使用权人",
    "用地面积（亩）", "推进情况", "责任单位", "联系人", "备注", "经度", "纬度",
]  # fmt: skip


# --- suggest_field_mapping --------------------------------------------------------------------


def test_a_typical_idle_land_ledger_maps_without_help():
    suggestion = suggest_field_mapping(IDLE_HEADER, IDLE)

    assert suggestion.mapping == {
        "宗地编号": "id",
        "地块名称": "name",
        "所属街道": "subdistrict",
        "社区": "community",
        "宗地坐落": "address",
        "土地使用权人": "owner_name",
        "用地面积（亩）": "source_area_mu",
        "推进情况": "status",
        "责任单位": "responsible_unit",
        "联系人": "contact",
        "备注": "remarks",
    }
    assert suggestion.unmapped == ("序号", "经度", "纬度")
    assert suggestion.missing_required == ()


def test_serial_number_is_a_row_counter_not_an_id():
    suggestion = suggest_field_mapping(["序号", "名称", "状态"], IDLE)

    assert "序号" not in suggestion.mapping
    assert suggestion.missing_required == ("id",)
    assert find_id_column(["序号", "地块编号"]) == "地块编号"
    assert find_id_column(["序号", "名称"]) is None


def test_registry_labels_and_keys_are_matched():
    suggestion = suggest_field_mapping(["权属单位", "owner_level", "现状用途", "Holder"], IDLE)

    assert suggestion.mapping["权属单位"] == "owner_name"
    assert suggestion.mapping["owner_level"] == "owner_level"
    assert suggestion.mapping["现状用途"] == "current_use"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("总投资（万元）", "investment_wan"),
        ("总投资(万元)", "investment_wan"),
        ("总投资万元", "investment_wan"),
        (" 累计完成投资 ", "invested_to_date_wan"),
        ("形象进度", "progress_pct"),
        ("计划开工时间", "planned_start"),
        ("实际开工日期", "actual_start"),
        ("计划完工", "planned_finish"),
        ("小区名称", "name"),
        ("项目编号", "id"),
        ("当前进度", "status"),
        ("建成年代", "build_year"),
        ("户  数", "household_count"),
        ("街道（镇）", "subdistrict"),
        ("实施主体", "responsible_unit"),
        ("ＦＬＯＯＲ_ＡＲＥＡ_Ｍ２", "floor_area_m2"),  # full-width key
        ("建筑面积（㎡）", "floor_area_m2"),
    ],
)
def test_renovation_headers_ignore_spaces_widths_units_and_date_words(header, field):
    assert suggest_field_mapping([header], RENO).mapping == {header: field}


def test_progress_with_a_percent_sign_is_progress_while_plain_progress_is_the_status():
    suggestion = suggest_field_mapping(["进度", "进度（%）"], RENO)

    assert suggestion.mapping == {"进度": "status", "进度（%）": "progress_pct"}


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("面积（亩）", "source_area_mu"),
        ("出让面积(亩)", "source_area_mu"),
        ("用地面积（㎡）", "source_area_m2"),
        ("占地面积（平方米）", "source_area_m2"),
        ("宗地面积（公顷）", "source_area_m2"),  # converted to m² when applied
        ("面积", "source_area_m2"),
    ],
)
def test_area_columns_map_to_a_source_area_by_unit(header, key):
    assert suggest_field_mapping([header], IDLE).mapping == {header: key}


def test_two_columns_for_one_field_keep_the_better_match():
    suggestion = suggest_field_mapping(["联系人", "联系电话"], IDLE)
    assert suggestion.mapping == {"联系人": "contact"}
    assert suggestion.unmapped == ("联系电话",)

    # the field key beats a synonym, wherever it stands
    suggestion = suggest_field_mapping(["名称", "name"], IDLE)
    assert suggestion.mapping == {"name": "name"}
    assert suggestion.unmapped == ("名称",)


def test_a_clerks_id_column_beats_a_bare_id_written_by_gis_software():
    # GDAL reads a GeoJSON feature id as an "id" column (0, 1, 2 when geopandas wrote it).
    suggestion = suggest_field_mapping(["id", "编号", "名称"], IDLE)
    assert suggestion.mapping == {"编号": "id", "名称": "name"}
    assert suggestion.unmapped == ("id",)

    assert suggest_field_mapping(["id", "名称"], IDLE).mapping == {"id": "id", "名称": "name"}


def test_fields_of_other_layers_are_not_suggested():
    suggestion = suggest_field_mapping(["总投资（万元）", "权属单位"], ROADS)

    assert suggestion.mapping == {"总投资（万元）": "investment_wan"}
    assert suggestion.unmapped == ("权属单位",)


def test_same_words_mean_different_fields_per_layer():
    assert suggest_field_mapping(["总户数"], SHANTY).mapping == {"总户数": "households_total"}
    assert suggest_field_mapping(["总户数"], RENO).mapping == {"总户数": "household_count"}
    assert suggest_field_mapping(["存在问题"], ROADS).mapping == {"存在问题": "issues"}
    assert suggest_field_mapping(["存在问题"], IDLE).mapping == {"存在问题": "constraints"}


def test_normalize_header():
    assert normalize_header("总投资\n（万元）") == "总投资"
    assert normalize_header("计划开工时间") == "计划开工"
    assert normalize_header("形象进度（%）") == "形象进度%"
    assert normalize_header("名称*") == "名称"
    assert normalize_header("日期") == "日期"  # a bare date word stays


# --- map_status_values ------------------------------------------------------------------------


def test_listed_and_under_construction_map_per_layer():
    assert map_status_values(["已挂牌", "在建"], IDLE).codes == {
        "已挂牌": "listed",
        "在建": "under_construction",
    }
    assert map_status_values(["已挂牌"], SHANTY).codes == {"已挂牌": "listed"}
    assert map_status_values(["在建"], RENO).codes == {"在建": "under_construction"}
    assert map_status_values(["在建"], ROADS).codes == {"在建": "under_construction"}
    # old compounds are never "listed for sale": the word is not guessed into another status
    assert map_status_values(["已挂牌"], RENO).unknown == ("已挂牌",)


@pytest.mark.parametrize(
    ("layer", "raw", "code"),
    [
        (IDLE, "招商中", "promoting"),
        (IDLE, "具备供地条件", "ready"),
        (IDLE, "净地", "ready"),
        (IDLE, "已划拨", "supplied"),
        (IDLE, "已投产", "revitalised"),
        (IDLE, "停滞", "on_hold"),
        (IDLE, "已登记", "identified"),
        (SHANTY, "征收中", "vacating"),
        (SHANTY, "已腾空", "vacated"),
        (SHANTY, "已拆除", "demolished"),
        (RENO, "意愿征询", "preparing"),
        (RENO, "挂网", "tendering"),
        (RENO, "已验收", "accepted"),
        (RENO, "已完工", "works_completed"),
        (ROADS, "可研", "preliminary"),
        (ROADS, "征地拆迁", "land_clearance"),
        (ROADS, "已通车", "open_to_traffic"),
        (ROADS, "竣工验收", "accepted"),
        (ROADS, "停工", "on_hold"),
    ],
)
def test_status_wordings_of_each_layer(layer, raw, code):
    assert map_status_values([raw], layer).codes == {raw: code}


def test_codes_labels_spaces_and_full_width_are_accepted():
    raws = [
        "listed",
        "挂牌公告中",
        "Listed for sale",
        " 已 挂 牌 ",
        "已挂牌（2026.3）",
        "ＬＩＳＴＥＤ",
    ]

    mapping = map_status_values(raws, IDLE)

    assert set(mapping.codes.values()) == {"listed"}
    assert mapping.unknown == ()


def test_unknown_statuses_are_listed_not_dropped_or_guessed():
    mapping = map_status_values(["已挂牌", "推进中", "", None, "推进中", "在建，预计6月完工"], IDLE)

    assert mapping.codes == {"已挂牌": "listed"}
    assert mapping.unknown == ("推进中", "在建，预计6月完工")


# --- parse_date, parse_number -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "iso", "precision"),
    [
        ("2026年5月31日", "2026-05-31", "day"),
        ("2026年5月31号", "2026-05-31", "day"),
        ("2026.5.31", "2026-05-31", "day"),
        ("2026/05/31", "2026-05-31", "day"),
        ("2026-5-31", "2026-05-31", "day"),
        ("２０２６－０５－３１", "2026-05-31", "day"),
        ("2026-05-31 08:30:00", "2026-05-31", "day"),
        ("20260531", "2026-05-31", "day"),
        (dt.datetime(2026, 5, 31, 14, 0), "2026-05-31", "day"),
        (dt.date(2026, 5, 31), "2026-05-31", "day"),
        (pd.Timestamp("2026-05-31"), "2026-05-31", "day"),
        (46173, "2026-05-31", "day"),  # an Excel day number
        ("46173", "2026-05-31", "day"),
        ("2026-5", "2026-05-01", "month"),
        ("2026年5月", "2026-05-01", "month"),
        ("2026.5", "2026-05-01", "month"),
        ("2026年", "2026-01-01", "year"),
    ],
)
def test_parse_date_reads_chinese_spreadsheet_spellings(value, iso, precision):
    assert parse_date(value) == iso
    assert parse_date_parts(value).precision == precision


@pytest.mark.parametrize(
    "value", ["", None, "待定", "2026-02-30", "2026年6月底", "上半年", "26.5.31", 3.5, True]
)
def test_parse_date_never_guesses(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1,234.5", 1234.5),
        ("１２３", 123.0),
        ("12.5万", 125000.0),
        ("12.5万元", 125000.0),
        ("3亿", 300000000.0),
        ("85%", 85.0),
        ("８５％", 85.0),
        ("约 50", 50.0),
        ("120户", 120.0),
        ("-5", -5.0),
        (" 42 ", 42.0),
        ("1.2E3", 1200.0),
        (7, 7.0),
        (2.5, 2.5),
    ],
)
def test_parse_number(value, number):
    assert parse_number(value) == number


@pytest.mark.parametrize(
    "value", ["—", "-", "/", "无", "待定", "#N/A", "", None, "101,5", "50-60", "35亩", True]
)
def test_parse_number_gives_none_for_placeholders_and_anything_unclear(value):
    assert parse_number(value) is None


# --- apply_field_mapping ----------------------------------------------------------------------


def reno_source() -> gpd.GeoDataFrame:
    rows = {
        "小区编号": ["R-1", "R-2", "R-3"],
        "小区名称": ["河门口小区", "清香坪宿舍", "大宝鼎小区"],
        "进度": ["在建", "推进中", "已完工"],
        "总投资（元）": ["12,000,000", "8.5万", "—"],
        "形象进度": [0.85, 0.3, 1],
        "计划开工时间": ["2026年3月1日", "2026-5", "年底"],
        "楼栋数": ["12栋", "3.5", "8"],
        "改造类别": ["基础类", "improvement", "综合类"],
        "建成年代": ["1998年", 1990.0, "上世纪90年代"],
    }
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, index=pd.Index([5, 6, 7], name="source_row")),
        geometry=[shapely.Point(101.55, 26.64), None, shapely.Point(101.56, 26.64)],
        crs="EPSG:4490",
    )


def applied() -> tuple[gpd.GeoDataFrame, list]:
    source = reno_source()
    mapping = suggest_field_mapping(list(source.columns[:-1]), RENO).mapping
    return apply_field_mapping(source, mapping, RENO)


def test_applied_frame_has_every_registry_column_and_keeps_index_and_crs():
    frame, _ = applied()

    assert list(frame.columns[:3]) == ["id", "name", "status"]
    assert {f.key for f in RENO.all_fields} <= set(frame.columns)
    assert frame.crs == "EPSG:4490"
    assert list(frame.index) == [5, 6, 7]
    assert frame["contact"].isna().all()  # a field nothing feeds is present and empty


def test_values_are_converted_by_field_kind():
    frame, _ = applied()

    assert frame["status"].tolist() == ["在建", "推进中", "已完工"]  # codes come later
    assert frame["investment_wan"].tolist() == [1200.0, 8.5, None]  # header says 元
    assert frame["progress_pct"].tolist() == [85.0, 30.0, 100.0]  # Excel fractions
    assert frame["planned_start"].tolist() == ["2026-03-01", "2026-05-01", None]
    assert frame["building_count"].tolist() == [12, None, 8]
    assert frame["renovation_tier"].tolist() == ["basic", "improvement", "综合类"]
    assert frame["build_year"].tolist() == [1998, 1990, None]


def test_unreadable_cells_are_reported_with_rows_and_ids():
    _, problems = applied()
    by_code = {}
    for item in problems:
        by_code.setdefault(item.code, []).append(item)

    unreadable = {p.values[0][1]: p for p in by_code["value_unreadable"]}  # by column
    assert unreadable["计划开工时间"].feature_ids == ("R-3",)
    assert "年底" in unreadable["计划开工时间"].text("zh")
    assert unreadable["楼栋数"].feature_ids == ("R-2",)
    assert "第 7 行" in unreadable["建成年代"].text("zh")
    month = by_code["date_month_only"][0]
    assert month.feature_ids == ("R-2",) and month.severity is Severity.WARNING
    assert "综合类" in by_code["choice_unknown"][0].text("zh")
    assert "percent_as_fraction" in by_code
    assert all(not p.is_error for p in problems)


def test_money_in_wan_stays_and_a_unit_in_the_cell_wins():
    source = gpd.GeoDataFrame({"总投资（万元）": ["350", "1200万元", "3亿"]}, geometry=[None] * 3)

    frame, _ = apply_field_mapping(source, {"总投资（万元）": "investment_wan"}, ROADS)

    assert frame["investment_wan"].tolist() == [350.0, 1200.0, 30000.0]


def test_source_area_is_converted_to_its_key_unit():
    source = gpd.GeoDataFrame({"面积（公顷）": ["1.5"], "面积（亩）": ["22.5"]}, geometry=[None])

    frame, _ = apply_field_mapping(
        source, {"面积（公顷）": "source_area_m2", "面积（亩）": "source_area_mu"}, IDLE
    )

    assert frame["source_area_m2"].tolist() == [15000.0]
    assert frame["source_area_mu"].tolist() == [22.5]


def test_missing_required_columns_are_a_warning_naming_them():
    source = gpd.GeoDataFrame({"地块名称": ["A"]}, geometry=[None])

    _, problems = apply_field_mapping(source, {"地块名称": "name"}, IDLE)

    (missing,) = problems
    assert missing.code == "required_column_missing"
    assert missing.severity is Severity.WARNING
    assert "编号" in missing.text("zh") and "状态" in missing.text("zh")


def test_a_corrected_mapping_with_mistakes_is_refused_as_errors():
    source = gpd.GeoDataFrame({"联系人": ["王"], "联系电话": ["123"]}, geometry=[None])

    _, problems = apply_field_mapping(
        source, {"联系人": "contact", "联系电话": "contact", "电话": "phone"}, IDLE
    )

    assert {p.code for p in problems} == {
        "mapping_unknown_column",
        "mapping_unknown_field",
        "mapping_duplicate_field",
    }
    assert all(p.is_error for p in problems)
    duplicate = next(p for p in problems if p.code == "mapping_duplicate_field")
    assert "联系人、联系电话" in duplicate.text("zh")


def test_ids_typed_as_numbers_in_excel_become_text():
    source = gpd.GeoDataFrame({"编号": [1001.0, 1002]}, geometry=[None, None])

    frame, _ = apply_field_mapping(source, {"编号": "id"}, IDLE)

    assert frame["id"].tolist() == ["1001", "1002"]
