"""The PostGIS store: the same reading and editing promises as ``GpkgStore``, on a server.

One connection per operation (psycopg 3; a shared pool comes with the app's use of it). An
edit batch is one transaction: each feature's row is locked (``SELECT … FOR UPDATE``, in a
fixed order so two batches cannot deadlock), its version and the values the editor saw are
compared, and the values, one history row per field and the version bump are written together,
the bump itself guarded by ``WHERE version = expected`` — or nothing is written at all.

Table names come from the layer registry only (``sql.Identifier``); values are parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from landmap.clock import SHANGHAI
from landmap.edits import MILESTONE_PREFIX, FeatureEdit, FieldChange, editable_fields, stored_text
from landmap.layers import LAYER_BY_ID, LAYERS, FieldKind, LayerSpec, get_layer
from landmap.store.base import (
    AppliedEdits,
    EditConflict,
    FeatureConflict,
    FeatureNotFound,
    StoreError,
    TableMissingError,
)
from landmap.store.gpkg import HISTORY_COLUMNS, MILESTONE_COLUMNS
from landmap.store.gpkg_sql import HISTORY_TABLE, MILESTONES_TABLE, VERSIONS_TABLE
from landmap.store.postgis_layers import read_layer_table, table_columns, table_exists
from landmap.store.postgis_schema import CHANGES_TABLE, SCHEMA_VERSION, schema_version

CONNECT_TIMEOUT_S = 10
TRACKING_TABLES = (HISTORY_TABLE, MILESTONES_TABLE, VERSIONS_TABLE)
# The type of a column an edit adds to an imported table that lacks it (as gpkg_sql does).
_SQL_TYPES = {
    FieldKind.DATE: "date",
    FieldKind.INT: "bigint",
    FieldKind.YEAR: "bigint",
    FieldKind.FLOAT: "double precision",
    FieldKind.PERCENT: "double precision",
    FieldKind.MONEY_WAN: "double precision",
}


class PostgisStore:
    """A PostgreSQL database with PostGIS and the landmap schema (``db init``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def source_name(self) -> str:
        # The database's name only: the URL may carry a password.
        try:
            params = conninfo_to_dict(self.url)
        except psycopg.ProgrammingError:
            return "PostGIS"
        return f"PostGIS {params.get('dbname') or params.get('user') or ''}".strip()

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """A connection for one operation; a server that cannot be reached is a StoreError."""
        try:
            con = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:
            raise StoreError(self.source_name, f"cannot connect: {_first_line(exc)}") from None
        try:
            with con:  # commits on success, rolls back on an exception
                yield con
        except psycopg.OperationalError as exc:
            raise StoreError(self.source_name, f"connection lost: {_first_line(exc)}") from exc
        except psycopg.Error as exc:  # rolled back: nothing of the operation was written
            raise StoreError(self.source_name, _first_line(exc)) from exc

    # --- reading --------------------------------------------------------------------------

    def version(self) -> str:
        with self.connect() as con:
            if schema_version(con) == 0:
                return "empty"
            row = con.execute(f"SELECT counter FROM {CHANGES_TABLE}").fetchone()
        return f"pg-{row[0] if row else 0}"

    def layer_names(self) -> list[str]:
        """The registry layers this database holds a table for, in registry order."""
        with self.connect() as con:
            return [layer.id for layer in LAYERS if table_exists(con, layer.id)]

    def read_table(self, table: str) -> gpd.GeoDataFrame:
        if table not in LAYER_BY_ID and table not in TRACKING_TABLES:
            raise TableMissingError(self.source_name, f"no table {table!r}")
        with self.connect() as con:
            if not table_exists(con, table):
                raise TableMissingError(self.source_name, f"no table {table!r}")
            if table in TRACKING_TABLES:
                return _frame(
                    con, sql.SQL("SELECT * FROM {} ORDER BY fid").format(sql.Identifier(table))
                ).drop(columns="fid")
            return read_layer_table(con, table)

    def feature_versions(self, layer_id: str) -> dict[str, int]:
        return self.versions_by_layer([layer_id])[layer_id]

    def versions_by_layer(self, layer_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        wanted = list(layer_ids)
        versions: dict[str, dict[str, int]] = {layer_id: {} for layer_id in wanted}
        with self.connect() as con:
            if not table_exists(con, VERSIONS_TABLE):
                return versions
            rows = con.execute(
                f"SELECT layer, feature_id, version FROM {VERSIONS_TABLE} "
                "WHERE layer = ANY(%s) ORDER BY fid",
                (wanted,),
            ).fetchall()
        for layer_id, feature_id, version in rows:
            versions[layer_id][str(feature_id)] = int(version)
        return versions

    def history(self, feature_id: str | None = None) -> pd.DataFrame:
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY fid").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in HISTORY_COLUMNS),
            sql.Identifier(HISTORY_TABLE),
            sql.SQL("WHERE feature_id = %s" if feature_id is not None else ""),
        )
        with self.connect() as con:
            if not table_exists(con, HISTORY_TABLE):
                return pd.DataFrame(columns=HISTORY_COLUMNS)
            frame = _frame(con, query, () if feature_id is None else (feature_id,))
        frame["fid"] = frame["fid"].astype("int64")
        return frame

    def milestones(self) -> pd.DataFrame:
        query = sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in MILESTONE_COLUMNS),
            sql.Identifier(MILESTONES_TABLE),
        )
        with self.connect() as con:
            if not table_exists(con, MILESTONES_TABLE):
                return pd.DataFrame(columns=MILESTONE_COLUMNS)
            return _frame(con, query)

    # --- status updates -------------------------------------------------------------------

    def apply_edits(
        self, edits: Sequence[FeatureEdit], *, user: str, note: str, source: str
    ) -> AppliedEdits:
        """Apply ``edits`` with their history in one transaction, or raise having written
        nothing: EditConflict, FeatureNotFound, or StoreError (server unreachable, …)."""
        if not edits:
            return AppliedEdits()
        now = datetime.now(SHANGHAI)
        with self.connect() as con:
            self._require_schema(con)
            # Lock rows in one order: two overlapping batches wait for each other, never
            # deadlock.
            order = sorted(
                range(len(edits)), key=lambda i: (edits[i].layer_id, edits[i].feature_id)
            )
            conflicts: dict[int, FeatureConflict] = {}
            for i in order:
                try:
                    conflict = _conflict(con, edits[i])
                except FeatureNotFound as exc:
                    raise FeatureNotFound(
                        self.source_name, exc.layer_id, exc.feature_id, exc.count
                    ) from None
                if conflict is not None:
                    conflicts[i] = conflict
            if conflicts:
                con.rollback()
                raise EditConflict(self.source_name, [conflicts[i] for i in sorted(conflicts)])
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
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
                _set_column(con, layer, edit.feature_id, "updated_at", now.date().isoformat())
                new_version = _bump_version(con, edit)
                if new_version is None:  # cannot happen under the row lock; refuse all the same
                    con.rollback()
                    raise EditConflict(self.source_name, [_conflict(con, edit) or _blank(edit)])
                versions[edit.feature_id] = new_version
                change_ids[edit.feature_id] = change_id
        return AppliedEdits(change_ids, versions, rows)

    def _require_schema(self, con: psycopg.Connection) -> None:
        found = schema_version(con)
        if found != SCHEMA_VERSION:
            raise StoreError(
                self.source_name,
                f"schema version {found}, this app needs {SCHEMA_VERSION} "
                "(python -m landmap db init)",
            )


