"""Loading and checking layers: nothing is dropped silently, every problem names its features."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely

from landmap.dataset import IssueKind, load_dataset, normalise_layer
from landmap.layers import LAYER_BY_ID, LAYERS
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, layer_frame, square_4543, tiny_tables, write_gpkg


def kinds(issues):
    return {i.kind for i in issues}


def test_tiny_store_loads_every_layer_without_issues(tiny_gpkg):
    dataset = load_dataset(GpkgStore(tiny_gpkg), BOUNDARY)
    assert set(dataset.frames) == {layer.id for layer in LAYERS}
    assert dataset.issues == ()
    assert len(dataset.frames["idle_land"]) == 3
    assert dataset.boundary is not None and not dataset.boundary.empty
    assert dataset.frames["idle_land"].crs.to_epsg() == 4326


def test_areas_are_computed_in_gauss_kruger_not_web_mercator(tiny_gpkg):
    frame = load_dataset(GpkgStore(tiny_gpkg)).frames["idle_land"]
    plot = frame.loc["T-1"]
    assert plot["area_m2"] == pytest.approx(10_000, rel=1e-6)
    assert plot["area_mu"] == pytest.approx(15.0, rel=1e-6)
    assert math.isnan(plot["length_km"])
    # The same square measured in Web Mercator would be ~25 % larger (domain-china.md §1.1).
    mercator = gpd.GeoSeries([plot.geometry], crs=4326).to_crs(3857).area[0]
    assert mercator / plot["area_m2"] > 1.2


def test_road_length_in_km(tiny_gpkg):
    roads = load_dataset(GpkgStore(tiny_gpkg)).frames["roads"]
    assert roads.loc["D-1", "length_km"] == pytest.approx(1.0, rel=1e-6)
    assert math.isnan(roads.loc["D-1", "area_mu"])


def test_missing_file_is_reported_by_name_and_every_layer_is_empty(tmp_path):
    dataset = load_dataset(GpkgStore(tmp_path / "nope.gpkg"), BOUNDARY)
    assert [i.kind for i in dataset.issues] == [IssueKind.FILE_MISSING]
    assert "nope.gpkg" in dataset.issues[0].message("zh")
    assert "nope.gpkg" in dataset.issues[0].message("en")
    assert all(frame.empty for frame in dataset.frames.values())
    assert dataset.boundary is not None  # the context layer still shows


def test_unreadable_file_is_reported(tmp_path):
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 100)
    dataset = load_dataset(GpkgStore(broken))
    assert kinds(dataset.issues) == {IssueKind.FILE_UNREADABLE}
    assert "broken.gpkg" in dataset.issues[0].message("zh")


def test_missing_table_leaves_the_other_layers(tmp_path):
    tables = tiny_tables()
    del tables["roads"]
    dataset = load_dataset(GpkgStore(write_gpkg(tmp_path / "x.gpkg", tables)))
    assert [(i.kind, i.layer_id) for i in dataset.issues] == [(IssueKind.TABLE_MISSING, "roads")]
    assert "道路工程" in dataset.issues[0].message("zh")
    assert len(dataset.frames["idle_land"]) == 3
    assert dataset.frames["roads"].empty


def test_unknown_status_is_kept_flagged_and_listed():
    spec = LAYER_BY_ID["idle_land"]
    raw = layer_frame(
        spec,
        [
            {"id": "A", "name": "a", "status": "listed", "geometry": square_4543(0, 0, 50)},
            {"id": "B", "name": "b", "status": "已挂牌", "geometry": square_4543(100, 0, 50)},
            {"id": "C", "name": "c", "status": None, "geometry": square_4543(200, 0, 50)},
        ],
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert len(frame) == 3
    assert list(frame["status_known"]) == [True, False, False]
    (issue,) = issues
    assert issue.kind is IssueKind.STATUS_UNKNOWN
    assert issue.feature_ids == ("B", "C")
    message = issue.message("zh")
    assert "已挂牌" in message and "B" in message and "C" in message and "x.gpkg" in message


def test_invalid_geometry_is_repaired_and_reported():
    spec = LAYER_BY_ID["idle_land"]
    x, y = square_4543(0, 0, 1).bounds[:2]
    bowtie = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100), (x, y)])
    raw = layer_frame(spec, [{"id": "BOW", "name": "bow", "status": "ready", "geometry": bowtie}])
    assert not raw.geometry.is_valid.all()
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    geom = frame.loc["BOW"].geometry
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
    assert frame.loc["BOW", "area_m2"] == pytest.approx(5_000, rel=1e-3)
    assert [(i.kind, i.feature_ids) for i in issues] == [(IssueKind.GEOMETRY_REPAIRED, ("BOW",))]


def test_empty_and_missing_geometry_stay_in_the_table():
    spec = LAYER_BY_ID["renovation"]
    raw = layer_frame(
        spec,
        [
            {"id": "E1", "name": "empty", "status": "planned", "geometry": shapely.Polygon()},
            {"id": "E2", "name": "none", "status": "planned", "geometry": None},
            {"id": "OK", "name": "ok", "status": "planned", "geometry": square_4543(0, 0, 40)},
        ],
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert list(frame.index) == ["E1", "E2", "OK"]
    assert frame.loc["E1"].geometry is None and frame.loc["E2"].geometry is None
    (issue,) = issues
    assert issue.kind is IssueKind.GEOMETRY_EMPTY and issue.feature_ids == ("E1", "E2")


def test_nan_coordinates_count_as_empty():
    spec = LAYER_BY_ID["roads"]
    raw = gpd.GeoDataFrame(
        {"id": ["N"], "name": ["n"], "status": ["planning"]},
        geometry=[shapely.LineString([(101.6, 26.6), (float("nan"), 26.61)])],
        crs=4490,
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert frame.loc["N"].geometry is None
    assert IssueKind.GEOMETRY_EMPTY in kinds(issues)


def test_missing_crs_geographic_numbers_are_assumed_cgcs2000():
    spec = LAYER_BY_ID["idle_land"]
    raw = layer_frame(
        spec, [{"id": "A", "name": "a", "status": "ready", "geometry": square_4543(0, 0, 100)}]
    ).set_crs(None, allow_override=True)
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert frame.loc["A", "area_m2"] == pytest.approx(10_000, rel=1e-4)
    assert [i.kind for i in issues] == [IssueKind.CRS_MISSING_ASSUMED]


def test_missing_crs_gauss_kruger_metres_are_recognised():
    spec = LAYER_BY_ID["idle_land"]
    raw = gpd.GeoDataFrame(
        {"id": ["A"], "name": ["a"], "status": ["ready"]},
        geometry=[square_4543(0, 0, 100)],
        crs=None,
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert frame.loc["A", "area_m2"] == pytest.approx(10_000, rel=1e-6)
    assert issues[0].kind is IssueKind.CRS_MISSING_ASSUMED and "4543" in issues[0].detail
    assert 101 < frame.loc["A"].geometry.centroid.x < 102


def test_missing_crs_with_unplaceable_numbers_keeps_features_without_shape():
    spec = LAYER_BY_ID["idle_land"]
    raw = gpd.GeoDataFrame(
        {"id": ["A"], "name": ["a"], "status": ["ready"]},
        geometry=[shapely.box(1e7, 1e7, 1e7 + 5, 1e7 + 5)],
        crs=None,
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert len(frame) == 1 and frame.loc["A"].geometry is None
    assert IssueKind.CRS_MISSING_UNKNOWN in kinds(issues)


def test_missing_and_duplicate_ids_get_stable_placeholders():
    spec = LAYER_BY_ID["idle_land"]
    raw = layer_frame(
        spec,
        [
            {"id": "A", "name": "a", "status": "ready", "geometry": square_4543(0, 0, 10)},
            {"id": "A", "name": "a2", "status": "ready", "geometry": square_4543(50, 0, 10)},
            {"id": None, "name": "n", "status": "ready", "geometry": square_4543(100, 0, 10)},
        ],
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert list(frame.index) == ["A", "A~2", "idle_land-row3"]
    assert kinds(issues) == {IssueKind.ID_DUPLICATE, IssueKind.ID_MISSING}


def test_wrong_geometry_type_is_shown_and_reported():
    spec = LAYER_BY_ID["idle_land"]
    raw = gpd.GeoDataFrame(
        {"id": ["P"], "name": ["p"], "status": ["ready"]},
        geometry=[shapely.Point(101.6, 26.6)],
        crs=4490,
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert frame.loc["P"].geometry is not None
    assert [i.kind for i in issues] == [IssueKind.GEOMETRY_WRONG_TYPE]


def test_missing_columns_are_added_empty_and_name_status_reported():
    spec = LAYER_BY_ID["roads"]
    raw = gpd.GeoDataFrame(
        {"id": ["X"]}, geometry=[shapely.LineString([(101.6, 26.6), (101.61, 26.6)])], crs=4490
    )
    frame, issues = normalise_layer(raw, spec, "x.gpkg")
    assert frame.loc["X", "name"] == "" and frame.loc["X", "contractor"] is None
    assert IssueKind.COLUMN_MISSING in kinds(issues)


def test_every_issue_kind_has_a_message_in_both_languages():
    from landmap.dataset import DataIssue
    from landmap.i18n import catalog

    for kind in IssueKind:
        assert f"issue.{kind.value}" in catalog("zh")
        assert f"issue.{kind.value}" in catalog("en")
        text = DataIssue(kind, "f.gpkg", "roads", ("a",)).message("zh")
        assert "{" not in text


def test_long_id_lists_are_cut_with_a_count():
    from landmap.dataset import DataIssue

    issue = DataIssue(
        IssueKind.GEOMETRY_EMPTY, "f.gpkg", "roads", tuple(f"id{i}" for i in range(50))
    )
    text = issue.message("en")
    assert "id19" in text and "id20" not in text and "30 more" in text
