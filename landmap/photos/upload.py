"""An uploaded photo, from raw bytes to a stored photo: the one path the UI (and any later
command) takes, so that a refused upload can never reach the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from landmap.photos.model import PhotoInfo
from landmap.photos.sandbox import PhotoLimits, process_photo

if TYPE_CHECKING:
    from landmap.store.base import PhotoStore


def save_upload(
    store: PhotoStore,
    layer_id: str,
    feature_id: str,
    data: bytes,
    *,
    caption: str,
    public: bool,
    user: str,
    limits: PhotoLimits = PhotoLimits(),  # noqa: B008 - frozen dataclass, never mutated
) -> PhotoInfo:
    """Check and re-encode ``data`` in the sandbox, then store it. Raises PhotoRejected (the
    store untouched) or the store's FeatureNotFound/StoreConflict/StoreError."""
    processed = process_photo(data, limits)
    return store.add_photo(
        layer_id, feature_id, processed, caption=caption, public=public, user=user
    )
