"""The timeline of a feature and going back to an earlier state, over a real store."""

from __future__ import annotations

import pytest

from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.progress.history import restore_changes, state_before, timeline
from landmap.store import GpkgStore
from tests.conftest import tiny_tables, write_gpkg


@pytest.fixture
def store(tmp_path):
    return GpkgStore(write_gpkg(tmp_path / "live.gpkg", tiny_tables()))


def save(store, version, *changes, user="张三", note="n"):
    store.apply_edits(
        [FeatureEdit("renovation", "R-1", version, tuple(changes))],
        user=user,
        note=note,
        source="app",
    )


def test_saves_are_grouped_and_going_back_is_a_recorded_change(store):
    save(
        store,
        0,
        FieldChange("status", "under_construction", "works_completed"),
        FieldChange("progress_pct", "45", "100"),
        note="完工",
    )
    save(store, 1, FieldChange("progress_pct", "100", "95"), user="李四", note="更正")
    entries = timeline(store.history("R-1"))
    assert [e.note for e in entries] == ["完工", "更正"]
    assert [len(e.changes) for e in entries] == [2, 1]
    assert entries[0].when.startswith("20") and len(entries[0].when) == 16

    # Before the first save: both fields as imported.
    assert state_before(entries, entries[0].change_id) == {
        "status": "under_construction",
        "progress_pct": "45",
    }
    current = {"status": "works_completed", "progress_pct": "95"}
    changes = restore_changes(entries, entries[1].change_id, current)
    assert changes == (FieldChange("progress_pct", "95", "100"),)

    save(store, 2, *restore_changes(entries, entries[0].change_id, current), note="恢复")
    row = store.read_table("renovation").set_index("id").loc["R-1"]
    assert (row["status"], row["progress_pct"]) == ("under_construction", 45.0)
    assert len(timeline(store.history("R-1"))) == 3  # nothing was deleted


def test_no_history_is_an_empty_timeline(store):
    assert timeline(store.history("R-1")) == []
