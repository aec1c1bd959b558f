"""The summary and the feature table; a row picked in the table selects it on the map."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from landmap.dataset import Dataset
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.mapview import focus_on
from landmap.query import feature_table, layer_totals, summarise
from landmap.ui import state


def render_summary(shown: Mapping[str, gpd.GeoDataFrame], lang: str) -> None:
    totals = layer_totals(shown)
    if totals:
        cols = st.columns(len(totals))
        for col, (layer_id, total) in zip(cols, totals.items(), strict=True):
            spec = LAYER_BY_ID[layer_id]
            if spec.geometry is GeometryKind.LINE:
                extra = t("summary.length", lang, km=f"{total['length_km']:,.2f}")
            else:
                extra = t("summary.area", lang, mu=f"{total['area_mu']:,.1f}")
            col.metric(
                spec.name.get(lang),
                t("summary.count", lang, count=int(total["count"])),
                extra,
                delta_color="off",
                delta_arrow="off",
            )
    table = summarise(shown, lang)
    if table.empty:
        st.info(t("summary.empty", lang))
        return
    st.dataframe(table, hide_index=True, width="stretch")


def render_feature_table(
    dataset: Dataset, shown: Mapping[str, gpd.GeoDataFrame], lang: str
) -> None:
    table = feature_table(shown, lang)
    if table.empty:
        st.info(t("summary.empty", lang))
        return
    ids = list(table.index)
    selected = state.selected_id()
    default = {"selection": {"rows": [ids.index(selected)]}} if selected in ids else None
    key = f"table_{state.TABLE_GENERATION}_{st.session_state.get(state.TABLE_GENERATION, 0)}"
    st.dataframe(
        table,
        key=key,
        hide_index=True,
        width="stretch",
        height=min(40 + 35 * len(table), 520),
        on_select=lambda: _on_table_select(dataset, key, ids),
        selection_mode="single-row",
        selection_default=default,
        column_config={"id": st.column_config.TextColumn(t("col.id", lang))},
    )
    st.caption(t("table.hint", lang))


def _on_table_select(dataset: Dataset, key: str, ids: list[str]) -> None:
    rows = st.session_state[key]["selection"]["rows"]
    if not rows:
        return
    feature_id = ids[rows[0]]
    found = dataset.feature(feature_id)
    geometry = found[1].geometry if found else None
    focus = focus_on(geometry) if geometry is not None else None
    state.select(feature_id, from_table=True, focus=focus)
