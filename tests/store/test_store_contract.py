"""What every store promises, checked on both backends from one suite (reading and editing;
``test_store_writes`` has whole-layer writes, backups, photos and leads).

``store`` (conftest): ``gpkg``, a scratch copy of the sample GeoPackage; ``postgis``, a fresh
database on the test session's throw-away server, filled by ``db copy`` from the same sample.
Both must read the same features, write an edit's value, history and version together, refuse
a stale edit with who changed it, keep history append-only, and survive a round trip
GeoPackage → PostGIS → GeoPackage with nothing lost.
"""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import psycopg
import pytest

from landmap.layers import LAYERS
from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.store import EditConflict, FeatureNotFound, GpkgStore, StoreError
from landmap.store.postgis import PostgisStore
from landmap.store.transfer import copy_store
from tests.conftest import tiny_tables, write_gpkg


def feature(store, layer_id: str, feature_id: str) -> pd.Series:
    frame = store.read_table(layer_id)
    return frame[frame["id"] == feature_id].iloc[0]


def first_idle(reference: GpkgStore) -> pd.Series:
    return reference.read_table("idle_land").iloc[0]


def status_edit(row: pd.Series, new: str, version: int = 0) -> FeatureEdit:
    return FeatureEdit(
        "idle_land", row["id"], version, (FieldChange("status", row["status"], new),)
    )


def other_status(row: pd.Series) -> str:
    return "listed" if row["status"] != "listed" else "supplied"


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [layer.id for layer in LAYERS])
def test_a_layer_reads_as_the_sample_does(store, sample_copy, layer):
    expected, got = sample_copy.read_table(layer), store.read_table(layer)
    assert got["id"].tolist() == expected["id"].tolist()
    assert got["status"].tolist() == expected["status"].tolist()
    assert got.crs == expected.crs
    assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()
    # Every column, its type and every value: the app cannot tell the backends apart.
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(expected.drop(columns="geometry"))
    )


def test_history_milestones_and_versions_read_as_the_sample_does(store, sample_copy):
    pd.testing.assert_frame_equal(store.history(), sample_copy.history())
    pd.testing.assert_frame_equal(store.milestones(), sample_copy.milestones())
    one = sample_copy.history()["feature_id"].iloc[0]
    pd.testing.assert_frame_equal(store.history(one), sample_copy.history(one))
    ids = [layer.id for layer in LAYERS]
    assert store.versions_by_layer(ids) == sample_copy.versions_by_layer(ids)


def test_an_unknown_table_is_missing(store):
    from landmap.store import TableMissingError

    with pytest.raises(TableMissingError):
        store.read_table("no_such_layer")


# --- editing ------------------------------------------------------------------------------


def test_an_edit_writes_the_value_one_history_row_per_field_and_a_new_version(store, sample_copy):
    row = first_idle(sample_copy)
    new = other_status(row)
    before_version, before_rows = store.version(), len(store.history())
    applied = store.apply_edits([status_edit(row, new)], user="张三", note="已摘牌", source="app")
    assert feature(store, "idle_land", row["id"])["status"] == new
    history = store.history(row["id"])
    entry = history.iloc[-1].to_dict()
    assert len(store.history()) == before_rows + 1
    assert (entry["field"], entry["old_value"], entry["new_value"]) == (
        "status",
        row["status"],
        new,
    )
    assert (entry["changed_by"], entry["note"], entry["source"]) == ("张三", "已摘牌", "app")
    assert (
        entry["changed_at"].endswith("+08:00")
        and entry["change_id"] == applied.change_ids[row["id"]]
    )
    assert store.feature_versions("idle_land")[row["id"]] == 1 == applied.versions[row["id"]]
    assert store.version() != before_version


def test_a_stale_version_is_refused_with_who_when_and_the_current_values(store, sample_copy):
    row = first_idle(sample_copy)
    first = other_status(row)
    store.apply_edits([status_edit(row, first)], user="张三", note="first", source="app")
    rows_after_first = len(store.history())
    with pytest.raises(EditConflict) as err:
        store.apply_edits([status_edit(row, "promoting")], user="李四", note="late", source="app")
    (conflict,) = err.value.conflicts
    assert conflict.feature_id == row["id"] and conflict.version == 1
    assert conflict.current["status"] == first
    assert conflict.changed_by == "张三" and conflict.changed_at.endswith("+08:00")
    assert feature(store, "idle_land", row["id"])["status"] == first
    assert len(store.history()) == rows_after_first