# --- helpers (inside the caller's transaction) -------------------------------------------


def _frame(
    con: psycopg.Connection, query: sql.Composable, params: Sequence[object] = ()
) -> pd.DataFrame:
    with con.cursor() as cur:
        cur.execute(query, params)
        names = [d.name for d in cur.description or []]
        rows = cur.fetchall()
    return pd.DataFrame([list(r) for r in rows], columns=names, dtype=object)


def _conflict(con: psycopg.Connection, edit: FeatureEdit) -> FeatureConflict | None:
    layer = get_layer(edit.layer_id)
    current = _current_values(con, layer, edit.feature_id, edit.changes)
    version = _version(con, edit.layer_id, edit.feature_id)
    stale = version != edit.expected_version or any(
        current.get(c.field) != c.old for c in edit.changes
    )
    if not stale:
        return None
    last = con.execute(
        f"SELECT changed_by, changed_at FROM {HISTORY_TABLE} WHERE layer = %s AND feature_id = %s "
        "ORDER BY fid DESC LIMIT 1",
        (edit.layer_id, edit.feature_id),
    ).fetchone()
    return FeatureConflict(
        edit.layer_id, edit.feature_id, version, current, *(last if last else ("", ""))
    )


def _blank(edit: FeatureEdit) -> FeatureConflict:
    return FeatureConflict(edit.layer_id, edit.feature_id, -1, {})


