"""Synthetic idle-land parcels at city scale (10⁴–10⁶), and a store GeoPackage holding them.

The parcels tile a street grid the way a cadastre does: strips of blocks with roads between
them (12–40 m), each block cut into 1–4 × 1–4 parcels along a jittered lattice, every parcel
shrunk a little inside its cell (so neighbours never touch or overlap), its edges given 2–20
extra vertices pushed inwards (6–24 vertices in all, like digitised boundaries), and the whole
grid bent by a gentle smooth warp so streets curve. About four cells in five become a parcel;
the rest stay other land. Parcel areas run from 0.3 to 20 ha (median about 1 ha).

Parcel sizes have a floor, so the area grows with the count: about 15 km square at 10⁴ plots
(a city's built-up area), about 46 km at 10⁵ and 145 km at 10⁶ (larger than Panzhihua's
7 440 km²: a million real parcels of 0.3 ha and up do not fit in one city). The grid is
centred on 西区 in EPSG:4543 metres and stored as CGCS2000 (EPSG:4490) like the sample.

Every field of the idle-land layer in the registry is filled: status from the layer's codes
with a realistic mix (most plots identified or in progress, a quarter on offer), subdistrict
by position (the registry's six), names, holders consistent with the owner type, planned use
with matching plot ratios, prices from area, and the dates a status implies. The same seed
gives the same parcels.

    python bench/synthetic.py --plots 100000 -o /tmp/city.gpkg

The store keeps the sample's other layers (shantytown, renovation, roads), so the app opens
normally on it (``LANDMAP_DATA=/tmp/city.gpkg``).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from landmap import geo  # noqa: E402  (after the path tweak, so the script runs from anywhere)
from landmap.config import BUNDLED_SAMPLE_PATH  # noqa: E402
from landmap.dataset import normalise_layer  # noqa: E402
from landmap.layers import LAYER_BY_ID, PLANNED_USES, SUBDISTRICTS, UTILITIES  # noqa: E402

LAYER_ID = "idle_land"
# 西区's centre (lat, lon), where the grid is centred.
CENTER_LATLON = (26.612, 101.560)
MIN_AREA_M2, MAX_AREA_M2 = 3_000.0, 200_000.0  # 0.3–20 ha
MIN_VERTICES, MAX_VERTICES = 6, 24
# Share of the cells that become idle-land parcels (the rest is other land).
OCCUPANCY = 0.8
# A realistic mix: most plots are found or being worked on, about a quarter are on offer.
STATUS_WEIGHTS = {
    "identified": 0.20,
    "reserved": 0.14,
    "ready": 0.11,
    "promoting": 0.09,
    "listed": 0.06,
    "supplied": 0.10,
    "under_construction": 0.13,
    "revitalised": 0.12,
    "on_hold": 0.05,
}
# Where each status is in the life of a plot: which dates it already has.
_HAS_RESERVE_DATE = {
    "reserved",
    "ready",
    "promoting",
    "listed",
    "supplied",
    "under_construction",
    "revitalised",
}
_HAS_LISTING = {"listed", "supplied", "under_construction", "revitalised"}
_HAS_HANDOVER = {"supplied", "under_construction", "revitalised"}

# planned use -> (plot ratio range, land-use term in years, target industries, price 万元/亩)
_USE_FACTS = {
    "industrial_m1": ((1.0, 2.0), 50, ["装备制造", "钒钛精深加工", "新材料", "电子信息"], 18),
    "industrial_m2": ((0.8, 1.6), 50, ["新能源电池材料", "绿色化工", "冶金配套"], 15),
    "logistics_w1": ((0.8, 1.5), 50, ["现代物流", "冷链仓储", "电商分拨"], 16),
    "residential_r2": ((1.8, 3.0), 70, ["住宅开发", "人才公寓"], 90),
    "commercial_b1": ((1.5, 3.5), 40, ["商业综合体", "酒店", "商务办公"], 70),
    "mixed_rb": ((2.0, 3.2), 40, ["商住综合开发"], 80),
    "tourism_wellness": ((0.5, 1.2), 40, ["康养旅居", "阳光康养", "文旅休闲"], 30),
    "park_g1": ((0.0, 0.1), 50, ["城市公园配套"], 5),
    "parking_s42": ((0.5, 1.5), 40, ["智慧停车"], 20),
}
_USE_WEIGHTS = [0.22, 0.16, 0.12, 0.14, 0.10, 0.08, 0.08, 0.05, 0.05]
_LAND_CATEGORIES = [
    "idle_statutory",
    "approved_unsupplied",
    "supplied_unused",
    "underused",
    "inefficient",
    "shantytown_vacated",
    "soe_stock",
    "reserve",
]
_LAND_CATEGORY_WEIGHTS = [0.08, 0.14, 0.12, 0.12, 0.16, 0.06, 0.14, 0.18]
_OWNER_LEVELS = [
    "central_soe",
    "provincial_soe",
    "municipal_soe",
    "district_soe",
    "private",
    "government",
    "collective",
    "other",
]
_OWNER_LEVEL_WEIGHTS = [0.08, 0.06, 0.10, 0.12, 0.30, 0.25, 0.07, 0.02]
_SOE_HOLDERS = {
    "central_soe": [
        "攀钢集团有限公司",
        "中国二十冶集团有限公司",
        "国家电投集团攀枝花分公司",
        "中铁二局攀枝花公司",
        "中国华电攀枝花公司",
    ],
    "provincial_soe": [
        "四川省煤炭产业集团有限责任公司",
        "四川省能源投资集团攀枝花公司",
        "四川省交通投资集团攀西公司",
    ],
    "municipal_soe": [
        "攀枝花煤业（集团）有限责任公司",
        "攀枝花市国有投资（集团）有限责任公司",
        "攀枝花城建交通（集团）有限公司",
        "攀枝花市水务（集团）有限公司",
    ],
    "district_soe": [
        "西区国有资产经营有限公司",
        "西区城市建设投资有限公司",
        "西区工业园区开发建设有限公司",
    ],
    "government": ["西区土地储备中心", "攀枝花市土地储备中心", "西区人民政府"],
    "other": ["西区某事业单位", "某学校（撤并）", "某医院（搬迁）"],
}
_PRIVATE_PREFIX = [
    "攀西",
    "金沙",
    "钒都",
    "阳光",
    "苏铁",
    "宝鼎",
    "格里坪",
    "清香",
    "玉泉",
    "河门",
    "摩梭",
    "川南",
    "西南",
    "华宇",
    "鑫源",
    "恒通",
    "瑞丰",
    "兴达",
]
_PRIVATE_TRADE = [
    "实业",
    "矿业",
    "建材",
    "化工",
    "物流",
    "商贸",
    "置业",
    "钛业",
    "能源",
    "机械",
    "冶金",
    "农业",
    "旅游",
    "电力",
]
_PRIVATE_FORM = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
_RESPONSIBLE = [
    "西区自然资源局",
    "西区土地储备中心",
    "格里坪特色产业园区管委会",
    "西区经济和信息化局",
    "西区住房和城乡建设局",
    "西区投资促进局",
]
_CURRENT_USES = [
    "荒坡地",
    "临时堆场",
    "已平整空地",
    "围墙内空地",
    "闲置厂房",
    "废弃料场",
    "废弃矿区办公区",
    "停产厂区",
    "农用地（待转用）",
    "临时停车场",
    "老旧仓库",
]
_CONSTRAINTS = [
    "",
    "",
    "",
    "权属争议",
    "高压线迁改",
    "地上附着物未清理",
    "周边道路未通",
    "土壤污染待调查",
    "地下管线迁改",
    "地形高差大，土石方量大",
    "采煤沉陷区待评估",
    "权属争议；高压线迁改",
    "土壤污染待调查；周边道路未通",
]
_REMARKS = [
    "",
    "",
    "",
    "",
    "",
    "已编入年度招商推介地块清单",
    "挂牌期不少于10日",
    "地上附着物补偿未谈妥",
    "需与相邻地块整体打包出让",
    "合成数据，仅用于性能测试",
]
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_COMMUNITY_SUFFIX = ["社区", "村"]
_COMMUNITY_STEMS = [
    "太平",
    "苏铁",
    "大水井",
    "小水井",
    "金沙",
    "新庄",
    "巴关河",
    "陶家渡",
    "玉泉",
    "清香坪",
    "摩梭河",
    "河门口",
    "格里坪",
    "大宝鼎",
    "龙洞",
    "宝兴",
    "庄上",
    "新桥",
    "杉树",
    "石梯",
]
_ROAD_NAMES = [
    "攀枝花大道",
    "清香坪路",
    "宝鼎路",
    "格里坪路",
    "玉泉路",
    "河门口路",
    "苏铁路",
    "金沙江大道",
    "钒钛大道",
    "西环路",
    "新庄路",
    "陶家渡路",
    "太平路",
    "滨江路",
]
_PLOT_KINDS = ["地块", "片区地块", "工业地块", "储备地块", "闲置厂区地块"]
_SUB_EN = {name: label.en for name, label in SUBDISTRICTS.items()}


def _metric_center() -> tuple[float, float]:
    to_metric = Transformer.from_crs(4326, geo.METRIC_CRS, always_xy=True)
    x, y = to_metric.transform(CENTER_LATLON[1], CENTER_LATLON[0])
    return float(x), float(y)


def _blocks(rng: np.random.Generator, side: float) -> dict[str, np.ndarray]:
    """Strips of blocks with roads between them, filling a ``side`` × ``side`` square."""
    n_strips = int(side / 300) + 8
    heights = rng.uniform(140, 520, n_strips)
    road_h = rng.choice([14.0, 18.0, 24.0, 32.0, 40.0], n_strips)
    y0 = np.concatenate([[0.0], np.cumsum(heights + road_h)[:-1]])
    keep = y0 + heights <= side
    heights, y0 = heights[keep], y0[keep]
    per_strip = int(side / 330) + 8
    widths = rng.uniform(140, 640, (len(heights), per_strip))
    road_w = rng.choice([12.0, 16.0, 20.0, 30.0, 40.0], (len(heights), per_strip))
    x0 = np.concatenate(
        [np.zeros((len(heights), 1)), np.cumsum(widths + road_w, axis=1)[:, :-1]], axis=1
    )
    inside = x0 + widths <= side
    strip = np.broadcast_to(np.arange(len(heights))[:, None], widths.shape)[inside]
    return {
        "x0": x0[inside],
        "y0": y0[strip],
        "w": widths[inside],
        "h": heights[strip],
    }


def _cells(rng: np.random.Generator, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Every parcel cell of the grid as a quadrilateral (N, 4, 2), and its vertex budget."""
    blocks = _blocks(rng, side)
    n_blocks = len(blocks["w"])
    # Each block is cut into parcels of its own typical size (log-normal, median ~1.1 ha).
    target = np.clip(rng.lognormal(np.log(11_000.0), 0.85, n_blocks), 4_000, 180_000)
    aspect = rng.uniform(0.6, 1.7, n_blocks)
    nx = np.clip(np.rint(blocks["w"] / np.sqrt(target * aspect)), 1, 4).astype(int)
    ny = np.clip(np.rint(blocks["h"] / np.sqrt(target / aspect)), 1, 4).astype(int)
    per_block = nx * ny
    block = np.repeat(np.arange(n_blocks), per_block)
    first = np.repeat(np.cumsum(per_block) - per_block, per_block)
    k = np.arange(len(block)) - first
    i, j = k % nx[block], k // nx[block]
    # Lattice nodes jitter by up to 18 % of the spacing; nodes on the block's edge slide only
    # along it, so the roads stay straight and every cell stays convex.
    jitter = rng.uniform(-0.18, 0.18, (n_blocks, 5, 5, 2))
    corner_i = np.stack([i, i + 1, i + 1, i], axis=1)  # counter-clockwise
    corner_j = np.stack([j, j, j + 1, j + 1], axis=1)
    b = block[:, None]
    jx = jitter[b, corner_i, corner_j, 0]
    jy = jitter[b, corner_i, corner_j, 1]
    jx = np.where((corner_i == 0) | (corner_i == nx[b]), 0.0, jx)
    jy = np.where((corner_j == 0) | (corner_j == ny[b]), 0.0, jy)
    dx = (blocks["w"] / nx)[b]
    dy = (blocks["h"] / ny)[b]
    xs = blocks["x0"][b] + (corner_i + jx) * dx
    ys = blocks["y0"][b] + (corner_j + jy) * dy
    quads = np.stack([xs, ys], axis=2)
    # Shrink each cell about its centre so that neighbours keep a 1.5–4 m gap.
    center = quads.mean(axis=1, keepdims=True)
    gap = rng.uniform(0.75, 2.0, (len(block), 1, 1))
    shrink = 1 - gap / (0.5 * np.minimum(dx, dy)[:, :, None])
    quads = center + (quads - center) * shrink
    vertices = rng.integers(MIN_VERTICES, MAX_VERTICES + 1, len(block))
    return quads, vertices


