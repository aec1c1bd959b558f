"""Filters, search and summaries over the layer frames (pure: map, summary and table share them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from landmap.deadlines import DeadlineState
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, LAYERS, LayerSpec, all_status_codes, subdistrict_label


@dataclass(frozen=True)
class FeatureFilter:
    """What the user asked to see. Empty status/subdistrict sets mean "all"."""

    layers: tuple[str, ...] = tuple(layer.id for layer in LAYERS)
    statuses: frozenset[str] = field(default_factory=frozenset)
    subdistricts: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    # Deadline states to keep ("overdue", "due_soon"); needs the ``deadline_state`` column.
    deadlines: frozenset[str] = field(default_factory=frozenset)

    def key(self) -> tuple:
        """A cheap, hashable cache key."""
        return (
            self.layers,
            tuple(sorted(self.statuses)),
            tuple(sorted(self.subdistricts)),
            self.text.strip().casefold(),
            tuple(sorted(self.deadlines)),
        )


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
        result[layer_id] = frame[mask]
    return result


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

    The index is the feature id, so a selected row maps straight back to a feature.
    """
    parts = []
    for layer_id, frame in frames.items():
        spec = LAYER_BY_ID[layer_id]
        if frame.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "id": frame["id"],
                    t("col.layer", lang): spec.short_name.get(lang),
                    t("col.name", lang): frame["name"],
                    t("col.status", lang): frame["status"].map(
                        lambda c, s=spec: s.status_label(c, lang)
                    ),
                    t("col.subdistrict", lang): frame["subdistrict"].map(
                        lambda v: subdistrict_label(v, lang) if isinstance(v, str) else v
                    ),
                    t("col.area_mu", lang): frame["area_mu"].round(2),
                    t("col.length_km", lang): frame["length_km"].round(2),
                    t("col.responsible_unit", lang): frame["responsible_unit"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["id"])
    return pd.concat(parts).set_index("id", drop=False).rename_axis(None)


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
    return ("；" if lang != "en" else "; ").join(parts)


def _status_order(code: str) -> int:
    codes = all_status_codes()
    return codes.index(code) if code in codes else len(codes)


def _area_or_none(spec: LayerSpec, value: float) -> float | None:
    return round(float(value), 2) if spec.geometry.value == "polygon" else None


def _length_or_none(spec: LayerSpec, value: float) -> float | None:
    return round(float(value), 2) if spec.geometry.value == "line" else None
