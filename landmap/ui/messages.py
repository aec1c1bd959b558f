"""Messages that outlive a rerun, and file pickers that can be emptied after use.

A callback (save, import, restore) runs before the page is drawn again, so what it wants to
say is kept under a key and shown once, where the page draws that key.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from landmap.escaping import md_text
from landmap.i18n import t

_SHOW = {"ok": st.success, "conflict": st.warning, "error": st.error}


def flash(key: str, kind: str, text: str) -> None:
    """Keep ``text`` to be shown once by ``show_flash(key)``; kind: "ok", "conflict", "error"."""
    st.session_state[key] = (kind, text)


def show_flash(key: str) -> None:
    message = st.session_state.pop(key, None)
    if message:
        kind, text = message
        # Saved values, names and problems can come from data: shown as text.
        _SHOW.get(kind, st.error)(md_text(text))


def file_picker(
    label: str, types: list[str], key: str, *, help: str | None = None, hint: str | None = None
) -> UploadedFile | None:
    """A file uploader that ``clear_file_picker(key)`` empties (by giving it a new key).

    Streamlit draws the box's own words ("Drag and drop file here", "Browse files") in English
    whatever the page language, and offers no way to change them: ``hint`` is a line above
    the box that says the same in the user's language.
    """
    generation = st.session_state.get(f"{key}__generation", 0)
    if hint:
        st.caption(hint)
    return st.file_uploader(label, type=types, key=f"{key}_{generation}", help=help)


def drop_hint(lang: str) -> str | None:
    """The upload box's English words, said in Chinese above it (None in English)."""
    return t("data.drop_hint", lang) if lang != "en" else None


def clear_file_picker(key: str) -> None:
    st.session_state[f"{key}__generation"] = st.session_state.get(f"{key}__generation", 0) + 1
