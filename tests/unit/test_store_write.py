"""Writing the GeoPackage: atomic, backed up, restorable, and refused on a stale version."""

from __future__ import annotations

import hashlib
import threading

import pyogrio
import pytest

from landmap.edits import FeatureEdit, FieldChange
from landmap.store import GpkgStore, StoreConflict
from tests.conftest import tiny_tables, write_gpkg


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path):
    return GpkgStore(write_gpkg(tmp_path / "live.gpkg", tiny_tables()))


def test_write_replaces_one_layer_and_keeps_the_others(store):
    roads = store.read_table("roads").iloc[:1]
    backup = store.write_layer(
        "roads",
        roads,
        expected_version=store.version(),
        action="import:replace",
        user="tester",
        note="one road",
    )
    assert len(store.read_table("roads")) == 1
    assert len(store.read_table("idle_land")) == 3
    (saved,) = store.backups()
    assert saved == backup and saved.user == "tester" and saved.created_at.tzinfo is not None
    assert str(saved.created_at.utcoffset()) == "8:00:00"  # Asia/Shanghai


def test_restore_brings_the_old_version_back_and_can_itself_be_undone(store):
    before = digest(store.path)
    backup = store.write_layer(
        "roads",
        store.read_table("roads").iloc[:1],
        expected_version=store.version(),
        action="import:replace",
        user="a",
    )
    undo = store.restore(backup.id, expected_version=store.version(), user="b")
    assert digest(store.path) != before  # the layers are written back, not the whole file
    assert same_features(store.read_table("roads"), tiny_tables()["roads"])
    assert undo.action == "restore" and len(store.backups()) == 2


def same_features(stored, expected) -> bool:
    stored = stored.sort_values("id").reset_index(drop=True)
    expected = expected.sort_values("id").reset_index(drop=True)
    return (
        stored["id"].tolist() == expected["id"].tolist()
        and stored["status"].tolist() == expected["status"].tolist()
        and all(
            a.equals_exact(b, 1e-9)
            for a, b in zip(stored.geometry, expected.to_crs(stored.crs).geometry, strict=True)
        )
    )


def test_imports_and_restores_write_their_status_changes_into_the_history(store):
    roads = store.read_table("roads")
    roads.loc[roads["id"] == "D-2", "status"] = "preliminary"
    backup = store.write_layer(
        "roads", roads, expected_version=store.version(), action="import:update", user="导入员"
    )
    (row,) = store.history("D-2").to_dict("records")
    assert (row["old_value"], row["new_value"], row["source"]) == (
        "planning",
        "preliminary",
        "import",
    )
    assert row["changed_by"] == "导入员"

    # An edit after the import, then a restore of the import's backup.
    store.apply_edits(
        [FeatureEdit("roads", "D-1", 0, (FieldChange("progress_pct", None, "30"),))],
        user="编辑",
        note="进度",
        source="app",
    )
    store.restore(backup.id, expected_version=store.version(), user="管理员")
    history = store.history()
    # Nothing is erased: the import row, the edit row, and what the restore changed.
    assert history["source"].tolist() == ["import", "app", "restore", "restore"]
    restored = history[history["source"] == "restore"]
    found = zip(restored["feature_id"], restored["field"], restored["new_value"], strict=True)
    assert sorted(found) == [
        ("D-1", "progress_pct", None),
        ("D-2", "status", "planning"),
    ]
    assert set(restored["changed_by"]) == {"管理员"}


def test_a_stale_version_is_refused_and_nothing_changes(store):
    stale = store.version()
    store.write_layer(
        "roads",
        store.read_table("roads"),
        expected_version=stale,
        action="import:add",
        user="first",
    )
    after_first = digest(store.path)
    with pytest.raises(StoreConflict):
        store.write_layer(
            "roads",
            store.read_table("roads").iloc[:1],
            expected_version=stale,
            action="import:replace",
            user="second",
        )
    assert digest(store.path) == after_first
    assert len(store.backups()) == 1  # the refused write left no backup behind


def test_a_failing_write_leaves_the_store_byte_for_byte(store, monkeypatch):
    before = digest(store.path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", broken)
    with pytest.raises(RuntimeError):
        store.write_layer(
            "roads",
            store.read_table("roads"),
            expected_version=store.version(),
            action="import:replace",
            user="x",
        )
    assert digest(store.path) == before
    assert store.backups() == []
    assert not list(store.path.parent.glob(".*.tmp.gpkg"))


def test_concurrent_writers_one_wins_the_other_is_told(store):
    version = store.version()
    roads = store.read_table("roads")
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            store.write_layer(
                "roads",
                roads.iloc[:n],
                expected_version=version,
                action="import:replace",
                user=f"u{n}",
            )
            outcomes.append("ok")
        except StoreConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]


def test_first_write_creates_the_store(tmp_path):
    store = GpkgStore(tmp_path / "new.gpkg")
    roads = tiny_tables()["roads"]
    store.write_layer(
        "roads", roads, expected_version=store.version(), action="import:replace", user="x"
    )
    assert len(store.read_table("roads")) == 2 and store.backups() == []


def test_backup_ids_cannot_reach_outside_the_backup_folder(store):
    with pytest.raises(Exception, match="invalid backup id"):
        store.restore("../../etc/passwd", expected_version=store.version(), user="x")
