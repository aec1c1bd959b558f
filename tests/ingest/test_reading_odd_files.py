"""Files other software writes that once crashed the reader: no attributes, nested JSON
property values, curved shapes. Each is read in the real sandboxed child."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pyarrow as pa
import pyogrio
import shapely

from landmap.ingest import curves
from landmap.ingest.sandbox import read_geodata

LON, LAT = 101.60, 26.60


def feature(props: object, ring=None) -> dict:
    ring = ring or [[LON, LAT], [LON + 0.002, LAT], [LON + 0.002, LAT + 0.002], [LON, LAT]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def collection(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_geojson_without_any_properties_keeps_its_rows() -> None:
    raw = read_geodata(collection(feature({}), feature({})), "outline.geojson")
    frame = raw.layers[0].frame
    assert len(frame) == 2
    assert frame.geometry.notna().all()


def test_nested_property_values_become_json_text() -> None:
    props = {
        "adcode": 510403,
        "name": "西区",
        "center": [101.61, 26.6],
        "parent": {"adcode": 510400},
        "acroutes": [100000, 510000, 510400],
    }
    raw = read_geodata(collection(feature(props)), "510403.json")
    row = raw.layers[0].frame.iloc[0]
    assert row["name"] == "西区"
    assert json.loads(row["parent"]) == {"adcode": 510400}
    assert json.loads(row["center"]) == [101.61, 26.6]
    assert json.loads(row["acroutes"]) == [100000, 510000, 510400]


def circular_string_wkb(points: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BII", 1, 8, len(points)) + b"".join(
        struct.pack("<dd", x, y) for x, y in points
    )


def curve_polygon_wkb(points: list[tuple[float, float]]) -> bytes:
    return struct.pack("<BII", 1, 10, 1) + circular_string_wkb(points)


def test_curved_geopackage_shapes_are_made_straight(tmp_path: Path) -> None:
    # A circle of radius 0.001° around (LON, LAT), as ArcGIS writes it: a CurvePolygon.
    circle = curve_polygon_wkb([(LON + 0.001, LAT), (LON - 0.001, LAT), (LON + 0.001, LAT)])
    table = pa.table({"name": ["圆形地块"], "geometry": pa.array([circle], type=pa.binary())})
    path = tmp_path / "curves.gpkg"
    pyogrio.write_arrow(
        table, path, layer="plots", driver="GPKG", geometry_name="geometry",
        geometry_type="Unknown", crs="EPSG:4490",
    )  # fmt: skip
    raw = read_geodata(path.read_bytes(), "curves.gpkg")
    shape = raw.layers[0].frame.geometry.iloc[0]
    assert shape.geom_type == "Polygon"
    assert abs(shape.area - 3.14159e-6) < 0.01e-6  # π r², chords every 4°
    assert not raw.layers[0].problems


def test_arc_through_three_points_and_wkt_curves() -> None:
    arc = curves.linear_from_wkb(circular_string_wkb([(1, 0), (0, 1), (-1, 0)]))
    assert arc.geom_type == "LineString"
    assert abs(arc.length - 3.14159) < 0.01
    assert all(abs(shapely.Point(c).distance(shapely.Point(0, 0)) - 1) < 1e-9 for c in arc.coords)
    line = curves.linear_from_wkt(
        "MULTICURVE (COMPOUNDCURVE ((0 0,1 0),CIRCULARSTRING (1 0,2 1,3 0)))"
    )
    assert line.geom_type == "MultiLineString"
    assert abs(line.length - (1 + 3.14159)) < 0.01
    assert curves.linear_from_wkt("CIRCULARSTRING (1 0") is None  # cut off: unreadable, no crash
