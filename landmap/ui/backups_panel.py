"""The backups tab of the data page: the saved versions, and putting one back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from landmap.config import Settings
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.store import StoreError
from landmap.store.open import open_store
from landmap.ui.auth import editor_or_none
from landmap.ui.messages import flash, show_flash

_RESTORE_RESULT = "_restore_result"


def render_backups(settings: Settings, lang: str) -> None:
    store = open_store(settings)
    show_flash(_RESTORE_RESULT)
    backups = store.backups()
    st.caption(t("data.backups_intro", lang))
    if not backups:
        st.info(t("data.no_backups", lang))
        return
    table = pd.DataFrame(
        {
            t("data.backup_time", lang): [
                b.created_at.strftime("%Y-%m-%d %H:%M:%S") for b in backups
            ],
            t("data.backup_action", lang): [b.action for b in backups],
            t("data.backup_layer", lang): [
                LAYER_BY_ID[b.layer_id].name.get(lang) if b.layer_id in LAYER_BY_ID else b.layer_id
                for b in backups
            ],
            t("data.backup_user", lang): [b.user for b in backups],
            t("data.backup_note", lang): [b.note for b in backups],
            "id": [b.id for b in backups],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    choice = st.selectbox(
        t("data.restore_choice", lang),
        [b.id for b in backups],
        format_func=lambda bid: next(
            f"{b.created_at.strftime('%Y-%m-%d %H:%M:%S')} · {b.action} · {b.user}"
            for b in backups
            if b.id == bid
        ),
        key="restore_choice",
    )
    sure = st.checkbox(t("data.restore_confirm", lang), key="restore_confirm")
    st.button(
        t("data.restore", lang),
        icon=":material/history:",
        disabled=not sure,
        on_click=_restore,
        args=(settings, choice, lang),
    )


def _restore(settings: Settings, backup_id: str, lang: str) -> None:
    account = editor_or_none()
    if account is None:
        flash(_RESTORE_RESULT, "error", t("data.editors_only", lang))
        return
    store = open_store(settings)
    try:
        saved = store.restore(backup_id, expected_version=store.version(), user=account.name)
    except StoreError as exc:
        flash(
            _RESTORE_RESULT,
            "error",
            t("data.store_error", lang, detail=exc.detail),
        )
        return
    flash(_RESTORE_RESULT, "ok", t("data.restored", lang, backup=saved.id))
    st.session_state.pop("restore_confirm", None)
    # The choice moves to the backup this restore made, so undoing it is one confirm away.
    st.session_state["restore_choice"] = saved.id
