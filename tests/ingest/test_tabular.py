"""Reading district spreadsheets (CSV, .xlsx) with coordinates: what a clerk's file looks like.

Every fixture is built in code: CSV text encoded as the clerk's Excel would save it, and
workbooks laid out like a real 台账 (title row, merged category cells, a 合计 row).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import shapely

from landmap.ingest import table_xlsx, tabular
from landmap.ingest.problems import ImportRejected, Severity
from landmap.ingest.tabular import parse_coordinate, read_table_bytes

# --- fixtures ---------------------------------------------------------------------------------


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = "\r\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(
    rows: list[list[object]], merges: tuple[str, ...] = (), title: str = "Sheet1"
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def codes(read: tabular.TabularRead) -> list[str]:
    return [p.code for p in read.problems]


def problem_named(read: tabular.TabularRead, code: str):
    return next(p for p in read.problems if p.code == code)


PLOTS = [
    ["序号", "地块编号", "地块名称", "经度", "纬度", "状态"],
    [1, "XQ-001", "陶家渡片区闲置地", 101.602, 26.581, "已挂牌"],
    [2, "XQ-002", "格里坪工业地块", 101.531, 26.612, "在建"],
]


# A 台账 as district staff make them: a merged title, a "填报单位" line, a two-row header with
# merged categories (基本信息 over 编号/名称/街道, 坐标 over 经度/纬度), 街道 merged down over
# two plots, and a 合计 row at the bottom.
LEDGER_ROWS = [
    ["西区闲置土地台账（2026年）"],
    ["填报单位：西区自然资源局", None, None, None, "填报日期：2026年5月"],
    ["序号", "基本信息", None, None, "坐标", None, "状态", "面积（亩）"],
    [None, "编号", "名称", "街道", "经度", "纬度"],
    [1, "XQ-001", "陶家渡片区闲置地", "清香坪街道", 101.602, 26.581, "已挂牌", 15],
    [2, "XQ-002", "清香坪老厂区", None, 101.611, 26.584, "招商中", 8.5],
    [3, "XQ-003", "格里坪工业地块", "格里坪镇", 101.531, 26.612, "净地", 40],
    ["合计", None, None, None, None, None, None, 63.5],
]
LEDGER_MERGES = ("A1:H1", "B3:D3", "E3:F3", "A3:A4", "G3:G4", "H3:H4", "D5:D6")


# --- coordinate columns -----------------------------------------------------------------------


def test_chinese_lon_lat_headers_give_points_in_file_order():
    read = read_table_bytes(csv_bytes(PLOTS), "plots.csv")

    assert read.kind == "lonlat"
    assert read.coordinate_columns == ("经度", "纬度")
    assert read.frame.crs is None  # the caller decides between CGCS2000, WGS84, GCJ-02
    assert [(p.x, p.y) for p in read.frame.geometry] == [(101.602, 26.581), (101.531, 26.612)]
    assert read.problems == []


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        ("lon", "lat"),
        ("lng", "lat"),
        ("Long", "Lat"),
        ("Longitude", "Latitude"),
        (" LON ", "ＬＡＴ"),  # spaces and full-width letters
        ("东经", "北纬"),
        ("经度（°）", "纬度（°）"),
        ("中心点经度", "中心点纬度"),
        ("center_lon", "center_lat"),
    ],
)
def test_lon_lat_headers_are_recognised_in_their_usual_spellings(lon, lat):
    read = read_table_bytes(csv_bytes([["name", lon, lat], ["A", 101.6, 26.6]]), "a.csv")

    assert read.kind == "lonlat"
    assert read.coordinate_columns == (lon.strip(), lat.strip())
    assert read.frame.geometry.iloc[0].equals(shapely.Point(101.6, 26.6))


def test_wkt_column_gives_polygons():
    polygon = "POLYGON ((101.60 26.58, 101.61 26.58, 101.61 26.59, 101.60 26.58))"
    rows = [["编号", "名称", "WKT"], ["XQ-1", "地块", f'"{polygon}"'], ["XQ-2", "路", ""]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert read.kind == "wkt"
    assert read.coordinate_columns == ("WKT",)
    assert read.frame.geometry.iloc[0].geom_type == "Polygon"
    assert read.frame.geometry.iloc[1] is None
    assert problem_named(read, "coordinates_missing").feature_ids == ("XQ-2",)


def test_unreadable_wkt_is_reported_and_the_row_kept():
    rows = [["编号", "geometry"], ["XQ-1", "POINT (101.6 26.6)"], ["XQ-2", "POLYGON ((1 2, oops"]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert len(read.frame) == 2
    assert read.frame.geometry.iloc[1] is None
    assert problem_named(read, "wkt_unreadable").feature_ids == ("XQ-2",)
    # the source column named "geometry" must not clash with the frame's geometry
    assert read.coordinate_columns == ("geometry_source",)
    assert "geometry_source" in read.frame.columns


def test_a_table_without_coordinates_is_refused_with_the_headers_it_has():
    rows = [["编号", "名称", "状态"], ["XQ-1", "地块", "已挂牌"]]

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(csv_bytes(rows), "a.csv")

    assert refused.value.problem.code == "no_coordinate_columns"
    assert "编号、名称、状态" in refused.value.problem.text("zh")
    assert "经度" in refused.value.problem.text("zh")


def test_a_longitude_without_latitude_is_refused_by_name():
    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(csv_bytes([["名称", "经度"], ["A", 101.6]]), "a.csv")

    assert refused.value.problem.code == "coordinate_pair_incomplete"
    assert "经度" in refused.value.problem.text("zh")


def test_text_in_coordinate_cells_keeps_the_row_without_a_location():
    rows = [
        ["地块编号", "名称", "经度", "纬度"],
        ["XQ-1", "有坐标", 101.6, 26.6],
        ["XQ-2", "待定的", "待定", "待定"],
        ["XQ-3", "空的", "", ""],
    ]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert list(read.frame["名称"]) == ["有坐标", "待定的", "空的"]  # nothing dropped
    assert list(read.frame.geometry.isna()) == [False, True, True]
    missing = problem_named(read, "coordinates_missing")
    assert missing.severity is Severity.WARNING
    assert missing.feature_ids == ("XQ-2", "XQ-3")
    assert "第 3, 4 行" in missing.text("zh")  # the rows as Excel numbers them


def test_rows_are_named_by_number_when_there_is_no_id_column():
    rows = [["名称", "经度", "纬度"], ["A", 101.6, 26.6], ["B", "待定", 26.6]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    missing = problem_named(read, "coordinates_missing")
    assert missing.feature_ids == ()
    assert "Row(s) 3" in missing.text("en")


def test_serial_number_column_is_not_taken_as_the_id():
    rows = [["序号", "名称", "经度", "纬度"], [1, "A", "待定", ""]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert problem_named(read, "coordinates_missing").feature_ids == ()


def test_swapped_longitude_and_latitude_are_exchanged_with_a_warning():
    rows = [
        ["编号", "lon", "lat"],
        ["XQ-1", 26.581, 101.602],  # lat in the lon column: only in China when swapped
        ["XQ-2", 101.531, 26.612],
    ]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert [(p.x, p.y) for p in read.frame.geometry] == [(101.602, 26.581), (101.531, 26.612)]
    swapped = problem_named(read, "lonlat_swapped")
    assert swapped.severity is Severity.WARNING
    assert swapped.feature_ids == ("XQ-1",)
    assert "填反" in swapped.text("zh")


def test_degrees_minutes_seconds_and_full_width_digits_are_read():
    rows = [
        ["名称", "经度", "纬度"],
        ["A", "101°36′12.5″", "26°35′"],
        ["B", "１０１．６", " 26.6 "],
        ["C", "E101度36分", "N26度36分"],
    ]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    a, b, c = read.frame.geometry
    assert a.x == pytest.approx(101 + 36 / 60 + 12.5 / 3600)
    assert a.y == pytest.approx(26 + 35 / 60)
    assert (b.x, b.y) == (101.6, 26.6)
    assert (c.x, c.y) == (pytest.approx(101.6), pytest.approx(26.6))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (101.5, 101.5),
        ("101.5", 101.5),
        ("１０１．５", 101.5),
        ("101°30′", 101.5),
        ("101°30'36\"", 101.51),
        ("101:30:36", 101.51),
        ("东经101°30′", 101.5),
        ("W101°30′", -101.5),
        ("101°75′", None),  # 75 minutes: not an angle
        ("101,5", None),  # never a decimal comma
        ("待定", None),
        ("", None),
    ],
)
def test_parse_coordinate(cell, expected):
    result = parse_coordinate(cell)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_gauss_kruger_metres_are_xy_and_the_crs_is_left_to_the_caller():
    rows = [["编号", "X坐标", "Y坐标"], ["XQ-1", 460158.3, 2943372.4]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert read.kind == "xy"
    assert read.frame.crs is None
    assert read.frame.geometry.iloc[0].equals(shapely.Point(460158.3, 2943372.4))
    assert read.problems == []


def test_surveyors_x_northing_is_swapped_to_easting_first():
    # In Chinese surveying X is the northing and Y the easting (with the zone number in front).
    rows = [["编号", "X", "Y"], ["XQ-1", 2943372.4, 34460158.3], ["XQ-2", 2943100.0, 34461000.0]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert read.kind == "xy"
    assert read.frame.geometry.iloc[0].equals(shapely.Point(34460158.3, 2943372.4))
    swapped = problem_named(read, "xy_swapped")
    assert swapped.severity is Severity.WARNING
    assert swapped.feature_ids == ("XQ-1", "XQ-2")
    assert "X 指向北" in swapped.text("zh")


def test_metres_in_lon_lat_columns_are_read_as_xy_with_a_warning():
    rows = [["名称", "经度", "纬度"], ["A", 460158.3, 2943372.4]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert read.kind == "xy"
    assert "projected_in_lonlat_columns" in codes(read)


# --- CSV text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("utf-16", "utf-16")],
)
def test_csv_encodings_of_chinese_excel_are_detected(encoding, reported):
    read = read_table_bytes(csv_bytes(PLOTS, encoding=encoding), "plots.csv")

    assert read.encoding == reported
    assert list(read.frame.columns[:3]) == ["序号", "地块编号", "地块名称"]  # no BOM in a name
    assert list(read.frame["地块名称"]) == ["陶家渡片区闲置地", "格里坪工业地块"]


def test_encoding_override_is_used_and_a_wrong_one_refused():
    data = csv_bytes(PLOTS, encoding="gbk")

    assert read_table_bytes(data, "a.csv", encoding="gbk").encoding == "gbk"
    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(data, "a.csv", encoding="utf-8")
    assert refused.value.problem.code == "encoding_mismatch"


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_sniffed(delimiter):
    read = read_table_bytes(csv_bytes(PLOTS, delimiter=delimiter), "a.csv")

    assert read.coordinate_columns == ("经度", "纬度")
    assert len(read.frame.columns) == 7


def test_full_width_comma_is_text_not_a_delimiter():
    rows = [["名称", "备注", "经度", "纬度"], ["A", "已签约，待腾空", 101.6, 26.6]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert read.frame["备注"].iloc[0] == "已签约，待腾空"


def test_csv_cells_stay_text():
    rows = [["编号", "名称", "经度", "纬度"], ["007", "NA", 101.6, 26.6]]

    frame = read_table_bytes(csv_bytes(rows), "a.csv").frame

    assert frame["编号"].iloc[0] == "007"  # leading zeros kept
    assert frame["名称"].iloc[0] == "NA"  # not a missing value


def test_csv_with_a_title_row_and_a_two_row_header():
    rows = [
        ["西区老旧小区改造项目台账", "", "", "", "", ""],
        ["序号", "基本信息", "", "坐标", "", "进度"],
        ["", "小区名称", "所属街道", "经度", "纬度", ""],
        ["1", "河门口小区", "河门口街道", "101.553", "26.645", "在建"],
    ]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert list(read.frame.columns[:-1]) == ["序号", "小区名称", "所属街道", "经度", "纬度", "进度"]
    assert list(read.frame.index) == [4]
    assert "title_rows_skipped" in codes(read)


# --- Excel ------------------------------------------------------------------------------------


def test_xlsx_ledger_with_title_and_merged_header_cells():
    read = read_table_bytes(xlsx_bytes(LEDGER_ROWS, LEDGER_MERGES, title="闲置地"), "台账.xlsx")

    assert read.sheet == "闲置地"
    assert read.encoding is None
    assert list(read.frame.columns[:-1]) == [
        "序号", "编号", "名称", "街道", "经度", "纬度", "状态", "面积（亩）"
    ]  # fmt: skip
    assert list(read.frame.index) == [5, 6, 7]  # Excel's row numbers; the 合计 row left out
    assert read.frame["街道"].tolist() == ["清香坪街道", "清香坪街道", "格里坪镇"]
    merged = problem_named(read, "merged_header_cells")
    assert merged.severity is Severity.WARNING
    assert "A3:A4" in merged.text("zh") and "B3:D3" in merged.text("zh")
    assert "表头" in merged.text("zh")
    assert "D5:D6" in problem_named(read, "data_merged_cells").text("zh")
    assert "第 8 行" in problem_named(read, "total_rows_skipped").text("zh")
    assert "西区闲置土地台账" in problem_named(read, "title_rows_skipped").text("zh")


def test_xlsx_keeps_numbers_and_reads_text_coordinates():
    rows = [["编号", "经度", "纬度", "面积"], ["XQ-1", "101°36′", "26°36′", 12.5]]

    read = read_table_bytes(xlsx_bytes(rows), "a.xlsx")

    assert read.frame["面积"].iloc[0] == 12.5
    assert read.frame.geometry.iloc[0].x == pytest.approx(101.6)


def test_a_merged_header_over_columns_with_data_is_refused():
    rows = [["编号", "坐标", None], ["XQ-1", 101.6, 26.6]]

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(xlsx_bytes(rows, ("B1:C1",)), "a.xlsx")

    assert refused.value.problem.code == "merged_header_unclear"
    assert "B1:C1" in refused.value.problem.text("zh")
    assert "取消合并" in refused.value.problem.text("zh")


def test_a_merged_header_over_empty_columns_names_the_first_one():
    rows = [["编号", "经度", "纬度", "备注", None], ["XQ-1", 101.6, 26.6, "说明", None]]

    read = read_table_bytes(xlsx_bytes(rows, ("D1:E1",)), "a.xlsx")

    assert list(read.frame.columns[:-1]) == ["编号", "经度", "纬度", "备注"]
    assert "merged_header_cells" in codes(read)


def test_sheet_is_chosen_by_name_and_other_sheets_are_mentioned():
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表为填报说明"])
    data_sheet = workbook.create_sheet("台账")
    for row in PLOTS:
        data_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    read = read_table_bytes(buffer.getvalue(), "a.xlsx", sheet="台账")
    assert read.sheet == "台账" and len(read.frame) == 2

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(buffer.getvalue(), "a.xlsx", sheet="第二季度")
    assert "说明、台账" in refused.value.problem.text("zh")


def test_first_sheet_is_read_and_the_others_named():
    workbook = openpyxl.Workbook()
    for row in PLOTS:
        workbook.active.append(row)
    workbook.active.title = "清香坪"
    workbook.create_sheet("格里坪")
    buffer = io.BytesIO()
    workbook.save(buffer)

    read = read_table_bytes(buffer.getvalue(), "a.xlsx")

    assert read.sheet == "清香坪"
    assert "格里坪" in problem_named(read, "other_sheets").text("zh")


SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def _with_shared_strings(data: bytes, shared_strings: bytes) -> bytes:
    """The workbook with ``xl/sharedStrings.xml`` replaced (openpyxl writes inline strings,
    so the part and its content type are added, as Excel itself would have them)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml" and b"sharedStrings" not in body:
                override = (
                    '<Override PartName="/xl/sharedStrings.xml" '
                    f'ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
                )
                body = body.replace(b"</Types>", override.encode())
            if info.filename != "xl/sharedStrings.xml":
                target.writestr(info, body)
        target.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&g;</t></si></sst>"""


@pytest.fixture
def entity_bomb_xlsx() -> bytes:
    return _with_shared_strings(xlsx_bytes(PLOTS), BILLION_LAUGHS)


def test_an_xlsx_with_an_entity_bomb_is_refused(entity_bomb_xlsx):
    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(entity_bomb_xlsx, "bomb.xlsx")

    assert refused.value.problem.code == "xlsx_unsafe_xml"
    assert "xl/sharedStrings.xml" in refused.value.problem.text("en")


def test_defusedxml_refuses_the_bomb_even_without_our_dtd_check(entity_bomb_xlsx, monkeypatch):
    # Defence in depth: openpyxl parses through defusedxml (it must be installed).
    assert openpyxl.DEFUSEDXML is True
    monkeypatch.setattr(table_xlsx, "_refuse_doctypes", lambda archive: None)

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(entity_bomb_xlsx, "bomb.xlsx")

    assert refused.value.problem.code == "xlsx_unsafe_xml"


def test_a_plain_dtd_is_refused_too():
    dtd_only = b"""<?xml version="1.0"?>
