"""Expressions of interest (意向登记): the public form under a plot's details, and the staff's
list with each plot's count.

Nothing of the leads reaches a public reader: the form answers only "received" or why not,
and the list and counts are drawn only for staff (the audience is decided on the server). The
form is rate-limited per browser session, per client address and per server process.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from functools import partial

import pandas as pd
import streamlit as st

from landmap.access import Audience, SubmissionLimiter
from landmap.clock import SHANGHAI
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.export.interest_book import interest_rows, interest_workbook, plot_label
from landmap.i18n import t
from landmap.layers import LayerSpec
from landmap.promotion.interest import (
    INTEREST_LAYERS,
    MAX_EMAIL,
    MAX_MESSAGE,
    MAX_NAME,
    MAX_ORGANISATION,
    MAX_PHONE,
    InterestDraft,
    InterestLead,
    check_interest,
    interest_counts,
)
from landmap.store import StoreError
from landmap.store.open import open_store, store_for_key, store_key
from landmap.ui.data import view_frames
from landmap.ui.messages import flash, show_flash

log = logging.getLogger(__name__)
_RESULT = "_interest_result"
_SESSION = "_interest_session"
_FIELDS = ("name", "organisation", "phone", "email", "message")
_MAX_CHARS = {
    "name": MAX_NAME,
    "organisation": MAX_ORGANISATION,
    "phone": MAX_PHONE,
    "email": MAX_EMAIL,
    "message": MAX_MESSAGE,
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_resource(show_spinner=False)
def submission_limiter() -> SubmissionLimiter:
    """One limiter for every browser session of this server process."""
    return SubmissionLimiter()


@st.cache_resource(show_spinner=False, max_entries=2)
def _leads(key: str, version: str) -> pd.DataFrame:
    return store_for_key(key).interest_leads()


def public_plots(settings: Settings, dataset: Dataset) -> dict[str, str]:
    """The plots an investor may ask about: id -> name, from the public frames only."""
    return _plot_names(view_frames(settings, dataset, Audience.PUBLIC))


def render_interest(
    settings: Settings,
    dataset: Dataset,
    found: tuple[LayerSpec, pd.Series] | None,
    audience: Audience,
    lang: str,
) -> None:
    """Under the selected plot: the form for the public, the plot's leads for staff."""
    if found is None or found[0].id not in INTEREST_LAYERS:
        return
    feature_id = str(found[1]["id"])
    if audience.is_staff:
        _render_plot_leads(settings, dataset, feature_id, lang)
        return
    plots = public_plots(settings, dataset)
    if feature_id not in plots:
        return
    show_flash(_RESULT)
    with st.expander(t("interest.title", lang), icon=":material/handshake:"):
        st.caption(t("interest.intro", lang))
        with st.form(f"interest_form_{feature_id}", border=False):
            for name in _FIELDS:
                widget = st.text_area if name == "message" else st.text_input
                widget(
                    t(f"interest.{name}", lang),
                    key=_key(name, feature_id),
                    max_chars=_MAX_CHARS[name],
                )
            st.caption(t("interest.contact_hint", lang))
            st.multiselect(
                t("interest.plots", lang),
                options=list(plots),
                default=[feature_id],
                format_func=lambda plot_id: plot_label(plot_id, plots),
                key=_key("plots", feature_id),
                max_selections=10,
            )
            st.form_submit_button(
                t("interest.submit", lang),
                on_click=_submit,
                args=(settings, feature_id, lang),
                icon=":material/send:",
            )
        st.caption(t("interest.privacy", lang))


def _key(name: str, feature_id: str) -> str:
    return f"interest_{name}__{feature_id}"


