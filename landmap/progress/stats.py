"""The dashboard's numbers: pure functions from the (filtered) frames to chart-ready tables.

Every function returns a pandas DataFrame with fixed column names (codes, not words), plus
label columns in the requested language taken from the layer registry, so a chart can use the
codes for order and colour and the labels for the axis. Rows follow the registry's order of
layers and stages. The frames are those the map shows, so the dashboard follows the filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import geopandas as gpd
import pandas as pd

from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID, UNKNOWN_STATUS_STYLE, GeometryKind, LayerSpec
from landmap.progress.edits import STATUS_FIELD

STATUS_BREAKDOWN_COLUMNS = (
    "layer_id",
    "layer",
    "status",
    "status_label",
    "status_color",
    "stage",
    "count",
    "area_mu",
    "length_km",
)
INVESTMENT_COLUMNS = (
    "layer_id",
    "layer",
    "features",
    "planned_wan",
    "completed_wan",
    "completed_pct",
    "no_planned_figure",
    "no_completed_figure",
)
MONTHLY_COLUMNS = (
    "month",
    "layer_id",
    "layer",
    "status",
    "status_label",
    "status_color",
    "stage",
    "count",
)
MONEY_COLUMNS = ("investment_wan", "invested_to_date_wan")


def status_breakdown(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> pd.DataFrame:
    """Count, area (亩) and length (km) by layer and status, stages in the registry's order.

    Codes outside a layer's vocabulary follow its stages, labelled "unknown status (code)" and
    coloured as on the map. Area is NaN for line layers and length NaN for polygon layers, so a
    chart does not show a meaningless zero. ``stage`` is the status's position in its layer.
    """
    rows = []
    for layer_id, frame in frames.items():
        if frame.empty:
            continue
        layer = LAYER_BY_ID[layer_id]
        grouped = frame.groupby("status", sort=False).agg(
            count=("id", "size"), area_mu=("area_mu", "sum"), length_km=("length_km", "sum")
        )
        for code in _status_order(layer, grouped.index):
            row = grouped.loc[code]
            rows.append(
                {
                    **_status_columns(layer, code, lang),
                    "count": int(row["count"]),
                    "area_mu": _if(layer.geometry is GeometryKind.POLYGON, row["area_mu"]),
                    "length_km": _if(layer.geometry is GeometryKind.LINE, row["length_km"]),
                }
            )
    return _frame(rows, STATUS_BREAKDOWN_COLUMNS, {"count": "int64", "stage": "int64"})


def investment_by_layer(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> pd.DataFrame:
    """Planned (``investment_wan``) against completed (``invested_to_date_wan``) per layer, 万元.

    Only layers that carry money (in the registry or in the frame) appear. A missing figure
    counts as 0 in the sums, and ``no_planned_figure``/``no_completed_figure`` say how many
    features had none, so a low total can be told from a gap in the data. ``completed_pct`` is
    NaN when nothing is planned.
    """
    rows = []
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        registry_money = {f.key for f in layer.all_fields} & set(MONEY_COLUMNS)
        if not registry_money and not set(MONEY_COLUMNS) & set(frame.columns):
            continue
        planned, no_planned = _money(frame, "investment_wan")
        completed, no_completed = _money(frame, "invested_to_date_wan")
        rows.append(
            {
                "layer_id": layer_id,
                "layer": layer.short_name.get(lang),
                "features": len(frame),
                "planned_wan": planned,
                "completed_wan": completed,
                "completed_pct": completed / planned * 100 if planned > 0 else float("nan"),
                "no_planned_figure": no_planned,
                "no_completed_figure": no_completed,
            }
        )
    ints = {"features": "int64", "no_planned_figure": "int64", "no_completed_figure": "int64"}
    return _frame(rows, INVESTMENT_COLUMNS, ints)


def statuses_reached_by_month(
    history: pd.DataFrame, frames: Mapping[str, gpd.GeoDataFrame], lang: str
) -> pd.DataFrame:
    """How many features reached each status in each month (Asia/Shanghai, 'YYYY-MM').

    ``history`` holds rows of ``landmap_history`` (as ``TrackingStore.history()`` returns them);
    only its status rows count (``field == 'status'``, by ``new_value``).
    A feature counts once per status and month however often it went back and forth, and only
    features in ``frames`` count, so the chart follows the map's filter. Rows whose
    ``changed_at`` cannot be read are left out. Months without a change have no row.
    Sorted by month, then layer and stage in registry order.
    """
    columns = ("layer", "feature_id", "field", "new_value", "changed_at")
    if history.empty or not set(columns) <= set(history.columns):
        return _frame([], MONTHLY_COLUMNS, {"count": "int64", "stage": "int64"})
    changes = history.loc[history["field"] == STATUS_FIELD, list(columns)].copy()
    changes["month"] = changes["changed_at"].map(_shanghai_month)
    changes = changes.dropna(subset=["month", "new_value"])
    shown = {(layer_id, str(fid)) for layer_id, frame in frames.items() for fid in frame["id"]}
    keys = zip(changes["layer"].astype(str), changes["feature_id"].astype(str), strict=True)
    changes = changes[[key in shown for key in keys]]
    changes = changes.drop_duplicates(["month", "layer", "feature_id", "new_value"])
    counts = changes.groupby(["month", "layer", "new_value"], sort=False).size()
    rows = []
    for (month, layer_id, code), count in counts.items():
        layer = LAYER_BY_ID[layer_id]
        rows.append({"month": month, **_status_columns(layer, code, lang), "count": int(count)})
    table = _frame(rows, MONTHLY_COLUMNS, {"count": "int64", "stage": "int64"})
    table["_layer"] = table["layer_id"].map(list(LAYER_BY_ID).index)
    table = table.sort_values(["month", "_layer", "stage", "status"], kind="stable")
    return table.drop(columns="_layer").reset_index(drop=True)


def months_without_updates(
    history: pd.DataFrame, frames: Mapping[str, gpd.GeoDataFrame], until: date
) -> list[str]:
    """The months ('YYYY-MM', Beijing time) in which no feature of ``frames`` was updated,
    from the month of the first update to the month of ``until`` (today), oldest first.

    An update is any history row (any field, any source) or a feature's ``updated_at`` date,
    so a month with only an import or a ledger is not flagged. Nothing at all gives no months:
    there is no start to count from.
    """
    shown = {(layer_id, str(fid)) for layer_id, frame in frames.items() for fid in frame["id"]}
    months: set[str] = set()
    if not history.empty and {"layer", "feature_id", "changed_at"} <= set(history.columns):
        keys = zip(history["layer"].astype(str), history["feature_id"].astype(str), strict=True)
        for key, stamp in zip(keys, history["changed_at"], strict=True):
            month = _shanghai_month(stamp)
            if month is not None and key in shown:
                months.add(month)
    for frame in frames.values():
        if "updated_at" in frame.columns:
            months.update(m for m in map(_shanghai_month, frame["updated_at"]) if m)
    last = until.strftime("%Y-%m")
    if not months or min(months) > last:
        return []
    every = pd.period_range(min(months), last, freq="M").strftime("%Y-%m")
    return [m for m in every if m not in months]


def _status_order(layer: LayerSpec, present: pd.Index) -> list[str]:
    known = [c for c in layer.status_codes if c in present]
    return known + sorted(str(c) for c in present if c not in layer.status_codes)


def _status_columns(layer: LayerSpec, code: str, lang: str) -> dict[str, object]:
    spec = layer.status(code)
    codes = layer.status_codes
    return {
        "layer_id": layer.id,
        "layer": layer.short_name.get(lang),
        "status": code,
        "status_label": layer.status_label(code, lang),
        "status_color": (spec or UNKNOWN_STATUS_STYLE).color,
        "stage": codes.index(code) if code in codes else len(codes),
    }


def _if(applies: bool, value: float) -> float:
    return round(float(value), 2) if applies else float("nan")


def _money(frame: pd.DataFrame, column: str) -> tuple[float, int]:
    """The sum of a money column (missing values as 0) and how many features have no figure."""
    if column not in frame.columns:
        return 0.0, len(frame)
    values = pd.to_numeric(frame[column], errors="coerce")
    return round(float(values.fillna(0.0).sum()), 1), int(values.isna().sum())


def _shanghai_month(value: object) -> str | None:
    """'YYYY-MM' of an ISO timestamp in Beijing time; a naive one is taken as Beijing time
    already (what a ledger typed by hand would mean)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%Y-%m")  # a DATE column (updated_at) read by GDAL
    try:
        moment = (
            value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
        )
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m")


def _frame(rows: list[dict], columns: tuple[str, ...], ints: Mapping[str, str]) -> pd.DataFrame:
    # An empty table still gets integer columns, so a chart's schema does not depend on data.
    return pd.DataFrame(rows, columns=list(columns)).astype(dict(ints))
