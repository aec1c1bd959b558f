"""Session state: the widgets' keys, the selected feature, and the URL that mirrors them.

The canonical filter lives in a few session keys; widgets are bound to them by key. The URL is
read once per session (a shared link restores the view) and written at the end of every run
(so the address bar always carries the current view).
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from landmap.access import Audience
from landmap.i18n import DEFAULT_LANGUAGE, normalise_language
from landmap.layers import LAYERS, LayerSpec
from landmap.query import FeatureFilter
from landmap.urlstate import MAX_SHORTLIST, ViewState, parse_query, to_query

LANG = "lang"
SUBDISTRICTS = "subdistricts"
SEARCH = "search"
BASEMAP = "basemap"
STATUSES = "statuses"  # the canonical set of status codes, shared by all layers
SELECTED = "selected_id"
FOCUS = "map_focus"  # (center, zoom) to move the map to, or None
TABLE_GENERATION = "table_generation"  # bumped when the selection comes from outside the table
VIEW = "view"  # "map", "dashboard" or "data"
COLOUR = "colour"  # colour the map by "status" or "deadline"
DEADLINES = "deadline_filter"  # ["overdue", "due_soon"] or a part of it
SHORTLIST = "shortlist"  # feature ids to compare side by side, in the order added
AREA_MIN = "area_min"  # 亩, or None
AREA_MAX = "area_max"
HOLDERS = "holder_filter"  # owner_name values
PLANNED_USES = "planned_use_filter"  # PLANNED_USES codes
INDUSTRIES = "industry_filter"  # target_industry values
PLOT_FILTER_KEYS = (AREA_MIN, AREA_MAX, HOLDERS, PLANNED_USES, INDUSTRIES)
MAIN_TAB = "main_tab"  # the open tab under the map (its label; only the open one is drawn)
INITIAL_BOUNDS = "_initial_bounds"  # where the map opens; fixed for the session (see map_panel)
_URL_LOADED = "_url_loaded"


def layer_key(layer_id: str) -> str:
    return f"layer_on__{layer_id}"


def status_key(layer_id: str) -> str:
    return f"status__{layer_id}"


def init_from_url(layers: tuple[LayerSpec, ...] = LAYERS) -> None:
    """Seed every widget from the URL, once per browser session."""
    if st.session_state.get(_URL_LOADED):
        return
    view = parse_query(st.query_params.to_dict(), layers)
    st.session_state[LANG] = view.lang
    for spec in layers:
        st.session_state[layer_key(spec.id)] = spec.id in view.filter.layers
    set_statuses(view.filter.statuses, layers)
    st.session_state[SUBDISTRICTS] = sorted(view.filter.subdistricts)
    st.session_state[SEARCH] = view.filter.text
    st.session_state[BASEMAP] = view.basemap
    st.session_state[VIEW] = view.view
    st.session_state[COLOUR] = view.colour
    st.session_state[DEADLINES] = sorted(view.filter.deadlines)
    st.session_state[AREA_MIN] = view.filter.area_min
    st.session_state[AREA_MAX] = view.filter.area_max
    st.session_state[HOLDERS] = sorted(view.filter.holders)
    st.session_state[PLANNED_USES] = sorted(view.filter.planned_uses)
    st.session_state[INDUSTRIES] = sorted(view.filter.industries)
    st.session_state[SELECTED] = view.plot
    st.session_state[SHORTLIST] = list(view.shortlist)
    st.session_state[FOCUS] = None
    st.session_state[TABLE_GENERATION] = 0
    st.session_state[_URL_LOADED] = True


def lang() -> str:
    return normalise_language(st.session_state.get(LANG, DEFAULT_LANGUAGE))


def set_statuses(codes: frozenset[str] | set[str], layers: tuple[LayerSpec, ...] = LAYERS) -> None:
    """Store the shared status set and show it in every layer's status widget."""
    st.session_state[STATUSES] = sorted(codes)
    for spec in layers:
        st.session_state[status_key(spec.id)] = [c for c in spec.status_codes if c in codes]


def on_layer_status_change(layer_id: str, layers: tuple[LayerSpec, ...] = LAYERS) -> None:
    """One layer's status widget changed: the same codes follow in every other layer."""
    spec = next(s for s in layers if s.id == layer_id)
    chosen = set(st.session_state.get(status_key(layer_id), []))
    current = set(st.session_state.get(STATUSES, []))
    updated = (current - set(spec.status_codes)) | chosen
    set_statuses(updated, layers)


def current_filter(layers: tuple[LayerSpec, ...] = LAYERS) -> FeatureFilter:
    low = _number_or_none(st.session_state.get(AREA_MIN))
    high = _number_or_none(st.session_state.get(AREA_MAX))
    if low is not None and high is not None and low > high:
        low, high = high, low  # typed the wrong way round: the range meant is clear
    return FeatureFilter(
        layers=tuple(s.id for s in layers if st.session_state.get(layer_key(s.id), True)),
        statuses=frozenset(st.session_state.get(STATUSES, [])),
        subdistricts=frozenset(st.session_state.get(SUBDISTRICTS, [])),
        text=str(st.session_state.get(SEARCH, "") or ""),
        deadlines=frozenset(st.session_state.get(DEADLINES, [])),
        area_min=low,
        area_max=high,
        holders=frozenset(st.session_state.get(HOLDERS) or []),
        planned_uses=frozenset(st.session_state.get(PLANNED_USES) or []),
        industries=frozenset(st.session_state.get(INDUSTRIES) or []),
    )


