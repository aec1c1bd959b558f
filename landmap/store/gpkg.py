"""The GeoPackage store: the embedded default, read and written with pyogrio.

Writes are copy-on-write: the change is made on a private copy of the file, checked, and then
moved over the live file with one atomic rename. A reader therefore sees the old file or the
new one, never half a change; a failed or cancelled write leaves the live file untouched; and
the app never opens the live file with a second SQLite library beside GDAL's (security.md
§1.6). Writers take a lock file and compare the version they read (no lost updates).
Before each change the current file is kept in ``backups/`` beside it, with a JSON note.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from landmap import geo
from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID, LAYERS
from landmap.progress.edits import FeatureEdit
from landmap.progress.history import history_rows, layer_value_changes
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
from landmap.store.filelock import LOCK_TIMEOUT_S, LockTimeout, store_lock
from landmap.store.gpkg_records import GpkgRecords
from landmap.store.gpkg_sql import HISTORY_TABLE, MILESTONES_TABLE, VERSIONS_TABLE
from landmap.store.sqlite_worker import edits_to_json

HISTORY_COLUMNS = (
    "fid",
    "change_id",
    "layer",
    "feature_id",
    "field",
    "old_value",
    "new_value",
    "changed_by",
    "changed_at",
    "note",
    "source",
)
MILESTONE_COLUMNS = ("layer", "feature_id", "target_status", "due_date")
# A save waits at most this long for the worker (the lock wait included).
EDIT_WORKER_TIMEOUT_S = LOCK_TIMEOUT_S + 30

# The file's state after a photo or lead write -> the data version before it, for this process:
# the file's stat token is the data version, and a record write changes the file, not the
# layers. Another process does not know and reads the layers once more (correct, only slower).
_DATA_KEPT_BY: dict[tuple[str, str], str] = {}
_DATA_KEPT_MAX = 1024


class GpkgStore(GpkgRecords):
    """One GeoPackage file; each layer is a table named by the layer id. Photos and interest
    leads live in two tables of the same file (``GpkgRecords``)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def source_name(self) -> str:
        return self.path.name

    @property
    def backup_dir(self) -> Path:
        return self.path.parent / "backups"

    def version(self) -> str:
        token = self.records_version()
        return _DATA_KEPT_BY.get((str(self.path), token), token)

    def records_version(self) -> str:
        try:
            stat = self.path.stat()
        except OSError:
            return "missing"
        # The inode changes on every atomic replace, even within the same clock tick.
        return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"

    def _records_written(self, data_version: str) -> None:
        """Under the lock, right after a photo or lead write: the file changed, the data did
        not (``version`` stays ``data_version``)."""
        _DATA_KEPT_BY[(str(self.path), self.records_version())] = data_version
        while len(_DATA_KEPT_BY) > _DATA_KEPT_MAX:
            del _DATA_KEPT_BY[next(iter(_DATA_KEPT_BY))]  # the oldest first

    def tables(self) -> list[str]:
        if not self.path.is_file():
            raise StoreError(self.source_name, "file not found")
        try:
            return [str(name) for name, _geom in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises several error types for broken files
            raise StoreError(self.source_name, str(exc)) from exc

    def read_table(self, table: str) -> gpd.GeoDataFrame:
        if table not in self.tables():
            raise TableMissingError(self.source_name, f"no table {table!r}")
        try:
            # on_invalid="ignore": a geometry GEOS cannot even build (unclosed ring) becomes
            # None, and validation reports it by id instead of the whole table failing.
            # use_arrow: columns arrive whole, not value by value (3.4 s -> 0.6 s at 10⁵ plots,
            # re-read after every save).
            return pyogrio.read_dataframe(
                self.path, layer=table, on_invalid="ignore", use_arrow=True
            )
        except Exception as exc:
            raise StoreError(self.source_name, f"table {table!r}: {exc}") from exc

    # --- status updates (issue #4) --------------------------------------------------------

    def apply_edits(
        self, edits: Sequence[FeatureEdit], *, user: str, note: str, source: str
    ) -> AppliedEdits:
        """Apply ``edits`` with their history in one transaction, in the edit worker process.

        Raises EditConflict when a feature changed since it was read, FeatureNotFound when an
        id is missing or not unique in its table, StoreConflict when the store stays locked,
        and StoreError otherwise; in every one of those cases nothing was written.
        """
        if not edits:
            return AppliedEdits()
        request = {
            "path": str(self.path),
            "edits": edits_to_json(list(edits)),
            "user": user,
            "note": note,
            "source": source,
            "now": datetime.now(SHANGHAI).isoformat(),
            "lock_timeout_s": LOCK_TIMEOUT_S,
        }
        answer = _run_edit_worker(request, self.source_name)
        if answer.get("ok"):
            applied = answer["applied"]
            return AppliedEdits(
                dict(applied["change_ids"]), dict(applied["versions"]), applied["history_rows"]
            )
        kind = answer.get("kind")
        if kind == "conflict":
            raise EditConflict(
                self.source_name, [FeatureConflict(**c) for c in answer["conflicts"]]
            )
        if kind == "not_editable":
            raise FeatureNotFound(
                self.source_name, answer["layer_id"], answer["feature_id"], answer["count"]
            )
        if kind == "busy":
            raise StoreConflict(self.source_name, "another change is in progress")
        raise StoreError(self.source_name, str(answer.get("detail", "edit failed")))

    def feature_versions(self, layer_id: str) -> dict[str, int]:
        return self.versions_by_layer([layer_id])[layer_id]

    def versions_by_layer(self, layer_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        wanted = list(layer_ids)
        versions: dict[str, dict[str, int]] = {layer_id: {} for layer_id in wanted}
        frame = self._tracking_table(VERSIONS_TABLE)  # one read for all layers
        if frame is None or frame.empty:
            return versions
        rows = frame[frame["layer"].isin(wanted)]
        for layer_id, feature_id, version in zip(
            rows["layer"], rows["feature_id"].astype(str), rows["version"].astype(int), strict=True
        ):
            versions[layer_id][feature_id] = int(version)
        return versions

    def history(self, feature_id: str | None = None) -> pd.DataFrame:
        frame = self._tracking_table(HISTORY_TABLE)
        if frame is None:
            return pd.DataFrame(columns=HISTORY_COLUMNS)
        if feature_id is not None:
            frame = frame[frame["feature_id"] == feature_id]
        return frame.sort_values("fid").reset_index(drop=True)

    def milestones(self) -> pd.DataFrame:
        frame = self._tracking_table(MILESTONES_TABLE)
        if frame is None:
            return pd.DataFrame(columns=MILESTONE_COLUMNS)
        return frame[list(MILESTONE_COLUMNS)].reset_index(drop=True)

    def _tracking_table(self, table: str) -> pd.DataFrame | None:
        """A non-spatial table read with pyogrio (the app's one SQLite); None if absent."""
        try:
            if table not in self.tables():
                return None
            frame = pyogrio.read_dataframe(self.path, layer=table, fid_as_index=True)
        except StoreError:
            return None
        except Exception as exc:
            raise StoreError(self.source_name, f"table {table!r}: {exc}") from exc
        frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        # An empty value is None, as it was written (pyogrio reads NULL text as NaN).
        frame = frame.astype(object).where(frame.notna(), None)
        return frame.rename_axis("fid").reset_index()

    # --- writing -------------------------------------------------------------------------

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
        def build(scratch: Path) -> None:
            if self.path.exists():
                shutil.copy2(self.path, scratch)
            self._write_table(scratch, table, frame, user, note or action, source="import")

        return self._replace_file(build, expected_version, table, action, user, note)

    def backups(self) -> list[Backup]:
        found = []
        for note_path in self.backup_dir.glob(f"{self.path.stem}.*.json"):
            try:
                found.append(_backup_from_json(json.loads(note_path.read_text("utf-8"))))
            except (OSError, ValueError, KeyError):
                continue  # a damaged note hides that backup, it does not break the list
        return sorted(found, key=lambda b: b.created_at, reverse=True)

    def restore(self, backup_id: str, *, expected_version: str, user: str) -> Backup:
        source = self._backup_file(backup_id)
        if not source.is_file():
            raise StoreError(self.source_name, f"backup {backup_id!r} not found")

        def build(scratch: Path) -> None:
            # The layers and the photos come back; the progress tables (history, milestones,
            # versions) and the interest leads stay as they are now, so a restore never erases
            # who changed what or who asked about a plot. What the restore changes is itself
            # recorded in the history.
            saved = {str(name) for name, kind in pyogrio.list_layers(source) if kind is not None}
            shutil.copy2(self.path, scratch)
            for layer in LAYERS:
                if layer.id in saved:
                    old = pyogrio.read_dataframe(source, layer=layer.id, on_invalid="ignore")
                    note = f"恢复备份 {backup_id} / restored backup {backup_id}"
                    self._write_table(scratch, layer.id, old, user, note, source="restore")
            self.restore_photos_into(scratch, source)  # in the edit worker: sqlite3, not GDAL

        return self._replace_file(
            build, expected_version, "*", "restore", user, f"before restoring {backup_id}"
        )

    def _write_table(
        self, scratch: Path, table: str, frame: gpd.GeoDataFrame, user: str, note: str, source: str
    ) -> None:
        """Replace ``table`` in the scratch copy and append the value changes to its history.

        Only GDAL opens the scratch file here (never the live one beside sqlite3, D2); the
        history rows go in by plain INSERT, which the append-only triggers allow.
        """
        layer = LAYER_BY_ID.get(table)
        before = None
        existing = {str(n) for n, _ in pyogrio.list_layers(scratch)} if scratch.exists() else set()
        if layer is not None and table in existing:
            before = pyogrio.read_dataframe(scratch, layer=table, read_geometry=False)
        stored = frame.to_crs(geo.STORE_CRS) if frame.crs else frame.set_crs(geo.STORE_CRS)
        pyogrio.write_dataframe(stored, scratch, layer=table, driver="GPKG")
        written = pyogrio.read_info(scratch, layer=table)["features"]
        if written != len(frame):
            raise StoreError(self.source_name, f"wrote {written} of {len(frame)} rows")
        if layer is None or before is None:
            return
        changes = layer_value_changes(layer, before, pd.DataFrame(frame))
        if changes:
            rows = history_rows(table, changes, user=user, note=note, source=source)
            pyogrio.write_dataframe(rows, scratch, layer=HISTORY_TABLE, driver="GPKG", append=True)

    def _replace_file(
        self,
        build: Callable[[Path], None],
        expected_version: str,
        table: str,
        action: str,
        user: str,
        note: str,
    ) -> Backup:
        """Under the lock: check the version, back up, build a scratch file, swap it in.

        Any failure removes the scratch file and the backup just made: the store and its
        backups are exactly as they were.
        """
        with self._locked():
            self._check_version(expected_version)
            backup = self._save_backup(table, action, user, note)
            scratch = self._scratch_path()
            try:
                build(scratch)
                _fsync(scratch)
                os.replace(scratch, self.path)
                _fsync(self.path.parent)
            except BaseException:
                scratch.unlink(missing_ok=True)
                self._drop_backup(backup)
                raise
            return backup

    # --- helpers -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with store_lock(self.path, LOCK_TIMEOUT_S):
                yield
        except LockTimeout:
            raise StoreConflict(self.source_name, "another change is in progress") from None

    def _check_version(self, expected: str) -> None:
        if self.version() != expected:
            raise StoreConflict(self.source_name, "changed since it was read")

    def _scratch_path(self) -> Path:
        # Same folder as the live file, so the final rename stays on one file system.
        return self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex}.tmp.gpkg")

    def _backup_file(self, backup_id: str) -> Path:
        if not backup_id or "/" in backup_id or backup_id.startswith("."):
            raise StoreError(self.source_name, f"invalid backup id {backup_id!r}")
        return self.backup_dir / f"{self.path.stem}.{backup_id}.gpkg"

    def _save_backup(self, table: str, action: str, user: str, note: str) -> Backup:
        backup = new_backup(table, action, user, note)
        if not self.path.exists():
            return backup  # nothing to keep yet: the first write creates the store
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.path, self._backup_file(backup.id))
        note_path = self._backup_file(backup.id).with_suffix(".json")
        note_path.write_text(json.dumps(_backup_to_json(backup), ensure_ascii=False), "utf-8")
        return backup

    def _drop_backup(self, backup: Backup) -> None:
        path = self._backup_file(backup.id)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)


def _backup_to_json(backup: Backup) -> dict[str, str]:
    return {
        "id": backup.id,
        "created_at": backup.created_at.isoformat(),
        "layer_id": backup.layer_id,
        "action": backup.action,
        "note": backup.note,
        "user": backup.user,
    }


def _backup_from_json(data: dict[str, str]) -> Backup:
    return Backup(
        id=str(data["id"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        layer_id=str(data["layer_id"]),
        action=str(data["action"]),
        note=str(data.get("note", "")),
        user=str(data.get("user", "")),
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _run_edit_worker(request: dict, source_name: str) -> dict:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "landmap.store.sqlite_worker"],
            input=json.dumps(request, ensure_ascii=False),
            capture_output=True,
            text=True,
            timeout=EDIT_WORKER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StoreError(source_name, "the edit worker did not finish") from None
    if done.returncode != 0:
        raise StoreError(source_name, f"edit worker failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)
