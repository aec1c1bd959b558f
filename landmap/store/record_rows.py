"""Photo and lead rows as both stores keep them, and the records the store interface returns.

``GpkgRecords`` and ``PostgisRecords`` differ in how they reach their tables, not in what a
row holds: the new rows are made here, and the stored rows turned back into ``PhotoInfo`` and
the leads' frame here, so the two backends answer alike.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from landmap.photos.model import PhotoInfo, clean_caption
from landmap.promotion.interest import InterestLead
from landmap.store.records_sql import INTEREST_COLUMNS, PHOTO_COLUMNS

if TYPE_CHECKING:
    from landmap.photos import ProcessedPhoto

# What a photo listing reads: every column but the bytes, in the table's order.
PHOTO_FACTS = tuple(c for c in PHOTO_COLUMNS if c not in ("image", "thumbnail"))
LEAD_FRAME_COLUMNS = ("fid", *INTEREST_COLUMNS)


def new_photo(
    layer_id: str,
    feature_id: str,
    photo: ProcessedPhoto,
    *,
    caption: str,
    public: bool,
    user: str,
    now: datetime,
) -> tuple[PhotoInfo, dict[str, object]]:
    """A new photo's facts and its row (``PHOTO_COLUMNS``, the JPEG bytes as they are)."""
    info = PhotoInfo(
        photo_id=uuid.uuid4().hex,
        layer_id=layer_id,
        feature_id=feature_id,
        caption=clean_caption(caption),
        public=bool(public),
        width=photo.width,
        height=photo.height,
        uploaded_by=user,
        uploaded_at=now.isoformat(timespec="seconds"),
    )
    row = {
        "photo_id": info.photo_id,
        "layer": layer_id,
        "feature_id": feature_id,
        "caption": info.caption,
        "public": info.public,
        "width": info.width,
        "height": info.height,
        "image": photo.image,
        "thumbnail": photo.thumbnail,
        "uploaded_by": user,
        "uploaded_at": info.uploaded_at,
    }
    return info, row


def photo_from_row(values: Sequence[object]) -> PhotoInfo:
    """A stored photo's facts from its ``PHOTO_FACTS`` values, in that order (``public`` is
    an integer in the GeoPackage, a boolean in PostGIS)."""
    row: dict[str, Any] = dict(zip(PHOTO_FACTS, values, strict=True))
    return PhotoInfo(
        photo_id=str(row["photo_id"]),
        layer_id=str(row["layer"]),
        feature_id=str(row["feature_id"]),
        caption=str(row["caption"] or ""),
        public=bool(int(row["public"])),
        width=int(row["width"]),
        height=int(row["height"]),
        uploaded_by=str(row["uploaded_by"]),
        uploaded_at=str(row["uploaded_at"]),
    )


def new_lead(lead: InterestLead, *, lang: str, now: datetime) -> dict[str, object]:
    """A checked lead's row (``INTEREST_COLUMNS``) with a new id; ``plot_ids`` as a list."""
    return {
        "interest_id": uuid.uuid4().hex,
        "submitted_at": now.isoformat(timespec="seconds"),
        "name": lead.name,
        "organisation": lead.organisation,
        "phone": lead.phone,
        "email": lead.email,
        "message": lead.message,
        "plot_ids": list(lead.plot_ids),
        "lang": lang,
    }


def leads_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The stored leads (``fid`` and ``INTEREST_COLUMNS``; None: no table yet) as
    ``interest_leads`` returns them: newest first, ``plot_ids`` a tuple, a missing value ""."""
    if frame is None:
        return pd.DataFrame(columns=list(LEAD_FRAME_COLUMNS))
    frame = frame.copy()
    frame["plot_ids"] = [tuple(_plot_ids(v)) for v in frame["plot_ids"]]
    frame["fid"] = frame["fid"].astype("int64")
    frame = frame.sort_values("fid", ascending=False)
    return frame.astype(object).where(frame.notna(), "").reset_index(drop=True)


def _plot_ids(value: object) -> list[str]:
    """The ids of a stored ``plot_ids`` (JSON text); none if it is not a JSON list."""
    try:
        items = json.loads(str(value or "[]"))
    except ValueError:
        return []
    return [str(i) for i in items] if isinstance(items, list) else []
