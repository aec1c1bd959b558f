"""Copy a whole store between a GeoPackage and PostGIS (``python -m landmap db copy``).

What travels: every registry layer (columns, values, geometries, row order), the history (with
its row ids), the milestones, the feature versions, the photos (bytes, flags, order) and the
investors' leads (with their ids). The target must be empty — history is append-only, so a
copy never merges into or overwrites someone's records — and is written in one go: one
transaction on PostGIS, a scratch file renamed into place for a GeoPackage. Backups do not
travel (a GeoPackage keeps them as files beside it, PostGIS in its own tables): the copy is
the store as it is now, and the target's first backup is made by its first change.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import psycopg
import pyogrio
from psycopg import sql

from landmap.clock import SHANGHAI
from landmap.layers import LAYERS
from landmap.store.base import StoreError
from landmap.store.gpkg import HISTORY_COLUMNS, GpkgStore
from landmap.store.gpkg_sql import HISTORY_TABLE, MILESTONES_TABLE, VERSIONS_TABLE
from landmap.store.postgis import PostgisStore
from landmap.store.postgis_layers import create_layer_table, insert_query, table_exists
from landmap.store.postgis_schema import init_schema
from landmap.store.records_sql import (
    INTEREST_COLUMNS,
    INTEREST_TABLE,
    PHOTO_COLUMNS,
    PHOTOS_TABLE,
)


class CopyRefused(Exception):
    """The copy was not started: the reason, for the user (zh and en)."""


@dataclass(frozen=True)
class CopyReport:
    layers: dict[str, int]  # layer id -> features copied
    history_rows: int
    milestones: int
    versions: int
    photos: int = 0
    leads: int = 0


@dataclass(frozen=True)
class Records:
    """Photos and leads as stored: one dict per row, in row order (leads with their fid)."""

    photos: list[dict]
    leads: list[dict]


def is_database_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str) -> GpkgStore | PostgisStore:
    return PostgisStore(target) if is_database_url(target) else GpkgStore(Path(target))


def copy_store(source: GpkgStore | PostgisStore, target: GpkgStore | PostgisStore) -> CopyReport:
    """Copy everything of ``source`` into the empty ``target``; CopyRefused or StoreError
    leave the target as it was."""
    layers = _layer_ids(source)
    frames = {layer_id: source.read_table(layer_id) for layer_id in layers}
    history = source.history()[list(HISTORY_COLUMNS)]
    milestones = source.milestones()
    versions = source.versions_by_layer(layer.id for layer in LAYERS)
    records = _read_records(source)
    if isinstance(target, PostgisStore):
        _into_postgis(target, frames, history, milestones, versions, records)
    else:
        _into_gpkg(target, frames, history, milestones, versions, records)
    return CopyReport(
        {k: len(v) for k, v in frames.items()},
        len(history),
        len(milestones),
        sum(len(v) for v in versions.values()),
        len(records.photos),
        len(records.leads),
    )


def _layer_ids(store: GpkgStore | PostgisStore) -> list[str]:
    if isinstance(store, PostgisStore):
        return store.layer_names()
    names = set(store.tables())
    return [layer.id for layer in LAYERS if layer.id in names]


def _read_records(store: GpkgStore | PostgisStore) -> Records:
    """Every photo (with its bytes) and lead of ``store``, in row order."""
    if isinstance(store, PostgisStore):
        with store.connect() as con:
            if not table_exists(con, PHOTOS_TABLE):
                return Records([], [])
            photos = _dict_rows(con, PHOTOS_TABLE, PHOTO_COLUMNS)
            leads = _dict_rows(con, INTEREST_TABLE, ("fid", *INTEREST_COLUMNS))
    else:
        names = set(store.tables())
        photos = _gpkg_rows(store, PHOTOS_TABLE, PHOTO_COLUMNS) if PHOTOS_TABLE in names else []
        leads = (
            _gpkg_rows(store, INTEREST_TABLE, INTEREST_COLUMNS) if INTEREST_TABLE in names else []
        )
    for photo in photos:
        photo["public"] = bool(photo["public"])
        photo["image"], photo["thumbnail"] = bytes(photo["image"]), bytes(photo["thumbnail"])
    return Records(photos, leads)


def _dict_rows(con: psycopg.Connection, table: str, columns: tuple[str, ...]) -> list[dict]:
    rows = con.execute(
        sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(table)
        )
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _gpkg_rows(store: GpkgStore, table: str, columns: tuple[str, ...]) -> list[dict]:
    frame = pyogrio.read_dataframe(
        store.path, layer=table, columns=list(columns), read_geometry=False, fid_as_index=True
    )
    frame = frame.sort_index().rename_axis("fid").reset_index()
    return [
        dict(zip(frame.columns, _plain(row), strict=True)) for row in frame.itertuples(index=False)
    ]


def _into_postgis(
    target: PostgisStore,
    frames: dict[str, pd.DataFrame],
    history: pd.DataFrame,
    milestones: pd.DataFrame,
    versions: dict[str, dict[str, int]],
    records: Records,
) -> None:
    with target.connect() as con:
        init_schema(con)
        with con.transaction():
            _require_empty_database(con, target.source_name)
            for layer_id, frame in frames.items():
                create_layer_table(con, layer_id, frame)  # type: ignore[arg-type]
            with con.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {HISTORY_TABLE} (fid, change_id, layer, feature_id, field, "
                    "old_value, new_value, changed_by, changed_at, note, source) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [_plain(row) for row in history.itertuples(index=False)],
                )
                cur.executemany(
                    f"INSERT INTO {MILESTONES_TABLE} (layer, feature_id, target_status, due_date) "
                    "VALUES (%s, %s, %s, %s)",
                    [_plain(row) for row in milestones.itertuples(index=False)],
                )
                cur.executemany(
                    f"INSERT INTO {VERSIONS_TABLE} (layer, feature_id, version) "
                    "VALUES (%s, %s, %s)",
                    [
                        (layer, fid, v)
                        for layer, by_id in versions.items()
                        for fid, v in by_id.items()
                    ],
                )
                cur.executemany(
                    insert_query(PHOTOS_TABLE, PHOTO_COLUMNS),
                    [[photo[c] for c in PHOTO_COLUMNS] for photo in records.photos],
                )
                lead_columns = ("fid", *INTEREST_COLUMNS)
                cur.executemany(
                    insert_query(INTEREST_TABLE, lead_columns),
                    [[lead[c] for c in lead_columns] for lead in records.leads],
                )
            # New history rows and leads continue after the copied ones.
            for table in (HISTORY_TABLE, INTEREST_TABLE):
                con.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'fid'), "
                    f"coalesce((SELECT max(fid) FROM {table}), 0) + 1, false)"
                )


def _require_empty_database(con: psycopg.Connection, name: str) -> None:
    held = [layer.id for layer in LAYERS if table_exists(con, layer.id)]
    row = con.execute(
        f"SELECT (SELECT count(*) FROM {HISTORY_TABLE}) + (SELECT count(*) FROM {PHOTOS_TABLE})"
        f" + (SELECT count(*) FROM {INTEREST_TABLE})"
    ).fetchone()
    if held or (row and row[0]):
        raise CopyRefused(
            f"{name} 已有数据，只能复制到空数据库 / {name} already holds data "
            f"({', '.join(held) or 'history, photos or leads'}); copy into an empty database"
        )


def _into_gpkg(
    target: GpkgStore,
    frames: dict[str, pd.DataFrame],
    history: pd.DataFrame,
    milestones: pd.DataFrame,
    versions: dict[str, dict[str, int]],
    records: Records,
) -> None:
    if target.path.exists():
        raise CopyRefused(f"{target.path} 已存在 / {target.path} exists already; name a new file")
    target.path.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.path.with_name(f".{target.path.stem}.copy.tmp.gpkg")
    scratch.unlink(missing_ok=True)
    try:
        for layer_id, frame in frames.items():
            pyogrio.write_dataframe(frame, scratch, layer=layer_id, driver="GPKG")
        request = {
            "op": "load_tracking",
            "path": str(scratch),
            "now": datetime.now(SHANGHAI).isoformat(),
            "history": [_plain(r) for r in history.itertuples(index=False)],
            "milestones": [_plain(r) for r in milestones.itertuples(index=False)],
            "versions": [
                [lay, fid, v] for lay, by_id in versions.items() for fid, v in by_id.items()
            ],
            "photos": [
                {
                    **photo,
                    "public": int(photo["public"]),
                    "image": base64.b64encode(photo["image"]).decode("ascii"),
                    "thumbnail": base64.b64encode(photo["thumbnail"]).decode("ascii"),
                }
                for photo in records.photos
            ],
            "interest": records.leads,
        }
        _run_worker(request, target.source_name)
        os.replace(scratch, target.path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def _run_worker(request: dict, source_name: str) -> None:
    # The tracking tables (with their append-only triggers) are made by gpkg_sql, which only
    # the edit worker process runs (security.md D2).
    done = subprocess.run(
        [sys.executable, "-m", "landmap.store.sqlite_worker"],
        input=json.dumps(request, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    answer = json.loads(done.stdout) if done.returncode == 0 else {}
    if not answer.get("ok"):
        raise StoreError(source_name, str(answer.get("detail") or done.stderr.strip()[-500:]))


def _plain(row: tuple) -> list[object]:
    """Row values as plain Python (numpy ints to int, NaN to None) for psycopg and JSON."""
    out: list[object] = []
    for value in row:
        if value is None or (isinstance(value, float) and value != value):
            out.append(None)
        elif hasattr(value, "item"):
            out.append(value.item())
        else:
            out.append(value)
    return out