def _rings(rng: np.random.Generator, quads: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Each quad with ``vertices - 4`` extra points on its edges, pushed inwards.

    The push is at most 6 % of the edge length and vanishes at the corners (sin bump), so a
    point never crosses the bisector of a corner: the ring stays simple and inside its cell.
    """
    n = len(quads)
    extra = rng.uniform(0, 4, (n, MAX_VERTICES - 4))
    extra[np.arange(MAX_VERTICES - 4)[None, :] >= (vertices - 4)[:, None]] = np.inf
    params = np.sort(np.concatenate([np.tile(np.arange(4.0), (n, 1)), extra], axis=1), axis=1)
    used = np.isfinite(params)
    params = np.where(used, params, 0.0)
    edge = np.minimum(params.astype(int), 3)
    frac = params - edge
    rows = np.arange(n)[:, None]
    start = quads[rows, edge]
    end = quads[rows, (edge + 1) % 4]
    along = end - start
    length = np.linalg.norm(along, axis=2, keepdims=True)
    inward = np.stack([-along[..., 1], along[..., 0]], axis=2) / length  # left of a CCW edge
    push = 0.06 * length[..., 0] * np.sin(np.pi * frac) * rng.uniform(0, 1, frac.shape)
    points = start + along * frac[..., None] + inward * push[..., None]
    coords = points[used]
    counts = used.sum(axis=1)
    # Close each ring: repeat its first point.
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    closed = np.insert(coords, np.repeat(offsets + counts, 1), coords[offsets], axis=0)
    ring_index = np.repeat(np.arange(n), counts + 1)
    rings = shapely.linearrings(closed, indices=ring_index)
    return shapely.polygons(rings)


def _warp(rng: np.random.Generator, polygons: np.ndarray, side: float) -> np.ndarray:
    """Bend the grid gently (slopes < 0.35, so the map stays one-to-one): curved streets."""
    phase = rng.uniform(0, 2 * np.pi, 3)

    def bend(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        wx = 110 * np.sin(2 * np.pi * y / 4_000 + phase[0]) + 50 * np.sin(
            2 * np.pi * y / 2_300 + phase[1]
        )
        wy = 120 * np.sin(2 * np.pi * x / 3_500 + phase[2])
        return np.column_stack([x + wx, y + wy])

    return shapely.transform(polygons, bend)


def parcel_geometries(count: int, seed: int = 7) -> np.ndarray:
    """``count`` parcels as shapely polygons in EPSG:4543 metres, in grid order."""
    side = float(np.sqrt(count * 24_000.0 / OCCUPANCY))
    cx, cy = _metric_center()
    for attempt in range(8):
        rng = np.random.default_rng([seed, attempt])
        quads, vertices = _cells(rng, side)
        polygons = _warp(rng, _rings(rng, quads, vertices), side)
        area = shapely.area(polygons)
        fits = (area >= MIN_AREA_M2) & (area <= MAX_AREA_M2) & shapely.is_valid(polygons)
        candidates = np.flatnonzero(fits)
        if len(candidates) >= count / OCCUPANCY or (attempt == 7 and len(candidates) >= count):
            chosen = np.sort(rng.choice(candidates, count, replace=False))
            offset = np.array([cx - side / 2, cy - side / 2])
            return shapely.transform(polygons[chosen], lambda xy, o=offset: xy + o)
        side *= 1.15
    raise RuntimeError(f"could not fit {count} parcels")  # never seen; the loop widens the area


def _dates(rng: np.random.Generator, n: int, start: str, end: str) -> np.ndarray:
    lo, hi = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((hi - lo).astype(int)) + 1, n)
    return (lo + days.astype("timedelta64[D]")).astype(str)


def _pick(rng: np.random.Generator, options: list[str], n: int, p=None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=p)]


def _utilities(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """Disjoint ``ready`` and ``planned`` sets of 七通一平 codes, in the registry's order."""
    codes = np.asarray(list(UTILITIES))
    draw = rng.uniform(0, 1, (n, len(codes)))
    ready_mask = draw < rng.uniform(0.2, 0.9, (n, 1))
    planned_mask = ~ready_mask & (rng.uniform(0, 1, (n, len(codes))) < 0.5)
    join = [",".join(codes[row]) for row in ready_mask]
    return join, [",".join(codes[row]) for row in planned_mask]


def parcel_attributes(geometries: np.ndarray, seed: int = 7) -> pd.DataFrame:
    """Every field of the idle-land layer, filled plausibly for these parcels (metres)."""
    n = len(geometries)
    rng = np.random.default_rng([seed, 1_000])
    spec = LAYER_BY_ID[LAYER_ID]
    status = _pick(rng, list(STATUS_WEIGHTS), n, list(STATUS_WEIGHTS.values()))
    assert set(STATUS_WEIGHTS) == set(spec.status_codes), "the mix must cover the registry"

    # Subdistrict by position: the area in six zones (3 across × 2 down), as a district is.
    centroids = shapely.get_coordinates(shapely.centroid(geometries))
    lo, hi = centroids.min(axis=0), centroids.max(axis=0)
    col = np.minimum(((centroids[:, 0] - lo[0]) / (hi[0] - lo[0] + 1e-9) * 3).astype(int), 2)
    row = np.minimum(((centroids[:, 1] - lo[1]) / (hi[1] - lo[1] + 1e-9) * 2).astype(int), 1)
    subdistrict = np.asarray(list(SUBDISTRICTS), dtype=object)[row * 3 + col]
    community = (
        _pick(rng, _COMMUNITY_STEMS, n) + _pick(rng, _COMMUNITY_SUFFIX, n, [0.8, 0.2])
    ).astype(object)
    road = _pick(rng, _ROAD_NAMES, n)
    number = rng.integers(1, 400, n)
    address = [f"西区{s}{r}{k}号附近" for s, r, k in zip(subdistrict, road, number, strict=True)]

    use_codes = list(_USE_FACTS)
    use = _pick(rng, use_codes, n, _USE_WEIGHTS)
    use_index = np.searchsorted(np.asarray(sorted(use_codes)), use)
    by_sorted = [_USE_FACTS[c] for c in sorted(use_codes)]
    far_lo = np.array([f[0][0] for f in by_sorted])[use_index]
    far_hi = np.array([f[0][1] for f in by_sorted])[use_index]
    far_max = np.round(far_lo + (far_hi - far_lo) * rng.uniform(0.5, 1.0, n), 1)
    far_min = np.round(np.minimum(far_lo, far_max * 0.6), 1)
    term = np.array([f[1] for f in by_sorted])[use_index]
    industry = np.array(
        [
            by_sorted[k][2][r % len(by_sorted[k][2])]
            for k, r in zip(use_index, rng.integers(0, 12, n), strict=True)
        ],
        dtype=object,
    )
    price_per_mu = np.array([f[3] for f in by_sorted])[use_index] * rng.uniform(0.8, 1.25, n)
    area_mu = shapely.area(geometries) / geo.SQUARE_METRES_PER_MU
    start_price = np.round(area_mu * price_per_mu, 1)
    industrial = np.isin(use, ["industrial_m1", "industrial_m2", "logistics_w1"])

    level = _pick(rng, _OWNER_LEVELS, n, _OWNER_LEVEL_WEIGHTS)
    # Many private holders, a few public ones: the holder filter lists hundreds, as in life.
    private_names = np.array(
        [
            f"攀枝花{a}{b}{c}"
            for a in _PRIVATE_PREFIX
            for b in _PRIVATE_TRADE
            for c in _PRIVATE_FORM
        ],
        dtype=object,
    )
    holders = np.empty(n, dtype=object)
    private = level == "private"
    ranks = np.minimum(rng.zipf(1.3, int(private.sum())) - 1, len(private_names) - 1)
    holders[private] = private_names[ranks]
    collective = level == "collective"
    holders[collective] = community[collective] + "集体经济组织"
    for key, names in _SOE_HOLDERS.items():
        mask = level == key
        holders[mask] = _pick(rng, names, int(mask.sum()))

    ready, planned = _utilities(rng, n)
    readiness_text = np.where(
        np.char.count(np.asarray(ready, dtype=str), ",") >= 5,
        "五通一平",
        "部分通水通电，场地未平整",
    ).astype(object)
    names = [
        f"{s.removesuffix('街道').removesuffix('镇')}{r.removesuffix('路').removesuffix('大道')}"
        f"{kind}{i:06d}"
        for s, r, kind, i in zip(
            subdistrict, road, _pick(rng, _PLOT_KINDS, n), range(n), strict=True
        )
    ]
    names_en = [f"{_SUB_EN[s]} plot {i:06d}" for s, i in zip(subdistrict, range(n), strict=True)]
    idle_since = _dates(rng, n, "2015-01-01", "2023-12-31")
    reserve = np.where(
        np.isin(status, list(_HAS_RESERVE_DATE)), _dates(rng, n, "2024-01-01", "2025-06-30"), None
    )
    listing = np.where(
        np.isin(status, list(_HAS_LISTING)), _dates(rng, n, "2025-07-01", "2025-12-31"), None
    )
    handover = np.where(
        np.isin(status, list(_HAS_HANDOVER)), _dates(rng, n, "2026-01-01", "2026-06-30"), None
    )
    publish = _pick(rng, ["", "on", "off"], n, [0.95, 0.03, 0.02])
    publish = np.where(publish == "", None, publish)
    contact = (_pick(rng, _SURNAMES, n) + "某某").astype(object)

    return pd.DataFrame(
        {
            "id": [f"SYN-{i:07d}" for i in range(n)],
            "name": names,
            "status": status,
            "subdistrict": subdistrict,
            "community": community,
            "address": address,
            "responsible_unit": _pick(rng, _RESPONSIBLE, n),
            "contact": contact,
            "data_source": "合成数据（性能测试，非真实）",
            "coord_quality": _pick(
                rng, ["surveyed", "digitized", "illustrative"], n, [0.3, 0.6, 0.1]
            ),
            "updated_at": _dates(rng, n, "2025-06-01", "2026-11-30"),
            "remarks": _pick(rng, _REMARKS, n),
            "land_category": _pick(rng, _LAND_CATEGORIES, n, _LAND_CATEGORY_WEIGHTS),
            "owner_level": level,
            "owner_name": holders,
            "current_use": _pick(rng, _CURRENT_USES, n),
            "planned_use_text": [PLANNED_USES[c].zh for c in use],
            "far_max": far_max,
            "site_readiness": readiness_text,
            "target_industry": industry,
            "start_price_wan": start_price,
            "name_en": names_en,
            "planned_use": use,
            "land_use_term_years": term,
            "far_min": far_min,
            "building_density_max_pct": np.where(industrial, 60.0, 35.0),
            "green_ratio_min_pct": np.where(industrial, 15.0, 30.0),
            "height_limit_m": _pick(rng, ["24", "30", "40", "60", "80", "100"], n).astype(float),
            "deposit_wan": np.round(start_price * 0.2, 1),
            "utilities_ready": ready,
            "utilities_planned": planned,
            "investment_intensity_wan_per_mu": np.where(
                industrial, _pick(rng, ["250", "300", "350"], n).astype(float), np.nan
            ),
            "tax_per_mu_wan": np.where(
                industrial, _pick(rng, ["15", "20", "25"], n).astype(float), np.nan
            ),
            "constraints": _pick(rng, _CONSTRAINTS, n),
            "idle_since": idle_since,
            "reserve_date": reserve,
            "listing_start": listing,
            "handover_date": handover,
            "publish": publish,
        }
    )


def synthetic_parcels(count: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``count`` idle-land parcels with every registry field, in EPSG:4490 (raw, as stored)."""
    geometries = parcel_geometries(count, seed)
    attributes = parcel_attributes(geometries, seed)
    return gpd.GeoDataFrame(attributes, geometry=geometries, crs=geo.METRIC_CRS).to_crs(
        geo.STORE_CRS
    )


def synthetic_plots(count: int, seed: int = 7) -> gpd.GeoDataFrame:
    """The parcels as the app's loader returns them (``normalise_layer``): bench_map's input."""
    normalised, _issues = normalise_layer(
        synthetic_parcels(count, seed), LAYER_BY_ID[LAYER_ID], "synthetic"
    )
    return normalised


def write_store(parcels: gpd.GeoDataFrame, path: Path) -> Path:
    """A store GeoPackage: the sample's other layers, and ``parcels`` as the idle-land layer.

    The sample's idle-land history and milestones are dropped with its plots (they name ids
    that are no longer there).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.stem}.tmp.gpkg")  # GDAL wants the .gpkg suffix
    shutil.copyfile(BUNDLED_SAMPLE_PATH, scratch)
    with sqlite3.connect(scratch) as con:
        for table in ("landmap_history", "landmap_milestones"):
            con.execute(f"DELETE FROM {table} WHERE layer = ?", (LAYER_ID,))
    con.close()
    pyogrio.write_dataframe(
        parcels.rename_geometry("geom") if parcels.geometry.name != "geom" else parcels,
        scratch,
        layer=LAYER_ID,
        driver="GPKG",
        layer_options={"OVERWRITE": "YES", "SPATIAL_INDEX": "YES"},
        use_arrow=_arrow_available(),
    )
    scratch.replace(path)
    return path


def _arrow_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=10_000, help="how many parcels")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .gpkg to write")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    parcels = synthetic_parcels(args.plots, args.seed)
    built = time.perf_counter()
    write_store(parcels, args.output)
    done = time.perf_counter()
    print(
        f"{args.output}: {len(parcels)} parcels, generated in {built - start:.1f} s, "
        f"written in {done - built:.1f} s ({args.output.stat().st_size / 1e6:.1f} MB)"
    )
    return args.output


if __name__ == "__main__":
    main()
