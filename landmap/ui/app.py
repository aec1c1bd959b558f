"""The map page: filters in the sidebar; map and details side by side; summary and table below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from landmap.access import Audience, audience_for
from landmap.accounts import Account
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import md_escape
from landmap.i18n import plural, t
from landmap.progress.deadlines import today_shanghai
from landmap.query import (
    count_features,
    describe_filter,
    feature_table,
    filter_features,
    first_rows,
)
from landmap.store import StoreError
from landmap.store.open import uses_database
from landmap.ui import state
from landmap.ui.auth import render_sign_in, signed_in_account
from landmap.ui.dashboard import render_dashboard
from landmap.ui.data import app_settings, get_dataset, get_tracking, view_frames
from landmap.ui.data_page import render_data_page
from landmap.ui.detail import render_detail
from landmap.ui.exports_panel import render_exports
from landmap.ui.interest_panel import render_interest, render_interest_list
from landmap.ui.layout import apply_page_css
from landmap.ui.map_panel import render_map
from landmap.ui.overview import render_overview
from landmap.ui.photos_panel import render_photos
from landmap.ui.presentation import render_presentation
from landmap.ui.progress_panel import render_edit_form, render_progress
from landmap.ui.promotion_panel import render_comparison, render_selling_facts, shortlisted_facts
from landmap.ui.sidebar import render_data_sidebar, render_language, render_sidebar
from landmap.ui.store_down import render_store_down
from landmap.ui.tables import (
    TABLE_ROW_LIMIT,
    apply_table_selection,
    render_feature_table,
    render_summary,
)

FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
_SAMPLE_TOLD = "_sample_note_shown"
_TAB_LABELS = "_main_tab_labels"  # the tab labels of the last run, to follow a renamed tab
_TABLE_TAB = 1  # the feature table's position among the tabs under the map


def main() -> None:
    settings = app_settings()
    state.init_from_url()
    if not uses_database(settings):  # a GeoPackage's problems are data-quality notices
        _render_page(settings)
        return
    # At the top of the page: where the message goes if the database fails later in this run.
    notice = st.container()
    try:
        _render_page(settings)
    except StoreError as exc:  # the database is unreachable: say so, retry, no traceback
        state.keep_undrawn_widget_state()  # the filters were not drawn: keep them
        with notice:
            render_store_down(settings, exc, state.lang())


def _render_page(settings: Settings) -> None:
    # The audience is decided here, on the server, from the account read again this run.
    account = signed_in_account()
    audience = audience_for(
        account is not None, internal_without_sign_in=settings.internal_without_sign_in
    )
    can_edit = account is not None and account.can_edit
    state.apply_requested_view()
    state.restrict_to(audience, can_edit)
    if state.view() == "present":  # full window: no sidebar, no sign-in, no filters
        state.keep_widget_state()
        render_presentation(settings, get_dataset(settings), state.lang())
        state.write_url(str(st.session_state.get(state.BASEMAP) or "none"))
        return
    if state.view() == "data":  # editors only (restrict_to): the filters are not drawn
        state.keep_widget_state()
    lang = render_language()
    render_sign_in(account, audience, lang)
    dataset = get_dataset(settings)
    if state.view() == "data":
        basemap = render_data_sidebar(audience, can_edit)
    else:
        frames = view_frames(settings, dataset, audience)
        basemap = render_sidebar(settings, audience, can_edit, frames)

    apply_page_css()
    _render_title(audience, lang, settings.is_sample_data)
    view = state.view()
    if view == "data" and can_edit:
        render_data_page(settings, dataset, lang)
    elif view == "dashboard" and audience.is_staff:
        flt = state.current_filter()
        shown = filter_features(view_frames(settings, dataset, audience), flt)
        st.caption(md_escape(describe_filter(flt, lang)))
        render_dashboard(shown, get_tracking(settings, dataset), today_shanghai(), lang)
        render_interest_list(settings, dataset, audience, lang)  # staff only
    else:
        _render_map_page(settings, dataset, account, audience, basemap, lang)
    state.write_url(basemap)


def _render_title(audience: Audience, lang: str, is_sample_data: bool) -> None:
    """One compact row: the title, the sample-data marker, and the audience marker beside it
    so staff know what they may show."""
    title_col, sample_col, marker_col = st.columns([8, 2, 1.5], vertical_alignment="center")
    title_col.title(t("app.title", lang))
    if is_sample_data:
        # A marker with the full note on hover, and the note once per session as a toast:
        # said plainly, without pushing the map down.
        sample_col.badge(
            t("notice.sample_badge", lang),
            icon=":material/info:",
            color="blue",
            help=t("notice.sample", lang),
        )
        if not st.session_state.get(_SAMPLE_TOLD):
            st.session_state[_SAMPLE_TOLD] = True
            st.toast(t("notice.sample", lang), icon=":material/info:")
    marker_col.badge(
        audience.label(lang),
        icon=":material/lock_open:" if audience.is_staff else ":material/public:",
        color="orange" if audience.is_staff else "green",
        help=t(f"audience.{audience.value}_help", lang),
    )


def _render_map_page(
    settings: Settings,
    dataset: Dataset,
    account: Account | None,
    audience: Audience,
    basemap: str,
    lang: str,
) -> None:
    flt = state.current_filter()
    frames = view_frames(settings, dataset, audience)
    shown = filter_features(frames, flt)
    count = count_features(shown)
    # The table lists at most TABLE_ROW_LIMIT rows: 100,000 rows over the websocket would cost
    # more than the map (issue #12); the note under the tab says so and points to the export.
    # It is built only while its tab is open: a row ticked in it must select before the map.
    table = None
    if _open_tab_position() == _TABLE_TAB:
        table = feature_table(first_rows(shown, TABLE_ROW_LIMIT), lang)
        apply_table_selection(dataset, table)
    sentence = describe_filter(flt, lang)
    st.caption(plural("app.showing", count, lang, filter=md_escape(sentence)))
    if audience.is_staff:  # the notice names files, tables and ids: internal
        _render_issues(dataset, lang)
    elif any(issue.is_error for issue in dataset.issues):
        st.warning(t("issues.public", lang), icon=":material/report:")

    map_col, detail_col = st.columns([5, 3], gap="medium")
    with map_col:
        colour = state.colour_mode()
        render_map(dataset, settings, shown, lang, basemap, audience, colour)
    with detail_col:
        if state.selected_id():
            found = _render_selected(settings, dataset, account, audience, frames, lang)
        else:  # the filter's totals (and, for staff, what is late) instead of an empty box
            render_overview(shown, audience, lang)
            found = None
        render_photos(settings, found, account, audience, lang)
        render_interest(settings, dataset, found, audience, lang)
        if found is not None and audience.is_staff:
            spec, row = found
            can_edit = account is not None and account.can_edit
            render_progress(settings, spec, row, get_tracking(settings, dataset), lang, can_edit)

    shortlisted = shortlisted_facts(frames, settings, lang)
    labels = [
        t("tabs.summary", lang),
        t("tabs.table", lang),
        t("compare.tab", lang, count=len(shortlisted)),
        t("tabs.export", lang),
    ]
    # A shared comparison link (?short=…) opens on the comparison.
    summary_tab, table_tab, compare_tab, export_tab = _lazy_tabs(
        labels, default=labels[2] if shortlisted else None
    )
    # Only the open tab is drawn: the 500-row table and the rest would otherwise travel and
    # render on every rerun, before and around the map (issue #12, the first load at 10,000).
    if summary_tab.open:
        with summary_tab:
            render_summary(shown, lang)
    if table_tab.open:
        if table is None:  # opened by this run's default (never the table today)
            table = feature_table(first_rows(shown, TABLE_ROW_LIMIT), lang)
        with table_tab:
            render_feature_table(table, lang, total=count)
    if compare_tab.open:
        with compare_tab:
            render_comparison(shortlisted, settings, dataset, lang)
    if export_tab.open:
        with export_tab:
            render_exports(
                settings,
                dataset,
                shown,
                sentence,
                lang,
                state.colour_mode(),
                state.selected_id(),
                audience,
                frames,
            )


def _open_tab_position() -> int | None:
    """The position of the tab this session has open, known before the tabs are drawn (from
    the labels of the run before); None on a session's first run."""
    previous = st.session_state.get(_TAB_LABELS)
    chosen = st.session_state.get(state.MAIN_TAB)
    return previous.index(chosen) if previous and chosen in previous else None


