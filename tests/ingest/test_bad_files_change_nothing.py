"""Every broken or hostile file gets a clear message and leaves the store byte for byte."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from landmap.cli.main import main
from tests.ingest.conftest import digest


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def polygon_feature(fid, ring, **props):
    return {
        "type": "Feature",
        "properties": {"id": fid, "name": fid, "status": "ready", **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


SPIKE = [[101.61, 26.60], [101.62, 26.61], [101.61, 26.60], [101.61, 26.60]]
GOOD = [[101.61, 26.60], [101.612, 26.60], [101.612, 26.602], [101.61, 26.602], [101.61, 26.60]]
VRT = (
    b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>CSV:/etc/passwd'
    b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
)

BAD_FILES = {
    "empty.geojson": b"",
    "vrt_disguised.geojson": VRT,
    "vrt_in.zip": zip_bytes({"plots.vrt": VRT}),
    "truncated.zip": zip_bytes({"a.shp": b"x" * 5000, "a.dbf": b"y" * 5000})[:200],
    "climbing.zip": zip_bytes({"../../evil.shp": b"x", "../../evil.dbf": b"y"}),
    "no_dbf.zip": zip_bytes({"plots.shp": b"x" * 100, "plots.shx": b"y" * 100}),
    "entity.kml": (
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM '
        b'"file:///etc/hostname">]><kml xmlns="http://www.opengis.net/kml/2.2">'
        b"<Placemark><name>&x;</name><Point><coordinates>101.6,26.6</coordinates>"
        b"</Point></Placemark></kml>"
    ),
    "no_coordinates.csv": "编号,名称,状态\nA,甲,ready\n".encode(),
    "text_coordinates.csv": "编号,名称,状态,经度,纬度\nA,甲,ready,待定,待定\n".encode(),
    "mixed.geojson": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                polygon_feature("P1", GOOD),
                {
                    "type": "Feature",
                    "properties": {"id": "PT", "name": "pt", "status": "ready"},
                    "geometry": {"type": "Point", "coordinates": [101.61, 26.60]},
                },
            ],
        }
    ).encode(),
    "all_invalid.geojson": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [polygon_feature(f"BAD{i}", SPIKE) for i in range(3)],
        }
    ).encode(),
    "png_renamed.geojson": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_explained_and_the_store_is_untouched(name, tmp_path, store_path, capsys):
    upload = tmp_path / name
    upload.write_bytes(BAD_FILES[name])
    before = digest(store_path)
    for lang in ("zh", "en"):
        code = main(
            [
                "--data",
                str(store_path),
                "--lang",
                lang,
                "import",
                str(upload),
                "--layer",
                "idle_land",
                "--mode",
                "replace",
                "--user",
                "clerk",
            ]
        )
        out = capsys.readouterr().out
        assert code == 1, out
        assert out.strip(), "a refusal must say why"
        assert "Traceback" not in out and "root:" not in out
    assert digest(store_path) == before
    assert not (store_path.parent / "backups").exists()


def test_gauss_kruger_metres_without_prj_are_guessed_and_flagged(tmp_path, store_path, capsys):
    lines = ["编号,名称,状态,X,Y"]
    # X is the northing, as Chinese surveyors write it; CGCS2000 3° CM 102E metres.
    lines += [
        f"GK{i},地块{i},ready,{2943200 + 300 * i:.1f},{460158.3 + 200 * i:.1f}" for i in range(3)
    ]
    upload = tmp_path / "gk.csv"
    upload.write_text("\n".join(lines), encoding="utf-8")
    code = main(["--data", str(store_path), "validate", str(upload), "--layer", "roads"])
    out = capsys.readouterr().out
    assert "EPSG:4543" in out, out
    assert code == 1  # points are not roads: reported, not imported


def test_mapping_and_status_corrections_from_the_command_line(tmp_path, store_path, capsys):
    upload = tmp_path / "odd.geojson"
    upload.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"宗地号": "ODD-1", "叫法": "奇怪的列名", "进展": "已摘牌"},
                        "geometry": {"type": "Polygon", "coordinates": [GOOD]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    args = ["--data", str(store_path), "import", str(upload), "--layer", "idle_land"]
    assert main([*args, "--dry-run"]) == 1
    capsys.readouterr()
    fixed = [
        *args,
        "--map",
        "宗地号=id",
        "--map",
        "叫法=name",
        "--map",
        "进展=status",
        "--status",
        "已摘牌=supplied",
    ]
    assert main(fixed) == 0, capsys.readouterr().out
    import geopandas as gpd

    stored = gpd.read_file(store_path, layer="idle_land").set_index("id")
    assert stored.loc["ODD-1", "name"] == "奇怪的列名"
    assert stored.loc["ODD-1", "status"] == "supplied"


def test_upload_over_the_limit_is_refused_before_reading(tmp_path, store_path, capsys):
    from landmap.ingest.limits import Limits
    from landmap.ingest.plan import ImportOptions, prepare_import
    from landmap.ingest.problems import ImportRejected
    from landmap.store import GpkgStore

    with pytest.raises(ImportRejected) as caught:
        prepare_import(
            b"{" + b" " * 2000 + b"}",
            "big.geojson",
            ImportOptions("idle_land"),
            GpkgStore(store_path),
            None,
            Limits(max_upload_bytes=1000),
        )
    assert "MB" in caught.value.problem.text("zh")
