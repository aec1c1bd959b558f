"""Real files from other software: ids, default statuses, Esri JSON, TopoJSON, code pages,
shifted CSV rows, what a file is when it holds nothing to import, and DataV outlines.

Every file is built here and read by the real sandboxed child; imports write a real
GeoPackage (a copy of the sample).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landmap.cli.main import main
from landmap.dataset import load_boundary
from landmap.ingest.coords import wgs84_to_gcj02
from landmap.ingest.problems import ImportRejected
from landmap.ingest.sandbox import read_geodata
from landmap.store import GpkgStore
from tests.conftest import REPO_ROOT, square_4543
from tests.ingest.conftest import digest
from tests.ingest.test_sandbox import shapefile_parts, shapefile_zip, zip_bytes


def plots_file(tmp_path: Path, rows: list[dict], name: str = "plots.geojson") -> Path:
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4543,
    ).to_crs(4326)
    path = tmp_path / name
    path.write_text(frame.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    return path


def cli(store: Path, *args: str, capsys) -> tuple[int, str]:
    code = main(["--data", str(store), *args])
    return code, capsys.readouterr().out


def stored_ids(store: Path, layer: str = "idle_land") -> list[str]:
    return [str(i) for i in GpkgStore(store).read_table(layer)["id"]]


# -- Ids and statuses --------------------------------------------------------------------------


def test_add_mode_gives_features_without_id_the_next_ids_of_the_layer(
    tmp_path, store_path, capsys
) -> None:
    before = stored_ids(store_path)
    highest = max(int(i.rsplit("-", 1)[1]) for i in before if i.startswith("XQ-XZ-"))
    path = plots_file(
        tmp_path,
        [
            {"地块名称": "奥维标注一", "状态": "已挂牌", "geometry": square_4543(3000, 3000, 100)},
            {"地块名称": "奥维标注二", "状态": "已挂牌", "geometry": square_4543(3300, 3000, 90)},
        ],
    )
    code, out = cli(store_path, "import", str(path), "--layer", "idle_land", capsys=capsys)
    assert code == 0, out
    expected = [f"XQ-XZ-{highest + 1:03d}", f"XQ-XZ-{highest + 2:03d}"]
    assert f"奥维标注一 → {expected[0]}" in out and f"奥维标注二 → {expected[1]}" in out
    assert f"新编号: 2 ({expected[0]} … {expected[1]})" in out
    assert stored_ids(store_path) == [*before, *expected]


def test_update_mode_still_needs_ids(tmp_path, store_path, capsys) -> None:
    path = plots_file(
        tmp_path, [{"地块名称": "无编号", "状态": "已挂牌", "geometry": square_4543(0, 0, 100)}]
    )
    before = digest(store_path)
    code, out = cli(
        store_path, "import", str(path), "--layer", "idle_land", "--mode", "update", capsys=capsys
    )
    assert code == 1 and "1 个要素没有编号" in out and "涉及要素：无编号" in out
    assert digest(store_path) == before


def test_blank_statuses_need_a_chosen_default(tmp_path, store_path, capsys) -> None:
    path = plots_file(
        tmp_path,
        [
            {"编号": "K-1", "geometry": square_4543(3000, 3000, 100)},
            {"编号": "K-2", "geometry": square_4543(3300, 3000, 90)},
        ],
    )
    code, out = cli(store_path, "validate", str(path), "--layer", "idle_land", capsys=capsys)
    assert code == 1 and "2 个要素没有状态" in out and "--default-status" in out
    code, out = cli(
        store_path, "validate", str(path), "--layer", "idle_land", "--default-status", "sold",
        capsys=capsys,
    )  # fmt: skip
    assert code == 1 and "默认状态“sold”不是本图层的状态" in out
    code, out = cli(
        store_path, "import", str(path), "--layer", "idle_land", "--default-status",
        "identified", capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    assert "默认状态: identified (已摸排)" in out and "按所选的默认状态“identified”导入" in out
    table = GpkgStore(store_path).read_table("idle_land").set_index("id")
    assert table.loc[["K-1", "K-2"], "status"].tolist() == ["identified", "identified"]


def test_features_are_named_by_id_else_name_else_their_place(tmp_path, store_path, capsys):
    far = square_4543(300_000, 0, 100)  # far outside the district: an error naming them
    path = plots_file(
        tmp_path,
        [
            {"编号": "F-1", "名称": "甲", "geometry": far},
            {"名称": "乙", "geometry": far},
            {"备注": "x", "geometry": far},
        ],
    )
    code, out = cli(store_path, "--lang", "en", "validate", str(path), "--layer", "idle_land",
                    "--mode", "update", capsys=capsys)  # fmt: skip
    assert code == 1
    assert "Features: F-1, 乙, feature 3" in out
    csv_path = tmp_path / "plots.csv"
    csv_path.write_text("名称,经度,纬度\n,120.0,30.0\n,120.1,30.0\n", encoding="utf-8")
    code, out = cli(store_path, "validate", str(csv_path), "--layer", "idle_land", capsys=capsys)
    assert "涉及要素：第 2 行、第 3 行" in out
    assert not re.search(r"涉及要素：[、 ]", out)


# -- Formats -----------------------------------------------------------------------------------


def test_esri_json_from_arcgis_rest_is_read(tmp_path, store_path, capsys) -> None:
    ring = [list(xy) for xy in square_4543(3000, 3000, 100).exterior.coords]
    esri = {
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": 4543},
        "fields": [
            {"name": n, "type": "esriFieldTypeString"} for n in ("编号", "名称", "状态")
        ],
        "features": [
            {"attributes": {"编号": "E-1", "名称": "ArcGIS 地块", "状态": "已挂牌"},
             "geometry": {"rings": [ring]}},
        ],
    }  # fmt: skip
    path = tmp_path / "query.json"
    path.write_text(json.dumps(esri, ensure_ascii=False), encoding="utf-8")
    code, out = cli(store_path, "import", str(path), "--layer", "idle_land", capsys=capsys)
    assert code == 0, out
    assert "(Esri JSON)" in out and "E-1" in stored_ids(store_path)


def test_topojson_is_read() -> None:
    # One square of 0.001° near 101.6°E 26.6°N as one arc, no quantisation.
    arc = [[101.61, 26.61], [101.611, 26.61], [101.611, 26.611], [101.61, 26.611], [101.61, 26.61]]
    topology = {
        "type": "Topology",
        "arcs": [arc],
        "objects": {
            "plots": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "properties": {"名称": "拓扑地块"}}
                ],
            }
        },
    }
    raw = read_geodata(json.dumps(topology, ensure_ascii=False).encode(), "plots.topojson.json")
    (layer,) = raw.layers
    assert layer.format == "TopoJSON"
    assert layer.frame["名称"].tolist() == ["拓扑地块"]
    assert layer.frame.geometry.iloc[0].area == pytest.approx(1e-6)


@pytest.mark.parametrize(
    ("data", "name", "code", "words"),
    [
        (b'{"100000": {"510000": "\\u56db\\u5ddd"}}', "location.json", "json_not_geodata",
         "不是地理数据"),
        (b'{"type": "FeatureCollection", "features": [', "cut.geojson", "json_invalid",
         "第 1 行附近"),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><GroundOverlay><Icon>'
         b"<href>a.png</href></Icon></GroundOverlay></Document></kml>", "overlay.kml",
         "kml_no_placemarks", "只有图片叠加"),
        (zip_bytes({"data/西区.gpkg": b"SQLite format 3\x00" + b"\x00" * 100}), "plots.zip",
         "zip_no_shp_but", "请解压后直接上传其中的“data/西区.gpkg”"),
        (zip_bytes({"a.dbf": b"x" * 50, "a.sbn": b"y" * 50}), "plots.zip", "zip_no_shp",
         "压缩包里是：a.dbf, a.sbn"),
    ],
)  # fmt: skip
def test_files_with_nothing_to_import_say_what_they_are(data, name, code, words) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_geodata(data, name)
    assert caught.value.problem.code == code
    assert words in caught.value.problem.text("zh")


def test_imagery_only_geopackage_says_so(tmp_path) -> None:
    path = tmp_path / "ortho.gpkg"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA application_id = 1196444487")  # "GPKG"
        con.execute(
            "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, "
            "identifier TEXT, description TEXT, last_change DATETIME, min_x DOUBLE, "
            "min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)"
        )
        con.execute("INSERT INTO gpkg_contents (table_name, data_type) VALUES ('ortho', 'tiles')")
    with pytest.raises(ImportRejected) as caught:
        read_geodata(path.read_bytes(), "ortho.gpkg")
    assert caught.value.problem.code == "gpkg_raster_only"
    assert "只含影像" in caught.value.problem.text("zh")


# -- Text encodings ----------------------------------------------------------------------------


def western_plots() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Hněvošický háj", "Frédéric"]},
        geometry=[square_4543(0, 0, 100), square_4543(300, 0, 100)],
        crs=4543,
    )


def test_a_cpg_naming_code_page_1250_is_trusted(tmp_path) -> None:
    parts = shapefile_parts(tmp_path, western_plots(), encoding="cp1250")
    parts[".cpg"] = b"1250"
    (layer,) = read_geodata(shapefile_zip(parts), "plots.zip").layers
    assert layer.frame["name"].tolist() == ["Hněvošický háj", "Frédéric"]
    assert layer.encoding == "CP1250" and layer.problems == []


def test_a_dbf_language_byte_for_1252_is_trusted(tmp_path) -> None:
    frame = western_plots().assign(name=["Bélicôt", "Pallaïssou"])
    parts = shapefile_parts(tmp_path, frame, encoding="cp1252")
    parts.pop(".cpg", None)
    dbf = bytearray(parts[".dbf"])
    dbf[29] = 0x57  # ANSI 1252
    parts[".dbf"] = bytes(dbf)
    (layer,) = read_geodata(shapefile_zip(parts), "plots.zip").layers
    assert layer.frame["name"].tolist() == ["Bélicôt", "Pallaïssou"]
    assert layer.encoding == "CP1252"
    assert "encoding_mismatch" not in [p.code for p in layer.problems]


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_rows_wider_than_the_header_are_named(tmp_path, store_path, capsys) -> None:
    path = tmp_path / "points.csv"
    path.write_text(
        "编号,名称,WKT\n"
        "A,陶家渡,POINT (101.61 26.61)\n"
        "B,格里坪,镇,POINT (101.62 26.61)\n"
        "C,大水井,POINT (101.63 26.61)\n",
        encoding="utf-8",
    )
    code, out = cli(store_path, "validate", str(path), "--layer", "idle_land", capsys=capsys)
    assert code == 1
    assert "CSV 第 3 行（共 1 行）的值比表头多" in out
    assert "读取要素: 3" in out and "没有找到坐标列" not in out  # the WKT column still found


# -- DataV outlines ----------------------------------------------------------------------------


def test_datav_outline_becomes_features_and_the_district_outline(tmp_path, store_path, capsys):
    outline = shapely.Polygon(
        [(101.600, 26.600), (101.605, 26.600), (101.605, 26.604), (101.600, 26.604)]
    )
    gcj = shapely.transform(outline, lambda xy: np.array([wgs84_to_gcj02(x, y) for x, y in xy]))
    datav = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature",
             "properties": {"adcode": 510403, "name": "西区", "center": [101.6, 26.6],
                            "parent": {"adcode": 510400}, "acroutes": [100000, 510000]},
             "geometry": shapely.geometry.mapping(gcj)},
        ],
    }  # fmt: skip
    path = tmp_path / "510403.json"
    path.write_text(json.dumps(datav, ensure_ascii=False), encoding="utf-8")

    out_path = tmp_path / "xiqu_outline.geojson"
    code, out = cli(store_path, "boundary", str(path), "--source-coords", "gcj02", "-o",
                    str(out_path), capsys=capsys)  # fmt: skip
    assert code == 0 and "LANDMAP_BOUNDARY=" in out
    frame, issue = load_boundary(out_path)
    assert issue is None
    assert frame.geometry.iloc[0].symmetric_difference(outline).area < 0.01 * outline.area

    code, out = cli(store_path, "import", str(path), "--layer", "idle_land", "--source-coords",
                    "gcj02", "--default-status", "identified", capsys=capsys)  # fmt: skip
    assert code == 0, out
    stored = GpkgStore(store_path).read_table("idle_land").to_crs(4326)
    added = stored[stored["name"] == "西区"].geometry.iloc[0]
    assert added.symmetric_difference(outline).area < 0.01 * outline.area


# -- The last resort ---------------------------------------------------------------------------


def test_an_unexpected_failure_gives_a_reference_found_in_the_log(monkeypatch, caplog) -> None:
    from landmap.ingest import sandbox

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sandbox, "_write_request", broken)
    with pytest.raises(ImportRejected) as caught:
        read_geodata(b'{"type": "FeatureCollection", "features": []}', "a.geojson")
    problem = caught.value.problem
    assert problem.code == "internal_error"
    reference = dict(problem.values)["reference"]
    assert f"参考编号：{reference}" in problem.text("zh") and reference in problem.text("en")
    assert any(reference in record.getMessage() for record in caplog.records)


def test_the_command_line_keeps_diagnostics_out_of_the_terminal(tmp_path, store_path):
    """GDAL's English error goes to landmap.log in the state folder, the user gets words."""
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [}', encoding="utf-8")
    state = tmp_path / "state"
    done = subprocess.run(
        [sys.executable, "-m", "landmap", "--data", str(store_path), "validate", str(path),
         "--layer", "idle_land"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
        env={**os.environ, "LANDMAP_STATE_DIR": str(state)},
    )  # fmt: skip
    assert done.returncode == 1
    assert "不是完整有效的 JSON" in done.stdout
    assert done.stderr == ""
    assert "DataSourceError" in (state / "landmap.log").read_text(encoding="utf-8")


def test_a_column_of_wkt_under_any_name_locates_the_rows() -> None:
    from landmap.ingest.tabular import read_table_bytes

    data = 'id,location,shape_1\n1,Mumbai,"POINT (101.61 26.61)"\n2,Delhi,"POINT (101.62 26.6)"\n'
    read = read_table_bytes(data.encode(), "places.csv")
    assert read.kind == "wkt" and read.coordinate_columns == ("shape_1",)
    assert [g.x for g in read.frame.geometry] == [101.61, 101.62]


def test_update_without_a_status_column_keeps_the_stored_statuses(
    tmp_path, store_path, capsys
) -> None:
    stored = GpkgStore(store_path).read_table("idle_land").to_crs(4543)
    first = stored.iloc[0]
    path = plots_file(
        tmp_path,
        [{"编号": first["id"], "权属单位": "西区国资公司", "geometry": first.geometry}],
    )
    code, out = cli(
        store_path, "import", str(path), "--layer", "idle_land", "--mode", "update",
        "--default-status", "on_hold", capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    after = GpkgStore(store_path).read_table("idle_land").set_index("id").loc[first["id"]]
    assert after["owner_name"] == "西区国资公司"
    assert after["status"] == first["status"]  # neither blanked nor defaulted


@pytest.mark.parametrize(
    ("entries", "code", "words"),
    [
        ({"doc.kml": b"<kml/>", "files/icon.png": b"png"}, "zip_is_kmz", "扩展名改回 .kmz"),
        ({"ortho.tif": b"II*\x00", "ortho.tfw": b"1"}, "zip_images_only", "只有影像"),
        ({}, "zip_empty", "压缩包是空的"),
    ],
)
def test_a_zip_without_shapefile_says_what_to_do(entries, code, words) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_geodata(zip_bytes(entries), "plots.zip")
    assert caught.value.problem.code == code
    assert words in caught.value.problem.text("zh")


def test_shapes_the_reader_cannot_build_are_named_by_the_feature(tmp_path, store_path, capsys):
    good = [[101.61, 26.61], [101.612, 26.61], [101.612, 26.612], [101.61, 26.61]]
    unclosed = [[101.62, 26.61], [101.622, 26.61], [101.622, 26.612], [101.62, 26.613]]
    features = [
        {"type": "Feature", "properties": {"名称": name},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for name, ring in (("好地块", good), ("破损地块", unclosed))
    ]  # fmt: skip
    path = tmp_path / "rings.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    _, out = cli(store_path, "validate", str(path), "--layer", "idle_land", capsys=capsys)
    line = next(x for x in out.splitlines() if "图形无法识别" in x)
    assert line.endswith("涉及要素：破损地块"), line
