"""Reading uploads in the sandboxed child: real formats in, hostile files refused.

Every fixture is built here from scratch: shapes around 101.6°E 26.6°N, or EPSG:4543 metres
near E 460 000 N 2 943 000 (domain-china.md §1.1). The hostile cases follow security.md §4.2.
"""

from __future__ import annotations

import http.server
import io
import json
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyproj
import pytest
import shapely

from landmap.ingest import gdal_hardening, gdal_read, messages, sandbox, sniff, textencoding
from landmap.ingest.limits import MIB, Limits
from landmap.ingest.problems import ImportRejected, place_label
from landmap.ingest.sandbox import read_geodata

E0, N0 = 460_000.0, 2_943_000.0  # EPSG:4543, near 101.6°E 26.6°N
PLOT_NAMES = ["陶家渡片区闲置地", "格里坪工业园区土地整理一期", "大水井地块"]
ROAD_NAMES = ["金竹路后段", "大麦地路"]
ESRI_4543 = pyproj.CRS.from_epsg(4543).to_wkt("WKT1_ESRI")


# -- Fixture builders ------------------------------------------------------------------------


def plots_4543() -> gpd.GeoDataFrame:
    shapes = [shapely.box(E0 + 300 * i, N0, E0 + 300 * i + 100, N0 + 100) for i in range(3)]
    return gpd.GeoDataFrame(
        {"name": PLOT_NAMES, "status": ["listed", "ready", "idle"], "area_mu": [15.0, 15.0, 15.0]},
        geometry=shapes,
        crs="EPSG:4543",
    )


def roads_4543() -> gpd.GeoDataFrame:
    lines = [
        shapely.LineString([(E0, N0 - 200), (E0 + 1000, N0 - 200)]),
        shapely.LineString([(E0 - 100, N0), (E0 - 100, N0 + 500)]),
    ]
    return gpd.GeoDataFrame({"name": ROAD_NAMES}, geometry=lines, crs="EPSG:4543")


def shapefile_parts(tmp_path: Path, frame: gpd.GeoDataFrame, **kwargs) -> dict[str, bytes]:
    """The files of a shapefile written by GDAL, by extension."""
    folder = tmp_path / f"shp-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / "plots.shp", **kwargs)
    return {p.suffix: p.read_bytes() for p in folder.iterdir()}


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def shapefile_zip(parts: dict[str, bytes], stem: str = "plots") -> bytes:
    return zip_bytes({f"{stem}{ext}": data for ext, data in parts.items()})


def gbk_dbf(parts: dict[str, bytes], ldid: int = 0) -> dict[str, bytes]:
    """What Chinese desktop GIS exports look like: no .cpg, LDID byte 0 (domain-china.md §1.4)."""
    dbf = bytearray(parts[".dbf"])
    dbf[29] = ldid
    return {k: v for k, v in parts.items() if k != ".cpg"} | {".dbf": bytes(dbf)}


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_crs(4326).to_json(ensure_ascii=False).encode("utf-8")


def kml_text(body: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    doc = f'{prolog}\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'
    return doc.encode("utf-8")


KML_BODY = """
<Folder><name>项目</name>
  <Placemark><name>金竹路后段</name><LineString><coordinates>
    101.600,26.600,0 101.610,26.600,0</coordinates></LineString></Placemark>
  <Placemark><name>大麦地路</name><LineString><coordinates>
    101.599,26.600,0 101.599,26.605,0</coordinates></LineString></Placemark>
</Folder>
<Folder><name>地块</name>
  <Placemark><name>陶家渡片区闲置地</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
    101.600,26.600 101.601,26.600 101.601,26.601 101.600,26.601 101.600,26.600
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder>"""


def recursive_view_gpkg(path: Path) -> bytes:
    """A GeoPackage whose second layer is a view that never ends (security.md §4.2 item 23)."""
    plots_4543().to_file(path, layer="plots", driver="GPKG", engine="pyogrio")
    con = sqlite3.connect(path)  # a fixture file, closed before GDAL sees it (security.md D2)
    with con:
        con.execute(
            "CREATE VIEW endless AS WITH RECURSIVE r(i) AS "
            "(SELECT 1 UNION ALL SELECT i + 1 FROM r) "
            "SELECT r.i AS fid, p.geom AS geom FROM r, (SELECT geom FROM plots LIMIT 1) AS p"
        )
        srs = con.execute("SELECT srs_id FROM gpkg_contents WHERE table_name='plots'").fetchone()
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('endless', 'features', 'endless', ?)",
            srs,
        )
        con.execute(
            "INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 'POLYGON', ?, 0, 0)", srs
        )
    con.close()
    return path.read_bytes()


