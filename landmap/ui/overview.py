"""The side column when nothing is selected: what the filter holds, and (staff) what is late.

Built from the frames the map draws (``shown``, already this audience's view). The late list
reads the deadline columns, which only the staff frames have; it is drawn for staff only.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.access import Audience
from landmap.escaping import html_text, md_escape
from landmap.i18n import plural, t
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.map.view import focus_on
from landmap.progress.deadlines import DeadlineState
from landmap.progress.followup import lateness_text
from landmap.query import count_features, layer_totals
from landmap.ui import state

LATE_SHOWN = 8  # the rest is on the dashboard
_LATE_STATES = (DeadlineState.OVERDUE.value, DeadlineState.DUE_SOON.value)


def render_overview(shown: Mapping[str, gpd.GeoDataFrame], audience: Audience, lang: str) -> None:
    st.markdown(f"**{t('overview.title', lang)}**")
    st.html(_totals_html(shown, lang))
    st.caption(t("detail.none_selected", lang))
    if audience.is_staff:
        _render_late(shown, lang)


def _totals_html(shown: Mapping[str, gpd.GeoDataFrame], lang: str) -> str:
    """One row per shown layer: features, and area (亩) or length (km). Escaped text only."""
    rows = []
    for layer_id, total in layer_totals(shown).items():
        spec = LAYER_BY_ID[layer_id]
        if spec.geometry is GeometryKind.LINE:
            measure = t("summary.length", lang, km=f"{total['length_km']:,.2f}")
        else:
            measure = t("summary.area", lang, mu=f"{total['area_mu']:,.1f}")
        rows.append(
            (spec.name.get(lang), plural("overview.features", int(total["count"]), lang), measure)
        )
    rows.append(
        (t("overview.total", lang), plural("overview.features", count_features(shown), lang), "")
    )
    cell = 'style="padding:3px 10px 3px 0;{}"'
    body = "".join(
        f"<tr><td {cell.format('color:#444')}>{html_text(name)}</td>"
        f"<td {cell.format('text-align:right;font-weight:600')}>{html_text(count)}</td>"
        f"<td {cell.format('text-align:right;color:#444')}>{html_text(measure)}</td></tr>"
        for name, count, measure in rows
    )
    return f'<table style="border-collapse:collapse;font-size:.92rem;min-width:70%">{body}</table>'


def late_items(shown: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Overdue and due-soon features of the shown frames, most overdue first (staff frames)."""
    parts = []
    for layer_id, frame in shown.items():
        if "deadline_state" not in frame.columns or frame.empty:
            continue
        late = frame[frame["deadline_state"].isin(_LATE_STATES)]
        if late.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "id": late["id"],
                    "layer": layer_id,
                    "name": late["name"],
                    "state": late["deadline_state"],
                    "days_left": late["deadline_days_left"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["id", "layer", "name", "state", "days_left"])
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["days_left", "id"], kind="stable").reset_index(drop=True)


def _render_late(shown: Mapping[str, gpd.GeoDataFrame], lang: str) -> None:
    late = late_items(shown)
    overdue = int((late["state"] == DeadlineState.OVERDUE.value).sum())
    st.markdown(
        f"**{t('overview.late', lang)}** · "
        + t("overview.late_counts", lang, overdue=overdue, due_soon=len(late) - overdue)
    )
    if late.empty:
        st.caption(t("overview.nothing_late", lang))
        return
    box = st.container(key="overview_late", gap=None)  # compact rows (layout.py)
    for item in late.head(LATE_SHOWN).itertuples(index=False):
        days = int(item.days_left) if pd.notna(item.days_left) else 0
        colour = "red" if item.state == DeadlineState.OVERDUE.value else "orange"
        # The badge text is ours; the name comes from the data and is escaped.
        box.button(
            f":{colour}-badge[{lateness_text(days, lang)}] {md_escape(item.name or item.id)}",
            key=f"overview_late_{item.id}",
            type="tertiary",
            on_click=_select,
            args=(shown, item.layer, item.id),
        )
    if len(late) > LATE_SHOWN:
        st.caption(t("overview.late_more", lang, count=len(late) - LATE_SHOWN))


def _select(shown: Mapping[str, gpd.GeoDataFrame], layer_id: str, feature_id: str) -> None:
    """Select a late item and move the map to it, as a table row does."""
    geometry = shown[layer_id].loc[feature_id].geometry
    focus = focus_on(geometry) if geometry is not None and not geometry.is_empty else None
    state.select(feature_id, focus=focus)
