"""Photos and interest leads of the GeoPackage store (mixed into ``GpkgStore``).

Writes go through the edit worker (``sqlite_worker`` + ``records_sql``), reads through pyogrio,
the app's one SQLite library (security.md D2). Listing photos never reads their bytes; one
photo's bytes are read on their own, by id.
"""

from __future__ import annotations

import base64
import logging
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyogrio

from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID
from landmap.photos.model import PhotoInfo, is_photo_id, visible_photos
from landmap.promotion.interest import InterestLead
from landmap.store.base import FeatureNotFound, StoreError
from landmap.store.record_rows import (
    PHOTO_FACTS,
    leads_frame,
    new_lead,
    new_photo,
    photo_from_row,
)
from landmap.store.records_sql import INTEREST_COLUMNS, INTEREST_TABLE, PHOTOS_TABLE

if TYPE_CHECKING:
    from landmap.access import Audience
    from landmap.photos import ProcessedPhoto

log = logging.getLogger(__name__)


class GpkgRecords:
    """The photo and interest part of ``GpkgStore`` (``PhotoStore``, ``InterestStore``);
    uses the store's ``path``, ``source_name`` and ``tables()``."""

    path: Path
    source_name: str

    if TYPE_CHECKING:  # given by GpkgStore

        def version(self) -> str: ...

        def _locked(self) -> AbstractContextManager[None]: ...

        def _records_written(self, data_version: str) -> None: ...

    # --- photos ---------------------------------------------------------------------------

    def add_photo(
        self,
        layer_id: str,
        feature_id: str,
        photo: ProcessedPhoto,
        *,
        caption: str,
        public: bool,
        user: str,
    ) -> PhotoInfo:
        """Store a re-encoded photo (``photos.process_photo``) of one feature.

        Raises FeatureNotFound when the feature is not in its table once, StoreConflict when
        the store stays locked, StoreError otherwise; nothing is written in those cases.
        """
        if layer_id not in LAYER_BY_ID:
            raise FeatureNotFound(self.source_name, layer_id, feature_id, 0)
        now = datetime.now(SHANGHAI)
        info, row = new_photo(
            layer_id, feature_id, photo, caption=caption, public=public, user=user, now=now
        )
        # The request to the edit worker is JSON: the bytes travel base64-encoded.
        row |= {
            "public": int(info.public),
            "image": base64.b64encode(photo.image).decode("ascii"),
            "thumbnail": base64.b64encode(photo.thumbnail).decode("ascii"),
        }
        answer = self._record_op("add_photo", now, row=row)
        if answer.get("kind") == "not_editable":
            raise FeatureNotFound(self.source_name, layer_id, feature_id, 0)
        self._raise_unless_ok(answer)
        return info

    def set_photo_public(self, photo_id: str, public: bool, *, user: str) -> bool:
        """Show a photo to the public or keep it internal; False if there is no such photo.

        Not a history row (the history's "go back" restores layer fields only): the server
        log says who did it."""
        changed = self._update_photo(photo_id, public=public, delete=False)
        log.info("photo %s public=%s by %s (%s)", photo_id, public, user, changed)
        return changed

    def delete_photo(self, photo_id: str, *, user: str) -> bool:
        """Remove a photo (a backup made earlier still holds it); False if there was none."""
        deleted = self._update_photo(photo_id, public=None, delete=True)
        log.info("photo %s deleted by %s (%s)", photo_id, user, deleted)
        return deleted

    def photos(self, feature_id: str | None = None, *, audience: Audience) -> list[PhotoInfo]:
        """The photos ``audience`` may see (of one feature, or all), oldest first.

        The public audience gets only photos flagged public: the brochure and presentation
        ask with ``Audience.PUBLIC``.
        """
        frame = self._read(PHOTOS_TABLE, columns=list(PHOTO_FACTS))
        if frame is None or frame.empty:
            return []
        if feature_id is not None:
            frame = frame[frame["feature_id"] == feature_id]
        rows = frame.sort_values("fid")[list(PHOTO_FACTS)].itertuples(index=False, name=None)
        return visible_photos([photo_from_row(row) for row in rows], audience)

    def photo_bytes(
        self, photo_id: str, *, audience: Audience, thumbnail: bool = False
    ) -> bytes | None:
        """The JPEG of one photo (or its thumbnail), if ``audience`` may see it; else None."""
        if not is_photo_id(photo_id):
            return None
        column = "thumbnail" if thumbnail else "image"
        # photo_id is 32 hex digits (checked above): safe inside the SQL text.
        frame = self._read(
            PHOTOS_TABLE, columns=["public", column], where=f"photo_id = '{photo_id}'"
        )
        if frame is None or len(frame) != 1:
            return None
        row = frame.iloc[0]
        if not (audience.is_staff or bool(int(row["public"]))):
            return None
        value = row[column]
        return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None

    # --- interest ---------------------------------------------------------------------------

    def add_interest(self, lead: InterestLead, *, lang: str) -> str:
        """Store a checked lead (``interest.check_interest``) with the time; returns its id."""
        now = datetime.now(SHANGHAI)
        row = new_lead(lead, lang=lang, now=now)
        self._raise_unless_ok(self._record_op("add_interest", now, row=row))
        return str(row["interest_id"])

    def interest_leads(self) -> pd.DataFrame:
        """Every lead, newest first (staff only), ``plot_ids`` as a tuple of ids."""
        return leads_frame(self._read(INTEREST_TABLE, columns=list(INTEREST_COLUMNS)))

    # --- helpers ----------------------------------------------------------------------------

    def _update_photo(self, photo_id: str, *, public: bool | None, delete: bool) -> bool:
        if not is_photo_id(photo_id):
            return False
        now = datetime.now(SHANGHAI)
        answer = self._record_op(
            "update_photo", now, photo_id=photo_id, public=public, delete=delete
        )
        self._raise_unless_ok(answer)
        return bool(answer.get("result"))

    def _record_op(self, op: str, now: datetime, **fields: object) -> dict:
        from landmap.store.gpkg import _run_edit_worker  # gpkg imports this module

        if not self.path.is_file():
            raise StoreError(self.source_name, "file not found")
        request = {"op": op, "path": str(self.path), "now": now.isoformat(), **fields}
        # The lock is held here, not in the worker: nothing else can write between reading the
        # data version and the write, so the file after it holds the same data.
        with self._locked():
            data_version = self.version()
            answer = _run_edit_worker(request, self.source_name)
            if answer.get("ok"):
                self._records_written(data_version)
        return answer

    def _raise_unless_ok(self, answer: dict) -> None:
        if answer.get("ok"):
            return
        raise StoreError(self.source_name, str(answer.get("detail", "write failed")))

    def restore_photos_into(self, scratch: Path, backup: Path) -> None:
        """A restore's last step: the photos of ``backup`` into the scratch copy."""
        from landmap.store.gpkg import _run_edit_worker

        request = {
            "op": "restore_photos",
            "path": str(scratch),
            "source": str(backup),
            "now": datetime.now(SHANGHAI).isoformat(),
        }
        self._raise_unless_ok(_run_edit_worker(request, self.source_name))

    def _read(
        self, table: str, *, columns: list[str], where: str | None = None
    ) -> pd.DataFrame | None:
        """A non-spatial table through pyogrio; None when the table does not exist yet."""
        try:
            if table not in self.tables():
                return None
            frame = pyogrio.read_dataframe(
                self.path,
                layer=table,
                columns=columns,
                where=where,
                read_geometry=False,
                fid_as_index=True,
            )
        except StoreError:
            return None
        except Exception as exc:  # pyogrio raises several error types for broken files
            raise StoreError(self.source_name, f"table {table!r}: {exc}") from exc
        return pd.DataFrame(frame).rename_axis("fid").reset_index()