def zip64(entries: list[tuple[str, bytes, int]]) -> bytes:
    """A zip whose entries all carry zip64 sizes: (name, real content, size the headers claim)."""
    local_parts, central, offset = [], [], 0
    for name, content, declared in entries:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        data, raw_name = comp.compress(content) + comp.flush(), name.encode()
        extra = struct.pack("<HHQQ", 1, 16, declared, len(data))
        head = (zlib.crc32(content), 0xFFFFFFFF, 0xFFFFFFFF, len(raw_name), len(extra))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, *head)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, *head, 0, 0, 0, 0, offset
            )
            + raw_name
            + extra
        )
        local_parts.append(local + raw_name + extra + data)
        offset += len(local_parts[-1])
    directory = b"".join(central)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0
    )
    return b"".join(local_parts) + directory + end


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every work directory goes here; after each test it must be empty (nothing left behind)."""
    root = tmp_path / "sandbox-tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root
    assert list(root.iterdir()) == []


@pytest.fixture
def no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a child process was started")

    monkeypatch.setattr(sandbox.subprocess, "Popen", refuse)


def rejected(data: bytes, filename: str, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_geodata(data, filename, **kwargs)
    return info.value


def assert_names(exc: ImportRejected, code: str, zh: str, en: str) -> None:
    """The refusal is the expected one, and says so in both languages."""
    assert exc.problem.code == code
    assert zh in exc.problem.text("zh")
    assert en in exc.problem.text("en")


def codes(problems) -> list[str]:
    return [p.code for p in problems]


# -- Happy paths -----------------------------------------------------------------------------


def test_geopackage_with_two_layers(tmp_path: Path) -> None:
    path = tmp_path / "xiqu.gpkg"
    plots_4543().to_file(path, layer="idle_land", driver="GPKG", engine="pyogrio")
    roads_4543().to_file(path, layer="roads", driver="GPKG", engine="pyogrio")

    raw = read_geodata(path.read_bytes(), "西区土地.gpkg")

    assert [layer.name for layer in raw.layers] == ["idle_land", "roads"]
    plots, roads = raw.layers
    assert plots.format == "GeoPackage" and plots.encoding == "UTF-8"
    assert plots.frame.crs.to_epsg() == 4543
    assert plots.frame["name"].tolist() == PLOT_NAMES
    assert plots.frame.geometry.area.round().tolist() == [10_000.0] * 3
    assert roads.frame.geom_type.unique().tolist() == ["LineString"]
    assert roads.frame["name"].tolist() == ROAD_NAMES
    assert plots.problems == [] and raw.problems == []


def test_geojson_in_wgs84() -> None:
    raw = read_geodata(geojson_bytes(plots_4543()), "闲置土地.geojson")

    (layer,) = raw.layers
    assert layer.name == "闲置土地"  # from the upload's name; the file on disk is ours
    assert layer.format == "GeoJSON"
    assert layer.frame.crs.to_epsg() == 4326
    assert layer.frame["name"].tolist() == PLOT_NAMES
    x, y = layer.frame.geometry.iloc[0].centroid.coords[0]
    assert 101.59 < x < 101.62 and 26.59 < y < 26.62


def test_zipped_shapefile_in_cgcs2000_gk_with_esri_prj(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543(), encoding="UTF-8")
    parts[".prj"] = ESRI_4543.encode()  # ArcGIS's form (domain-china.md §1.2)
    data = zip_bytes(
        {f"西区/地块{ext}": b for ext, b in parts.items()}
        | {"__MACOSX/西区/._地块.shp": b"\x00\x05\x16\x07", "西区/.DS_Store": b"junk"}
    )

    (layer,) = read_geodata(data, "plots.zip").layers

    assert layer.name == "地块" and layer.format == "Shapefile"
    assert layer.frame.crs.to_epsg() == 4543
    assert layer.prj_text.startswith('PROJCS["CGCS2000_3_Degree_GK_CM_102E"')
    assert layer.frame["name"].tolist() == PLOT_NAMES
    assert layer.frame.geometry.iloc[0].bounds == (E0, N0, E0 + 100, N0 + 100)


def test_gbk_shapefile_without_cpg_and_ldid_0_reads_chinese(tmp_path: Path) -> None:
    parts = gbk_dbf(shapefile_parts(tmp_path, plots_4543(), encoding="GBK"))
    # A Chinese Windows zip tool stores names in GBK without the UTF-8 flag.
    placeholder, gbk_name = b"ABCDEFGH", "西区地块".encode("gbk")
    data = shapefile_zip(parts, stem=placeholder.decode()).replace(placeholder, gbk_name)

    raw = read_geodata(data, "地块.zip")

    (layer,) = raw.layers
    assert layer.frame["name"].tolist() == PLOT_NAMES
    assert layer.encoding == "GB18030"
    assert layer.name == "西区地块"
    assert codes(layer.problems) == ["encoding_guessed"]
    assert "GB18030" in layer.problems[0].text("zh") and raw.problems == []


def test_cpg_ansi_936_is_understood(tmp_path: Path) -> None:
    """GDAL itself does not recognise "ANSI 936" (domain-china.md §1.4); we do."""
    parts = gbk_dbf(shapefile_parts(tmp_path, plots_4543(), encoding="GBK")) | {".cpg": b"ANSI 936"}

    raw = read_geodata(shapefile_zip(parts), "plots.zip")

    assert raw.layers[0].frame["name"].tolist() == PLOT_NAMES
    assert raw.layers[0].encoding == "GB18030"
    assert raw.layers[0].problems == [] and raw.problems == []


def test_cpg_saying_utf8_on_gbk_text_falls_back_with_a_warning(tmp_path: Path) -> None:
    parts = gbk_dbf(shapefile_parts(tmp_path, plots_4543(), encoding="GBK")) | {".cpg": b"UTF-8"}

    raw = read_geodata(shapefile_zip(parts), "plots.zip")

    (layer,) = raw.layers
    assert layer.frame["name"].tolist() == PLOT_NAMES
    assert codes(layer.problems) == ["encoding_mismatch"]
    assert "UTF-8" in layer.problems[0].text("zh") and "GB18030" in layer.problems[0].text("en")


def test_encoding_override_wins(tmp_path: Path) -> None:
    parts = gbk_dbf(shapefile_parts(tmp_path, plots_4543(), encoding="GBK"), ldid=0x57)

    raw = read_geodata(shapefile_zip(parts), "plots.zip", encoding="cp936")

    assert raw.layers[0].frame["name"].tolist() == PLOT_NAMES
    assert raw.layers[0].problems == []


def test_kml_with_two_folders() -> None:
    raw = read_geodata(kml_text(KML_BODY), "奥维导出.kml")

    assert [layer.name for layer in raw.layers] == ["项目", "地块"]
    roads, plots = raw.layers
    assert roads.format == "KML" and roads.frame.crs.to_epsg() == 4326
    assert roads.frame["Name"].tolist() == ROAD_NAMES
    assert plots.frame["Name"].tolist() == ["陶家渡片区闲置地"]
    assert not plots.frame.geometry.iloc[0].has_z  # altitude dropped


def test_kmz_with_doc_kml_and_an_icon() -> None:
    data = zip_bytes({"doc.kml": kml_text(KML_BODY), "files/icon.png": b"\x89PNG\r\n\x1a\n"})

    raw = read_geodata(data, "项目.kmz")

    assert [layer.format for layer in raw.layers] == ["KMZ", "KMZ"]
    assert raw.layers[0].frame["Name"].tolist() == ROAD_NAMES


def test_gbk_encoded_kml_is_transcoded() -> None:
    data = kml_text(KML_BODY, '<?xml version="1.0" encoding="GB2312"?>').decode().encode("gbk")

    raw = read_geodata(data, "导出.kml")

    assert raw.layers[0].frame["Name"].tolist() == ROAD_NAMES
    assert raw.layers[0].encoding == "GB18030"


def test_geojson_mixing_points_and_polygons_is_read_with_a_warning() -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["金竹路项目部", "陶家渡片区闲置地"]},
        geometry=[shapely.Point(101.60, 26.60), shapely.box(101.60, 26.60, 101.61, 26.61)],
        crs=4326,
    )

    (layer,) = read_geodata(geojson_bytes(frame), "mixed.geojson").layers

    assert layer.frame.geom_type.tolist() == ["Point", "Polygon"]
    (warning,) = layer.problems
    assert warning.code == "mixed_geometry" and not warning.is_error
    assert "点、面" in warning.text("zh") and "points, areas" in warning.text("en")


def test_unbuildable_geometry_is_reported_by_row_not_fatal() -> None:
    ring_open = [[101.6, 26.6], [101.61, 26.6], [101.61, 26.61], [101.6, 26.61]]
    features = [
        {"type": "Feature", "properties": {"name": n}, "geometry": g}
        for n, g in [
            ("好的", {"type": "Point", "coordinates": [101.6, 26.6]}),
            ("没闭合", {"type": "Polygon", "coordinates": [ring_open]}),
        ]
    ]
    data = str({"type": "FeatureCollection", "features": features}).replace("'", '"').encode()

    (layer,) = read_geodata(data, "plots.geojson").layers

    assert layer.frame["name"].tolist() == ["好的", "没闭合"]
    assert layer.frame.geometry.isna().tolist() == [False, True]
    (warning,) = layer.problems
    assert warning.code == "invalid_geometry" and warning.feature_ids == (
        place_label(2, "feature"),
    )
    assert "无法识别" in warning.text("zh") and "2" in warning.text("en")


def test_too_many_layers_reads_the_first_ones(tmp_path: Path) -> None:
    path = tmp_path / "many.gpkg"
    for name in ("a", "b", "c"):
        roads_4543().to_file(path, layer=name, driver="GPKG", engine="pyogrio")

    raw = read_geodata(path.read_bytes(), "many.gpkg", limits=Limits(max_layers=2))

    assert [layer.name for layer in raw.layers] == ["a", "b"]
    assert codes(raw.problems) == ["too_many_layers"]


# -- Refused before any child process starts -------------------------------------------------


def test_empty_file(no_child: None) -> None:
    exc = rejected(b"", "plots.geojson")
    assert_names(exc, "empty_file", "空的（0 字节）", "empty (0 bytes)")


def test_upload_over_the_size_limit(no_child: None) -> None:
    exc = rejected(b"{" + b" " * 2000, "plots.geojson", limits=Limits(max_upload_bytes=1000))
    assert_names(exc, "too_large", "超过了上传上限", "over the upload limit")


@pytest.mark.parametrize("name", ["地块.shp", "地块.dbf", "plots.exe", "no-extension"])
def test_unsupported_or_lone_shapefile_parts(no_child: None, name: str) -> None:
    exc = rejected(b"data", name)
    assert exc.problem.code in {"shapefile_not_zipped", "unsupported_type"}
    assert ".zip" in exc.problem.text("zh") and ".zip" in exc.problem.text("en")


# -- Hostile or broken content ---------------------------------------------------------------

VRT_PASSWD = b"""<OGRVRTDataSource><OGRVRTLayer name="x">
<SrcDataSource>CSV:/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"""


def assert_no_leak(exc: ImportRejected, caplog: pytest.LogCaptureFixture) -> None:
    for text in (exc.problem.text("zh"), exc.problem.text("en"), str(exc), caplog.text):
        assert "root:" not in text


def test_vrt_disguised_as_geojson(caplog: pytest.LogCaptureFixture) -> None:
    exc = rejected(VRT_PASSWD, "plots.geojson")
    assert_names(exc, "content_mismatch", "不是 JSON 文本", "not JSON text")
    assert_no_leak(exc, caplog)


def test_vrt_inside_a_zip(caplog: pytest.LogCaptureFixture) -> None:
    exc = rejected(zip_bytes({"plots.vrt": VRT_PASSWD}), "plots.zip")
    assert_names(exc, "zip_no_shp", "没有 .shp 文件", "no .shp file")
    assert_no_leak(exc, caplog)


def test_vrt_named_shp_inside_a_zip(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    parts = shapefile_parts(tmp_path, plots_4543()) | {".shp": VRT_PASSWD}
    exc = rejected(shapefile_zip(parts), "plots.zip")
    assert_names(exc, "not_readable", "无法读取", "cannot be read")
    assert_no_leak(exc, caplog)


def test_hardened_gdal_has_no_vrt_driver_and_cannot_read_it(tmp_path: Path) -> None:
    """The allowlist itself (security.md §3.2), independent of our content sniffing."""
    vrt = tmp_path / "x.vrt"
    vrt.write_bytes(VRT_PASSWD)
    code = (
        "import json, sys, pyogrio\n"
        "from landmap.ingest import worker\n"
        "print(json.dumps(sorted(pyogrio.list_drivers())))\n"
        "try:\n"
        "    print(pyogrio.read_dataframe(sys.argv[1]))\n"
        "except Exception as e:\n"
        "    print('REFUSED', type(e).__name__)\n"
    )
    setup = "from landmap.ingest import gdal_hardening; gdal_hardening.harden_gdal()\n"
    out = subprocess.run(
        [sys.executable, "-c", setup + code, str(vrt)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    drivers, verdict = out.stdout.splitlines()[:2]
    assert json.loads(drivers) == sorted(gdal_hardening.ALLOWED_DRIVERS)
    assert verdict.startswith("REFUSED")
    assert "root:" not in out.stdout + out.stderr


def test_driver_outside_the_allowlist_is_refused_after_opening() -> None:
    with pytest.raises(ImportRejected) as info:
        gdal_read._check_driver("OGR_VRT", "geojson")
    assert_names(info.value, "driver_refused", "OGR_VRT", "refused for safety")


def test_geopackage_with_an_endless_recursive_view_is_stopped(tmp_path: Path) -> None:
    data = recursive_view_gpkg(tmp_path / "evil.gpkg")
    started = time.monotonic()

    exc = rejected(data, "evil.gpkg", limits=Limits(wall_seconds=5))

    assert time.monotonic() - started < 12
    assert_names(exc, "timeout", "读取超时（5 秒）", "longer than 5 s")


def test_cpu_limit_stops_the_endless_view_too(tmp_path: Path) -> None:
    data = recursive_view_gpkg(tmp_path / "evil.gpkg")
    exc = rejected(data, "evil.gpkg", limits=Limits(child_cpu_seconds=3, wall_seconds=30))
    assert_names(exc, "cpu_limit", "计算时间超过 3 秒", "more than 3 s of computing time")


def test_memory_exhaustion_is_a_clear_refusal() -> None:
    exc = rejected(
        geojson_bytes(plots_4543()), "plots.geojson", limits=Limits(child_memory_bytes=64 * MIB)
    )
    assert_names(exc, "memory", "内存超过上限（64 MB）", "more memory than the limit (64 MB)")


def test_truncated_zip(tmp_path: Path) -> None:
    data = shapefile_zip(shapefile_parts(tmp_path, plots_4543()))
    exc = rejected(data[: len(data) // 2], "plots.zip")
    assert_names(exc, "zip_corrupt", "损坏或不完整", "damaged or incomplete")


def test_zip_without_shp() -> None:
    exc = rejected(zip_bytes({"readme.txt": "地块说明".encode()}), "plots.zip")
    assert_names(exc, "zip_no_shp", "没有 .shp 文件（图形）", "no .shp file (the shapes)")


def test_zip_without_dbf(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543())
    del parts[".dbf"]
    exc = rejected(shapefile_zip(parts), "plots.zip")
    assert_names(exc, "zip_no_dbf", "没有 .dbf 文件（属性表", "no .dbf file (the attribute table")
    assert "名称和状态" in exc.problem.text("zh") and "names and statuses" in str(exc)


def test_zip_without_shx(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543())
    del parts[".shx"]
    exc = rejected(shapefile_zip(parts), "plots.zip")
    assert_names(exc, "zip_no_shx", "plots.shx", "the shape index")


def test_zip_with_two_shapefiles_names_them(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543())
    data = zip_bytes({f"{stem}{ext}": b for stem in ("地块", "道路") for ext, b in parts.items()})
    exc = rejected(data, "both.zip")
    assert_names(exc, "zip_many_shp", "地块.shp、道路.shp", "2 .shp files")


@pytest.mark.parametrize(
    "entry",
    [
        "../../landmap-evil-{tag}.shp",
        "/tmp/landmap-evil-{tag}.shp",
        "C:\\landmap-evil-{tag}.shp",
        "__MACOSX/../../landmap-evil-{tag}.shp",
    ],
)
def test_zip_with_unsafe_paths(tmp_path: Path, entry: str) -> None:
    tag = uuid.uuid4().hex
    name = entry.format(tag=tag)
    parts = shapefile_parts(tmp_path, plots_4543())
    data = zip_bytes({name: parts[".shp"], "plots.shx": parts[".shx"], "plots.dbf": parts[".dbf"]})
    exc = rejected(data, "plots.zip")
    assert_names(exc, "zip_unsafe_path", "路径不安全", "path is unsafe")
    assert f"landmap-evil-{tag}" in exc.problem.text("en")  # the entry is named for the clerk
    tmp = Path(tempfile.gettempdir())
    for folder in (tmp, tmp.parent, tmp.parent.parent, Path("/tmp"), tmp_path):
        assert not (folder / f"landmap-evil-{tag}.shp").exists()


def test_zip_with_a_symlink() -> None:
    link = zipfile.ZipInfo("plots.shp")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(link, "/etc/passwd")
    exc = rejected(buf.getvalue(), "plots.zip")
    assert_names(exc, "zip_symlink", "链接（symlink）", "a link (symlink)")


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """300 MB of zeros in ~300 KB (security.md §4.2 item 22), made in about a second."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("plots.dbf", "w") as entry:
            for _ in range(300):
                entry.write(bytes(MIB))
        zf.writestr("plots.shp", b"\x00" * 100)
        zf.writestr("plots.shx", b"\x00" * 100)
    return buf.getvalue()


