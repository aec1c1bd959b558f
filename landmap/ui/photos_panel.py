"""Photos of the selected feature under its details; editors upload, publish and delete.

Public readers get only photos flagged public (the store filters by audience, and the cache
keys carry the audience too). Uploads are decoded and re-encoded in a sandboxed child process
(``photos.process_photo``); the role is checked again inside every write callback.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from landmap.access import Audience
from landmap.accounts import Account
from landmap.config import Settings
from landmap.escaping import md_escape
from landmap.i18n import t
from landmap.layers import LayerSpec
from landmap.photos import PhotoInfo, PhotoLimits, PhotoRejected, save_upload
from landmap.store import FeatureNotFound, StoreError
from landmap.store.open import open_store, store_for_key, store_key
from landmap.ui.auth import editor_or_none
from landmap.ui.messages import drop_hint, flash, show_flash

log = logging.getLogger(__name__)
_RESULT = "_photo_result"
_FILE, _CAPTION, _PUBLIC = "photo_file", "photo_caption", "photo_public"
LIMITS = PhotoLimits()
PER_ROW = 3


@st.cache_resource(show_spinner=False, max_entries=64)
def _photos(key: str, version: str, feature_id: str, audience: str) -> list[PhotoInfo]:
    # ``version`` and ``audience`` are part of the key: a change, or another reader, reads anew.
    return store_for_key(key).photos(feature_id, audience=Audience(audience))


@st.cache_data(show_spinner=False, max_entries=200)
def _photo_bytes(
    key: str, version: str, photo_id: str, audience: str, thumbnail: bool
) -> bytes | None:
    return store_for_key(key).photo_bytes(
        photo_id, audience=Audience(audience), thumbnail=thumbnail
    )


def render_photos(
    settings: Settings,
    found: tuple[LayerSpec, pd.Series] | None,
    account: Account | None,
    audience: Audience,
    lang: str,
) -> None:
    """The photos of the feature ``render_detail`` showed (``found``), as ``audience`` may see
    them, and the upload form for editors."""
    if found is None:
        return
    spec, row = found
    feature_id = str(row["id"])
    store = open_store(settings)
    can_edit = account is not None and account.can_edit
    key = store_key(settings)  # what the caches and callbacks reopen the store from
    version = store.records_version()
    photos = _photos(key, version, feature_id, audience.value)
    if not photos and not can_edit:
        return  # nothing to show a reader: no empty heading
    st.markdown(f"**{t('photos.title', lang)}**")
    show_flash(_RESULT)
    if not photos:
        st.caption(t("photos.none", lang))
    for start in range(0, len(photos), PER_ROW):
        columns = st.columns(PER_ROW)
        for column, photo in zip(columns, photos[start : start + PER_ROW], strict=False):
            with column:
                _render_one(key, version, photo, audience, can_edit, lang)
    if can_edit:
        _render_upload(key, spec, feature_id, lang)


def _render_one(
    key: str, version: str, photo: PhotoInfo, audience: Audience, can_edit: bool, lang: str
) -> None:
    thumb = _photo_bytes(key, version, photo.photo_id, audience.value, True)
    if thumb is None:
        return
    st.image(thumb, width="stretch")
    if st.button(
        t("photos.large", lang),
        key=f"photo_large_{photo.photo_id}",
        icon=":material/zoom_in:",
        type="tertiary",
    ):
        _show_large(key, version, photo, audience.value, lang)
    if audience.is_staff and not photo.public:
        st.badge(t("photos.internal", lang), color="orange", help=t("photos.internal_help", lang))
    if photo.caption:
        st.caption(md_escape(photo.caption))
    if can_edit:
        with st.popover(t("photos.manage", lang), icon=":material/edit:"):
            flip = "make_internal" if photo.public else "make_public"
            st.button(
                t(f"photos.{flip}", lang),
                key=f"photo_flip_{photo.photo_id}",
                on_click=_set_public,
                args=(key, photo.photo_id, not photo.public, lang),
            )
            st.button(
                t("photos.delete", lang),
                key=f"photo_delete_{photo.photo_id}",
                on_click=_delete,
                args=(key, photo.photo_id, lang),
                icon=":material/delete:",
                type="primary",
            )


def _show_large(key: str, version: str, photo: PhotoInfo, audience: str, lang: str) -> None:
    # Decorated here, not at import, so that the dialog's title is in the reader's language.
    dialog = st.dialog(t("photos.title", lang), width="large")(_large_photo)
    dialog(key, version, photo, audience, lang)


def _large_photo(key: str, version: str, photo: PhotoInfo, audience: str, lang: str) -> None:
    image = _photo_bytes(key, version, photo.photo_id, audience, False)
    if image is not None:
        st.image(image, width="stretch")
    if photo.caption:
        st.caption(md_escape(photo.caption))
    if Audience(audience).is_staff:
        when = photo.uploaded_at.replace("T", " ")[:16]
        st.caption(md_escape(t("photos.by", lang, who=photo.uploaded_by, when=when)))


def _render_upload(key: str, spec: LayerSpec, feature_id: str, lang: str) -> None:
    with (
        st.expander(t("photos.upload", lang), icon=":material/add_a_photo:"),
        st.form(f"photo_upload_{feature_id}", clear_on_submit=True, border=False),
    ):
        hint = drop_hint(lang)  # Streamlit's box says "Drag and drop", "Browse files"
        if hint:
            st.caption(hint)
        st.file_uploader(
            t("photos.file", lang, limit_mb=LIMITS.max_upload_bytes // (1024 * 1024)),
            type=["jpg", "jpeg", "png"],
            key=_FILE,
        )
        st.text_input(t("photos.caption", lang), key=_CAPTION, max_chars=200)
        st.checkbox(
            t("photos.public", lang), key=_PUBLIC, value=False, help=t("photos.public_help", lang)
        )
        st.form_submit_button(
            t("photos.submit", lang),
            on_click=_upload,
            args=(key, spec.id, feature_id, lang),
            icon=":material/upload:",
        )
        st.caption(t("photos.privacy", lang))


def _upload(key: str, layer_id: str, feature_id: str, lang: str) -> None:
    account = editor_or_none()  # re-checked at the moment of writing
    if account is None:
        flash(_RESULT, "error", t("photos.not_allowed", lang))
        return
    upload = st.session_state.get(_FILE)
    if upload is None:
        flash(_RESULT, "error", t("photos.no_file", lang))
        return
    try:
        save_upload(
            store_for_key(key),
            layer_id,
            feature_id,
            upload.getvalue(),
            caption=str(st.session_state.get(_CAPTION) or ""),
            public=bool(st.session_state.get(_PUBLIC)),
            user=account.name,
            limits=LIMITS,
        )
    except PhotoRejected as exc:
        flash(_RESULT, "error", t("photos.rejected", lang, reason=exc.text(lang)))
        return
    except FeatureNotFound:
        flash(_RESULT, "error", t("photos.not_found", lang, id=feature_id))
        return
    except StoreError as exc:
        log.warning("photo upload failed: %s", exc)
        flash(_RESULT, "error", t("photos.store_error", lang, detail=exc.detail))
        return
    flash(_RESULT, "ok", t("photos.uploaded", lang))


def _set_public(key: str, photo_id: str, public: bool, lang: str) -> None:
    account = editor_or_none()
    if account is None:
        flash(_RESULT, "error", t("photos.not_allowed", lang))
        return
    try:
        store_for_key(key).set_photo_public(photo_id, public, user=account.name)
    except StoreError as exc:
        flash(_RESULT, "error", t("photos.store_error", lang, detail=exc.detail))
        return
    flash(_RESULT, "ok", t("photos.changed", lang))


def _delete(key: str, photo_id: str, lang: str) -> None:
    account = editor_or_none()
    if account is None:
        flash(_RESULT, "error", t("photos.not_allowed", lang))
        return
    try:
        store_for_key(key).delete_photo(photo_id, user=account.name)
    except StoreError as exc:
        flash(_RESULT, "error", t("photos.store_error", lang, detail=exc.detail))
        return
    flash(_RESULT, "ok", t("photos.deleted", lang))
