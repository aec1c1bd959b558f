"""A stored photo's facts (never its bytes) and which of them an audience may see (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the photo worker imports this package and needs no geopandas
    from landmap.access import Audience

# Photo ids are made by the store (uuid4 hex); anything else is refused before it reaches SQL.
PHOTO_ID = re.compile(r"[0-9a-f]{32}")
MAX_CAPTION_CHARS = 200


@dataclass(frozen=True)
class PhotoInfo:
    """One photo of one feature. ``public`` photos may be shown to anyone (public view,
    brochure, presentation); the others only to signed-in staff."""

    photo_id: str
    layer_id: str
    feature_id: str
    caption: str
    public: bool
    width: int
    height: int
    uploaded_by: str
    uploaded_at: str  # ISO 8601, Asia/Shanghai


def visible_photos(photos: Iterable[PhotoInfo], audience: Audience) -> list[PhotoInfo]:
    """The photos ``audience`` may see, in upload order: staff all, the public only public ones."""
    return [p for p in photos if audience.is_staff or p.public]


def is_photo_id(value: object) -> bool:
    return isinstance(value, str) and PHOTO_ID.fullmatch(value) is not None


def clean_caption(text: str) -> str:
    """A caption as plain one-line text: control characters out, length capped."""
    flat = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return " ".join(flat.split())[:MAX_CAPTION_CHARS]
