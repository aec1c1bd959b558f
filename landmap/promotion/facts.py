"""The selling facts of a plot, as a Chinese land notice gives them (pure, no Streamlit).

What an investor compares before calling anyone (docs/product.md): size in 亩, m² and ha,
land use, term, FAR range, density, green ratio, height, price and deposit, the 七通一平
checklist, 标准地 indicators, target industries, the main road nearby and the road projects
that will serve the plot with their stage, and whom to call — the promotion office's public
contact, never the internal 联系人. Every distance is measured in EPSG:4543. A fact the data
does not hold is "—", never an invented number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from landmap.geo import METRIC_CRS
from landmap.i18n import mark_chinese, t
from landmap.layers import LAYER_BY_ID, UTILITIES, FieldKind, LayerSpec, split_codes

MISSING = "—"
# Roads that count as a "main road" for access (城市主次干路).
MAIN_ROAD_CLASSES = ("快速路", "主干路", "次干路")
# Road projects within this distance are listed as serving the plot.
SERVING_DISTANCE_M = 500.0


@dataclass(frozen=True)
class RoadLink:
    """A road project near a plot: what it is, its stage, and how far it runs from the plot."""

    feature_id: str
    name: str
    road_class: str
    stage: str
    planned_finish: str | None
    distance_m: float


@dataclass(frozen=True)
class SellingFacts:
    feature_id: str
    layer_id: str
    name: str
    name_en: str | None
    status: str
    rows: list[tuple[str, str, str]]  # (key, label, value) in the order a notice gives them
    utilities_ready: list[str]  # labels
    utilities_planned: list[str]
    nearest_main_road: RoadLink | None
    serving_roads: list[RoadLink]
    numbers: dict[str, float | None]  # the comparable figures, for the comparison table

    def title(self, lang: str) -> str:
        """The plot's name in ``lang`` (English name where the data has one)."""
        return self.name_en if lang == "en" and self.name_en else self.name


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _fmt(value: float | None, pattern: str) -> str:
    return MISSING if value is None else pattern.format(value)


def road_links(plot: shapely.Geometry, roads: gpd.GeoDataFrame | None, lang: str) -> list[RoadLink]:
    """Every road project of ``roads`` with its distance to ``plot`` in metres (EPSG:4543)."""
    if roads is None or roads.empty or plot is None or plot.is_empty:
        return []
    spec = LAYER_BY_ID["roads"]
    metric_plot = gpd.GeoSeries([plot], crs=roads.crs).to_crs(METRIC_CRS).iloc[0]
    metric_roads = roads.geometry.to_crs(METRIC_CRS)
    links = []
    for (fid, row), line in zip(roads.iterrows(), metric_roads, strict=True):
        if line is None or line.is_empty:
            continue
        finish = row.get("planned_finish")
        links.append(
            RoadLink(
                feature_id=str(fid),
                name=str(row.get("name") or fid),
                road_class=str(row.get("road_class") or ""),
                stage=spec.status_label(str(row.get("status")), lang),
                planned_finish=str(finish)[:10] if isinstance(finish, str) and finish else None,
                distance_m=float(metric_plot.distance(line)),
            )
        )
    return sorted(links, key=lambda link: link.distance_m)


