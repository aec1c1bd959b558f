"""The ledger (台账) import tab of the data page: upload, the list of changes, apply.

The workbook is read in the sandboxed child (``landmap.ledger``); nothing is written until the
editor has seen every change, and the role is checked again when they apply it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import md_escape, md_text
from landmap.i18n import t
from landmap.ingest.problems import ImportRejected
from landmap.layers import LAYERS
from landmap.ledger import LedgerDiff, apply_ledger, ledger_import_report, read_ledger
from landmap.store import EditConflict, StoreError
from landmap.store.open import open_store
from landmap.ui.auth import editor_or_none
from landmap.ui.messages import clear_file_picker, drop_hint, file_picker, flash, show_flash

_LEDGER = "_ledger_diff"
_LEDGER_FILE = "ledger_file"
_LEDGER_RESULT = "_ledger_result"


@dataclass(frozen=True)
class _CheckedLedger:
    """A ledger's list of changes and what it was made from (file, data version)."""

    digest: str
    store_version: str
    diff: LedgerDiff
    file_name: str


def render_ledger_import(settings: Settings, dataset: Dataset, lang: str) -> None:
    show_flash(_LEDGER_RESULT)
    st.caption(t("data.ledger_intro", lang))
    upload = file_picker(
        t("data.ledger_file", lang),
        ["xlsx"],
        _LEDGER_FILE,
        help=t("data.ledger_file_help", lang),
        hint=drop_hint(lang),
    )
    if upload is None:
        st.session_state.pop(_LEDGER, None)
        return
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    store = open_store(settings)
    version = store.version()
    checked: _CheckedLedger | None = st.session_state.get(_LEDGER)
    if checked is None or (checked.digest, checked.store_version) != (digest, version):
        versions = store.versions_by_layer(layer.id for layer in LAYERS)
        try:
            diff = read_ledger(data, dataset.frames, versions)
        except ImportRejected as exc:
            st.error(md_text(exc.problem.text(lang)))
            return
        checked = _CheckedLedger(digest, version, diff, upload.name)
        st.session_state[_LEDGER] = checked
    diff = checked.diff
    lines = ledger_import_report(diff, lang)
    st.markdown("- " + md_escape(lines[0]))
    if diff.changes:
        rows = [change.describe(lang) for change in diff.changes]
        st.dataframe(
            pd.DataFrame(
                rows,
                columns=[
                    t("col.id", lang),
                    t("col.name", lang),
                    t("data.ledger_field", lang),
                    t("data.ledger_old", lang),
                    t("data.ledger_new", lang),
                ],
            ),
            hide_index=True,
            width="stretch",
        )
    for problem in diff.errors:
        st.error(md_text(problem.text(lang)), icon=":material/error:")
    for problem in diff.warnings:
        st.warning(md_text(problem.text(lang)), icon=":material/warning:")
    if not diff.edits:
        st.info(t("data.ledger_nothing", lang))
        return
    st.button(
        t("data.ledger_apply", lang, count=len(diff.changes), features=len(diff.edits)),
        type="primary",
        icon=":material/playlist_add_check:",
        on_click=_apply_ledger,
        args=(settings, lang),
    )


def _apply_ledger(settings: Settings, lang: str) -> None:
    account = editor_or_none()
    checked: _CheckedLedger | None = st.session_state.get(_LEDGER)
    if account is None:
        flash(_LEDGER_RESULT, "error", t("data.editors_only", lang))
        return
    if checked is None:
        return
    store = open_store(settings)
    try:
        applied = apply_ledger(store, checked.diff, account.name, checked.file_name)
    except EditConflict as exc:
        ids = "、".join(c.feature_id for c in exc.conflicts)
        flash(_LEDGER_RESULT, "error", t("data.ledger_conflict", lang, ids=ids))
        st.session_state.pop(_LEDGER, None)  # read again against the data as it is now
        return
    except StoreError as exc:
        flash(_LEDGER_RESULT, "error", t("data.store_error", lang, detail=exc.detail))
        return
    flash(
        _LEDGER_RESULT,
        "ok",
        t("data.ledger_applied", lang, count=applied.history_rows, features=len(applied.versions)),
    )
    st.session_state.pop(_LEDGER, None)
    clear_file_picker(_LEDGER_FILE)
