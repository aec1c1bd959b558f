"""The summary and the feature table; a row picked in the table selects it on the map."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.dataset import Dataset
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.map.view import focus_on
from landmap.query import layer_totals, summarise
from landmap.ui import state

# The most rows the feature table shows (in table order); more are left to the exports.
TABLE_ROW_LIMIT = 500


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
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—")


def table_key(ids: list[str]) -> str:
    """The table's widget key: new whenever its rows change or the map picks a feature.

    A fresh key shows the current selection as the table's default, and a stored selection
    (row positions) can never point at a different feature after a filter change.
    """
    return table_key_for(ids, st.session_state.get(state.TABLE_GENERATION, 0))


def table_key_for(ids: list[str], generation: int) -> str:
    digest = hashlib.blake2s("\n".join(ids).encode(), digest_size=6).hexdigest()
    return f"feature_table_{generation}_{digest}"


def apply_table_selection(dataset: Dataset, table: pd.DataFrame) -> None:
    """A row ticked in the table selects its feature and moves the map to it.

    Runs before the map is drawn, so map, details and URL follow in the same rerun.
    """
    ids = list(table.index)
    selection = st.session_state.get(table_key(ids))
    rows = selection["selection"]["rows"] if selection else []
    if not rows or ids[rows[0]] == state.selected_id():
        return
    feature_id = ids[rows[0]]
    found = dataset.feature(feature_id)
    geometry = found[1].geometry if found else None
    focus = focus_on(geometry) if geometry is not None else None
    state.select(feature_id, from_table=True, focus=focus)


def render_feature_table(table: pd.DataFrame, lang: str, total: int | None = None) -> None:
    """The table, with a note above it when it shows fewer rows than ``total`` features."""
    if table.empty:
        st.info(t("summary.empty", lang))
        return
    if total is not None and total > len(table):
        st.warning(
            t("table.truncated", lang, shown=f"{len(table):,}", total=f"{total:,}"),
            icon=":material/filter_alt:",
        )
    ids = list(table.index)
    selected = state.selected_id()
    default = {"selection": {"rows": [ids.index(selected)]}} if selected in ids else None
    st.dataframe(
        table,
        key=table_key(ids),
        hide_index=True,
        width="stretch",
        height=min(40 + 35 * len(table), 520),
        on_select="rerun",
        selection_mode="single-row",
        selection_default=default,
        placeholder="—",
        column_config={"id": st.column_config.TextColumn(t("col.id", lang))},
    )
    st.caption(t("table.hint", lang))
