"""Shared fixtures: small, realistic layer tables built in code, written to real GeoPackages."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from landmap.layers import LAYER_BY_ID, LayerSpec
from tests.postgis_server import (
    _close_connection_pools,
    database_url,
    postgres_server,
    restartable_server,
)

# The PostGIS fixtures, for every test folder (one throw-away server per session, on demand).
__all__ = ["_close_connection_pools", "database_url", "postgres_server", "restartable_server"]

REPO_ROOT = Path(__file__).resolve().parents[1]

# Every test run works on its own copy of the sample (Settings.ensure_data_file) and its own
# accounts file, inherited by the apps and commands the tests start: never the developer's.
_RUN_DIR = Path(tempfile.mkdtemp(prefix="landmap-tests-"))
os.environ["LANDMAP_STATE_DIR"] = str(_RUN_DIR / "state")
os.environ["LANDMAP_ACCOUNTS"] = str(_RUN_DIR / "accounts.json")
SAMPLE_GPKG = REPO_ROOT / "data" / "xiqu_sample.gpkg"
BOUNDARY = REPO_ROOT / "data" / "xiqu_boundary_wgs84.geojson"

# 清香坪, in EPSG:4543 metres (E, N): inside the district.
ORIGIN_4543 = (462_500.0, 2_943_200.0)


def square_4543(dx: float, dy: float, side: float) -> shapely.Polygon:
    x0, y0 = ORIGIN_4543[0] + dx, ORIGIN_4543[1] + dy
    return shapely.box(x0, y0, x0 + side, y0 + side)


def layer_frame(spec: LayerSpec, rows: list[dict], crs: str = "EPSG:4543") -> gpd.GeoDataFrame:
    """A table as a bureau might store it: registry columns, geometry in ``crs``."""
    columns = ["id", "name", "status", *(f.key for f in spec.all_fields)]
    records = [{c: row.get(c) for c in columns} for row in rows]
    frame = gpd.GeoDataFrame(records, geometry=[r["geometry"] for r in rows], crs=crs)
    return frame.to_crs("EPSG:4490")


def tiny_tables() -> dict[str, gpd.GeoDataFrame]:
    idle = LAYER_BY_ID["idle_land"]
    roads = LAYER_BY_ID["roads"]
    reno = LAYER_BY_ID["renovation"]
    shanty = LAYER_BY_ID["shantytown"]
    return {
        "idle_land": layer_frame(
            idle,
            [
                # 100 m × 100 m = 10 000 m² = 15 亩 exactly, measured in EPSG:4543.
                {
                    "id": "T-1",
                    "name": "陶家渡片区闲置地",
                    "status": "listed",
                    "subdistrict": "清香坪街道",
                    "geometry": square_4543(0, 0, 100),
                    "owner_name": "攀钢集团",
                    "responsible_unit": "西区自然资源局",
                },
                {
                    "id": "T-2",
                    "name": "格里坪工业园区土地整理一期",
                    "status": "under_construction",
                    "subdistrict": "格里坪镇",
                    "geometry": square_4543(500, 0, 200),
                },
                {
                    "id": "T-3",
                    "name": "大水井地块",
                    "status": "ready",
                    "subdistrict": "清香坪街道",
                    "geometry": square_4543(1000, 0, 50),
                },
            ],
        ),
        "shantytown": layer_frame(
            shanty,
            [
                {
                    "id": "S-1",
                    "name": "原攀煤公司棚改腾空土地",
                    "status": "vacated",
                    "subdistrict": "大宝鼎街道",
                    "geometry": square_4543(0, 500, 80),
                },
            ],
        ),
        "renovation": layer_frame(
            reno,
            [
                {
                    "id": "R-1",
                    "name": "动力站安装公司家属区",
                    "status": "under_construction",
                    "subdistrict": "河门口街道",
                    "geometry": square_4543(500, 500, 120),
                    "progress_pct": 45.0,
                    "investment_wan": 820.0,
                },
            ],
        ),
        "roads": layer_frame(
            roads,
            [
                # 1 000 m long.
                {
                    "id": "D-1",
                    "name": "金竹路后段",
                    "status": "under_construction",
                    "subdistrict": "清香坪街道",
                    "geometry": shapely.LineString(
                        [ORIGIN_4543, (ORIGIN_4543[0] + 1000, ORIGIN_4543[1])]
                    ),
                },
                {
                    "id": "D-2",
                    "name": "大麦地路",
                    "status": "planning",
                    "subdistrict": "玉泉街道",
                    "geometry": shapely.LineString(
                        [
                            (ORIGIN_4543[0], ORIGIN_4543[1] + 300),
                            (ORIGIN_4543[0], ORIGIN_4543[1] + 800),
                        ]
                    ),
                },
            ],
        ),
    }


def write_gpkg(path: Path, tables: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, frame in tables.items():
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture
def tiny_gpkg(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "tiny.gpkg", tiny_tables())


# Internal values no label or other field could contain by chance: a public output that holds
# any of them has leaked (tests/app/test_audiences.py, tests/browser/test_audiences_in_browser.py).
INTERNAL_PLOT = "XQ-XZ-003"
INTERNAL_VALUES = {
    "contact": "联系人秘密QZX1",
    "remarks": "备注秘密QZX2",
    "constraints": "权属争议秘密QZX3",
    "idle_since": "1987-06-05",
}
# A recorded change to that plot: its author and note are staff-only too.
INTERNAL_EDITOR = "编辑员QZX5"
INTERNAL_NOTE = "督办说明秘密QZX6"


def seed_internal_values(path: Path, feature_id: str = INTERNAL_PLOT) -> list[str]:
    """Give one idle plot of the sample copy at ``path`` distinctive internal values and a
    recorded status change (reserved → ready); returns every value a public reader must not
    get."""
    import pyogrio

    from landmap.progress.edits import FeatureEdit, FieldChange
    from landmap.store import GpkgStore

    frame = pyogrio.read_dataframe(path, layer="idle_land")
    row = frame["id"] == feature_id
    assert row.sum() == 1
    for key, value in INTERNAL_VALUES.items():
        frame[key] = frame[key].astype(object)
        frame.loc[row, key] = value
    pyogrio.write_dataframe(frame, path, layer="idle_land", driver="GPKG")
    edit = FeatureEdit("idle_land", feature_id, 0, (FieldChange("status", "reserved", "ready"),))
    GpkgStore(path).apply_edits([edit], user=INTERNAL_EDITOR, note=INTERNAL_NOTE, source="app")
    return [*INTERNAL_VALUES.values(), INTERNAL_EDITOR, INTERNAL_NOTE]