def test_zip_bomb_refused_by_size(zip_bomb: bytes) -> None:
    exc = rejected(zip_bomb, "plots.zip", limits=Limits(max_unzipped_bytes=20 * MIB))
    assert_names(exc, "zip_too_big", "超过 20 MB", "exceed the limit of 20 MB")


def test_zip_bomb_refused_by_ratio(zip_bomb: bytes) -> None:
    exc = rejected(zip_bomb, "plots.zip")  # 300 MB is under the default 500 MB: ratio decides
    assert_names(exc, "zip_ratio", "压缩比异常", "compressed unusually tightly")


def test_zip64_entry_lying_about_its_size_stops(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543())
    zeros = bytes(50 * MIB)  # claims 1000 bytes; unpacking must stop, not fill the disk
    data = zip64(
        [
            ("plots.shp", zeros, 1000),
            ("plots.shx", parts[".shx"], len(parts[".shx"])),
            ("plots.dbf", parts[".dbf"], len(parts[".dbf"])),
        ]
    )
    exc = rejected(data, "plots.zip", limits=Limits(max_unzipped_bytes=10 * MIB))
    assert exc.problem.code in {"zip_corrupt", "zip_too_big"}
    assert "压缩包" in exc.problem.text("zh") and "zip" in exc.problem.text("en")


