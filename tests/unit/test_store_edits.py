"""Status updates in the GeoPackage: value, version and history in one transaction, or nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pyogrio
import pytest

from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.store import EditConflict, FeatureNotFound, GpkgStore
from tests.conftest import tiny_tables, write_gpkg

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path):
    return GpkgStore(write_gpkg(tmp_path / "live.gpkg", tiny_tables()))


def row(store, layer, feature_id):
    frame = store.read_table(layer)
    return frame[frame["id"] == feature_id].iloc[0]


def start_works(version=0, old="listed", new="supplied"):
    return FeatureEdit("idle_land", "T-1", version, (FieldChange("status", old, new),))


def test_a_save_writes_the_value_a_history_row_and_a_new_version(store):
    applied = store.apply_edits([start_works()], user="张三", note="已摘牌", source="app")
    assert row(store, "idle_land", "T-1")["status"] == "supplied"
    (entry,) = store.history("T-1").to_dict("records")
    assert entry["field"] == "status" and entry["old_value"] == "listed"
    assert entry["new_value"] == "supplied" and entry["changed_by"] == "张三"
    assert entry["note"] == "已摘牌" and entry["source"] == "app"
    assert entry["changed_at"].endswith("+08:00")  # Asia/Shanghai
    assert entry["change_id"] == applied.change_ids["T-1"]
    assert store.feature_versions("idle_land") == {"T-1": 1} == dict(applied.versions)
    # The tables are proper GeoPackage "attributes" tables: GDAL lists them.
    assert "landmap_history" in {name for name, _ in pyogrio.list_layers(store.path)}


def test_the_second_of_two_saves_from_the_same_reading_is_refused(store):
    store.apply_edits([start_works()], user="张三", note="first", source="app")
    second = start_works(old="listed", new="under_construction")
    with pytest.raises(EditConflict) as err:
        store.apply_edits([second], user="李四", note="second", source="app")
    (conflict,) = err.value.conflicts
    assert conflict.current["status"] == "supplied" and conflict.version == 1
    assert conflict.changed_by == "张三" and conflict.changed_at
    assert row(store, "idle_land", "T-1")["status"] == "supplied"
    assert len(store.history("T-1")) == 1


def test_a_value_changed_by_an_import_is_a_conflict_even_at_the_same_version(store):
    frame = store.read_table("idle_land")
    frame.loc[frame["id"] == "T-1", "status"] = "promoting"
    store.write_layer(
        "idle_land", frame, expected_version=store.version(), action="import", user="x"
    )
    with pytest.raises(EditConflict):
        store.apply_edits([start_works()], user="张三", note="stale", source="app")


def test_a_failure_between_value_and_history_leaves_neither(store):
    store.apply_edits([start_works()], user="a", note="make the tables", source="app")
    before = hashlib.sha256(store.path.read_bytes()).hexdigest()
    with sqlite3.connect(store.path) as con:  # a test-only trigger: the 2nd history row fails
        con.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON landmap_history WHEN NEW.field='progress_pct' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    before = hashlib.sha256(store.path.read_bytes()).hexdigest()
    edit = FeatureEdit(
        "renovation",
        "R-1",
        0,
        (
            FieldChange("status", "under_construction", "works_completed"),
            FieldChange("progress_pct", "45", "100"),
        ),
    )
    with pytest.raises(Exception, match="disk full"):
        store.apply_edits([edit], user="a", note="x", source="app")
    assert hashlib.sha256(store.path.read_bytes()).hexdigest() == before
    assert row(store, "renovation", "R-1")["status"] == "under_construction"
    assert len(store.history("R-1")) == 0


def test_a_batch_is_all_or_nothing(store):
    good = start_works()
    stale = FeatureEdit("idle_land", "T-2", 3, (FieldChange("status", "x", "supplied"),))
    with pytest.raises(EditConflict) as err:
        store.apply_edits([good, stale], user="a", note="ledger", source="ledger")
    assert [c.feature_id for c in err.value.conflicts] == ["T-2"]
    assert row(store, "idle_land", "T-1")["status"] == "listed"
    assert store.history().empty


def test_an_unknown_id_is_refused(store):
    edit = FeatureEdit("idle_land", "NOPE", 0, (FieldChange("status", None, "listed"),))
    with pytest.raises(FeatureNotFound):
        store.apply_edits([edit], user="a", note="x", source="app")


def test_milestones_are_kept_per_target_status(store):
    due = FieldChange("milestone:supplied", None, "2026-12-31")
    store.apply_edits(
        [FeatureEdit("idle_land", "T-1", 0, (due,))], user="a", note="计划", source="app"
    )
    milestones = pyogrio.read_dataframe(store.path, layer="landmap_milestones")
    assert milestones[["feature_id", "target_status", "due_date"]].values.tolist() == [
        ["T-1", "supplied", "2026-12-31"]
    ]
    cleared = FieldChange("milestone:supplied", "2026-12-31", None)
    store.apply_edits(
        [FeatureEdit("idle_land", "T-1", 1, (cleared,))], user="a", note="取消", source="app"
    )
    assert pyogrio.read_dataframe(store.path, layer="landmap_milestones").empty
    assert store.history("T-1")["new_value"].tolist() == ["2026-12-31", None]


def test_history_rows_cannot_be_changed_or_deleted(store):
    store.apply_edits([start_works()], user="a", note="x", source="app")
    with sqlite3.connect(store.path) as con:
        for sql in ("UPDATE landmap_history SET note='forged'", "DELETE FROM landmap_history"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)


def test_eight_editors_at_once_lose_nothing_and_one_of_each_pair_is_refused(store):
    """security.md §4.4 #39: no 'database is locked' reaches a user, no update is lost."""
    outcomes: list[str] = []

    def save(layer_id: str, feature_id: str, target: str, due: str) -> None:
        change = FieldChange(f"milestone:{target}", None, due)
        edit = FeatureEdit(layer_id, feature_id, 0, (change,))
        try:
            store.apply_edits([edit], user=f"u{due}", note="并发", source="app")
            outcomes.append("ok")
        except EditConflict:
            outcomes.append("conflict")

    # Two editors per feature, four features: exactly one save per feature wins.
    features = [
        ("idle_land", "T-1", "supplied"),
        ("idle_land", "T-2", "revitalised"),
        ("idle_land", "T-3", "supplied"),
        ("renovation", "R-1", "accepted"),
    ]
    threads = [
        threading.Thread(target=save, args=(*feature, f"2027-0{k}-01"))
        for feature in features
        for k in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 4 + ["ok"] * 4
    assert len(store.history()) == 4
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_only_the_edit_worker_opens_the_store_with_python_sqlite3():
    """security.md D2: never Python's sqlite3 beside GDAL's SQLite on the live file in the app."""
    users = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "landmap").rglob("*.py")
        if "import sqlite3" in path.read_text("utf-8")
    )
    # records_sql (photos, interest leads) runs only inside the worker, as gpkg_sql does.
    # ingest/diagnose.py reads an *upload* (never the store), read-only and immutable, in the
    # sandboxed child, only after GDAL gave up on it: to say "this GeoPackage holds imagery".
    # tiles/mbtiles.py reads the offline basemap (LANDMAP_TILES), a separate MBTiles file that is
    # never the store, opened read-only and immutable (mode=ro&immutable=1): no write, no lock.
    assert users == [
        "landmap/ingest/diagnose.py",
        "landmap/store/gpkg_sql.py",
        "landmap/store/records_sql.py",
        "landmap/store/sqlite_worker.py",
        "landmap/tiles/mbtiles.py",
    ]
