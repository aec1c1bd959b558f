"""The sidebar: language, the page switch and, on the map and dashboard, the filters (layers,
status grouped by layer, subdistrict, search, plot criteria) and the basemap. The data page
gets only what it needs (``render_data_sidebar``)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from landmap.access import Audience
from landmap.config import Settings
from landmap.i18n import LANGUAGES, t
from landmap.layers import LAYERS, SUBDISTRICTS, subdistrict_label
from landmap.map.basemaps import BASEMAPS, OFFLINE, TIANDITU_KEY_REQUIRED
from landmap.progress.deadlines import DeadlineState
from landmap.ui import state
from landmap.ui.plot_filters import render_plot_filters


def render_language() -> str:
    """The language switch, first in the sidebar; returns the language of this run."""
    st.sidebar.radio(
        "语言 / Language",
        LANGUAGES,
        key=state.LANG,
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        horizontal=True,
    )
    return state.lang()


def render_page_switch(audience: Audience, can_edit: bool, lang: str) -> None:
    views = state.pages_for(audience, can_edit)
    if len(views) > 1:  # a public reader has the map only: no switch to show
        st.sidebar.segmented_control(
            t("nav.title", lang),
            views,
            key=state.VIEW,
            format_func=lambda v: t(f"nav.{v}", lang),
            required=True,
            label_visibility="collapsed",
        )


def render_data_sidebar(audience: Audience, can_edit: bool) -> str:
    """The data page's sidebar: the page switch only (language and sign-in are above it).

    The map filters are not drawn, so the caller keeps their values with
    ``state.keep_widget_state()``; returns the basemap to keep in the URL.
    """
    lang = state.lang()
    render_page_switch(audience, can_edit, lang)
    st.sidebar.caption(t("nav.data_sidebar_note", lang))
    return str(st.session_state.get(state.BASEMAP) or "none")


def render_sidebar(
    settings: Settings,
    audience: Audience,
    can_edit: bool,
    frames: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> str:
    """Draw the page switch and the filters; returns the basemap actually usable.

    Deadlines (the filter, the colouring, the dashboard) are internal: public readers get
    neither the widgets nor their effect (``state.restrict_to``). ``frames`` are the reader's
    own (``view_frames``): the plot criteria offer their values.
    """
    sb = st.sidebar
    lang = state.lang()
    render_page_switch(audience, can_edit, lang)

    sb.subheader(t("filters.layers", lang))
    for spec in LAYERS:
        sb.checkbox(spec.name.get(lang), key=state.layer_key(spec.id))

    sb.subheader(t("filters.status", lang))
    sb.caption(t("filters.status_help", lang))
    for spec in LAYERS:
        labels = {s.code: s.label.get(lang) for s in spec.statuses}
        options = audience.statuses(spec)
        sb.multiselect(
            spec.name.get(lang),
            options,
            key=state.status_key(spec.id),
            format_func=labels.__getitem__,
            on_change=state.on_layer_status_change,
            args=(spec.id,),
            placeholder=t("filters.all_statuses", lang),
            disabled=not st.session_state.get(state.layer_key(spec.id), True),
        )

    sb.subheader(t("filters.place", lang))
    sb.multiselect(
        t("filters.subdistrict", lang),
        list(SUBDISTRICTS),
        key=state.SUBDISTRICTS,
        format_func=lambda name: subdistrict_label(name, lang),
        placeholder=t("filters.all_subdistricts", lang),
    )
    if audience.is_staff:
        sb.multiselect(
            t("filters.deadline", lang),
            [DeadlineState.OVERDUE.value, DeadlineState.DUE_SOON.value],
            key=state.DEADLINES,
            format_func=lambda d: DeadlineState(d).label.get(lang),
            placeholder=t("filters.all_deadlines", lang),
        )
    sb.text_input(
        t("filters.search", lang),
        key=state.SEARCH,
        placeholder=t("filters.search_placeholder", lang),
    )
    if frames is not None:
        render_plot_filters(sb, frames, audience, lang)
    sb.button(t("filters.reset", lang), on_click=_reset_filters)

    if audience.is_staff:
        sb.radio(
            t("filters.colour", lang),
            ["status", "deadline"],
            key=state.COLOUR,
            format_func=lambda c: t(f"filters.colour_{c}", lang),
            horizontal=True,
        )

    sb.subheader(t("basemap.title", lang))

    def basemap_label(choice: str) -> str:
        label = t(f"basemap.{choice}", lang)
        if choice in TIANDITU_KEY_REQUIRED and not settings.tianditu_key:
            label += t("basemap.needs_key_suffix", lang)
        return label

    choice = sb.selectbox(
        t("basemap.title", lang),
        BASEMAPS,
        key=state.BASEMAP,
        format_func=basemap_label,
        label_visibility="collapsed",
    )
    if choice in TIANDITU_KEY_REQUIRED and not settings.tianditu_key:
        sb.warning(t("basemap.no_key", lang))
        return "none"
    if choice == OFFLINE:
        if settings.tiles_path is None:
            sb.warning(t("basemap.offline_missing", lang))
        return choice  # served by this app (no internet note); the map says if it cannot load
    if choice != "none":
        sb.caption(t("basemap.online_note", lang))
    return choice


def _reset_filters() -> None:
    for spec in LAYERS:
        st.session_state[state.layer_key(spec.id)] = True
    state.set_statuses(set())
    st.session_state[state.SUBDISTRICTS] = []
    st.session_state[state.SEARCH] = ""
    st.session_state[state.DEADLINES] = []
    st.session_state[state.AREA_MIN] = None
    st.session_state[state.AREA_MAX] = None
    for key in (state.HOLDERS, state.PLANNED_USES, state.INDUSTRIES):
        st.session_state[key] = []