def test_zip_with_too_many_entries() -> None:
    data = zip_bytes({f"f{i}.txt": b"x" for i in range(30)})
    exc = rejected(data, "plots.zip", limits=Limits(max_zip_entries=20))
    assert_names(exc, "zip_too_many_entries", "30 个文件", "30 files")


def test_too_many_features() -> None:
    exc = rejected(geojson_bytes(plots_4543()), "plots.geojson", limits=Limits(max_features=2))
    assert_names(exc, "too_many_features", "3 个要素，超过上限 2", "3 features, more than")


class _Hits(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_GET(self) -> None:
        type(self).count += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"LEAKED")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def listener():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hits.count = 0
    yield f"http://127.0.0.1:{server.server_port}/x"
    server.shutdown()


def test_kml_with_external_entities_leaks_nothing(
    tmp_path: Path, listener: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    for target in ("file:///etc/hostname", listener):
        prolog = f'<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY x SYSTEM "{target}">]>'
        body = "<Placemark><name>&x;</name><Point><coordinates>101.6,26.6</coordinates></Point>"
        data = kml_text(body + "</Placemark>", prolog)

        exc = rejected(data, "evil.kml")
        assert_names(exc, "kml_doctype", "DOCTYPE", "DOCTYPE")
        assert (not secret or secret not in str(exc) + caplog.text) and "LEAKED" not in str(exc)

        # GDAL's own refusal stays a regression test too (security.md §2.2 I5, §4.2 item 18).
        path = tmp_path / "evil.kml"
        path.write_bytes(data)
        with pytest.raises(pyogrio.errors.DataSourceError):
            pyogrio.read_dataframe(path)
    assert _Hits.count == 0


def test_png_renamed_geojson() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    exc = rejected(png, "plots.geojson")
    assert_names(exc, "content_mismatch", "PNG 图片", "a PNG image")


def test_html_renamed_kml() -> None:
    exc = rejected("<!DOCTYPE html><html><body>登录</body></html>".encode(), "map.kml")
    assert_names(exc, "content_mismatch", "网页（HTML）", "a web page (HTML)")


def test_geojson_renamed_kml() -> None:
    exc = rejected(geojson_bytes(plots_4543()), "plots.kml")
    assert_names(exc, "content_mismatch", "JSON 文本", "JSON text")


def test_mojibake_text_is_flagged() -> None:
    """Names converted GBK -> Latin-1 -> UTF-8 somewhere upstream: "Ãû³Æ" (domain-china §1.4)."""
    frame = plots_4543()
    frame["name"] = [n.encode("gbk").decode("latin-1") for n in PLOT_NAMES]

    (layer,) = read_geodata(geojson_bytes(frame), "plots.geojson").layers

    (warning,) = layer.problems
    assert warning.code == "mojibake"
    assert warning.feature_ids == tuple(place_label(n, "feature") for n in (1, 2, 3))
    assert "第 1 个要素" in warning.text("zh") and "feature 1" in warning.text("en")
    assert "乱码" in warning.text("zh") and "garbled" in warning.text("en")


def test_gbk_dbf_marked_western_is_read_as_gbk_not_mojibake(tmp_path: Path) -> None:
    """LDID 0x57 (ANSI 1252) on GBK text would show "¸ñÀïÆº"; we read GB18030 and say so."""
    parts = gbk_dbf(shapefile_parts(tmp_path, plots_4543(), encoding="GBK"), ldid=0x57)

    raw = read_geodata(shapefile_zip(parts), "plots.zip")

    (layer,) = raw.layers
    assert layer.frame["name"].tolist() == PLOT_NAMES
    assert codes(layer.problems) == ["encoding_mismatch"]
    assert "CP1252" in layer.problems[0].text("en")


def test_zip_with_two_entries_of_the_same_name(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in [("plots.shp", parts[".shp"]), ("PLOTS.SHP", parts[".shp"])]:
            zf.writestr(name, data)
    exc = rejected(buf.getvalue(), "plots.zip")
    assert_names(exc, "zip_duplicate", "同名文件", "two files named")


# -- The small pieces, without a child process -----------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ANSI 936", "GB18030"),
        ("936", "GB18030"),
        ("GBK", "GB18030"),
        ("CP936", "GB18030"),
        ("GB2312", "GB18030"),
        ("gb18030", "GB18030"),
        ("UTF-8", "UTF-8"),
        ("utf8", "UTF-8"),
        ("65001", "UTF-8"),
        ("1252", "CP1252"),
        ("ANSI 1252", "CP1252"),
        ("Big5", "BIG5"),
        ("klingon", None),
    ],
)
def test_code_page_names_from_cpg_files(written: str, expected: str | None) -> None:
    assert textencoding.normalise_encoding(written) == expected


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"SQLite format 3\x00...", "sqlite"),
        (b"PK\x03\x04...", "zip"),
        (b'\xef\xbb\xbf  {"type": "FeatureCollection"}', "json"),
        (b'<?xml version="1.0"?>\n<!-- Ovi -->\n<kml xmlns="x">', "kml"),
        (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x "y">]><kml>', "xml_dtd"),
        (b"<?xml version='1.0'?><OGRVRTDataSource>", "xml"),
        (b"<!doctype html><html>", "html"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"name,lon,lat\n", "unknown"),
    ],
)
def test_content_sniffing(head: bytes, kind: str) -> None:
    assert sniff.sniff(head) == kind


