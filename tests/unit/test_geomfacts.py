"""Shapes checked and measured once: what memory gives equals working it out again."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from landmap import geomfacts
from landmap.geomfacts import RememberedGeometry, layer_geometry
from landmap.layers import GeometryKind
from tests.conftest import square_4543

METRIC = pyproj.CRS("EPSG:4543")
BOW_TIE = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])


def shapes() -> np.ndarray:
    bow_tie = shapely.affinity.translate(BOW_TIE, *square_4543(0, 0, 1).bounds[:2])
    line = shapely.LineString([square_4543(0, 0, 1).centroid, square_4543(500, 0, 1).centroid])
    return np.array(
        [square_4543(0, 0, 100), bow_tie, line, None, shapely.Polygon(), square_4543(0, 0, 100)],
        dtype=object,
    )


def same(a: geomfacts.LayerGeometry, b: geomfacts.LayerGeometry) -> None:
    for name in ("repaired", "wrong_type", "empty"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("area_m2", "length_km"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert [g is None for g in a.geoms] == [g is None for g in b.geoms]
    present = [g is not None for g in a.geoms]
    assert shapely.equals_exact(a.geoms[present], b.geoms[present], tolerance=0).all()


def test_memory_gives_what_working_it_out_gives(monkeypatch):
    memory = RememberedGeometry()
    expected = layer_geometry(shapes(), METRIC, GeometryKind.POLYGON)
    assert expected.repaired.tolist() == [False, True, False, False, False, False]
    assert expected.wrong_type.tolist() == [False, False, True, False, False, False]
    assert expected.empty.tolist() == [False, False, False, True, True, False]
    assert expected.area_m2[0] == pytest.approx(10_000, rel=1e-9)

    same(memory.of(shapes(), METRIC, GeometryKind.POLYGON), expected)
    remembered = len(memory)
    assert remembered == 5  # the two equal squares are one shape

    def no_work(*args, **kwargs):
        raise AssertionError("a remembered shape was worked out again")

    monkeypatch.setattr(geomfacts, "layer_geometry", no_work)
    same(memory.of(shapes()[::-1], METRIC, GeometryKind.POLYGON), _reversed(expected))


def test_a_changed_shape_another_crs_or_type_is_worked_out_anew():
    memory = RememberedGeometry()
    memory.of(shapes(), METRIC, GeometryKind.POLYGON)
    moved = shapes()
    moved[0] = square_4543(0, 0, 200)
    assert memory.of(moved, METRIC, GeometryKind.POLYGON).area_m2[0] == pytest.approx(40_000)
    assert len(memory) == 6
    as_lines = memory.of(shapes(), METRIC, GeometryKind.LINE)
    same(as_lines, layer_geometry(shapes(), METRIC, GeometryKind.LINE))
    degrees = np.array([shapely.box(101.6, 26.5, 101.61, 26.51)], dtype=object)
    in_4490 = memory.of(degrees, pyproj.CRS("EPSG:4490"), GeometryKind.POLYGON)
    assert 1_000_000 < in_4490.area_m2[0] < 1_300_000  # 0.01° square at 26.5° N, in m²
    same_bytes_in_metres = memory.of(degrees, METRIC, GeometryKind.POLYGON)
    assert same_bytes_in_metres.area_m2[0] == pytest.approx(0.0001)
    memory.max_entries = len(memory)
    memory.of(moved[:1], METRIC, GeometryKind.POINT)  # past the limit: starts over
    assert len(memory) == 1


def test_an_empty_layer_has_no_facts():
    facts = RememberedGeometry().of(np.array([], dtype=object), METRIC, GeometryKind.POLYGON)
    assert len(facts.geoms) == len(facts.area_m2) == len(facts.empty) == 0


def _reversed(facts: geomfacts.LayerGeometry) -> geomfacts.LayerGeometry:
    return geomfacts.LayerGeometry(
        *(getattr(facts, name)[::-1] for name in geomfacts.LayerGeometry.__dataclass_fields__)
    )
