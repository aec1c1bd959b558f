"""Photos and interest leads written into the live GeoPackage with Python's sqlite3.

Like ``gpkg_sql`` (status updates), this runs only inside the edit worker (``sqlite_worker``),
a child process, so the app never opens the live file with two SQLite libraries (security.md
D2). Both are non-spatial tables registered as GeoPackage "attributes", which the app reads
with pyogrio (BLOB columns come back as bytes); the GeoPackage stays one file.

- ``landmap_photos``: one row per photo, the re-encoded JPEG and its thumbnail as BLOBs.
  Photos are data: a restore puts back the photos of the backup (``restore_photos``).
- ``landmap_interest``: one row per investor's expression of interest. Leads are records like
  the history: a restore keeps them as they are now.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import datetime
from pathlib import Path

from landmap.store.gpkg_sql import create_attribute_tables, immediate_transaction

# The PostGIS store keeps the same tables and columns (postgis_schema, postgis_backups).
PHOTOS_TABLE = "landmap_photos"
INTEREST_TABLE = "landmap_interest"
PHOTO_COLUMNS = (
    "photo_id",
    "layer",
    "feature_id",
    "caption",
    "public",
    "width",
    "height",
    "image",
    "thumbnail",
    "uploaded_by",
    "uploaded_at",
)
INTEREST_COLUMNS = (
    "interest_id",
    "submitted_at",
    "name",
    "organisation",
    "phone",
    "email",
    "message",
    "plot_ids",
    "lang",
)
_TABLE_SQL = {
    PHOTOS_TABLE: f"""CREATE TABLE IF NOT EXISTS {PHOTOS_TABLE} (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        photo_id TEXT NOT NULL UNIQUE, layer TEXT NOT NULL, feature_id TEXT NOT NULL,
        caption TEXT, public INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
        image BLOB NOT NULL, thumbnail BLOB NOT NULL,
        uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL)""",
    INTEREST_TABLE: f"""CREATE TABLE IF NOT EXISTS {INTEREST_TABLE} (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        interest_id TEXT NOT NULL UNIQUE, submitted_at TEXT NOT NULL, name TEXT NOT NULL,
        organisation TEXT, phone TEXT, email TEXT, message TEXT, plot_ids TEXT NOT NULL,
        lang TEXT)""",
}


class FeatureMissing(Exception):
    """A photo names a feature that is not in its table exactly once."""


def ensure_record_tables(con: sqlite3.Connection, now: datetime) -> None:
    """Create both tables on first use, inside the caller's transaction."""
    create_attribute_tables(con, _TABLE_SQL, now)
    con.execute(f"CREATE INDEX IF NOT EXISTS {PHOTOS_TABLE}_feature ON {PHOTOS_TABLE}(feature_id)")


def add_photo(con: sqlite3.Connection, row: dict, now: datetime) -> None:
    """Insert one photo; FeatureMissing (nothing written) if its feature is not addressable."""
    with immediate_transaction(con):
        ensure_record_tables(con, now)
        layer = str(row["layer"])
        if not _is_table(con, layer):
            raise FeatureMissing(layer)
        count = con.execute(
            f"SELECT count(*) FROM {_quote(layer)} WHERE id = ?", (row["feature_id"],)
        ).fetchone()[0]
        if count != 1:
            raise FeatureMissing(f"{layer}/{row['feature_id']}: {count}")
        con.execute(
            f"INSERT INTO {PHOTOS_TABLE} ({', '.join(PHOTO_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(PHOTO_COLUMNS))})",
            tuple(row[c] for c in PHOTO_COLUMNS),
        )


def update_photo(
    con: sqlite3.Connection, photo_id: str, now: datetime, *, public: bool | None, delete: bool
) -> int:
    """Delete a photo or change its public flag; returns the rows changed (0: not found)."""
    with immediate_transaction(con):
        ensure_record_tables(con, now)
        if delete:
            cursor = con.execute(f"DELETE FROM {PHOTOS_TABLE} WHERE photo_id = ?", (photo_id,))
        else:
            cursor = con.execute(
                f"UPDATE {PHOTOS_TABLE} SET public = ? WHERE photo_id = ?",
                (int(bool(public)), photo_id),
            )
    return cursor.rowcount


def add_interest(con: sqlite3.Connection, row: dict, now: datetime) -> None:
    with immediate_transaction(con):
        ensure_record_tables(con, now)
        values = {**row, "plot_ids": json.dumps(list(row["plot_ids"]), ensure_ascii=False)}
        con.execute(
            f"INSERT INTO {INTEREST_TABLE} ({', '.join(INTEREST_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(INTEREST_COLUMNS))})",
            tuple(values[c] for c in INTEREST_COLUMNS),
        )


def restore_photos(con: sqlite3.Connection, source: Path, now: datetime) -> None:
    """Make the photos of the file behind ``con`` (a restore's scratch copy) those of
    ``source`` (the backup): photos are backed up and restored with the data. A backup made
    before any photo existed restores to none. Interest leads are left alone."""
    con.execute("ATTACH DATABASE ? AS saved", (str(source),))  # not allowed inside BEGIN
    try:
        with immediate_transaction(con):
            ensure_record_tables(con, now)
            con.execute(f"DELETE FROM main.{PHOTOS_TABLE}")
            saved = con.execute(
                "SELECT 1 FROM saved.sqlite_master WHERE type = 'table' AND name = ?",
                (PHOTOS_TABLE,),
            ).fetchone()
            if saved:
                columns = ", ".join(PHOTO_COLUMNS)
                con.execute(
                    f"INSERT INTO main.{PHOTOS_TABLE} ({columns}) "
                    f"SELECT {columns} FROM saved.{PHOTOS_TABLE} ORDER BY fid"
                )
    finally:
        con.execute("DETACH DATABASE saved")


def load_records(
    con: sqlite3.Connection, photos: list[dict], leads: list[dict], now: datetime
) -> None:
    """``db copy`` into a new file: photos (bytes base64-encoded, in their order) and leads
    (with their ids, ``plot_ids`` as JSON text), inside the caller's transaction."""
    ensure_record_tables(con, now)
    con.executemany(
        f"INSERT INTO {PHOTOS_TABLE} ({', '.join(PHOTO_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(PHOTO_COLUMNS))})",
        [
            tuple(
                base64.b64decode(p[c]) if c in ("image", "thumbnail") else p[c]
                for c in PHOTO_COLUMNS
            )
            for p in photos
        ],
    )
    columns = ("fid", *INTEREST_COLUMNS)
    con.executemany(
        f"INSERT INTO {INTEREST_TABLE} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})",
        [tuple(lead[c] for c in columns) for lead in leads],
    )


def _is_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
