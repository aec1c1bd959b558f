"""The compact geometry encoding round-trips every shape the layers can hold."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
import shapely
import shapely.affinity

from landmap.map.geoencode import (
    DECODER_JS,
    EncodedGeometries,
    decode_coords,
    encode_coords,
    encode_geometries,
)

RNG = np.random.default_rng(42)


def random_ring(n: int) -> np.ndarray:
    angles = np.sort(RNG.uniform(0, 2 * np.pi, n))
    radius = RNG.uniform(0.0005, 0.003, n)
    return np.column_stack([101.6 + radius * np.cos(angles), 26.6 + radius * np.sin(angles)])


@pytest.mark.parametrize("n", [1, 2, 5, 50, 500])
def test_coordinates_round_trip_to_a_micro_degree(n):
    coords = np.column_stack([RNG.uniform(-180, 180, n), RNG.uniform(-90, 90, n)])
    decoded = decode_coords(encode_coords(coords))
    assert decoded.shape == coords.shape
    assert np.abs(decoded - coords).max() <= 0.5e-6 + 1e-12


def test_polygon_with_hole_and_multipolygon():
    outer = shapely.Polygon(random_ring(12), [random_ring(5) * 0.1 + [101.6 * 0.9, 26.6 * 0.9]])
    multi = shapely.MultiPolygon([shapely.box(101.5, 26.5, 101.51, 26.51), outer])
    kind, parts = json.loads(encode_geometries(np.array([multi], dtype=object))[0])
    assert kind == "MP" and len(parts) == 2 and len(parts[1]) == 2
    for polygon, rings in zip(multi.geoms, parts, strict=True):
        originals = [polygon.exterior, *polygon.interiors]
        for ring, text in zip(originals, rings, strict=True):
            expected = shapely.get_coordinates(ring)[:-1]  # sent without the closing vertex
            assert np.abs(decode_coords(text) - expected).max() <= 0.5e-6 + 1e-12


def test_lines_points_and_collections():
    line = shapely.LineString(random_ring(7))
    geoms = np.array(
        [
            line,
            shapely.MultiLineString([line, shapely.LineString([(101, 26), (101.1, 26.1)])]),
            shapely.Point(101.612345, 26.654321),
            shapely.MultiPoint([(101, 26), (102, 27)]),
            shapely.GeometryCollection([shapely.Point(1, 2)]),
        ],
        dtype=object,
    )
    kinds = [json.loads(text)[0] for text in encode_geometries(geoms)]
    assert kinds == ["L", "ML", "Pt", "MPt", "G"]
    point = json.loads(encode_geometries(geoms[2:3])[0])[1]
    assert np.allclose(decode_coords(point), [[101.612345, 26.654321]])


def test_encoding_is_much_smaller_than_geojson():
    polygons = np.array([shapely.Polygon(random_ring(16)) for _ in range(200)], dtype=object)
    encoded = sum(len(t) for t in encode_geometries(polygons))
    geojson = sum(len(t) for t in shapely.to_geojson(shapely.set_precision(polygons, 1e-6)))
    assert encoded * 3 < geojson


def test_the_browser_decoder_keeps_every_property_but_the_geometry():
    """``colour=deadline`` styles by ``d``: the decoder must hand it to Leaflet (issue #10)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; tests/browser covers the decoder in Chromium")
    square = shapely.Polygon([(101.6, 26.6), (101.61, 26.6), (101.61, 26.61)])
    item = {"id": "X-1", "n": "名", "s": "listed", "d": "overdue"}
    text = (
        json.dumps(item, ensure_ascii=False)[:-1] + ',"g":' + encode_geometries([square])[0] + "}"
    )
    script = DECODER_JS + f"\nconsole.log(JSON.stringify(landmapFeatures([{text}])));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    (feature,) = json.loads(out.stdout)
    assert feature["properties"] == item
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"][0]) == 4  # closed again


def test_remembered_texts_are_the_encoded_texts_and_a_moved_shape_is_encoded_anew():
    shapes = np.array(
        [shapely.Polygon(np.add(random_ring(8), (101.6, 26.6))) for _ in range(5)], dtype=object
    )
    memo = EncodedGeometries()
    assert memo.encode(shapes) == encode_geometries(shapes)
    assert len(memo) == 5
    moved = shapes.copy()
    moved[2] = shapely.affinity.translate(shapes[2], xoff=0.001)
    again = memo.encode(moved)
    assert again == encode_geometries(moved)  # not the remembered text of the old shape
    assert again[2] != encode_geometries(shapes[2:3])[0]
    assert len(memo) == 6


def test_the_memory_starts_over_past_its_bound():
    shapes = np.array([shapely.Point(101.6 + i / 1000, 26.6) for i in range(10)], dtype=object)
    memo = EncodedGeometries(max_entries=6)
    memo.encode(shapes[:4])
    assert memo.encode(shapes[4:]) == encode_geometries(shapes[4:])
    assert len(memo) == 6