def _number_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


_PENDING_VIEW = "_pending_view"


def request_view(name: str, forget: tuple[str, ...] = ()) -> None:
    """Switch page on the next run (the page widget is already drawn in this one), dropping
    the state of ``forget`` widgets, e.g. a table row that would switch again on return."""
    st.session_state[_PENDING_VIEW] = (name, forget)


def apply_requested_view() -> None:
    pending = st.session_state.pop(_PENDING_VIEW, None)
    if pending:
        name, forget = pending
        st.session_state[VIEW] = name
        for key in forget:
            st.session_state.pop(key, None)


def pages_for(audience: Audience, can_edit: bool) -> list[str]:
    """The pages of the page switch: the map for all, the dashboard for staff, the data page
    for editors."""
    return ["map", *(["dashboard"] if audience.is_staff else []), *(["data"] if can_edit else [])]


def views_for(audience: Audience, can_edit: bool) -> list[str]:
    """Every view this reader may open: the pages, and the presentation of the shortlist
    (public output, so open to all)."""
    return [*pages_for(audience, can_edit), "present"]


def keep_widget_state() -> None:
    """Keep the sidebar's widget values through runs that do not draw the sidebar.

    Streamlit forgets a widget's value when a run does not draw the widget; assigning the
    value back makes it ordinary session state until the widget returns.
    """
    for key in _sidebar_keys():
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def keep_undrawn_widget_state() -> None:
    """``keep_widget_state`` for a run that stopped part-way (the database went away): the
    widgets drawn before the stop keep their values anyway and may not be assigned to."""
    for key in _sidebar_keys():
        if key in st.session_state:
            try:
                st.session_state[key] = st.session_state[key]
            except StreamlitAPIException:  # drawn in this run already
                continue


def _sidebar_keys() -> list[str]:
    keys = [LANG, SUBDISTRICTS, SEARCH, BASEMAP, COLOUR, DEADLINES, VIEW, *PLOT_FILTER_KEYS]
    return keys + [layer_key(s.id) for s in LAYERS] + [status_key(s.id) for s in LAYERS]


def restrict_to(audience: Audience, can_edit: bool) -> None:
    """Drop what this reader may not have from the session, before anything is drawn.

    A shared link (``view=dashboard``, ``colour=deadline``, ``deadline=overdue``) opened by a
    public reader, or a staff session signed out or demoted, falls back to the public page:
    the server decides, whatever the URL or the session held.
    """
    if view() not in views_for(audience, can_edit):
        st.session_state[VIEW] = "map"
    if not audience.is_staff:
        st.session_state[COLOUR] = "status"
        st.session_state[DEADLINES] = []
        meetable = {code for spec in LAYERS for code in audience.statuses(spec)}
        chosen = set(st.session_state.get(STATUSES, []))
        if not chosen <= meetable:
            set_statuses(chosen & meetable)


def view() -> str:
    return str(st.session_state.get(VIEW) or "map")


def colour_mode() -> str:
    return str(st.session_state.get(COLOUR) or "status")


def shortlist() -> list[str]:
    return list(st.session_state.get(SHORTLIST, []))


def toggle_shortlist(feature_id: str) -> None:
    """Add ``feature_id`` to the comparison, or take it out if it is in (callback)."""
    ids = shortlist()
    if feature_id in ids:
        ids.remove(feature_id)
    elif len(ids) < MAX_SHORTLIST:
        ids.append(feature_id)
    st.session_state[SHORTLIST] = ids


def clear_shortlist() -> None:
    st.session_state[SHORTLIST] = []


def selected_id() -> str | None:
    return st.session_state.get(SELECTED)


def select(
    feature_id: str | None,
    *,
    from_table: bool = False,
    focus: tuple[dict[str, float], int] | None = None,
) -> None:
    """Make ``feature_id`` the selected feature; ``focus`` moves the map to it."""
    st.session_state[SELECTED] = feature_id
    if focus is not None:
        st.session_state[FOCUS] = focus
    if not from_table:
        # A new table key lets the table show the new selection as its default.
        st.session_state[TABLE_GENERATION] = st.session_state.get(TABLE_GENERATION, 0) + 1


def write_url(basemap: str) -> None:
    """Mirror the current view into the address bar (only when it changed)."""
    shown = ViewState(
        filter=current_filter(),
        plot=selected_id(),
        lang=lang(),
        basemap=basemap,
        view=view(),
        colour=colour_mode(),
        shortlist=tuple(shortlist()),
    )
    wanted = to_query(shown)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
