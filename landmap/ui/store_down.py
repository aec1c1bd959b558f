"""What the page says when the database cannot be reached, and how it comes back by itself.

Any StoreError that reaches the top of a rerun (a read, or a write the page did not handle
itself) ends that rerun with one message in the reader's language: what happened, that
nothing can be saved meanwhile (so a change just submitted was not saved), and that the page
tries again. No traceback: the detail goes to the log. Nothing failed is cached (ui/data.py), so
the first rerun that reaches the database draws the map again; a fragment reruns every
``RETRY_S`` seconds to find out, without the reader doing anything.
"""

from __future__ import annotations

import logging
from datetime import datetime

import streamlit as st

from landmap.clock import SHANGHAI
from landmap.config import Settings
from landmap.escaping import md_escape
from landmap.i18n import t
from landmap.store import StoreError
from landmap.store.open import open_store

log = logging.getLogger(__name__)
RETRY_S = 15
_ARMED = "_store_retry_armed"


def render_store_down(settings: Settings, exc: StoreError, lang: str) -> None:
    # ``exc.source`` is the store's source_name (a database name, never the URL).
    log.warning("store unavailable: %s", exc)
    st.error(
        t("store.down", lang, source=md_escape(exc.source), seconds=RETRY_S),
        icon=":material/cloud_off:",
    )
    st.session_state[_ARMED] = False
    _retry_when_back(settings, lang)


@st.fragment(run_every=RETRY_S)
def _retry_when_back(settings: Settings, lang: str) -> None:
    now = datetime.now(SHANGHAI).strftime("%H:%M:%S")
    if not st.session_state.get(_ARMED):
        # Drawn with the page that just failed: the next try is the timer's (never at once,
        # or an error the version check does not see would rerun the page without pause).
        st.session_state[_ARMED] = True
        st.caption(t("store.retrying", lang, time=now))
        return
    try:
        open_store(settings).version()
    except StoreError:
        st.caption(t("store.retrying", lang, time=now))
        return
    st.rerun()  # the database answers again: draw the whole page
