"""The filter panel: language, layers, status (grouped by layer), subdistrict, search, basemap."""

from __future__ import annotations

import streamlit as st

from landmap.basemaps import BASEMAPS, TIANDITU_KEY_REQUIRED
from landmap.config import Settings
from landmap.deadlines import DeadlineState
from landmap.i18n import LANGUAGES, t
from landmap.layers import LAYERS, SUBDISTRICTS, subdistrict_label
from landmap.ui import state


def render_sidebar(settings: Settings, can_edit: bool) -> str:
    """Draw the filters into the sidebar; returns the basemap actually usable."""
    sb = st.sidebar
    sb.radio(
        "语言 / Language",
        LANGUAGES,
        key=state.LANG,
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        horizontal=True,
    )
    lang = state.lang()
    state.apply_requested_view()
    views = ["map", "dashboard", *(["data"] if can_edit else [])]
    if state.view() not in views:
        st.session_state[state.VIEW] = "map"  # e.g. a data-page link opened without signing in
    sb.segmented_control(
        t("nav.title", lang),
        views,
        key=state.VIEW,
        format_func=lambda v: t(f"nav.{v}", lang),
        required=True,
        label_visibility="collapsed",
    )

    sb.subheader(t("filters.layers", lang))
    for spec in LAYERS:
        sb.checkbox(spec.name.get(lang), key=state.layer_key(spec.id))

    sb.subheader(t("filters.status", lang))
    sb.caption(t("filters.status_help", lang))
    for spec in LAYERS:
        labels = {s.code: s.label.get(lang) for s in spec.statuses}
        sb.multiselect(
            spec.name.get(lang),
            spec.status_codes,
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
    sb.button(t("filters.reset", lang), on_click=_reset_filters)

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