def test_a_batch_is_all_or_nothing(store, sample_copy):
    frame = sample_copy.read_table("idle_land")
    good, stale = frame.iloc[0], frame.iloc[1]
    edits = [status_edit(good, other_status(good)), status_edit(stale, "listed", version=7)]
    before = len(store.history())
    with pytest.raises(EditConflict) as err:
        store.apply_edits(edits, user="a", note="ledger", source="ledger")
    assert [c.feature_id for c in err.value.conflicts] == [stale["id"]]
    assert feature(store, "idle_land", good["id"])["status"] == good["status"]
    assert len(store.history()) == before
    assert store.feature_versions("idle_land") == sample_copy.feature_versions("idle_land")


def test_an_unknown_id_is_refused(store):
    edit = FeatureEdit("idle_land", "NOPE", 0, (FieldChange("status", None, "listed"),))
    with pytest.raises(FeatureNotFound):
        store.apply_edits([edit], user="a", note="x", source="app")


def test_milestones_and_tracked_numbers_are_edited_like_values(store, sample_copy):
    reno = sample_copy.read_table("renovation").iloc[0]
    old_pct = feature(sample_copy, "renovation", reno["id"])["progress_pct"]
    old_text = None if pd.isna(old_pct) else f"{float(old_pct):g}"
    due_before = sample_copy.milestones()
    mine = due_before[(due_before["feature_id"] == reno["id"])]
    target = "accepted"
    old_due = mine[mine["target_status"] == target]["due_date"].tolist()
    edit = FeatureEdit(
        "renovation",
        reno["id"],
        0,
        (
            FieldChange("progress_pct", old_text, "87.5"),
            FieldChange(f"milestone:{target}", old_due[0] if old_due else None, "2027-06-30"),
        ),
    )
    applied = store.apply_edits([edit], user="王五", note="月报", source="app")
    assert applied.history_rows == 2
    assert float(feature(store, "renovation", reno["id"])["progress_pct"]) == 87.5
    milestones = store.milestones()
    due = milestones[
        (milestones["feature_id"] == reno["id"]) & (milestones["target_status"] == target)
    ]
    assert due["due_date"].tolist() == ["2027-06-30"]
    assert store.history(reno["id"])["new_value"].tolist()[-2:] == ["87.5", "2027-06-30"]


def test_history_rows_cannot_be_changed_or_deleted(store, sample_copy):
    row = first_idle(sample_copy)
    store.apply_edits([status_edit(row, other_status(row))], user="a", note="x", source="app")
    statements = ["UPDATE landmap_history SET note = 'forged'", "DELETE FROM landmap_history"]
    if isinstance(store, GpkgStore):
        with sqlite3.connect(store.path) as con:
            for statement in statements:
                with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                    con.execute(statement)
    else:
        for statement in [*statements, "TRUNCATE landmap_history"]:
            with (
                psycopg.connect(store.url) as con,
                pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"),
            ):
                con.execute(statement)
    assert len(store.history()) == len(sample_copy.history()) + 1


# --- round trip -----------------------------------------------------------------------------


