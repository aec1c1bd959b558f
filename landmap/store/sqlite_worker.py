"""The edit worker: ``python -m landmap.store.sqlite_worker`` applies one batch of edits.

A child process so that the live GeoPackage is opened with Python's sqlite3 only here, never
beside GDAL's SQLite in the app's process (security.md D2). Reads one JSON request on stdin,
writes one JSON answer on stdout; ``GpkgStore`` is the only caller. The request's ``op`` says
what to do: "edits" (the default: status updates), one of the photo and interest writes
of ``records_sql`` (``RECORD_OPS``; photo bytes travel base64-encoded), or "load_tracking"
(``db copy`` filling a new file's history, milestones, versions, photos and leads).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.store import records_sql
from landmap.store.filelock import LockTimeout, store_lock
from landmap.store.gpkg_sql import (
    HISTORY_TABLE,
    MILESTONES_TABLE,
    VERSIONS_TABLE,
    EditsConflicted,
    FeatureNotEditable,
    apply_edits,
    connect,
    ensure_tracking_tables,
    immediate_transaction,
)

RECORD_OPS = ("add_photo", "update_photo", "add_interest", "restore_photos")


def edits_to_json(edits: list[FeatureEdit]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(edit) for edit in edits]


def edits_from_json(items: list[dict[str, Any]]) -> list[FeatureEdit]:
    return [
        FeatureEdit(
            layer_id=str(item["layer_id"]),
            feature_id=str(item["feature_id"]),
            expected_version=int(item["expected_version"]),
            changes=tuple(FieldChange(**change) for change in item["changes"]),
        )
        for item in items
    ]


def handle(request: dict[str, Any]) -> dict[str, Any]:
    path = Path(request["path"])
    if not path.is_file():
        return {"ok": False, "kind": "error", "detail": "file not found"}
    if request.get("op", "edits") in RECORD_OPS:
        return handle_record(request, path)
    if request.get("op") == "load_tracking":
        try:
            return _on_connection(path, lambda con: load_tracking(con, request))
        except sqlite3.Error as exc:
            return {"ok": False, "kind": "error", "detail": f"{type(exc).__name__}: {exc}"}
    edits = edits_from_json(request["edits"])
    now = datetime.fromisoformat(request["now"])
    try:
        with store_lock(path, float(request.get("lock_timeout_s", 30))):
            con = connect(path)
            try:
                applied = apply_edits(
                    con,
                    edits,
                    user=request["user"],
                    note=request["note"],
                    source=request["source"],
                    now=now,
                )
            finally:
                con.close()
    except EditsConflicted as exc:
        return {
            "ok": False,
            "kind": "conflict",
            "conflicts": [dataclasses.asdict(c) for c in exc.conflicts],
        }
    except FeatureNotEditable as exc:
        return {
            "ok": False,
            "kind": "not_editable",
            "layer_id": exc.layer_id,
            "feature_id": exc.feature_id,
            "count": exc.count,
        }
    except LockTimeout:
        return {"ok": False, "kind": "busy"}
    except sqlite3.Error as exc:
        return {"ok": False, "kind": "error", "detail": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "applied": dataclasses.asdict(applied)}


def handle_record(request: dict[str, Any], path: Path) -> dict[str, Any]:
    """A photo or interest write. The parent holds the store's lock (``GpkgRecords``: it notes
    the data version around the write); ``restore_photos`` works on a restore's private
    scratch copy, under the restoring parent's lock."""
    op = request["op"]
    now = datetime.fromisoformat(request["now"])
    try:
        if op == "restore_photos":
            return _on_connection(
                path, lambda con: records_sql.restore_photos(con, Path(request["source"]), now)
            )
        if op == "add_photo":
            row = dict(request["row"])
            row["image"] = base64.b64decode(row["image"])
            row["thumbnail"] = base64.b64decode(row["thumbnail"])
            return _on_connection(path, lambda con: records_sql.add_photo(con, row, now))
        if op == "update_photo":
            return _on_connection(
                path,
                lambda con: records_sql.update_photo(
                    con,
                    str(request["photo_id"]),
                    now,
                    public=request.get("public"),
                    delete=bool(request.get("delete")),
                ),
            )
        return _on_connection(
            path, lambda con: records_sql.add_interest(con, dict(request["row"]), now)
        )
    except records_sql.FeatureMissing as exc:
        return {"ok": False, "kind": "not_editable", "detail": str(exc)}
    except sqlite3.Error as exc:
        return {"ok": False, "kind": "error", "detail": f"{type(exc).__name__}: {exc}"}


def load_tracking(con: sqlite3.Connection, request: dict[str, Any]) -> int:
    """Fill the tracking tables, photos and leads of a new file ``db copy`` is writing (a
    private scratch file, so no store lock): history rows and leads keep their ids. One
    transaction."""
    with immediate_transaction(con):
        ensure_tracking_tables(con, datetime.fromisoformat(request["now"]))
        con.executemany(
            f"INSERT INTO {HISTORY_TABLE} (fid, change_id, layer, feature_id, field, old_value, "
            "new_value, changed_by, changed_at, note, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            request["history"],
        )
        con.executemany(
            f"INSERT INTO {MILESTONES_TABLE} (layer, feature_id, target_status, due_date) "
            "VALUES (?,?,?,?)",
            request["milestones"],
        )
        con.executemany(
            f"INSERT INTO {VERSIONS_TABLE} (layer, feature_id, version) VALUES (?,?,?)",
            request["versions"],
        )
        photos, leads = request.get("photos") or [], request.get("interest") or []
        if photos or leads:
            records_sql.load_records(con, photos, leads, datetime.fromisoformat(request["now"]))
    return len(request["history"])


def _on_connection(path: Path, work: Any) -> dict[str, Any]:
    con = connect(path)
    try:
        result = work(con)
    finally:
        con.close()
    return {"ok": True, "result": result}


def main() -> int:
    request = json.loads(sys.stdin.read())
    answer = handle(request)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
