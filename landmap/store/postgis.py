"""The PostGIS store: the same reading and editing promises as ``GpkgStore``, on a server.

Connections come from one pool per database URL, shared by every store object of the process
(``postgis_pool``); a server that is down or restarting is a ``StoreError`` with a one-line
reason, and the same store object works again once the server is back.

An edit batch is one transaction: each feature's row is locked (``SELECT … FOR UPDATE``, in a
fixed order so two batches cannot deadlock), its version and the values the editor saw are
compared, and the values, one history row per field and the version bump are written together,
the bump itself guarded by ``WHERE version = expected`` — or nothing is written at all.

Whole-layer writes (imports) and restores are one transaction each, after a backup saved in
the same transaction (``postgis_backups``). Two advisory locks order the writers: an import or
restore must get the import lock at once (a second import is refused, not queued behind the
first) and then holds the data lock alone; edits and photo writes share the data lock, so an
import waits for the edits in flight and then sees their version, and vice versa.

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
from psycopg_pool import PoolTimeout

from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID, LAYERS, FieldKind, LayerSpec, get_layer
from landmap.progress.edits import (
    MILESTONE_PREFIX,
    FeatureEdit,
    FieldChange,
    editable_fields,
    stored_text,
)
from landmap.progress.history import history_rows, layer_value_changes
from landmap.store import postgis_backups
from landmap.store.base import (
    AppliedEdits,
    Backup,
    EditConflict,
    FeatureConflict,
    FeatureNotFound,
    StoreConflict,
    StoreError,
    TableMissingError,
    new_backup,
)
from landmap.store.filelock import LOCK_TIMEOUT_S
from landmap.store.gpkg import HISTORY_COLUMNS, MILESTONE_COLUMNS
from landmap.store.gpkg_sql import HISTORY_TABLE, MILESTONES_TABLE, VERSIONS_TABLE
from landmap.store.postgis_layers import (
    insert_query,
    read_layer_table,
    replace_layer_table,
    table_columns,
    table_exists,
)
from landmap.store.postgis_pool import POOL_TIMEOUT_S, shared_pool
from landmap.store.postgis_records import PostgisRecords
from landmap.store.postgis_schema import CHANGES_TABLE, SCHEMA_VERSION, schema_version

# Transaction-level advisory lock keys ("lm_imp", "lm_dat" in ASCII), per database.
IMPORT_LOCK = 0x6C6D5F696D70
DATA_LOCK = 0x6C6D5F646174
IMPORT_BUSY = (
    "另一个导入或恢复正在进行，请稍后再试 / another import or restore is in progress; "
    "please try again when it has finished"
)
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


class PostgisStore(PostgisRecords):
    """A PostgreSQL database with PostGIS and the landmap schema (``db init``). Photos and
    interest leads live in two tables of the same database (``PostgisRecords``)."""

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
        """A pooled connection for one operation (one transaction: committed when the block
        ends, rolled back on an exception). A server that cannot be reached, or goes away
        meanwhile, is a StoreError; a lock waited for too long is a StoreConflict."""
        pool = shared_pool(self.url, self.source_name)
        try:
            with pool.connection() as con:
                yield con
        except PoolTimeout:
            raise StoreError(
                self.source_name, f"cannot connect: {self._why_unreachable()}"
            ) from None
        except psycopg.errors.LockNotAvailable:
            raise StoreConflict(self.source_name, "another change is in progress") from None
        except psycopg.OperationalError as exc:
            raise StoreError(self.source_name, f"connection lost: {_first_line(exc)}") from None
        except psycopg.Error as exc:  # rolled back: nothing of the operation was written
            raise StoreError(self.source_name, _first_line(exc)) from exc

    def _why_unreachable(self) -> str:
        """The server's own reason (refused, unknown database, …), asked once directly."""
        try:
            psycopg.connect(self.url, connect_timeout=2).close()
        except psycopg.Error as exc:
            return _first_line(exc)
        return f"the database is busy (no free connection within {POOL_TIMEOUT_S:g} s)"

    @contextmanager
    def _writing(self) -> Iterator[psycopg.Connection]:
        """A connection for an edit or a photo write: schema checked, the data lock shared
        (waiting at most LOCK_TIMEOUT_S for an import to finish)."""
        with self.connect() as con:
            self._require_schema(con)
            _lock_timeout(con)
            con.execute("SELECT pg_advisory_xact_lock_shared(%s)", (DATA_LOCK,))
            yield con

    @contextmanager
    def _replacing(self, expected_version: str) -> Iterator[psycopg.Connection]:
        """A connection for an import or a restore: the only one running (a second is refused
        at once), alone on the data, and the store still at ``expected_version``."""
        with self.connect() as con:
            self._require_schema(con)
            row = con.execute("SELECT pg_try_advisory_xact_lock(%s)", (IMPORT_LOCK,)).fetchone()
            if not (row and row[0]):
                raise StoreConflict(self.source_name, IMPORT_BUSY)
            _lock_timeout(con)
            con.execute("SELECT pg_advisory_xact_lock(%s)", (DATA_LOCK,))
            if _store_version(con) != expected_version:
                raise StoreConflict(self.source_name, "changed since it was read")
            yield con

    # --- reading --------------------------------------------------------------------------

    def version(self) -> str:
        with self.connect() as con:
            return _store_version(con)

    def records_version(self) -> str:
        with self.connect() as con:
            if schema_version(con) < 3:  # before v3 the one counter counted photos and leads too
                return _store_version(con)
            row = con.execute(f"SELECT counter, records_counter FROM {CHANGES_TABLE}").fetchone()
            return f"pg-{row[0]}-{row[1]}" if row else "pg-0-0"

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
        with self._writing() as con:
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

    # --- whole-layer writes, backups and restores ------------------------------------------

    def write_layer(
        self,
        table: str,
        frame: gpd.GeoDataFrame,
        *,
        expected_version: str,
        action: str,
        user: str,
        note: str = "",
    ) -> Backup:
        """Replace a registry layer with ``frame`` in one transaction, after a backup of the
        whole store; its value changes go into the history (source "import"). StoreConflict
        when another import runs or the store changed since ``expected_version``; any failure
        leaves the store, and its backups, exactly as they were."""
        if table not in LAYER_BY_ID:
            raise StoreError(self.source_name, f"no layer {table!r} in the registry")
        backup = new_backup(table, action, user, note)
        with self._replacing(expected_version) as con:
            postgis_backups.save_backup(con, backup)
            before = read_layer_table(con, table) if table_exists(con, table) else None
            replace_layer_table(con, table, frame)
            if before is not None:
                _append_history(
                    con, table, before, pd.DataFrame(frame), user, note or action, "import"
                )
        return backup

    def backups(self) -> list[Backup]:
        with self.connect() as con:
            if schema_version(con) < SCHEMA_VERSION:
                return []
            return postgis_backups.list_backups(con)

    def restore(self, backup_id: str, *, expected_version: str, user: str) -> Backup:
        """Put back the layers and photos of ``backup_id`` (backed up first, so the restore
        can be undone); history, milestones, versions and leads stay as they are, and what
        the restore changes is written into the history (source "restore")."""
        with self.connect() as con:
            found = schema_version(con) >= 2 and postgis_backups.backup_exists(con, backup_id)
        if not found:
            raise StoreError(self.source_name, f"backup {backup_id!r} not found")
        backup = new_backup("*", "restore", user, f"before restoring {backup_id}")
        note = f"恢复备份 {backup_id} / restored backup {backup_id}"
        with self._replacing(expected_version) as con:
            postgis_backups.save_backup(con, backup)
            for layer_id in postgis_backups.saved_layers(con, backup_id):
                before = read_layer_table(con, layer_id) if table_exists(con, layer_id) else None
                postgis_backups.restore_layer(con, backup_id, layer_id)
                if before is not None:
                    after = pd.DataFrame(read_layer_table(con, layer_id))
                    _append_history(con, layer_id, before, after, user, note, "restore")
            postgis_backups.restore_photos(con, backup_id)
        return backup

    def _require_schema(self, con: psycopg.Connection) -> None:
        found = schema_version(con)
        if found != SCHEMA_VERSION:
            raise StoreError(
                self.source_name,
                f"schema version {found}, this app needs {SCHEMA_VERSION} "
                "(python -m landmap db init)",
            )


# --- helpers (inside the caller's transaction) -------------------------------------------


def _store_version(con: psycopg.Connection) -> str:
    if schema_version(con) == 0:
        return "empty"
    row = con.execute(f"SELECT counter FROM {CHANGES_TABLE}").fetchone()
    return f"pg-{row[0] if row else 0}"


def _lock_timeout(con: psycopg.Connection) -> None:
    # SET cannot take a parameter; the value is this module's constant.
    con.execute(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT_S * 1000)}ms'")


def _append_history(
    con: psycopg.Connection,
    layer_id: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    user: str,
    note: str,
    source: str,
) -> None:
    """The tracked values a whole-layer write changed, as history rows (as the GeoPackage
    store writes them for an import or a restore)."""
    changes = layer_value_changes(get_layer(layer_id), before, after)
    if not changes:
        return
    rows = history_rows(layer_id, changes, user=user, note=note, source=source)
    columns = [c for c in HISTORY_COLUMNS if c != "fid"]
    with con.cursor() as cur:
        cur.executemany(
            insert_query(HISTORY_TABLE, columns),
            [[_plain(row[c]) for c in columns] for row in rows.to_dict("records")],
        )


def _plain(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else value


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