@pytest.mark.postgis
def test_gpkg_to_postgis_to_gpkg_keeps_everything(sample_copy, database_url, tmp_path):
    row = first_idle(sample_copy)
    sample_copy.apply_edits([status_edit(row, other_status(row))], user="a", note="x", source="app")
    database = PostgisStore(database_url)
    copy_store(sample_copy, database)
    back = GpkgStore(tmp_path / "back" / "store.gpkg")
    copy_store(database, back)
    for store in (database, back):
        for layer in LAYERS:
            expected, got = sample_copy.read_table(layer.id), store.read_table(layer.id)
            assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()
            pd.testing.assert_frame_equal(
                pd.DataFrame(got.drop(columns="geometry")),
                pd.DataFrame(expected.drop(columns="geometry")),
            )
        pd.testing.assert_frame_equal(store.history(), sample_copy.history())
        pd.testing.assert_frame_equal(store.milestones(), sample_copy.milestones())
        ids = [layer.id for layer in LAYERS]
        assert store.versions_by_layer(ids) == sample_copy.versions_by_layer(ids)
        assert store.feature_versions("idle_land") == {row["id"]: 1}
    # The copied GeoPackage is a store like any other: its history is guarded too, and the
    # next edit continues the history after the copied rows.
    with sqlite3.connect(back.path) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("DELETE FROM landmap_history")
    next_edit = status_edit(feature(back, "idle_land", row["id"]), "promoting", version=1)
    back.apply_edits([next_edit], user="b", note="y", source="app")
    database.apply_edits([next_edit], user="b", note="y", source="app")
    for store in (back, database):
        assert store.history()["fid"].iloc[-1] == sample_copy.history()["fid"].max() + 1


# --- what only a server has ---------------------------------------------------------------


@pytest.mark.postgis
def test_eight_editors_at_once_on_postgis_lose_nothing(database_url, sample_copy):
    """Two editors per feature from one reading: exactly one of each pair wins."""
    database = PostgisStore(database_url)
    copy_store(sample_copy, database)
    rows = sample_copy.read_table("idle_land").iloc[:4]
    outcomes: list[str] = []

    def save(row: pd.Series, editor: int) -> None:
        new = "listed" if editor else "supplied"
        change = FieldChange("status", row["status"], new if new != row["status"] else "ready")
        try:
            database.apply_edits(
                [FeatureEdit("idle_land", row["id"], 0, (change,))],
                user=f"u{editor}",
                note="并发",
                source="app",
            )
            outcomes.append("ok")
        except EditConflict:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=save, args=(row, editor))
        for _, row in rows.iterrows()
        for editor in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 4 + ["ok"] * 4
    assert len(database.history()) == len(sample_copy.history()) + 4
    assert set(database.feature_versions("idle_land").values()) == {1}


@pytest.mark.postgis
def test_a_failure_between_value_and_history_leaves_neither_on_postgis(database_url, sample_copy):
    database = PostgisStore(database_url)
    copy_store(sample_copy, database)
    with psycopg.connect(database_url) as con:  # a test-only trigger: the 2nd history row fails
        con.execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.field = 'progress_pct' THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$"
        )
        con.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON landmap_history "
            "FOR EACH ROW EXECUTE FUNCTION boom()"
        )
    reno = sample_copy.read_table("renovation").iloc[0]
    pct = reno["progress_pct"]
    edit = FeatureEdit(
        "renovation",
        reno["id"],
        0,
        (
            FieldChange("status", reno["status"], "works_completed"),
            FieldChange("progress_pct", None if pd.isna(pct) else f"{float(pct):g}", "100"),
        ),
    )
    version, history = database.version(), database.history()
    with pytest.raises(StoreError, match="disk full"):
        database.apply_edits([edit], user="a", note="x", source="app")
    assert feature(database, "renovation", reno["id"])["status"] == reno["status"]
    pd.testing.assert_frame_equal(database.history(), history)
    assert database.feature_versions("renovation") == {}
    assert database.version() == version


@pytest.mark.postgis
def test_empty_cells_survive_the_round_trip(database_url, tmp_path):
    """The tiny tables: integer fields with empty cells (float64 in pyogrio) and text
    columns holding no value at all."""
    source = GpkgStore(write_gpkg(tmp_path / "tiny.gpkg", tiny_tables()))
    database = PostgisStore(database_url)
    copy_store(source, database)
    back = GpkgStore(tmp_path / "back.gpkg")
    copy_store(database, back)
    for store in (database, back):
        for layer in LAYERS:
            expected, got = source.read_table(layer.id), store.read_table(layer.id)
            assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()
            pd.testing.assert_frame_equal(
                pd.DataFrame(got.drop(columns="geometry")),
                pd.DataFrame(expected.drop(columns="geometry")),
            )