@pytest.mark.parametrize(
    ("returncode", "cpu", "tail", "code"),
    [
        (-signal.SIGXCPU, 60.0, "", "cpu_limit"),
        (-signal.SIGKILL, 61.0, "", "cpu_limit"),
        (-signal.SIGKILL, 0.5, "", "memory"),
        (1, 0.5, "ImportError: libgdal.so: failed to map segment from shared object", "memory"),
        (-signal.SIGXFSZ, 0.5, "", "output_too_large"),
        (-signal.SIGSEGV, 0.5, "", "crashed"),
    ],
)
def test_why_a_child_died_in_words(returncode: int, cpu: float, tail: str, code: str) -> None:
    exc = sandbox._failure(returncode, cpu, tail, Limits())
    assert exc.problem.code == code
    assert exc.problem.text("zh") and exc.problem.text("en")


def test_child_environment_carries_no_server_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANDMAP_DB_PASSWORD", "s3cret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    env = sandbox.child_env(tmp_path)
    assert "s3cret" not in str(env) and "HTTPS_PROXY" not in env
    assert env["HOME"] == str(tmp_path)


def test_every_problem_code_renders_in_both_languages() -> None:
    for code in messages.MESSAGES:
        p = messages.make_problem(code)
        assert p.message.zh and p.message.en
        assert ("{" in p.message.zh) == ("{" in p.message.en), code