def selling_facts(
    spec: LayerSpec,
    row: pd.Series,
    roads: gpd.GeoDataFrame | None,
    lang: str,
    contact: str | None,
) -> SellingFacts:
    """The facts of one plot (``row`` of layer ``spec``), ``roads`` for access, in ``lang``.

    ``contact`` is the promotion office's public contact from the settings.
    """
    area_m2 = _number(row.get("area_m2"))
    area_mu = _number(row.get("area_mu"))
    far_min, far_max = _number(row.get("far_min")), _number(row.get("far_max"))
    price = _number(row.get("start_price_wan"))
    links = road_links(row.get("geometry"), roads, lang)
    main = next((r for r in links if r.road_class in MAIN_ROAD_CLASSES), None)
    serving = [r for r in links if r.distance_m <= SERVING_DISTANCE_M]
    field = spec.field_spec

    def shown(key: str) -> str:
        fspec = field(key)
        if fspec is None:
            return MISSING
        text = fspec.display(row.get(key), lang)
        # Coded values come translated from the registry; free text is marked as Chinese.
        return mark_chinese(text, lang) if fspec.kind is FieldKind.TEXT else text

    def label(key: str) -> str:
        fspec = field(key)
        return fspec.label.get(lang) if fspec else key

    unit_wan = t("facts.wan", lang)
    rows = [
        ("area_mu", t("facts.area", lang), _area_text(area_mu, area_m2, lang)),
        ("planned_use", label("planned_use"), shown("planned_use")),
        ("land_use_term_years", label("land_use_term_years"), shown("land_use_term_years")),
        ("far", t("facts.far", lang), _range_text(far_min, far_max)),
        ("density", label("building_density_max_pct"), shown("building_density_max_pct")),
        ("green", label("green_ratio_min_pct"), shown("green_ratio_min_pct")),
        ("height", label("height_limit_m"), shown("height_limit_m")),
        ("start_price_wan", t("facts.start_price", lang), _fmt(price, "{:,.1f} " + unit_wan)),
        (
            "price_per_mu_wan",
            t("facts.price_per_mu", lang),
            _price_per_mu(price, area_mu, unit_wan, lang),
        ),
        (
            "deposit_wan",
            label("deposit_wan"),
            _fmt(_number(row.get("deposit_wan")), "{:,.1f} " + unit_wan),
        ),
        (
            "intensity",
            label("investment_intensity_wan_per_mu"),
            shown("investment_intensity_wan_per_mu"),
        ),
        ("tax", label("tax_per_mu_wan"), shown("tax_per_mu_wan")),
        ("target_industry", label("target_industry"), shown("target_industry")),
        ("main_road_m", t("facts.main_road", lang), _road_text(main, lang)),
        ("contact", t("facts.contact", lang), contact or MISSING),
    ]
    ready = split_codes(row.get("utilities_ready"))
    planned = [c for c in split_codes(row.get("utilities_planned")) if c not in ready]
    return SellingFacts(
        feature_id=str(row["id"]),
        layer_id=spec.id,
        name=str(row.get("name") or row["id"]),
        name_en=_text_or_none(row.get("name_en")),
        status=spec.status_label(str(row.get("status")), lang),
        rows=rows,
        utilities_ready=[UTILITIES[c].get(lang) for c in ready if c in UTILITIES],
        utilities_planned=[UTILITIES[c].get(lang) for c in planned if c in UTILITIES],
        nearest_main_road=main,
        serving_roads=serving,
        # As shown (rounded like the text): two plots that read the same are not ranked.
        numbers={
            "area_mu": _rounded(area_mu, 2),
            "start_price_wan": _rounded(price, 1),
            "price_per_mu_wan": _rounded(price / area_mu, 1)
            if price is not None and area_mu
            else None,
            "far_max": far_max,
            "utilities_ready": float(len(ready)),
            "main_road_m": _rounded(main.distance_m, 0) if main else None,
        },
    )


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _text_or_none(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _area_text(area_mu: float | None, area_m2: float | None, lang: str) -> str:
    if area_mu is None or area_m2 is None:
        return MISSING
    return t(
        "facts.area_value",
        lang,
        mu=f"{area_mu:,.2f}",
        m2=f"{area_m2:,.0f}",
        ha=f"{area_m2 / 10_000:,.2f}",
    )


def _range_text(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return MISSING
    if low is None:
        return f"≤ {high:g}"
    if high is None:
        return f"≥ {low:g}"
    return f"{low:g} – {high:g}"


def _price_per_mu(price: float | None, area_mu: float | None, unit_wan: str, lang: str) -> str:
    if price is None or not area_mu:
        return MISSING
    return t("facts.per_mu", lang, value=f"{price / area_mu:,.1f}", unit=unit_wan)


def _road_text(road: RoadLink | None, lang: str) -> str:
    if road is None:
        return MISSING
    return t(
        "facts.road_value",
        lang,
        name=road.name,
        road_class=road.road_class,
        stage=road.stage,
        metres=f"{road.distance_m:,.0f}",
    )
