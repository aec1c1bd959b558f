"""Status updates written into the live GeoPackage with Python's sqlite3 (security.md §3.3).

Runs only inside the edit worker (``sqlite_worker``), a child process: the app reads the live
file with pyogrio, whose GDAL carries its own SQLite, and two SQLite libraries on one file in
one process do not see each other's locks (security.md D2). Across processes they do.

One call of ``apply_edits`` is one ``BEGIN IMMEDIATE`` transaction under the store's lock file:
the new values, the feature versions and the history rows are all written, or none are.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from landmap.layers import FieldKind, LayerSpec, get_layer
from landmap.progress.edits import (
    MILESTONE_PREFIX,
    FeatureEdit,
    FieldChange,
    editable_fields,
    stored_text,
)
from landmap.store.base import AppliedEdits, FeatureConflict

HISTORY_TABLE = "landmap_history"
MILESTONES_TABLE = "landmap_milestones"
VERSIONS_TABLE = "landmap_versions"
BUSY_TIMEOUT_S = 10.0

# Non-spatial tables (security.md D3: no R-tree triggers), registered as GeoPackage
# "attributes" so GDAL, QGIS and our own pyogrio reads list and read them.
_TABLE_SQL = {
    HISTORY_TABLE: f"""CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        change_id TEXT NOT NULL, layer TEXT NOT NULL, feature_id TEXT NOT NULL,
        field TEXT NOT NULL, old_value TEXT, new_value TEXT,
        changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, note TEXT, source TEXT NOT NULL)""",
    MILESTONES_TABLE: f"""CREATE TABLE IF NOT EXISTS {MILESTONES_TABLE} (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        layer TEXT NOT NULL, feature_id TEXT NOT NULL, target_status TEXT NOT NULL,
        due_date TEXT NOT NULL)""",
    VERSIONS_TABLE: f"""CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        layer TEXT NOT NULL, feature_id TEXT NOT NULL, version INTEGER NOT NULL)""",
}
# History is append-only: the database itself refuses to change or delete a row.
_HISTORY_GUARDS = (
    f"""CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_update BEFORE UPDATE ON {HISTORY_TABLE}
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_delete BEFORE DELETE ON {HISTORY_TABLE}
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
)
_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {HISTORY_TABLE}_feature ON {HISTORY_TABLE}(layer, feature_id)",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {MILESTONES_TABLE}_key "
    f"ON {MILESTONES_TABLE}(layer, feature_id, target_status)",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {VERSIONS_TABLE}_key "
    f"ON {VERSIONS_TABLE}(layer, feature_id)",
)
_SQL_TYPES = {
    FieldKind.DATE: "DATE",
    FieldKind.INT: "INTEGER",
    FieldKind.YEAR: "INTEGER",
    FieldKind.FLOAT: "REAL",
    FieldKind.PERCENT: "REAL",
    FieldKind.MONEY_WAN: "REAL",
}


class FeatureNotEditable(Exception):
    """The feature is missing, or its id is not unique in its table (so not addressable)."""

    def __init__(self, layer_id: str, feature_id: str, count: int) -> None:
        super().__init__(f"{layer_id}/{feature_id}: {count} rows")
        self.layer_id, self.feature_id, self.count = layer_id, feature_id, count


class EditsConflicted(Exception):
    def __init__(self, conflicts: list[FeatureConflict]) -> None:
        super().__init__(", ".join(c.feature_id for c in conflicts))
        self.conflicts = conflicts


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: autocommit, so BEGIN IMMEDIATE below is the only transaction.
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    _register_gpkg_functions(con)
    return con


