"""`python -m landmap validate|import|backups|restore` on real files, end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import shapely

from landmap.cli.main import main
from landmap.ingest.coords import wgs84_to_gcj02
from landmap.ingest.limits import Limits
from landmap.ingest.plan import ImportOptions, prepare_import
from landmap.store import GpkgStore
from tests.conftest import REPO_ROOT, SAMPLE_GPKG, square_4543
from tests.ingest.conftest import digest


def geojson_plots(tmp_path, rows, name="plots.geojson"):
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4543,
    ).to_crs(4326)
    path = tmp_path / name
    path.write_text(frame.to_json(), encoding="utf-8")
    return path


def new_plots(tmp_path):
    return geojson_plots(
        tmp_path,
        [
            {
                "编号": "NEW-1",
                "地块名称": "陶家渡新增地块",
                "状态": "已挂牌",
                "geometry": square_4543(3000, 3000, 120),
            },
            {
                "编号": "NEW-2",
                "地块名称": "大水井新增地块",
                "状态": "招商中",
                "geometry": square_4543(3300, 3000, 90),
            },
        ],
    )


def test_validate_reports_and_writes_nothing(tmp_path, store_path, capsys):
    before = digest(store_path)
    code = main(
        ["--data", str(store_path), "validate", str(new_plots(tmp_path)), "--layer", "idle_land"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "读取要素: 2" in out and "可以导入" in out
    assert "编号→id" in out and "地块名称→name" in out
    assert digest(store_path) == before


def test_import_adds_features_and_keeps_a_backup(tmp_path, store_path, capsys):
    code = main(
        [
            "--data",
            str(store_path),
            "import",
            str(new_plots(tmp_path)),
            "--layer",
            "idle_land",
            "--mode",
            "add",
            "--user",
            "clerk",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    table = gpd.read_file(store_path, layer="idle_land").set_index("id")
    assert table.loc["NEW-1", "status"] == "listed" and table.loc["NEW-2", "status"] == "promoting"
    assert len(table) == 47 + 2
    assert main(["--data", str(store_path), "backups"]) == 0
    listing = capsys.readouterr().out
    assert "import:add" in listing and "clerk" in listing


def test_dry_run_and_errors_leave_the_store_exactly_as_it_was(tmp_path, store_path, capsys):
    before = digest(store_path)
    assert (
        main(
            [
                "--data",
                str(store_path),
                "import",
                str(new_plots(tmp_path)),
                "--layer",
                "idle_land",
                "--dry-run",
            ]
        )
        == 0
    )
    bad = geojson_plots(
        tmp_path,
        [
            {
                "编号": "XQ-XZ-001",
                "地块名称": "重复",
                "状态": "不存在的状态",
                "geometry": square_4543(3000, 3000, 120),
            },
        ],
        name="bad.geojson",
    )
    assert (
        main(
            ["--data", str(store_path), "import", str(bad), "--layer", "idle_land", "--mode", "add"]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "XQ-XZ-001" in out and "不存在的状态" in out and "不能导入" in out
    assert digest(store_path) == before
    assert not (store_path.parent / "backups").exists()


def test_replace_then_restore(tmp_path, store_path, capsys):
    before = digest(store_path)
    assert (
        main(
            [
                "--data",
                str(store_path),
                "import",
                str(new_plots(tmp_path)),
                "--layer",
                "idle_land",
                "--mode",
                "replace",
            ]
        )
        == 0
    )
    assert len(gpd.read_file(store_path, layer="idle_land")) == 2
    backup_id = capsys.readouterr().out.strip().split()[-1]
    original = gpd.read_file(SAMPLE_GPKG, layer="idle_land").sort_values("id")
    assert main(["--data", str(store_path), "restore", backup_id]) == 0
    assert digest(store_path) != before  # the layer is written back, the history kept
    restored = gpd.read_file(store_path, layer="idle_land").sort_values("id")
    assert restored["id"].tolist() == original["id"].tolist()
    assert restored["status"].tolist() == original["status"].tolist()
    assert restored.geometry.geom_equals_exact(original.geometry, 1e-9).all()


def test_update_changes_only_the_fields_the_file_carries(tmp_path, store_path, capsys):
    stored = gpd.read_file(store_path, layer="idle_land").set_index("id")
    shape = stored.loc["XQ-XZ-001"].geometry
    path = tmp_path / "update.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "XQ-XZ-001", "状态": "已供地"},
                        "geometry": json.loads(shapely.to_geojson(shape)),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    assert (
        main(
            [
                "--data",
                str(store_path),
                "import",
                str(path),
                "--layer",
                "idle_land",
                "--mode",
                "update",
            ]
        )
        == 0
    ), capsys.readouterr().out
    after = gpd.read_file(store_path, layer="idle_land").set_index("id")
    assert after.loc["XQ-XZ-001", "status"] == "supplied"
    assert after.loc["XQ-XZ-001", "name"] == stored.loc["XQ-XZ-001", "name"]
    assert len(after) == len(stored)


def test_gcj02_points_land_within_a_metre(tmp_path, store_path, capsys):
    truth = [(101.6123, 26.6012), (101.6301, 26.6055), (101.5402, 26.6021)]
    lines = ["编号,名称,状态,经度,纬度"]
    for i, (lon, lat) in enumerate(truth):
        glon, glat = wgs84_to_gcj02(lon, lat)
        lines.append(f"P{i},点{i},planning,{float(glon):.8f},{float(glat):.8f}")
    path = tmp_path / "amap.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    # Only the coordinates matter here (points in the roads layer are reported, not written).
    plan = prepare_import(
        path.read_bytes(),
        path.name,
        ImportOptions(layer_id="roads", source_coords="gcj02"),
        GpkgStore(store_path),
        None,
        Limits(),
    )
    got = gpd.GeoSeries(list(plan.features.geometry), crs=4326).to_crs(4543)
    want = gpd.GeoSeries([shapely.Point(p) for p in truth], crs=4326).to_crs(4543)
    assert (got.distance(want, align=False) < 1.0).all()


def test_module_entry_point_exit_codes(tmp_path, store_path):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "landmap",
            "--data",
            str(store_path),
            "validate",
            str(new_plots(tmp_path)),
            "--layer",
            "idle_land",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "landmap",
            "--data",
            str(store_path),
            "validate",
            str(tmp_path / "nope.geojson"),
            "--layer",
            "roads",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "nope.geojson" in missing.stdout


def gbk_shapefile_zip(tmp_path):
    """An ArcGIS-on-Chinese-Windows export: EPSG:4543 with an ESRI .prj, GBK text, no .cpg."""
    import zipfile

    import pyproj

    rows = [
        {
            "地块编号": f"GK-{i:02d}",
            "地块名称": f"格里坪工业园区地块{i}号",
            "进度": ["已挂牌", "在建"][i % 2],
            "权属单位": "攀钢集团有限公司",
            "所属街道": "格里坪镇",
            "geometry": square_4543(-9000 + 300 * i, 500, 150),
        }
        for i in range(12)
    ]
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4543,
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "西区闲置地.shp", encoding="GBK", engine="pyogrio")
    (folder / "西区闲置地.cpg").unlink(missing_ok=True)
    dbf = folder / "西区闲置地.dbf"
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0  # no language driver id, as many Chinese exports have
    dbf.write_bytes(bytes(raw))
    (folder / "西区闲置地.prj").write_text(pyproj.CRS.from_epsg(4543).to_wkt("WKT1_ESRI"))
    path = tmp_path / "西区闲置地.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return path, frame


def test_readme_worked_example_gbk_shapefile_lands_on_the_right_spot(tmp_path, store_path, capsys):
    path, truth = gbk_shapefile_zip(tmp_path)
    code = main(["--data", str(store_path), "validate", str(path), "--layer", "idle_land"])
    out = capsys.readouterr().out
    assert code == 0, out
    for line in (
        "读取要素: 12",
        "坐标系: EPSG:4543 (文件自带)",
        "地块编号→id",
        "地块名称→name",
        "进度→status",
        "权属单位→owner_name",
        "所属街道→subdistrict",
        "已挂牌→listed",
        "在建→under_construction",
        "可以导入。",
    ):
        assert line in out, (line, out)
    assert main(["--data", str(store_path), "import", str(path), "--layer", "idle_land"]) == 0
    stored = gpd.read_file(store_path, layer="idle_land").set_index("id").to_crs(4543)
    assert stored.loc["GK-03", "name"] == "格里坪工业园区地块3号"
    assert stored.loc["GK-03", "owner_name"] == "攀钢集团有限公司"
    offset = stored.loc["GK-03"].geometry.centroid.distance(truth.geometry[3].centroid)
    assert offset < 0.05  # metres


def test_adding_keeps_columns_the_registry_does_not_know(tmp_path, capsys):
    from tests.conftest import tiny_tables, write_gpkg

    tables = tiny_tables()
    tables["idle_land"]["宗地电子监管号"] = ["A1", "A2", "A3"]
    store_path = write_gpkg(tmp_path / "own.gpkg", tables)
    assert (
        main(
            [
                "--data",
                str(store_path),
                "import",
                str(new_plots(tmp_path)),
                "--layer",
                "idle_land",
                "--mode",
                "add",
            ]
        )
        == 0
    ), capsys.readouterr().out
    stored = gpd.read_file(store_path, layer="idle_land").set_index("id")
    assert stored.loc["T-1", "宗地电子监管号"] == "A1" and len(stored) == 5
