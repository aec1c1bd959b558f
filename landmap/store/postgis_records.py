"""Photos and interest leads of the PostGIS store (mixed into ``PostgisStore``), as
``GpkgRecords`` keeps them: photos as ``bytea`` with a public flag, read per audience, the
list never reading the bytes; leads appended by the public and read by staff.

Photo writes take the shared data lock (``PostgisStore._data_lock``) so that a restore,
which puts back the photos of its backup, cannot run between the check and the write.
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import psycopg
from psycopg import sql

from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID
from landmap.photos.model import PhotoInfo, is_photo_id, visible_photos
from landmap.promotion.interest import InterestLead
from landmap.store.base import FeatureNotFound
from landmap.store.postgis_layers import insert_query, table_exists
from landmap.store.record_rows import (
    LEAD_FRAME_COLUMNS,
    PHOTO_FACTS,
    leads_frame,
    new_lead,
    new_photo,
    photo_from_row,
)
from landmap.store.records_sql import (
    INTEREST_COLUMNS,
    INTEREST_TABLE,
    PHOTO_COLUMNS,
    PHOTOS_TABLE,
)

if TYPE_CHECKING:
    from landmap.access import Audience
    from landmap.photos import ProcessedPhoto

log = logging.getLogger(__name__)


class PostgisRecords:
    """The photo and interest part of ``PostgisStore`` (``PhotoStore``, ``InterestStore``)."""

    source_name: str

    if TYPE_CHECKING:  # given by PostgisStore

        def connect(self) -> AbstractContextManager[psycopg.Connection]: ...

        def _writing(self) -> AbstractContextManager[psycopg.Connection]: ...

        def _require_schema(self, con: psycopg.Connection) -> None: ...

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
        """Store a re-encoded photo (``photos.process_photo``) of one feature; FeatureNotFound
        (nothing written) when the feature is not in its table once."""
        if layer_id not in LAYER_BY_ID:
            raise FeatureNotFound(self.source_name, layer_id, feature_id, 0)
        info, values = new_photo(
            layer_id,
            feature_id,
            photo,
            caption=caption,
            public=public,
            user=user,
            now=datetime.now(SHANGHAI),
        )
        with self._writing() as con:
            count = 0
            if table_exists(con, layer_id):
                row = con.execute(
                    sql.SQL("SELECT count(*) FROM {} WHERE id = %s").format(
                        sql.Identifier(layer_id)
                    ),
                    (feature_id,),
                ).fetchone()
                count = int(row[0]) if row else 0
            if count != 1:
                raise FeatureNotFound(self.source_name, layer_id, feature_id, count)
            con.execute(
                insert_query(PHOTOS_TABLE, PHOTO_COLUMNS),
                [values[c] for c in PHOTO_COLUMNS],
            )
        return info

    def set_photo_public(self, photo_id: str, public: bool, *, user: str) -> bool:
        """Show a photo to the public or keep it internal; False if there is no such photo.
        Not a history row (as in the GeoPackage store): the server log says who did it."""
        if not is_photo_id(photo_id):
            return False
        with self._writing() as con:
            changed = con.execute(
                f"UPDATE {PHOTOS_TABLE} SET public = %s WHERE photo_id = %s",
                (bool(public), photo_id),
            ).rowcount
        log.info("photo %s public=%s by %s (%s)", photo_id, public, user, bool(changed))
        return bool(changed)

    def delete_photo(self, photo_id: str, *, user: str) -> bool:
        """Remove a photo (a backup made earlier still holds it); False if there was none."""
        if not is_photo_id(photo_id):
            return False
        with self._writing() as con:
            deleted = con.execute(
                f"DELETE FROM {PHOTOS_TABLE} WHERE photo_id = %s", (photo_id,)
            ).rowcount
        log.info("photo %s deleted by %s (%s)", photo_id, user, bool(deleted))
        return bool(deleted)

    def photos(self, feature_id: str | None = None, *, audience: Audience) -> list[PhotoInfo]:
        """The photos ``audience`` may see (of one feature, or all), oldest first."""
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY fid").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in PHOTO_FACTS),
            sql.Identifier(PHOTOS_TABLE),
            sql.SQL("WHERE feature_id = %s" if feature_id is not None else ""),
        )
        with self.connect() as con:
            if not table_exists(con, PHOTOS_TABLE):
                return []
            rows = con.execute(query, () if feature_id is None else (feature_id,)).fetchall()
        return visible_photos([photo_from_row(row) for row in rows], audience)

    def photo_bytes(
        self, photo_id: str, *, audience: Audience, thumbnail: bool = False
    ) -> bytes | None:
        """The JPEG of one photo (or its thumbnail), if ``audience`` may see it; else None."""
        if not is_photo_id(photo_id):
            return None
        column = sql.Identifier("thumbnail" if thumbnail else "image")
        with self.connect() as con:
            if not table_exists(con, PHOTOS_TABLE):
                return None
            row = con.execute(
                sql.SQL("SELECT public, {} FROM {} WHERE photo_id = %s").format(
                    column, sql.Identifier(PHOTOS_TABLE)
                ),
                (photo_id,),
            ).fetchone()
        if row is None or not (audience.is_staff or bool(row[0])):
            return None
        return bytes(row[1])

    # --- interest ---------------------------------------------------------------------------

    def add_interest(self, lead: InterestLead, *, lang: str) -> str:
        """Store a checked lead (``interest.check_interest``) with the time; returns its id.

        No data lock: a lead touches no layer or photo, so an import need not wait for it."""
        values = new_lead(lead, lang=lang, now=datetime.now(SHANGHAI))
        values["plot_ids"] = json.dumps(values["plot_ids"], ensure_ascii=False)
        with self.connect() as con:
            self._require_schema(con)
            con.execute(
                insert_query(INTEREST_TABLE, INTEREST_COLUMNS),
                [values[c] for c in INTEREST_COLUMNS],
            )
        return str(values["interest_id"])

    def interest_leads(self) -> pd.DataFrame:
        """Every lead, newest first (staff only), ``plot_ids`` as a tuple of ids."""
        query = sql.SQL("SELECT fid, {} FROM {} ORDER BY fid DESC").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in INTEREST_COLUMNS),
            sql.Identifier(INTEREST_TABLE),
        )
        with self.connect() as con:
            if not table_exists(con, INTEREST_TABLE):
                return leads_frame(None)
            rows = con.execute(query).fetchall()
        return leads_frame(
            pd.DataFrame([list(r) for r in rows], columns=list(LEAD_FRAME_COLUMNS), dtype=object)
        )