def test_shapefile_without_prj_has_no_crs_and_says_so(tmp_path: Path) -> None:
    parts = shapefile_parts(tmp_path, plots_4543(), encoding="UTF-8")
    del parts[".prj"]

    (layer,) = read_geodata(shapefile_zip(parts), "plots.zip").layers

    assert layer.frame.crs is None and layer.prj_text is None
    assert codes(layer.problems) == ["no_prj"]
    assert ".prj" in layer.problems[0].text("zh") and "coordinate system" in str(
        layer.problems[0].text("en")
    )


def _crs_doc(crs: dict) -> bytes:
    doc = json.loads(geojson_bytes(plots_4543()))
    return json.dumps({**doc, "crs": crs}, ensure_ascii=False).encode()


def test_geojson_crs_link_is_refused_and_never_fetched(listener: str) -> None:
    """Found while writing this: GDAL 3.12 fetches a legacy "crs" link even with GDAL_SKIP."""
    for crs in (
        {"type": "link", "properties": {"href": listener, "type": "ogcwkt"}},
        {"type": "url", "properties": {"url": listener}},
        {"type": "link", "properties": {"href": "file:///etc/passwd", "type": "ogcwkt"}},
    ):
        exc = rejected(_crs_doc(crs), "plots.geojson")
        assert_names(exc, "crs_link", "网址或文件链接", "a web or file link")
    assert _Hits.count == 0


def test_geojson_crs_named_by_urn_is_read() -> None:
    """What QGIS and Chinese tools write: a "name" crs, here CGCS2000 geographic."""
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    (layer,) = read_geodata(_crs_doc(crs), "plots.geojson").layers
    assert layer.frame.crs.to_epsg() == 4490


def test_hardened_gdal_sends_no_http_for_a_crs_link(tmp_path: Path, listener: str) -> None:
    """Even past our check, GDAL's own HTTP goes nowhere (GDAL_HTTP_PROXY to a closed port)."""
    path = tmp_path / "link.geojson"
    path.write_bytes(_crs_doc({"type": "link", "properties": {"href": listener, "type": "x"}}))
    code = (
        "import sys\n"
        "from landmap.ingest import gdal_hardening\n"
        "gdal_hardening.harden_gdal()\n"
        "import pyogrio\n"
        "print(pyogrio.read_info(sys.argv[1])['crs'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert _Hits.count == 0