def _current_values(
    con: psycopg.Connection, layer: LayerSpec, feature_id: str, changes: Sequence[FieldChange]
) -> dict[str, str | None]:
    """The feature's editable values, its row locked until the transaction ends."""
    columns = table_columns(con, layer.id)
    if not columns:
        raise FeatureNotFound(f"PostGIS {layer.id}", layer.id, feature_id, 0)
    wanted = [f for f in editable_fields(layer) if f in columns]
    rows = con.execute(
        sql.SQL("SELECT {} FROM {} WHERE id = %s FOR UPDATE").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in wanted) if wanted else sql.SQL("1"),
            sql.Identifier(layer.id),
        ),
        (feature_id,),
    ).fetchall()
    if len(rows) != 1:
        raise FeatureNotFound("PostGIS", layer.id, feature_id, len(rows))
    values: dict[str, str | None] = dict.fromkeys(editable_fields(layer))
    if wanted:
        values.update({f: stored_text(layer, f, v) for f, v in zip(wanted, rows[0], strict=True)})
    for change in changes:
        if change.field.startswith(MILESTONE_PREFIX):
            row = con.execute(
                f"SELECT due_date FROM {MILESTONES_TABLE} WHERE layer = %s AND feature_id = %s "
                "AND target_status = %s",
                (layer.id, feature_id, change.field.removeprefix(MILESTONE_PREFIX)),
            ).fetchone()
            values[change.field] = row[0] if row else None
    return values


def _version(con: psycopg.Connection, layer_id: str, feature_id: str) -> int:
    row = con.execute(
        f"SELECT version FROM {VERSIONS_TABLE} WHERE layer = %s AND feature_id = %s",
        (layer_id, feature_id),
    ).fetchone()
    return int(row[0]) if row else 0


def _bump_version(con: psycopg.Connection, edit: FeatureEdit) -> int | None:
    """The optimistic check written into the bump: None if the version moved meanwhile."""
    if edit.expected_version == 0:
        row = con.execute(
            f"INSERT INTO {VERSIONS_TABLE} (layer, feature_id, version) VALUES (%s, %s, 1) "
            "ON CONFLICT (layer, feature_id) DO UPDATE SET version = 1 "
            f"WHERE {VERSIONS_TABLE}.version = 0 RETURNING version",
            (edit.layer_id, edit.feature_id),
        ).fetchone()
    else:
        row = con.execute(
            f"UPDATE {VERSIONS_TABLE} SET version = version + 1 "
            "WHERE layer = %s AND feature_id = %s AND version = %s RETURNING version",
            (edit.layer_id, edit.feature_id, edit.expected_version),
        ).fetchone()
    return int(row[0]) if row else None


def _write_value(
    con: psycopg.Connection, layer: LayerSpec, feature_id: str, change: FieldChange
) -> None:
    if change.field.startswith(MILESTONE_PREFIX):
        target = change.field.removeprefix(MILESTONE_PREFIX)
        con.execute(
            f"DELETE FROM {MILESTONES_TABLE} WHERE layer = %s AND feature_id = %s "
            "AND target_status = %s",
            (layer.id, feature_id, target),
        )
        if change.new is not None:
            con.execute(
                f"INSERT INTO {MILESTONES_TABLE} (layer, feature_id, target_status, due_date) "
                "VALUES (%s, %s, %s, %s)",
                (layer.id, feature_id, target, change.new),
            )
        return
    _set_column(con, layer, feature_id, change.field, change.new)


def _set_column(
    con: psycopg.Connection, layer: LayerSpec, feature_id: str, key: str, text: str | None
) -> None:
    """Write canonical ``text`` into ``key``, converted to the column's type; an imported
    table that lacks a tracked column gets it (typed from the registry) on its first edit."""
    columns = table_columns(con, layer.id)
    if key not in columns:
        spec = layer.field_spec(key)
        kind = _SQL_TYPES.get(spec.kind, "text") if spec else "text"
        con.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                sql.Identifier(layer.id), sql.Identifier(key), sql.SQL(kind)
            )
        )
        columns[key] = kind
    con.execute(
        sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(
            sql.Identifier(layer.id), sql.Identifier(key)
        ),
        (_typed(text, columns[key]), feature_id),
    )


def _typed(text: str | None, data_type: str) -> object:
    if text is None:
        return None
    if data_type in ("bigint", "integer", "smallint"):
        return int(float(text))
    if data_type in ("double precision", "real", "numeric"):
        return float(text)
    if data_type == "date":
        return date.fromisoformat(text[:10])
    if data_type.startswith("timestamp"):
        return datetime.fromisoformat(text)
    if data_type == "boolean":
        return text.strip().lower() in ("1", "true", "yes")
    return text


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
