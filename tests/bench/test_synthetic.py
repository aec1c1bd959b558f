"""The synthetic parcels behind the city-scale benchmarks look like a cadastre (no timing here)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
import shapely

from landmap import geo
from landmap.dataset import load_dataset
from landmap.layers import LAYER_BY_ID, SUBDISTRICTS
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, REPO_ROOT

COUNT = 400
IDLE = LAYER_BY_ID["idle_land"]


def _synthetic():
    spec = importlib.util.spec_from_file_location("synthetic", REPO_ROOT / "bench" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _synthetic()


@pytest.fixture(scope="module")
def parcels():
    return synthetic.synthetic_parcels(COUNT, seed=3)


@pytest.fixture(scope="module")
def metric(parcels):
    return parcels.geometry.to_crs(geo.METRIC_CRS).to_numpy()


def test_parcels_are_valid_simple_polygons_with_6_to_24_vertices(parcels, metric):
    assert len(parcels) == COUNT and parcels.crs.to_epsg() == 4490
    assert set(shapely.get_type_id(metric)) == {3}  # Polygon
    assert shapely.is_valid(metric).all()
    vertices = shapely.get_num_coordinates(metric) - 1  # the closing point repeats the first
    assert vertices.min() >= 6 and vertices.max() <= 24


def test_no_two_parcels_overlap_or_touch(metric):
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    pairs = np.column_stack([left, right])[left != right]
    assert len(pairs) == 0, pairs[:5]


def test_areas_between_0_3_and_20_ha(metric):
    area_ha = shapely.area(metric) / 10_000
    assert area_ha.min() >= 0.3 and area_ha.max() <= 20
    assert 0.5 < np.median(area_ha) < 3  # mostly small plots, as in a city


def test_parcels_lie_around_the_district(parcels, metric):
    west, south, east, north = parcels.total_bounds
    assert 101.3 < west < east < 101.9 and 26.4 < south < north < 26.9  # Panzhihua
    # A few hundred plots fill a few square km around 西区's centre, not the whole city.
    center = shapely.Point(synthetic._metric_center())
    assert shapely.distance(metric, center).max() < 5_000


def test_every_field_filled_with_registry_values(parcels):
    for key in ("id", "name", *(f.key for f in IDLE.all_fields)):
        assert key in parcels.columns, key
        # Dates a status does not have yet, and the publish override, may be blank.
        if key not in {"reserve_date", "listing_start", "handover_date", "publish"}:
            assert parcels[key].notna().any(), key
    assert parcels["id"].is_unique
    assert set(parcels["status"]) == set(IDLE.status_codes)  # every code, and only those
    assert set(parcels["subdistrict"]) <= set(SUBDISTRICTS)
    listed = parcels[parcels["status"] == "listed"]
    assert listed["listing_start"].notna().all()
    assert parcels.loc[parcels["status"] == "identified", "handover_date"].isna().all()


def test_same_seed_same_parcels():
    a = synthetic.parcel_geometries(50, seed=11)
    b = synthetic.parcel_geometries(50, seed=11)
    c = synthetic.parcel_geometries(50, seed=12)
    assert shapely.equals_exact(a, b, tolerance=0).all()
    assert not shapely.equals_exact(a, c, tolerance=0).all()


def test_store_opens_with_the_sample_layers_beside_the_parcels(tmp_path, parcels):
    path = synthetic.write_store(parcels, tmp_path / "city.gpkg")
    dataset = load_dataset(GpkgStore(path), BOUNDARY)
    assert len(dataset.frames["idle_land"]) == COUNT
    assert all(len(dataset.frames[lid]) > 0 for lid in ("shantytown", "renovation", "roads"))
    assert not [i for i in dataset.issues if i.layer == "idle_land"], dataset.issues
    assert pd.api.types.is_float_dtype(dataset.frames["idle_land"]["far_max"])