<!DOCTYPE sst SYSTEM "http://127.0.0.1:9/evil.dtd">
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>"""
    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(_with_shared_strings(xlsx_bytes(PLOTS), dtd_only), "a.xlsx")

    assert refused.value.problem.code == "xlsx_unsafe_xml"


def test_old_xls_and_fake_xlsx_are_refused_with_advice():
    with pytest.raises(ImportRejected) as legacy:
        read_table_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.xls")
    assert legacy.value.problem.code == "legacy_excel"
    assert ".xlsx" in legacy.value.problem.text("zh")

    with pytest.raises(ImportRejected) as fake:
        read_table_bytes(b"<html>not a workbook</html>", "report.xlsx")
    assert fake.value.problem.code == "not_xlsx"


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("plots.shp", b"\0" * 100)

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(buffer.getvalue(), "plots.xlsx")

    assert refused.value.problem.code == "not_xlsx"


# --- limits and odd tables --------------------------------------------------------------------


def test_more_rows_than_allowed_is_refused():
    rows = [["名称", "经度", "纬度"]] + [[f"P{i}", 101.6, 26.6] for i in range(30)]

    with pytest.raises(ImportRejected) as refused:
        read_table_bytes(csv_bytes(rows), "a.csv", max_rows=10)

    assert refused.value.problem.code == "too_many_rows"


def test_empty_file_and_header_only_are_refused():
    with pytest.raises(ImportRejected) as empty:
        read_table_bytes(b"  \n", "a.csv")
    assert empty.value.problem.code == "empty_file"

    with pytest.raises(ImportRejected) as header_only:
        read_table_bytes(csv_bytes([["名称", "经度", "纬度"]]), "a.csv")
    assert header_only.value.problem.code == "no_data_rows"


def test_duplicate_and_missing_column_names_are_made_usable():
    rows = [["名称", "备注", "备注", "", "经度", "纬度"], ["A", "一", "二", "三", 101.6, 26.6]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert list(read.frame.columns[:-1]) == ["名称", "备注", "备注(2)", "未命名列D", "经度", "纬度"]
    assert {"duplicate_columns", "unnamed_columns"} <= set(codes(read))


def test_blank_rows_are_skipped_but_row_numbers_stay_true():
    rows = [["名称", "经度", "纬度"], ["A", 101.6, 26.6], ["", "", ""], ["B", "待定", ""]]

    read = read_table_bytes(csv_bytes(rows), "a.csv")

    assert list(read.frame.index) == [2, 4]
    assert "第 4 行" in problem_named(read, "coordinates_missing").text("zh")