def _submit(settings: Settings, feature_id: str, lang: str) -> None:
    from landmap.ui.data import get_dataset  # the cached dataset, read again in the callback

    state = st.session_state
    draft = InterestDraft(
        **{name: str(state.get(_key(name, feature_id)) or "") for name in _FIELDS},
        plot_ids=tuple(str(p) for p in state.get(_key("plots", feature_id)) or ()),
    )
    try:
        checked = check_interest(draft, public_plots(settings, get_dataset(settings)))
    except StoreError as exc:  # the database went away: the lead was not kept
        log.warning("interest not saved: %s", exc)
        flash(_RESULT, "error", t("interest.store_error", lang))
        return
    if not isinstance(checked, InterestLead):
        lines = [
            t(
                f"interest.{p.code}",
                lang,
                field=t(f"interest.field_{p.field}", lang),
                limit=p.limit,
            )
            for p in checked
        ]
        flash(_RESULT, "error", "\n".join(dict.fromkeys(lines)))
        return
    session_id = state.setdefault(_SESSION, uuid.uuid4().hex)
    wait_s = submission_limiter().try_acquire(session_id, st.context.ip_address)
    if wait_s > 0:
        flash(_RESULT, "conflict", t("interest.limited", lang, minutes=max(1, round(wait_s / 60))))
        return
    try:
        open_store(settings).add_interest(checked, lang=lang)
    except StoreError as exc:
        log.warning("interest not saved: %s", exc)
        flash(_RESULT, "error", t("interest.store_error", lang))
        return
    for name in _FIELDS:  # a fresh form: nothing of this lead stays on the page
        state[_key(name, feature_id)] = ""
    state[_key("plots", feature_id)] = [feature_id]
    flash(_RESULT, "ok", t("interest.thanks", lang))


# --- staff -------------------------------------------------------------------------------------


def _staff_leads(settings: Settings) -> pd.DataFrame:
    return _leads(store_key(settings), open_store(settings).records_version())


def _plot_names(frames: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Id -> name of the plots in ``frames`` an investor can take up."""
    names: dict[str, str] = {}
    for layer_id in INTEREST_LAYERS:
        frame = frames.get(layer_id)
        if frame is not None:
            ids, labels = frame["id"].astype(str), frame["name"].fillna("").astype(str)
            names.update(zip(ids, labels, strict=True))
    return names


def _render_plot_leads(settings: Settings, dataset: Dataset, feature_id: str, lang: str) -> None:
    leads = _staff_leads(settings)
    mine = leads[[feature_id in ids for ids in leads["plot_ids"]]] if len(leads) else leads
    count = interest_counts(leads["plot_ids"]).get(feature_id, 0) if len(leads) else 0
    if not count:
        st.caption(t("interest.count_none", lang))
        return
    with st.expander(t("interest.count", lang, count=count), icon=":material/handshake:"):
        _leads_table(mine, _plot_names(dataset.frames), lang)


def _leads_table(leads: pd.DataFrame, names: dict[str, str], lang: str) -> None:
    headers, rows = interest_rows(leads, names, lang)
    # A dataframe shows every value as text: nothing a visitor typed is rendered as markup.
    st.dataframe(pd.DataFrame(rows, columns=headers), hide_index=True, width="stretch")


def render_interest_list(
    settings: Settings, dataset: Dataset, audience: Audience, lang: str
) -> None:
    """Every lead, newest first, filterable by plot, with an Excel download. Staff only."""
    if not audience.is_staff:
        return
    st.subheader(t("interest.list_title", lang))
    st.caption(t("interest.list_intro", lang))
    leads = _staff_leads(settings)
    if leads.empty:
        st.info(t("interest.list_empty", lang))
        return
    names = _plot_names(dataset.frames)
    counts = interest_counts(leads["plot_ids"])
    choice = st.selectbox(
        t("interest.filter_plot", lang),
        ["", *sorted(counts, key=lambda p: (-counts[p], p))],
        format_func=lambda p: (
            t("interest.all_plots", lang) if not p else f"{plot_label(p, names)} · {counts[p]}"
        ),
        key="interest_filter",
    )
    shown = leads[[choice in ids for ids in leads["plot_ids"]]] if choice else leads
    _leads_table(shown, names, lang)
    stamp = pd.Timestamp.now(SHANGHAI).strftime("%Y%m%d")
    st.download_button(
        t("interest.export", lang),
        data=partial(interest_workbook, shown, names, lang),
        file_name=f"{t('interest.export_stem', lang)}_{stamp}.xlsx",
        mime=_XLSX,
        on_click="ignore",
        key="interest_export",
        icon=":material/table_view:",
    )
