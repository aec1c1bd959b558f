"""Filters, search and summaries over the layer frames (pure: map, summary and table share them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from landmap.i18n import t
from landmap.layers import (
    LAYER_BY_ID,
    LAYERS,
    PLANNED_USES,
    GeometryKind,
    LayerSpec,
    all_status_codes,
    subdistrict_label,
)
from landmap.progress.deadlines import DeadlineState

# The plot filters over registry fields: filter attribute → the field it keeps values of.
# Layers without the field show nothing while such a filter is set (as for subdistricts).
VALUE_FILTER_FIELDS = {
    "holders": "owner_name",
    "planned_uses": "planned_use",
    "industries": "target_industry",
}


@dataclass(frozen=True)
class FeatureFilter:
    """What the user asked to see. Empty status/subdistrict sets mean "all"."""

    layers: tuple[str, ...] = tuple(layer.id for layer in LAYERS)
    statuses: frozenset[str] = field(default_factory=frozenset)
    subdistricts: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    # Deadline states to keep ("overdue", "due_soon"); needs the ``deadline_state`` column.
    deadlines: frozenset[str] = field(default_factory=frozenset)
    # Area range in 亩 (either end open); set, it keeps only plots (polygons) inside it.
    area_min: float | None = None
    area_max: float | None = None
    holders: frozenset[str] = field(default_factory=frozenset)  # owner_name (权属单位) values
    planned_uses: frozenset[str] = field(default_factory=frozenset)  # PLANNED_USES codes
    industries: frozenset[str] = field(default_factory=frozenset)  # target_industry values

    def key(self) -> tuple:
        """A cheap, hashable cache key."""
        return (
            self.layers,
            tuple(sorted(self.statuses)),
            tuple(sorted(self.subdistricts)),
            self.text.strip().casefold(),
            tuple(sorted(self.deadlines)),
            self.area_min,
            self.area_max,
            tuple(sorted(self.holders)),
            tuple(sorted(self.planned_uses)),
            tuple(sorted(self.industries)),
        )

    @property
    def has_area(self) -> bool:
        return self.area_min is not None or self.area_max is not None


def filter_features(
    frames: Mapping[str, gpd.GeoDataFrame], flt: FeatureFilter
) -> dict[str, gpd.GeoDataFrame]:
    """The shown features of each shown layer, in the registry's layer order.

    A status code selects it in every layer that has it (``under_construction`` picks compounds,
    roads and plots alike). Features whose status is unknown are shown only when no status filter
    is set, so a data error never hides a feature by default.
    """
    text = flt.text.strip().casefold()
    result: dict[str, gpd.GeoDataFrame] = {}
    for layer_id in flt.layers:
        frame = frames.get(layer_id)
        if frame is None:
            continue
        mask = pd.Series(True, index=frame.index)
        if flt.statuses:
            mask &= frame["status"].isin(flt.statuses)
        if flt.subdistricts:
            mask &= frame["subdistrict"].isin(flt.subdistricts)
        if flt.deadlines:
            # Without deadline states nothing can be shown as overdue: show nothing, not all.
            states = frame.get("deadline_state")
            mask &= states.isin(flt.deadlines) if states is not None else False
        if text:
            haystack = frame["name"].astype(str) + "\n" + frame["id"].astype(str)
            mask &= haystack.str.casefold().str.contains(text, regex=False)
        if flt.has_area:
            mask &= _area_mask(frame, LAYER_BY_ID[layer_id], flt)
        for attribute, column in VALUE_FILTER_FIELDS.items():
            wanted = getattr(flt, attribute)
            if wanted:
                values = frame.get(column)
                mask &= values.isin(wanted) if values is not None else False
        result[layer_id] = frame[mask]
    return result


def _area_mask(frame: gpd.GeoDataFrame, spec: LayerSpec, flt: FeatureFilter) -> pd.Series:
    """Plots whose area (亩) is in the range; roads have no area, so none of them."""
    if spec.geometry is not GeometryKind.POLYGON or "area_mu" not in frame:
        return pd.Series(False, index=frame.index)
    # Compared as shown (two decimals): a plot listed as 15.00 亩 passes "at least 15".
    area = pd.to_numeric(frame["area_mu"], errors="coerce").round(2)
    mask = area.notna()
    if flt.area_min is not None:
        mask &= area >= flt.area_min
    if flt.area_max is not None:
        mask &= area <= flt.area_max
    return mask


def value_options(frames: Mapping[str, gpd.GeoDataFrame], column: str) -> list[str]:
    """The distinct non-blank values of ``column`` over ``frames``, sorted (a filter's choices)."""
    values: set[str] = set()
    for frame in frames.values():
        if column in frame:
            # Distinct values first (hashed in pandas): the sidebar asks on every rerun, and
            # a Python loop over every row cost ~40 ms at 10,000 plots.
            texts = (str(v) for v in frame[column].dropna().unique())
            values.update(text for text in texts if text.strip())
    return sorted(values)


def find_feature(
    frames: dict[str, gpd.GeoDataFrame], feature_id: str | None
) -> tuple[str, pd.Series] | None:
    """The layer id and row of ``feature_id`` in ``frames`` (an audience's view), or None."""
    if not feature_id:
        return None
    for layer_id, frame in frames.items():
        if feature_id in frame.index:
            return layer_id, frame.loc[feature_id]
    return None


def count_features(frames: Mapping[str, gpd.GeoDataFrame]) -> int:
    return sum(len(f) for f in frames.values())


def first_rows(frames: Mapping[str, gpd.GeoDataFrame], limit: int) -> dict[str, gpd.GeoDataFrame]:
    """The first ``limit`` features in table order (layer by layer, as ``feature_table``
    lists them); a layer cut out entirely stays as an empty frame with its columns."""
    out: dict[str, gpd.GeoDataFrame] = {}
    left = limit
    for layer_id, frame in frames.items():
        out[layer_id] = frame.iloc[: max(left, 0)]
        left -= len(out[layer_id])
    return out


def summarise(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> pd.DataFrame:
    """Counts, area (亩) and length (km) by layer and status, in registry order."""
    rows = []
    for layer_id, frame in frames.items():
        spec = LAYER_BY_ID[layer_id]
        if frame.empty:
            continue
        grouped = frame.groupby("status", sort=False).agg(
            count=("id", "size"), area_mu=("area_mu", "sum"), length_km=("length_km", "sum")
        )
        order = [c for c in spec.status_codes if c in grouped.index]
        order += sorted(c for c in grouped.index if c not in spec.status_codes)
        for code in order:
            row = grouped.loc[code]
            rows.append(
                {
                    t("col.layer", lang): spec.name.get(lang),
                    t("col.status", lang): spec.status_label(code, lang),
                    t("col.count", lang): int(row["count"]),
                    t("col.area_mu", lang): _area_or_none(spec, row["area_mu"]),
                    t("col.length_km", lang): _length_or_none(spec, row["length_km"]),
                }
            )
    columns = [
        t(k, lang) for k in ("col.layer", "col.status", "col.count", "col.area_mu", "col.length_km")
    ]
    return pd.DataFrame(rows, columns=columns)


def layer_totals(frames: Mapping[str, gpd.GeoDataFrame]) -> dict[str, dict[str, float]]:
    """Per shown layer: count, area in 亩 and length in km (for the headline figures)."""
    return {
        layer_id: {
            "count": float(len(frame)),
            # sum() skips NaN and gives 0.0 for an empty frame (``nan or 0.0`` would stay NaN).
            "area_mu": float(frame["area_mu"].sum()),
            "length_km": float(frame["length_km"].sum()),
        }
        for layer_id, frame in frames.items()
    }


def feature_table(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> pd.DataFrame:
    """The filtered features as a plain table: no geometry, labels instead of codes.

    The index is the feature id, so a selected row maps straight back to a feature. Columns
    come from what the frames carry: the public frames have no deadline state and only public
    fields, so the public table has neither. Each layer gets its own measure — area (亩) for
    plots and compounds, length (km) for roads — and a measure column only appears when a
    layer of that kind is shown.
    """
    parts = []
    has_deadlines = any("deadline_state" in frame for frame in frames.values())
    kinds = {LAYER_BY_ID[lid].geometry for lid, frame in frames.items() if not frame.empty}
    for layer_id, frame in frames.items():
        spec = LAYER_BY_ID[layer_id]
        if frame.empty:
            continue
        columns = {
            "id": frame["id"],
            t("col.layer", lang): spec.short_name.get(lang),
            t("col.name", lang): frame["name"],
            t("col.status", lang): frame["status"].map(lambda c, s=spec: s.status_label(c, lang)),
        }
        if has_deadlines:
            columns[t("col.deadline", lang)] = _deadline_labels(frame, lang)
        columns[t("col.subdistrict", lang)] = frame["subdistrict"].map(
            lambda v: subdistrict_label(v, lang) if isinstance(v, str) else v
        )
        columns[t("col.holder", lang)] = _text_or_none(frame, "owner_name")
        columns[t("col.planned_use", lang)] = _planned_use(frame, lang)
        if GeometryKind.POLYGON in kinds:
            columns[t("col.area_mu", lang)] = _area_or_nan(frame, spec)
        if GeometryKind.LINE in kinds:
            columns[t("col.length_km", lang)] = _length_or_nan(frame, spec)
        columns[t("col.responsible_unit", lang)] = frame["responsible_unit"]
        parts.append(pd.DataFrame(columns))
    if not parts:
        return pd.DataFrame(columns=["id"])
    table = pd.concat(parts).set_index("id", drop=False).rename_axis(None)
    # Holder and planned use belong to the land layers: no column of dashes without them.
    optional = (t("col.holder", lang), t("col.planned_use", lang))
    return table.drop(columns=[c for c in optional if table[c].isna().all()])


def _deadline_labels(frame: gpd.GeoDataFrame, lang: str) -> pd.Series:
    """The deadline state in words; blank where there is no deadline (most features)."""
    states = frame.get("deadline_state")
    if states is None:
        return pd.Series(None, index=frame.index, dtype=object)

    def label(value: object) -> str | None:
        if not isinstance(value, str) or value == DeadlineState.NONE.value:
            return None
        try:
            return DeadlineState(value).label.get(lang)
        except ValueError:
            return None

    return states.map(label).astype(object)


def _text_or_none(frame: gpd.GeoDataFrame, column: str) -> pd.Series:
    values = frame.get(column)
    if values is None:
        return pd.Series(None, index=frame.index, dtype=object)
    return values.astype(object).where(values.notna() & (values.astype(str).str.strip() != ""))


def _planned_use(frame: gpd.GeoDataFrame, lang: str) -> pd.Series:
    """The coded planned use by its label in ``lang``, else the free-text 规划用途."""
    coded = _text_or_none(frame, "planned_use")
    text = _text_or_none(frame, "planned_use_text")
    labels = coded.map(lambda c: PLANNED_USES[c].get(lang) if c in PLANNED_USES else c)
    return labels.where(labels.notna(), text).astype(object)


def _area_or_nan(frame: gpd.GeoDataFrame, spec: LayerSpec) -> pd.Series:
    if spec.geometry is not GeometryKind.POLYGON:
        return pd.Series(float("nan"), index=frame.index)
    return pd.to_numeric(frame["area_mu"], errors="coerce").round(2)


def _length_or_nan(frame: gpd.GeoDataFrame, spec: LayerSpec) -> pd.Series:
    if spec.geometry is not GeometryKind.LINE:
        return pd.Series(float("nan"), index=frame.index)
    return pd.to_numeric(frame["length_km"], errors="coerce").round(2)


def describe_filter(flt: FeatureFilter, lang: str, layers: Sequence[LayerSpec] = LAYERS) -> str:
    """The filter in one sentence, shown above the map and on every export."""
    sep = "、" if lang != "en" else ", "
    shown = [s.short_name.get(lang) for s in layers if s.id in flt.layers]
    parts = [t("filter.layers", lang, layers=sep.join(shown) if shown else t("filter.none", lang))]
    if flt.statuses:
        labels = []
        for code in sorted(flt.statuses, key=_status_order):
            # A shown layer's label first: under_construction is 在建 on roads, 已开工 on plots.
            ordered = [s for s in layers if s.id in flt.layers] + list(layers)
            spec = next((s for s in ordered if code in s.status_codes), None)
            labels.append(spec.status_label(code, lang) if spec else code)
        parts.append(t("filter.statuses", lang, statuses=sep.join(labels)))
    if flt.subdistricts:
        names = sep.join(subdistrict_label(s, lang) for s in sorted(flt.subdistricts))
        parts.append(t("filter.subdistricts", lang, subdistricts=names))
    if flt.text.strip():
        parts.append(t("filter.text", lang, text=flt.text.strip()))
    if flt.deadlines:
        states = sep.join(DeadlineState(d).label.get(lang) for d in sorted(flt.deadlines))
        parts.append(t("filter.deadlines", lang, states=states))
    if flt.has_area:
        parts.append(_describe_area(flt, lang))
    if flt.holders:
        parts.append(t("filter.holders", lang, holders=sep.join(sorted(flt.holders))))
    if flt.planned_uses:
        uses = [PLANNED_USES[c].get(lang) for c in PLANNED_USES if c in flt.planned_uses]
        parts.append(t("filter.planned_uses", lang, uses=sep.join(uses)))
    if flt.industries:
        parts.append(t("filter.industries", lang, industries=sep.join(sorted(flt.industries))))
    return ("；" if lang != "en" else "; ").join(parts)


def _describe_area(flt: FeatureFilter, lang: str) -> str:
    def number(value: float | None) -> str:
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value is not None else ""

    low, high = number(flt.area_min), number(flt.area_max)
    if low and high:
        return t("filter.area_between", lang, low=low, high=high)
    if low:
        return t("filter.area_min", lang, low=low)
    return t("filter.area_max", lang, high=high)


def _status_order(code: str) -> int:
    codes = all_status_codes()
    return codes.index(code) if code in codes else len(codes)


def _area_or_none(spec: LayerSpec, value: float) -> float | None:
    return round(float(value), 2) if spec.geometry.value == "polygon" else None


def _length_or_none(spec: LayerSpec, value: float) -> float | None:
    return round(float(value), 2) if spec.geometry.value == "line" else None
