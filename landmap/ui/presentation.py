"""Presentation mode: the shortlist one plot at a time, full window, for a meeting room.

Audience: public, whoever presents (built from the public frames, like the brochure), so a
screen shown to investors never carries an internal value. No sidebar, no staff controls;
←/→ (or PageUp/PageDown, as presentation clickers send) step through the plots, Esc leaves.
Works offline: the map is drawn on the server (``promotion.brochure.plot_map_png``).
"""

from __future__ import annotations

import streamlit as st

from landmap.access import Audience
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import html_text, md_escape
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.promotion import selling_facts
from landmap.promotion.brochure import plot_map_png, public_photos
from landmap.query import find_feature
from landmap.store.open import open_store
from landmap.ui import state
from landmap.ui.data import view_frames

INDEX = "present_index"
# Constant CSS, no data in it: hide the sidebar and Streamlit's toolbar, enlarge the type.
_FULL_WINDOW_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] { display: none !important; }
div[data-testid="stMainBlockContainer"] { padding-top: 1.2rem; max-width: 100%; }
</style>
"""


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_png(data_version: str, feature_id: str, _frames: dict, _boundary) -> bytes:
    # Keyed by the data version and the plot: stepping back and forth redraws nothing.
    found = find_feature(_frames, feature_id)
    return plot_map_png(found[1].geometry, _frames, _boundary, size_mm=(170.0, 125.0))


def render_presentation(settings: Settings, dataset: Dataset, lang: str) -> None:
    st.markdown(_FULL_WINDOW_CSS, unsafe_allow_html=True)
    frames = view_frames(settings, dataset, Audience.PUBLIC)
    ids = [
        fid
        for fid in state.shortlist()
        if (found := find_feature(frames, fid)) and LAYER_BY_ID[found[0]].offered_statuses
    ]
    if not ids:
        st.info(t("present.empty", lang))
        st.button(t("present.exit", lang), on_click=_leave, shortcut="Esc", key="present_exit")
        return
    index = min(max(int(st.session_state.get(INDEX, 0)), 0), len(ids) - 1)
    st.session_state[INDEX] = index
    layer_id, row = find_feature(frames, ids[index])
    spec = LAYER_BY_ID[layer_id]
    facts = selling_facts(spec, row, frames.get("roads"), lang, settings.promotion_contact)

    last = len(ids) - 1
    bar = st.columns([1, 1, 1, 6, 2], vertical_alignment="center")
    bar[0].button(
        "◀",
        key="present_previous",
        on_click=_step,
        args=(-1, len(ids)),
        shortcut="Left",
        disabled=index == 0,
        help=t("present.previous", lang),
    )
    bar[1].markdown(f"**{index + 1} / {len(ids)}**")
    bar[2].button(
        "▶",
        key="present_next",
        on_click=_step,
        args=(1, len(ids)),
        shortcut="Right",
        disabled=index == last,
        help=t("present.next", lang),
    )
    bar[4].button(
        t("present.exit", lang),
        key="present_exit",
        on_click=_leave,
        shortcut="Esc",
        icon=":material/close_fullscreen:",
    )

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.image(_map_png(dataset.version, ids[index], frames, dataset.boundary), width="stretch")
    with right:
        st.html(_slide_html(facts, lang))
        store = open_store(settings)
        shown = public_photos(store)(ids[index])[:1]
        for jpeg, caption in shown:
            st.image(jpeg, width="stretch")
            if caption:
                st.caption(md_escape(caption))  # the uploader's words, shown as text


def _slide_html(facts, lang: str) -> str:
    """Title, status and facts in large type; every value escaped."""
    subtitle = facts.name_en if lang != "en" and facts.name_en else ""
    rows = "".join(
        f'<tr><th style="text-align:left;font-weight:400;color:#546e7a;padding:6px 18px 6px 0;'
        f'vertical-align:top;white-space:nowrap">{html_text(label)}</th>'
        f'<td style="padding:6px 0">{html_text(value)}</td></tr>'
        for key, label, value in facts.rows
        if key not in ("contact",)
    )
    ready = ("、" if lang != "en" else ", ").join(facts.utilities_ready) or "—"
    contact = next(value for key, _, value in facts.rows if key == "contact")
    title = '<div style="font-size:2.1rem;font-weight:700;line-height:1.25">'
    title += f"{html_text(facts.title(lang))}</div>"
    if subtitle:
        title += f'<div style="font-size:1.2rem;color:#455a64">{html_text(subtitle)}</div>'
    status = f"{html_text(facts.status)} · {html_text(facts.feature_id)}"
    return (
        title + f'<div style="margin:.6rem 0 1rem;font-size:1.2rem;color:#37474f">{status}</div>'
        f'<table style="border-collapse:collapse;font-size:1.25rem">{rows}'
        f'<tr><th style="text-align:left;font-weight:400;color:#546e7a;padding:6px 18px 6px 0;'
        f'vertical-align:top">{html_text(t("facts.utilities_ready", lang))}</th>'
        f'<td style="padding:6px 0;color:#1b5e20">{html_text(ready)}</td></tr></table>'
        f'<div style="margin-top:1rem;font-size:1.1rem">{html_text(t("facts.contact", lang))}：'
        f"{html_text(contact)}</div>"
    )


def _step(delta: int, count: int) -> None:
    st.session_state[INDEX] = min(max(int(st.session_state.get(INDEX, 0)) + delta, 0), count - 1)


def _leave() -> None:
    st.session_state[state.VIEW] = "map"
    st.session_state.pop(INDEX, None)