def _lazy_tabs(labels: list[str], default: str | None) -> Sequence:
    """Tabs that rerun when switched, so the caller draws only the open one.

    ``default`` is the tab a session opens on. After that the open tab is remembered by
    position: a label that changes (the shortlist's count, the language) keeps it open."""
    position = _open_tab_position()
    chosen = st.session_state.get(state.MAIN_TAB)
    if position is not None and chosen not in labels:
        st.session_state[state.MAIN_TAB] = labels[position]
    elif chosen is None and default is not None:
        st.session_state[state.MAIN_TAB] = default
    st.session_state[_TAB_LABELS] = labels
    return st.tabs(labels, key=state.MAIN_TAB, on_change="rerun")


def _render_selected(
    settings: Settings,
    dataset: Dataset,
    account: Account | None,
    audience: Audience,
    frames: dict,
    lang: str,
) -> tuple | None:
    """The selected feature: headline, then (editors) the edit form right under it, then an
    offered plot's selling facts and the records."""
    can_edit = account is not None and account.can_edit and audience.is_staff

    def after_headline(spec, row) -> None:
        if can_edit:
            render_edit_form(settings, spec, row, get_tracking(settings, dataset), lang)
        render_selling_facts(
            spec, row, frames=frames, settings=settings, dataset=dataset, lang=lang
        )

    return render_detail(frames, state.selected_id(), audience, lang, after_headline=after_headline)


def _render_issues(dataset: Dataset, lang: str) -> None:
    if not dataset.issues:
        return
    errors = [i for i in dataset.issues if i.is_error]
    box = st.error if errors else st.warning
    box(plural("issues.headline", len(dataset.issues), lang), icon=":material/report:")
    with st.expander(t("issues.details", lang), expanded=bool(errors)):
        for issue in dataset.issues:
            # Messages carry ids and codes from the data: escaped, shown as text.
            st.markdown("- " + md_escape(issue.message(lang)))


def run() -> None:
    # A local icon: ":material/..." page icons are fetched from a Google font CDN.
    st.set_page_config(page_title="西区土地与项目一张图", page_icon=str(FAVICON), layout="wide")
    main()
