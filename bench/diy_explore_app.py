"""The do-it-yourself baseline: idle land on a map as a typical developer writes it.

``st_folium(gdf.explore(...))`` over the idle-land table of the store in ``LANDMAP_DATA``, with a
status multiselect in the sidebar. bench/bench_city.py starts it beside the real app, on the same
synthetic store, and measures both the same way.

``DIY_STATUSES`` (comma-separated) limits the plots to the statuses the real app shows its
reader (the public view shows only plots on offer), so both maps draw the same plots; empty
means every plot. Only one thing is not "typical": ``tiles=None``, because this machine has no
internet and both maps must draw on the same blank background.

    LANDMAP_DATA=/tmp/city.gpkg streamlit run bench/diy_explore_app.py
"""

from __future__ import annotations

import os

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

STATUS_LABELS = {
    "identified": "已摸排",
    "reserved": "已收储",
    "ready": "具备供地条件（净地）",
    "promoting": "招商推介中",
    "listed": "挂牌公告中",
    "supplied": "已供地",
    "under_construction": "已开工",
    "revitalised": "已盘活",
    "on_hold": "暂缓",
}


@st.cache_data
def load_plots(path: str, statuses: tuple[str, ...]) -> gpd.GeoDataFrame:
    plots = gpd.read_file(path, layer="idle_land")
    if statuses:
        plots = plots[plots["status"].isin(statuses)]
    return plots


st.set_page_config(page_title="闲置土地一张图（DIY）", layout="wide")
allowed = tuple(s for s in os.environ.get("DIY_STATUSES", "").split(",") if s)
plots = load_plots(os.environ["LANDMAP_DATA"], allowed)

chosen = st.sidebar.multiselect(
    "闲置低效用地",
    sorted(plots["status"].unique(), key=list(STATUS_LABELS).index),
    format_func=STATUS_LABELS.get,
    placeholder="全部状态",
)
shown = plots[plots["status"].isin(chosen)] if chosen else plots
st.title("闲置土地一张图")
st.caption(f"{len(shown)} 个地块")
fmap = shown[["id", "name", "status", "subdistrict", "owner_name", "geometry"]].explore(
    column="status", tooltip=["name", "status"], tiles=None
)
st_folium(fmap, height=620, use_container_width=True)
