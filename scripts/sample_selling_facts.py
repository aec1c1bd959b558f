"""The selling facts of the sample's plots (issue 招商展示), added after the layers are built.

Each plot draws from its own random stream, seeded by its id, so adding these facts leaves
every value the main generator made (statuses, shapes, dates, history) exactly as it was.
Plots that are not yet ready for supply get only what is known early (planned use, target
industry, utilities); land terms, prices and 标准地 indicators appear once a plot is ready.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

# planned_use_text in the generator → the registry's coded planned use.
PLANNED_USE_CODES = {
    "一类工业用地（M1）": "industrial_m1",
    "二类工业用地（M2）": "industrial_m2",
    "物流仓储用地（W1）": "logistics_w1",
    "城镇住宅用地（R2）": "residential_r2",
    "商业用地（B1）": "commercial_b1",
    "商住混合用地（RB）": "mixed_rb",
    "文旅康养用地": "tourism_wellness",
    "公园绿地（G1）": "park_g1",
    "社会停车场用地（S42）": "parking_s42",
}
# Statutory maximum terms of a land grant (《城镇国有土地使用权出让和转让暂行条例》第十二条).
TERM_YEARS = {
    "industrial_m1": 50, "industrial_m2": 50, "logistics_w1": 50, "residential_r2": 70,
    "commercial_b1": 40, "mixed_rb": 40, "tourism_wellness": 40, "parking_s42": 40,
}  # fmt: skip
INDUSTRIAL = ("industrial_m1", "industrial_m2", "logistics_w1")
# Offered and later stages: a notice has been or is about to be published.
READY_STAGES = ("ready", "promoting", "listed", "supplied", "under_construction", "revitalised")
SELLING_KEYS = (
    "name_en", "planned_use", "land_use_term_years", "far_min", "building_density_max_pct",
    "green_ratio_min_pct", "height_limit_m", "deposit_wan", "utilities_ready",
    "utilities_planned", "investment_intensity_wan_per_mu", "tax_per_mu_wan",
)  # fmt: skip
ALL_UTILITIES = ("road", "water", "drainage", "power", "telecom", "gas", "heat", "levelled")

# English names: the Chinese name's pattern → its English form ({n}: the plot's number).
# fmt: off
ENGLISH_NAMES: tuple[tuple[str, str], ...] = (
    (r"格里坪工业园区土地整理一期A-(\d+)地块", "Geliping Industrial Park, Phase I Lot A-{n}"),
    (r"格里坪工业园区闲置工业用地(\d+)号", "Geliping Industrial Park Idle Industrial Plot {n}"),
    (r"攀钢集团闲置厂区地块（(\d+)号）", "Pangang Group Former Works Plot {n}"),
    (r"川煤集团存量土地（(\d+)号）", "Sichuan Coal Group Land Plot {n}"),
    (r"原攀煤公司棚改腾空土地（太平矿片区(\d+)号）", "Former Panmei Taiping Mine Vacated Plot {n}"),
    (r"原攀煤公司棚改腾空土地（小宝鼎矿片区(\d+)号）",
     "Former Panmei Xiaobaoding Mine Vacated Plot {n}"),
    (r"原攀煤公司棚改腾空土地（大宝顶矿片区(\d+)号）",
     "Former Panmei Dabaoding Mine Vacated Plot {n}"),
    (r"原攀煤公司棚改腾空土地（(\d+)号）", "Former Panmei Company Vacated Plot {n}"),
    (r"苏铁中路北部片区(\d+)号地块", "Sutie Road (Middle) North Plot {n}"),
    (r"苏铁中路南部片区(\d+)号地块", "Sutie Road (Middle) South Plot {n}"),
    (r"大水井(\d+)号地块", "Dashuijing Plot {n}"),
    (r"小水井(\d+)号地块", "Xiaoshuijing Plot {n}"),
    (r"金沙湖片区(\d+)号地块", "Jinsha Lake Plot {n}"),
    (r"陶家渡片区(\d+)号地块", "Taojiadu Plot {n}"),
    (r"陶家渡片区棚改(\d+)号地块", "Taojiadu Shantytown Renewal Plot {n}"),
    (r"河门口初心园至乌龟井片区存量用地(\d+)号", "Hemenkou Chuxinyuan–Wuguijing Plot {n}"),
    (r"河门口初心园至乌龟井片区(\d+)号地块", "Hemenkou Chuxinyuan–Wuguijing Renewal Plot {n}"),
    (r"河门口老街棚户区(\d+)号地块", "Hemenkou Old Street Renewal Plot {n}"),
    (r"大宝鼎片区棚改(\d+)号地块", "Dabaoding Shantytown Renewal Plot {n}"),
    (r"市属国企闲置仓储用地（(\d+)号）", "Municipal SOE Idle Warehouse Plot {n}"),
    (r"玉泉街道低效商业用地(\d+)号", "Yuquan Underused Commercial Plot {n}"),
    (r"金沙水电站原施工营地地块()", "Former Jinsha Hydropower Construction Camp"),
    (r"西佛山片区集体建设用地(\d+)号", "Xifoshan Collective Construction Land Plot {n}"),
)
# fmt: on


def english_name(name: str) -> str | None:
    for pattern, english in ENGLISH_NAMES:
        match = re.fullmatch(pattern, name)
        if match:
            return english.format(n=match.group(1))
    return None


def _rng(feature_id: str) -> np.random.Generator:
    seed = int.from_bytes(hashlib.blake2s(feature_id.encode(), digest_size=8).digest(), "big")
    return np.random.default_rng(seed)


def _far_min(far_max: object, industrial: bool) -> float | None:
    """The lower FAR bound a notice sets: 0.8 for industry (or the cap, if lower), else half."""
    if far_max is None or far_max != far_max:
        return None
    cap = float(far_max)
    return round(min(0.8, cap) if industrial else cap * 0.5, 1)


def facts_rng(key: str) -> np.random.Generator:
    """A random stream of its own for ``key`` (a feature id), independent of the generator's."""
    return _rng(key)


