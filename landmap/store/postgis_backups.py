"""Backups of the PostGIS store, kept in the database itself (schema v2).

Format: rows, not a snapshot table per backup. ``landmap_backups`` holds one row per backup
(the ``Backup`` facts); ``landmap_backup_layers`` the column names and types of each layer as
it was; ``landmap_backup_rows`` each feature as ``jsonb`` (``to_jsonb`` of the row) plus its
geometry as it was; ``landmap_backup_photos`` the photos of the time. Why rows:

- saving and restoring are plain INSERT/SELECT, so the app's least-privilege role can back up
  without the right to create tables, and the backups are append-only for it (no UPDATE or
  DELETE granted): nobody working through the app can erase a backup;
- a backup is made, and a failed change drops it, in the change's own transaction;
- ``jsonb_populate_record`` turns a saved row back into the typed row of the table as it was
  (numbers exact: PostgreSQL writes floats in their shortest exact form, dates and times in
  ISO form, bytes as hex).

Like the GeoPackage's copy of the whole file, a backup holds every layer and the photos;
history, milestones, versions and investors' leads are records and are never rolled back.
All functions work inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from landmap.clock import SHANGHAI
from landmap.layers import LAYERS
from landmap.store.base import Backup
from landmap.store.postgis_layers import (
    GEOMETRY_COLUMN,
    create_empty_layer_table,
    table_columns,
    table_exists,
)
from landmap.store.records_sql import PHOTO_COLUMNS

# The column types a restore may create (information_schema names -> SQL), nothing else.
_RESTORABLE_TYPES = {
    "bigint": "bigint",
    "integer": "integer",
    "smallint": "smallint",
    "double precision": "double precision",
    "real": "real",
    "numeric": "numeric",
    "boolean": "boolean",
    "text": "text",
    "character varying": "text",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "bytea": "bytea",
}


def save_backup(con: psycopg.Connection, backup: Backup) -> bool:
    """Save every registry layer and the photos under ``backup``; False (nothing saved) when
    the database holds no layer yet, as the GeoPackage keeps no backup of a missing file."""
    layers = [layer.id for layer in LAYERS if table_exists(con, layer.id)]
    if not layers:
        return False
    con.execute(
        "INSERT INTO landmap_backups (backup_id, created_at, layer_id, action, note, user_name) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (backup.id, backup.created_at, backup.layer_id, backup.action, backup.note, backup.user),
    )
    for layer_id in layers:
        columns = _data_columns(con, layer_id)
        con.execute(
            "INSERT INTO landmap_backup_layers (backup_id, layer, columns) VALUES (%s, %s, %s)",
            (backup.id, layer_id, Jsonb([[name, kind] for name, kind in columns.items()])),
        )
        fields = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        con.execute(
            sql.SQL(
                "INSERT INTO landmap_backup_rows (backup_id, layer, fid, properties, geom) "
                "SELECT %s, %s, t.fid, to_jsonb(s), t.{geom} FROM {table} t "
                "CROSS JOIN LATERAL (SELECT {fields}) s"
            ).format(
                geom=sql.Identifier(GEOMETRY_COLUMN),
                table=sql.Identifier(layer_id),
                fields=fields if columns else sql.SQL("NULL AS nothing"),
            ),
            (backup.id, layer_id),
        )
    photo_columns = sql.SQL(", ").join(sql.Identifier(c) for c in PHOTO_COLUMNS)
    con.execute(
        sql.SQL(
            "INSERT INTO landmap_backup_photos (backup_id, fid, {cols}) "
            "SELECT %s, fid, {cols} FROM landmap_photos"
        ).format(cols=photo_columns),
        (backup.id,),
    )
    return True


def list_backups(con: psycopg.Connection) -> list[Backup]:
    """Every backup, newest first (times in Asia/Shanghai, as the GeoPackage store gives)."""
    rows = con.execute(
        "SELECT backup_id, created_at, layer_id, action, note, user_name FROM landmap_backups "
        "ORDER BY created_at DESC, backup_id DESC"
    ).fetchall()
    return [
        Backup(
            id=str(backup_id),
            created_at=_shanghai(created_at),
            layer_id=str(layer_id),
            action=str(action),
            note=str(note),
            user=str(user),
        )
        for backup_id, created_at, layer_id, action, note, user in rows
    ]


def backup_exists(con: psycopg.Connection, backup_id: str) -> bool:
    row = con.execute("SELECT 1 FROM landmap_backups WHERE backup_id = %s", (backup_id,)).fetchone()
    return row is not None


def saved_layers(con: psycopg.Connection, backup_id: str) -> list[str]:
    """The layers ``backup_id`` holds, in registry order."""
    rows = con.execute(
        "SELECT layer FROM landmap_backup_layers WHERE backup_id = %s", (backup_id,)
    ).fetchall()
    held = {str(r[0]) for r in rows}
    return [layer.id for layer in LAYERS if layer.id in held]


def restore_layer(con: psycopg.Connection, backup_id: str, layer_id: str) -> None:
    """Make ``layer_id`` what ``backup_id`` saved: its columns (the table is made anew only
    when they differ from today's, which needs the owner's right) and its rows, in order."""
    row = con.execute(
        "SELECT columns FROM landmap_backup_layers WHERE backup_id = %s AND layer = %s",
        (backup_id, layer_id),
    ).fetchone()
    saved = [(str(name), str(kind)) for name, kind in (row[0] if row else [])]
    if list(_data_columns(con, layer_id).items()) == saved:
        con.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(layer_id)))
    else:
        create_empty_layer_table(
            con, layer_id, [(name, _RESTORABLE_TYPES.get(kind, "text")) for name, kind in saved]
        )
    names = [name for name, _ in saved]
    con.execute(
        sql.SQL(
            "INSERT INTO {table} ({targets}) "
            "SELECT {values} FROM (SELECT jsonb_populate_record(NULL::{table}, properties) AS r, "
            "geom, fid FROM landmap_backup_rows WHERE backup_id = %s AND layer = %s) b "
            "ORDER BY b.fid"
        ).format(
            table=sql.Identifier(layer_id),
            targets=sql.SQL(", ").join(sql.Identifier(c) for c in [*names, GEOMETRY_COLUMN]),
            values=sql.SQL(", ").join(
                [sql.SQL("(b.r).{}").format(sql.Identifier(c)) for c in names] + [sql.SQL("b.geom")]
            ),
        ),
        (backup_id, layer_id),
    )


def restore_photos(con: psycopg.Connection, backup_id: str) -> None:
    """The photos become those of the backup (photos are data, restored with the layers)."""
    con.execute("DELETE FROM landmap_photos")
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in PHOTO_COLUMNS)
    con.execute(
        sql.SQL(
            "INSERT INTO landmap_photos ({cols}) SELECT {cols} FROM landmap_backup_photos "
            "WHERE backup_id = %s ORDER BY fid"
        ).format(cols=columns),
        (backup_id,),
    )


def _data_columns(con: psycopg.Connection, table: str) -> dict[str, str]:
    columns = table_columns(con, table)
    columns.pop("fid", None)
    columns.pop(GEOMETRY_COLUMN, None)
    return columns


def _shanghai(value: datetime) -> datetime:
    return value.astimezone(SHANGHAI)
