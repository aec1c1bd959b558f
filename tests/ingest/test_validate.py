"""What the import report says about the features of a file, before anything is written."""

from __future__ import annotations

import geopandas as gpd
import shapely

from landmap.ingest.problems import Severity
from landmap.ingest.validate import ImportMode, validate_features
from landmap.layers import LAYER_BY_ID
from tests.conftest import BOUNDARY, square_4543

IDLE = LAYER_BY_ID["idle_land"]
DISTRICT = gpd.read_file(BOUNDARY).geometry.union_all()


def features(rows: list[dict]) -> gpd.GeoDataFrame:
    shapes = [row["geometry"] for row in rows]
    attributes = [{k: v for k, v in row.items() if k != "geometry"} for row in rows]
    return gpd.GeoDataFrame(attributes, geometry=shapes, crs=4543).to_crs(4326)


def plot(fid, status="listed", dx=0.0, side=80.0, **extra):
    return {
        "id": fid,
        "name": f"地块{fid}",
        "status": status,
        "geometry": square_4543(dx, 0, side),
        **extra,
    }


def codes(problems):
    return {p.code: p for p in problems}


def test_a_clean_file_has_no_problems():
    frame, problems = validate_features(
        features([plot("A"), plot("B", dx=200)]), IDLE, mode=ImportMode.ADD, district=DISTRICT
    )
    assert problems == [] and len(frame) == 2


def test_ids_missing_duplicate_and_clashing_with_the_store():
    rows = [plot("A"), plot("A", dx=200), plot(None, dx=400), plot("S1", dx=600)]
    _, problems = validate_features(features(rows), IDLE, mode=ImportMode.ADD, existing_ids={"S1"})
    found = codes(problems)
    assert found["id_duplicate"].feature_ids == ("A",)
    assert found["id_missing"].feature_ids == ("地块None",)  # no id: named by its name
    assert found["id_exists"].feature_ids == ("S1",)
    _, problems = validate_features(
        features([plot("NEW")]), IDLE, mode=ImportMode.UPDATE, existing_ids={"S1"}
    )
    assert codes(problems)["id_unknown"].feature_ids == ("NEW",)
    _, problems = validate_features(
        features([plot("S1")]), IDLE, mode=ImportMode.REPLACE, existing_ids={"S1"}
    )
    assert problems == []


def test_unknown_status_lists_the_values_and_features():
    _, problems = validate_features(
        features([plot("A", status="已挂牌"), plot("B", status="listed", dx=200)]),
        IDLE,
        mode=ImportMode.REPLACE,
    )
    (status,) = problems
    assert status.code == "status_unknown" and status.feature_ids == ("A",)
    assert "已挂牌" in status.text("zh") and "已挂牌" in status.text("en")


def test_shapes_repaired_empty_unrepairable_and_wrong_type():
    x, y = square_4543(0, 0, 1).bounds[:2]
    bowtie = shapely.Polygon([(x, y), (x + 90, y + 90), (x + 90, y), (x, y + 90), (x, y)])
    flat = shapely.Polygon([(x, y), (x + 100, y + 50), (x, y), (x, y)])  # a spike, no area
    rows = [
        {"id": "BOW", "name": "b", "status": "ready", "geometry": bowtie},
        {"id": "EMPTY", "name": "e", "status": "ready", "geometry": shapely.Polygon()},
        {"id": "FLAT", "name": "f", "status": "ready", "geometry": flat},
        {"id": "PT", "name": "p", "status": "ready", "geometry": shapely.Point(x, y)},
    ]
    frame, problems = validate_features(features(rows), IDLE, mode=ImportMode.REPLACE)
    found = codes(problems)
    assert found["geometry_repaired"].feature_ids == ("BOW",)
    assert found["geometry_repaired"].severity is Severity.WARNING
    assert found["geometry_empty"].feature_ids == ("EMPTY",)
    assert found["geometry_unrepairable"].feature_ids == ("FLAT",)
    assert found["geometry_wrong_type"].feature_ids == ("PT",)
    assert frame.set_index("id").loc["BOW"].geometry.is_valid


def test_every_geometry_invalid_is_an_error_for_each_feature():
    x, y = square_4543(0, 0, 1).bounds[:2]
    flat = shapely.Polygon([(x, y), (x + 100, y + 50), (x, y), (x, y)])
    rows = [{"id": f"F{i}", "name": "f", "status": "ready", "geometry": flat} for i in range(3)]
    _, problems = validate_features(features(rows), IDLE, mode=ImportMode.REPLACE)
    assert codes(problems)["geometry_unrepairable"].feature_ids == ("F0", "F1", "F2")
    assert all(p.is_error for p in problems)


def test_outside_the_district_is_flagged_as_a_likely_crs_mistake():
    far = plot("FAR", dx=0)
    far["geometry"] = shapely.box(300_000, 2_800_000, 300_100, 2_800_100)
    _, problems = validate_features(
        features([far]), IDLE, mode=ImportMode.REPLACE, district=DISTRICT
    )
    found = codes(problems)["outside_district"]
    assert found.is_error and found.feature_ids == ("FAR",) and "坐标系" in found.text("zh")
    rows = [plot("IN1"), plot("IN2", dx=200), plot("IN3", dx=400), far]
    _, problems = validate_features(
        features(rows), IDLE, mode=ImportMode.REPLACE, district=DISTRICT
    )
    assert codes(problems)["outside_district"].severity is Severity.WARNING


def test_implausible_areas_are_warned():
    rows = [plot("TINY", side=3), plot("HUGE", dx=500, side=3000)]
    _, problems = validate_features(features(rows), IDLE, mode=ImportMode.REPLACE)
    found = codes(problems)["area_implausible"]
    assert found.feature_ids == ("TINY", "HUGE") and not found.is_error


def test_an_empty_file_is_an_error():
    empty = gpd.GeoDataFrame({"id": [], "name": [], "status": []}, geometry=[], crs=4326)
    _, problems = validate_features(empty, IDLE, mode=ImportMode.ADD)
    assert [p.code for p in problems] == ["no_features"]