@contextmanager
def immediate_transaction(con: sqlite3.Connection) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` transaction (the connection is in autocommit mode): committed
    when the block ends, rolled back on any exception, which goes on."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def create_attribute_tables(
    con: sqlite3.Connection, table_sql: Mapping[str, str], now: datetime
) -> None:
    """Create non-spatial tables (``CREATE TABLE IF NOT EXISTS`` statements by name) and
    register them as GeoPackage "attributes", inside the caller's transaction."""
    stamp = now.astimezone().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for table, sql in table_sql.items():
        con.execute(sql)
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
            "last_change) VALUES (?, 'attributes', ?, ?)",
            (table, table, stamp),
        )


def apply_edits(
    con: sqlite3.Connection,
    edits: Sequence[FeatureEdit],
    *,
    user: str,
    note: str,
    source: str,
    now: datetime,
) -> AppliedEdits:
    """Write ``edits`` and their history in one transaction; raise without writing anything.

    ``now`` is timezone-aware (Asia/Shanghai), so history reads in local time.
    """
    with immediate_transaction(con):
        ensure_tracking_tables(con, now)
        conflicts = [c for edit in edits if (c := _conflict(con, edit)) is not None]
        if conflicts:
            raise EditsConflicted(conflicts)
        change_ids: dict[str, str] = {}
        versions: dict[str, int] = {}
        rows = 0
        for edit in edits:
            change_id = uuid.uuid4().hex
            layer = get_layer(edit.layer_id)
            for change in edit.changes:
                _write_value(con, layer, edit.feature_id, change)
                con.execute(
                    f"INSERT INTO {HISTORY_TABLE} (change_id, layer, feature_id, field, "
                    "old_value, new_value, changed_by, changed_at, note, source) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        change_id,
                        edit.layer_id,
                        edit.feature_id,
                        change.field,
                        change.old,
                        change.new,
                        user,
                        now.isoformat(timespec="seconds"),
                        note,
                        source,
                    ),
                )
                rows += 1
            _touch_updated_at(con, layer, edit.feature_id, now)
            versions[edit.feature_id] = _bump_version(con, edit.layer_id, edit.feature_id)
            change_ids[edit.feature_id] = change_id
    return AppliedEdits(change_ids, versions, rows)


def ensure_tracking_tables(con: sqlite3.Connection, now: datetime) -> None:
    """Create the history, milestone and version tables on first use (inside the caller's
    transaction, so a failed first save leaves the file as it was)."""
    create_attribute_tables(con, _TABLE_SQL, now)
    for sql in (*_HISTORY_GUARDS, *_INDEXES):
        con.execute(sql)


def _conflict(con: sqlite3.Connection, edit: FeatureEdit) -> FeatureConflict | None:
    layer = get_layer(edit.layer_id)
    current = _current_values(con, layer, edit.feature_id, edit.changes)
    version = _version(con, edit.layer_id, edit.feature_id)
    stale = version != edit.expected_version or any(
        current.get(c.field) != c.old for c in edit.changes
    )
    if not stale:
        return None
    last = con.execute(
        f"SELECT changed_by, changed_at FROM {HISTORY_TABLE} WHERE layer=? AND feature_id=? "
        "ORDER BY fid DESC LIMIT 1",
        (edit.layer_id, edit.feature_id),
    ).fetchone()
    return FeatureConflict(
        edit.layer_id, edit.feature_id, version, current, *(last if last else ("", ""))
    )


def _current_values(
    con: sqlite3.Connection, layer: LayerSpec, feature_id: str, changes: Sequence[FieldChange]
) -> dict[str, str | None]:
    columns = _table_columns(con, layer.id)
    wanted = [f for f in editable_fields(layer) if f in columns]
    rows = con.execute(
        f"SELECT {', '.join(_quote(c) for c in wanted)} FROM {_quote(layer.id)} WHERE id = ?",
        (feature_id,),
    ).fetchall()
    if len(rows) != 1:
        raise FeatureNotEditable(layer.id, feature_id, len(rows))
    values: dict[str, str | None] = dict.fromkeys(editable_fields(layer))
    values.update({f: stored_text(layer, f, v) for f, v in zip(wanted, rows[0], strict=True)})
    for change in changes:
        if change.field.startswith(MILESTONE_PREFIX):
            values[change.field] = _milestone_due(con, layer.id, feature_id, change.field)
    return values


def _milestone_due(
    con: sqlite3.Connection, layer_id: str, feature_id: str, field: str
) -> str | None:
    row = con.execute(
        f"SELECT due_date FROM {MILESTONES_TABLE} WHERE layer=? AND feature_id=? "
        "AND target_status=?",
        (layer_id, feature_id, field.removeprefix(MILESTONE_PREFIX)),
    ).fetchone()
    return row[0] if row else None


def _write_value(
    con: sqlite3.Connection, layer: LayerSpec, feature_id: str, change: FieldChange
) -> None:
    if change.field.startswith(MILESTONE_PREFIX):
        target = change.field.removeprefix(MILESTONE_PREFIX)
        con.execute(
            f"DELETE FROM {MILESTONES_TABLE} WHERE layer=? AND feature_id=? AND target_status=?",
            (layer.id, feature_id, target),
        )
        if change.new is not None:
            con.execute(
                f"INSERT INTO {MILESTONES_TABLE} (layer, feature_id, target_status, due_date) "
                "VALUES (?,?,?,?)",
                (layer.id, feature_id, target, change.new),
            )
        return
    _ensure_column(con, layer, change.field)
    con.execute(
        f"UPDATE {_quote(layer.id)} SET {_quote(change.field)} = ? WHERE id = ?",
        (_sql_value(layer, change.field, change.new), feature_id),
    )


def _touch_updated_at(
    con: sqlite3.Connection, layer: LayerSpec, feature_id: str, now: datetime
) -> None:
    _ensure_column(con, layer, "updated_at")
    con.execute(
        f"UPDATE {_quote(layer.id)} SET updated_at = ? WHERE id = ?",
        (now.date().isoformat(), feature_id),
    )


def _bump_version(con: sqlite3.Connection, layer_id: str, feature_id: str) -> int:
    new_version = _version(con, layer_id, feature_id) + 1
    con.execute(
        f"INSERT INTO {VERSIONS_TABLE} (layer, feature_id, version) VALUES (?,?,?) "
        "ON CONFLICT(layer, feature_id) DO UPDATE SET version = excluded.version",
        (layer_id, feature_id, new_version),
    )
    return new_version


def _version(con: sqlite3.Connection, layer_id: str, feature_id: str) -> int:
    row = con.execute(
        f"SELECT version FROM {VERSIONS_TABLE} WHERE layer=? AND feature_id=?",
        (layer_id, feature_id),
    ).fetchone()
    return int(row[0]) if row else 0


def _ensure_column(con: sqlite3.Connection, layer: LayerSpec, key: str) -> None:
    """An imported table may lack a tracked column; the first edit adds it (typed)."""
    if key in _table_columns(con, layer.id):
        return
    spec = layer.field_spec(key)
    sql_type = _SQL_TYPES.get(spec.kind, "TEXT") if spec else "TEXT"
    con.execute(f"ALTER TABLE {_quote(layer.id)} ADD COLUMN {_quote(key)} {sql_type}")


def _table_columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in con.execute(f"PRAGMA table_info({_quote(table)})")}


def _sql_value(layer: LayerSpec, key: str, value: str | None) -> object:
    if value is None:
        return None
    spec = layer.field_spec(key)
    if spec is not None and spec.kind in (FieldKind.INT, FieldKind.YEAR):
        return int(float(value))
    if spec is not None and spec.kind in (
        FieldKind.FLOAT,
        FieldKind.PERCENT,
        FieldKind.MONEY_WAN,
    ):
        return float(value)
    return value


def _quote(identifier: str) -> str:
    # Identifiers come from the registry, never from a user; quoted all the same.
    return '"' + identifier.replace('"', '""') + '"'


# --- GeoPackage functions GDAL's R-tree triggers call (security.md D3) -----------------------

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _register_gpkg_functions(con: sqlite3.Connection) -> None:
    """Files written by older GDAL versions fire R-tree triggers on every UPDATE, and those
    call ST_IsEmpty/ST_MinX…; without them an attribute update fails ("no such function")."""
    con.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for name, index in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        con.create_function(name, 1, lambda blob, i=index: _bound(blob, i), deterministic=True)


def _header(blob: bytes | None) -> tuple[int, int] | None:
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    return (flags >> 4) & 1, 8 + _ENVELOPE_BYTES.get((flags >> 1) & 7, 0)


def _geometry(blob: bytes | None):
    header = _header(blob)
    if header is None or blob is None:
        return None
    import shapely  # only files from old GDAL versions get here

    return shapely.from_wkb(bytes(blob[header[1] :]))


def _st_is_empty(blob: bytes | None) -> int | None:
    header = _header(blob)
    if header is None:
        return None
    geometry = _geometry(blob)
    return int(bool(header[0]) or geometry is None or geometry.is_empty)


def _bound(blob: bytes | None, index: int) -> float | None:
    geometry = _geometry(blob)
    if geometry is None or geometry.is_empty:
        return None
    return float(geometry.bounds[index])
