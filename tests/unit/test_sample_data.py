"""The committed sample (data/xiqu_sample.gpkg): complete, plausible, illustrative, reproducible."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landmap.geo import SQUARE_METRES_PER_MU
from landmap.layers import LAYER_BY_ID, LAYERS, SUBDISTRICTS, FieldKind, GeometryKind, split_codes

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "data" / "xiqu_sample.gpkg"
BOUNDARY = REPO_ROOT / "data" / "xiqu_boundary_wgs84.geojson"
SCRIPT = REPO_ROOT / "scripts" / "make_sample_data.py"

COUNTS = {"idle_land": (40, 50), "shantytown": (18, 25), "renovation": (25, 35), "roads": (12, 16)}
ID_PATTERNS = {
    "idle_land": r"XQ-XZ-\d{3}",
    "shantytown": r"XQ-PG-\d{3}",
    "renovation": r"XQ-LJ-\d{3}",
    "roads": r"XQ-DL-\d{3}",
}
# Sizes measured in EPSG:4543: 亩 for land plots, hectares for compounds, km for roads.
MU_RANGES = {"idle_land": (5, 150), "shantytown": (2, 40)}
RENOVATION_HA = (0.5, 6.0)
ROAD_KM = (0.4, 4.0)
GEOMETRY_TYPES = {GeometryKind.POLYGON: "Polygon", GeometryKind.LINE: "LineString"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LAYER_IDS = [layer.id for layer in LAYERS]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def read_tables(path: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(path, layer=name, engine="pyogrio") for name in LAYER_IDS}


@pytest.fixture(scope="module")
def tables() -> dict[str, gpd.GeoDataFrame]:
    return read_tables(SAMPLE)


@pytest.fixture(scope="module")
def boundary() -> shapely.Geometry:
    return shapely.union_all(gpd.read_file(BOUNDARY).geometry.values)


def values(frame: pd.DataFrame, column: str) -> list[object]:
    """The column as plain Python values, missing ones as None."""
    return [None if pd.isna(v) else v for v in frame[column].tolist()]


def test_tables_are_the_layer_ids_with_their_geometry_types():
    tables = {str(name): kind for name, kind in pyogrio.list_layers(SAMPLE)}
    spatial = {name: str(kind) for name, kind in tables.items() if kind is not None}
    assert spatial == {layer.id: GEOMETRY_TYPES[layer.geometry] for layer in LAYERS}
    # Plus the non-spatial progress tables (milestones, history).
    assert set(tables) - set(spatial) == {"landmap_milestones", "landmap_history"}


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_feature_count(tables, layer_id):
    lo, hi = COUNTS[layer_id]
    assert lo <= len(tables[layer_id]) <= hi


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_status_is_known_and_every_code_is_used(tables, layer_id):
    used = set(tables[layer_id]["status"])
    assert used == set(LAYER_BY_ID[layer_id].status_codes)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_ids_are_unique_and_follow_the_pattern(tables, layer_id):
    ids = tables[layer_id]["id"]
    assert ids.is_unique
    assert all(re.fullmatch(ID_PATTERNS[layer_id], i) for i in ids)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_columns_are_the_registry_fields_in_order(tables, layer_id):
    layer = LAYER_BY_ID[layer_id]
    expected = ["id", "name", "status", *(f.key for f in layer.all_fields), "geometry"]
    assert list(tables[layer_id].columns) == expected


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_values_have_the_kind_the_registry_says(tables, layer_id):
    frame = tables[layer_id]
    for spec in LAYER_BY_ID[layer_id].all_fields:
        present = [v for v in values(frame, spec.key) if v is not None]
        if spec.kind is FieldKind.DATE:
            assert all(ISO_DATE.fullmatch(v) for v in present), spec.key
        elif spec.kind in (FieldKind.INT, FieldKind.YEAR):
            # A column with unknown values reads back as floats: the known ones are whole.
            known = frame[spec.key].dropna()
            assert pd.api.types.is_numeric_dtype(known), spec.key
            assert (known == known.round()).all(), spec.key
        elif spec.kind in (FieldKind.FLOAT, FieldKind.MONEY_WAN, FieldKind.PERCENT):
            assert pd.api.types.is_float_dtype(frame[spec.key]), spec.key
        elif spec.kind is FieldKind.CHOICE:
            assert spec.choices is not None and set(present) <= set(spec.choices), spec.key
        elif spec.kind is FieldKind.CHOICES:
            codes = {c for v in present for c in split_codes(v)}
            assert spec.choices is not None and codes <= set(spec.choices), spec.key


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_geometries_are_valid_of_the_right_kind_and_inside_the_district(tables, boundary, layer_id):
    geoms = tables[layer_id].geometry.values
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) == {
        1 if LAYER_BY_ID[layer_id].geometry is GeometryKind.LINE else 3
    }
    assert shapely.within(geoms, boundary).all()


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_crs_is_cgcs2000_geographic(tables, layer_id):
    assert tables[layer_id].crs.to_epsg() == 4490


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_feature_is_marked_illustrative(tables, layer_id):
    frame = tables[layer_id]
    assert set(frame["coord_quality"]) == {"illustrative"}
    assert set(frame["data_source"]) == {"示例数据（示意，非真实）"}
    assert set(frame["subdistrict"]) <= set(SUBDISTRICTS)
    assert all(v.startswith("2026-") for v in frame["updated_at"])


@pytest.mark.parametrize("layer_id", ["idle_land", "shantytown"])
def test_plot_areas_in_mu(tables, layer_id):
    mu = tables[layer_id].to_crs("EPSG:4543").area / SQUARE_METRES_PER_MU
    lo, hi = MU_RANGES[layer_id]
    assert mu.between(lo, hi).all(), mu.describe()


def test_industrial_plots_are_larger_and_at_geliping(tables):
    idle = tables["idle_land"]
    # The park's plots are the park committee's; factory land (M1/M2) is only found there.
    industrial = idle[idle["responsible_unit"] == "格里坪特色产业园区管委会"]
    assert len(industrial) >= 10
    factory_land = idle[idle["planned_use_text"].str.contains("工业")]
    assert set(factory_land.index) <= set(industrial.index)
    lon = pd.Series(shapely.get_x(shapely.centroid(industrial.geometry.values)))
    assert lon.between(101.50, 101.56).all()
    mu = idle.to_crs("EPSG:4543").area / SQUARE_METRES_PER_MU
    assert mu[industrial.index].median() > 2 * mu.drop(industrial.index).median()


def test_compound_areas_in_hectares(tables):
    ha = tables["renovation"].to_crs("EPSG:4543").area / 10_000
    assert ha.between(*RENOVATION_HA).all(), ha.describe()


def test_road_lengths_and_vertices(tables):
    roads = tables["roads"]
    km = roads.to_crs("EPSG:4543").length / 1000
    assert km.between(*ROAD_KM).all(), km.describe()
    vertices = shapely.get_num_coordinates(roads.geometry.values)
    assert ((vertices >= 5) & (vertices <= 15)).all()


@pytest.mark.parametrize("layer_id", ["idle_land", "shantytown", "renovation"])
def test_polygons_of_a_layer_do_not_overlap(tables, layer_id):
    geoms = tables[layer_id].to_crs("EPSG:4543").geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    assert (left == right).all(), list(zip(left[left != right], right[left != right], strict=True))


@pytest.mark.parametrize("layer_id", ["renovation", "roads"])
def test_works_progress_matches_the_dates(tables, layer_id):
    frame = tables[layer_id]
    for row in frame.to_dict("records"):
        started = isinstance(row["actual_start"], str)
        finished = isinstance(row["actual_finish"], str)
        if not started:
            assert row["progress_pct"] == 0 and not finished, row["id"]
        if finished:
            assert row["progress_pct"] == 100 and row["actual_finish"] >= row["actual_start"]
        if row["status"] == "under_construction":
            assert started and not finished and 10 <= row["progress_pct"] <= 90, row["id"]
        if started:
            assert row["actual_start"] <= row["updated_at"], row["id"]
        assert "2025-01-01" <= row["planned_start"] <= row["planned_finish"] <= "2027-12-31"
        assert 0 <= row["invested_to_date_wan"] <= row["investment_wan"], row["id"]


def test_renovation_scale(tables):
    reno = tables["renovation"]
    assert reno["build_year"].between(1975, 2000).all()
    assert reno["plan_year"].between(2025, 2026).all()
    assert (reno["household_count"] >= reno["building_count"]).all()
    assert (reno["elevators_added"] > 0).sum() >= 5


def test_land_dates_follow_the_pipeline(tables):
    shanty = tables["shantytown"]
    for row in shanty.to_dict("records"):
        chain = [row[k] for k in ("vacated_date", "demolished_date", "reserve_date")]
        present = [d for d in chain if isinstance(d, str)]
        # A later step never has a date when an earlier one has none, and dates go forward.
        assert chain[: len(present)] == present, row["id"]
        assert present == sorted(present), row["id"]
        assert row["households_signed"] <= row["households_total"]
    idle = tables["idle_land"]
    listed = idle[idle["status"].isin(["listed", "supplied", "under_construction", "revitalised"])]
    assert listed["listing_start"].notna().all()
    assert listed["start_price_wan"].notna().all()
    early = idle[idle["status"].isin(["identified", "reserved", "ready", "promoting"])]
    assert early["listing_start"].isna().all()


def assert_same_tables(a: dict[str, gpd.GeoDataFrame], b: dict[str, gpd.GeoDataFrame]) -> None:
    assert list(a) == list(b)
    for layer_id in a:
        left, right = a[layer_id], b[layer_id]
        assert list(left["id"]) == list(right["id"]), layer_id
        pd.testing.assert_frame_equal(
            pd.DataFrame(left.drop(columns="geometry")),
            pd.DataFrame(right.drop(columns="geometry")),
        )
        same = shapely.equals_exact(left.geometry.values, right.geometry.values, tolerance=1e-9)
        assert np.all(same), layer_id


def test_regenerating_gives_the_committed_features(tmp_path):
    script = load_script()
    fresh = tmp_path / "sample.gpkg"
    script.write_sample(fresh)
    assert_same_tables(read_tables(fresh), read_tables(SAMPLE))


def test_build_sample_is_deterministic(boundary):
    script = load_script()
    first, second = script.build_sample(boundary), script.build_sample(boundary)
    assert_same_tables(first, second)