def selling_facts(row: dict) -> dict[str, object]:
    """The selling facts of one plot (``row`` as the generator built it)."""
    rng = _rng(str(row["id"]))
    use = PLANNED_USE_CODES.get(str(row.get("planned_use_text") or ""))
    ready = row["status"] in READY_STAGES
    facts: dict[str, object] = dict.fromkeys(SELLING_KEYS)  # unknown until a notice says
    facts.update({"name_en": english_name(str(row["name"])), "planned_use": use})
    # Utilities: a plot ready for supply is at least 五通一平; earlier ones have some.
    if ready:
        # Half are 七通一平, half 五通一平.
        seven = rng.random() < 0.5
        ready_set = ALL_UTILITIES if seven else (*ALL_UTILITIES[:5], "levelled")
    else:
        ready_set = ALL_UTILITIES[: int(rng.integers(1, 4))]
    coming = [u for u in ALL_UTILITIES if u not in ready_set][: int(rng.integers(0, 3))]
    facts["utilities_ready"] = ",".join(ready_set)
    facts["utilities_planned"] = ",".join(coming) or None
    if not ready or use is None or use == "park_g1":
        return facts
    industrial = use in INDUSTRIAL
    far_max = row.get("far_max")
    facts.update(
        {
            "land_use_term_years": TERM_YEARS.get(use),
            "far_min": _far_min(far_max, industrial),
            "building_density_max_pct": float(rng.choice((40, 50, 60) if industrial else (30, 35))),
            "green_ratio_min_pct": float(rng.choice((10, 15, 20) if industrial else (30, 35))),
            "height_limit_m": float(rng.choice((24, 30, 40) if industrial else (60, 80, 100))),
        }
    )
    price = row.get("start_price_wan")
    if price is not None and price == price:
        facts["deposit_wan"] = round(float(price) * 0.2, 1)  # 20 % of the starting price
    if industrial:  # 标准地: the indicators a buyer of industrial land commits to
        facts["investment_intensity_wan_per_mu"] = float(rng.choice((250, 300, 350)))
        facts["tax_per_mu_wan"] = float(rng.choice((15, 20, 25)))
    return facts
