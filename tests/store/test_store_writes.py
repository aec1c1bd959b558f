"""Whole-layer writes, backups and restores, photos and investors' leads: what every store
promises, on both backends (``store`` in conftest: the sample as a GeoPackage and in PostGIS).

Moved here from the GeoPackage's own unit tests (test_store_write, test_photos) so that one
suite holds both backends to the same behaviour; what only one backend has stays beside it.
"""

from __future__ import annotations

import threading

import pandas as pd
import pyogrio
import pytest

from landmap.access import Audience
from landmap.promotion.interest import InterestDraft, check_interest
from landmap.store import FeatureNotFound, GpkgStore, StoreConflict, StoreError

PLOT = "XQ-XZ-001"


def fields(frame: pd.DataFrame) -> pd.DataFrame:
    """The values, every missing one as None: a text column left with no value at all reads
    back as object, not string (as pyogrio reads it; the dtypes are the read suite's job)."""
    plain = pd.DataFrame(frame.drop(columns="geometry")).reset_index(drop=True).astype(object)
    return plain.where(plain.notna(), None)


def same_layer(got, expected) -> None:
    pd.testing.assert_frame_equal(fields(got), fields(expected))
    assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()


def replace_roads(store, frame, user="导入员", action="import:replace", version=None):
    return store.write_layer(
        "roads",
        frame,
        expected_version=store.version() if version is None else version,
        action=action,
        user=user,
    )


# --- whole-layer writes -------------------------------------------------------------------


def test_a_write_replaces_one_layer_and_keeps_the_others(store):
    roads, idle = store.read_table("roads"), store.read_table("idle_land")
    version = store.version()
    backup = store.write_layer(
        "roads",
        roads.iloc[:1],
        expected_version=version,
        action="import:replace",
        user="tester",
        note="one road",
    )
    same_layer(store.read_table("roads"), roads.iloc[:1])
    same_layer(store.read_table("idle_land"), idle)
    assert store.version() != version
    (saved,) = store.backups()
    assert saved == backup
    assert (saved.layer_id, saved.action, saved.user, saved.note) == (
        "roads",
        "import:replace",
        "tester",
        "one road",
    )
    assert str(saved.created_at.utcoffset()) == "8:00:00"  # Asia/Shanghai


def test_restore_brings_the_old_version_back_and_can_itself_be_undone(store):
    roads = store.read_table("roads")
    backup = replace_roads(store, roads.iloc[:1])
    undo = store.restore(backup.id, expected_version=store.version(), user="管理员")
    same_layer(store.read_table("roads"), roads)
    assert (undo.action, undo.layer_id, undo.user) == ("restore", "*", "管理员")
    assert undo.note == f"before restoring {backup.id}"
    assert [b.id for b in store.backups()] == [undo.id, backup.id]  # newest first
    store.restore(undo.id, expected_version=store.version(), user="管理员")
    same_layer(store.read_table("roads"), roads.iloc[:1])
    assert len(store.backups()) == 3


def test_a_layer_with_other_columns_is_written_and_restored_with_its_own(store):
    roads = store.read_table("roads")
    # Floats that only survive a backup if it keeps every digit.
    awkward = [0.1 + 0.2, 1e-300, 123456.78901234567, -0.0, 2.0**0.5, None]
    wider = roads.assign(budget_wan=[awkward[i % len(awkward)] for i in range(len(roads))])
    wider = wider.drop(columns="remarks")
    backup = replace_roads(store, wider)
    same_layer(store.read_table("roads"), wider)
    undo = store.restore(backup.id, expected_version=store.version(), user="a")
    same_layer(store.read_table("roads"), roads)
    store.restore(undo.id, expected_version=store.version(), user="a")
    restored = store.read_table("roads")
    same_layer(restored, wider)
    assert restored["budget_wan"].tolist()[:5] == awkward[:5]  # exactly, not approximately


def test_imports_and_restores_write_their_status_changes_into_the_history(store):
    roads = store.read_table("roads")
    one = roads["id"].iloc[1]
    old_status = roads["status"].iloc[1]
    new_status = "on_hold" if old_status != "on_hold" else "planning"
    changed = roads.copy()
    changed.loc[changed["id"] == one, "status"] = new_status
    start = len(store.history())
    backup = replace_roads(store, changed, action="import:update")
    rows = store.history().iloc[start:]
    assert rows[["feature_id", "field", "old_value", "new_value", "source", "changed_by"]].to_dict(
        "records"
    ) == [
        {
            "feature_id": one,
            "field": "status",
            "old_value": old_status,
            "new_value": new_status,
            "source": "import",
            "changed_by": "导入员",
        }
    ]
    assert rows["note"].tolist() == ["import:update"]  # the note, or else the action

    store.restore(backup.id, expected_version=store.version(), user="管理员")
    history = store.history()
    # Nothing is erased: the import's row, then what the restore changed back.
    assert history["source"].tolist()[start:] == ["import", "restore"]
    restored = history.iloc[-1]
    assert (restored["feature_id"], restored["new_value"], restored["changed_by"]) == (
        one,
        old_status,
        "管理员",
    )
    assert restored["note"] == f"恢复备份 {backup.id} / restored backup {backup.id}"


def checked_import(store, layer_id: str, frame, mode: str):
    """``frame`` (as read from the store) written to a GeoJSON, checked and imported as a
    clerk would (``prepare_import`` then ``commit_import``)."""
    from landmap.ingest.limits import Limits
    from landmap.ingest.plan import ImportOptions, commit_import, prepare_import
    from landmap.ingest.validate import ImportMode

    options = ImportOptions(layer_id=layer_id, mode=ImportMode(mode))
    data = frame.to_crs(4326).to_json().encode("utf-8")
    plan = prepare_import(data, "台账.geojson", options, store, None, Limits())
    assert plan.can_commit, plan.summary_lines("en")
    return commit_import(plan, store, user="导入员")


@pytest.mark.parametrize("mode", ["add", "update", "replace"])
def test_an_import_keeps_the_layers_number_columns_numbers(store, mode):
    idle = store.read_table("idle_land")
    numbers = [c for c in idle.columns if pd.api.types.is_float_dtype(idle[c])]
    assert "far_max" in numbers and "start_price_wan" in numbers
    incoming = idle.iloc[:2].copy()
    incoming["far_max"] = [2.5, 0.8]
    if mode == "add":
        incoming["id"] = ["NEW-1", "NEW-2"]
    checked_import(store, "idle_land", incoming, mode)
    after = store.read_table("idle_land").set_index("id")
    assert {c: str(after[c].dtype) for c in numbers} == {c: "float64" for c in numbers}
    ids = incoming["id"].tolist()
    assert after.loc[ids, "far_max"].tolist() == [2.5, 0.8]
    assert after.loc[ids, "start_price_wan"].tolist() == pytest.approx(
        idle.iloc[:2]["start_price_wan"].tolist(), nan_ok=True
    )


def test_a_stale_version_is_refused_and_nothing_changes(store):
    roads = store.read_table("roads")
    stale = store.version()
    replace_roads(store, roads, action="import:add", user="first", version=stale)
    after_first, backups, history = store.version(), store.backups(), store.history()
    with pytest.raises(StoreConflict, match="changed since it was read"):
        replace_roads(store, roads.iloc[:1], user="second", version=stale)
    same_layer(store.read_table("roads"), roads)
    assert store.version() == after_first
    assert store.backups() == backups  # the refused write left no backup behind
    pd.testing.assert_frame_equal(store.history(), history)


def test_a_failure_in_the_middle_of_a_write_leaves_the_old_layer(store, monkeypatch):
    """The new table is written, then something fails before the end: the old layer, its
    history and the list of backups are all as they were."""
    if isinstance(store, GpkgStore):
        target, name = pyogrio, "write_dataframe"
    else:
        import landmap.store.postgis as target

        name = "replace_layer_table"
    real = getattr(target, name)

    def write_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    roads = store.read_table("roads")
    changed = roads.assign(status="on_hold")
    version, history = store.version(), store.history()
    monkeypatch.setattr(target, name, write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        replace_roads(store, changed)
    monkeypatch.undo()
    same_layer(store.read_table("roads"), roads)
    assert store.version() == version and store.backups() == []
    pd.testing.assert_frame_equal(store.history(), history)


def test_two_writers_from_one_reading_one_wins_the_other_is_told(store):
    version = store.version()
    roads = store.read_table("roads")
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            replace_roads(store, roads.iloc[:n], user=f"u{n}", version=version)
            outcomes.append("ok")
        except StoreConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert len(store.backups()) == 1


def test_an_unknown_backup_is_an_error_and_changes_nothing(store):
    version = store.version()
    with pytest.raises(StoreError, match="not found"):
        store.restore("20990101T000000-abcdef", expected_version=version, user="x")
    assert store.version() == version


# --- photos ---------------------------------------------------------------------------------


def test_the_public_never_gets_an_internal_photo(store, photo):
    version, records = store.version(), store.records_version()
    public = store.add_photo("idle_land", PLOT, photo, caption="公开", public=True, user="e")
    assert store.records_version() != records
    assert store.version() == version  # the layers did not change: nothing to read again
    internal = store.add_photo(
        "idle_land", PLOT, photo, caption="内部\n秘密", public=False, user="e"
    )
    assert internal.caption == "内部 秘密"  # one line of plain text
    assert [p.caption for p in store.photos(PLOT, audience=Audience.STAFF)] == ["公开", "内部 秘密"]
    assert [p.caption for p in store.photos(PLOT, audience=Audience.PUBLIC)] == ["公开"]
    assert store.photos(audience=Audience.PUBLIC) == [public]
    assert store.photos("XQ-XZ-002", audience=Audience.STAFF) == []
    assert store.photo_bytes(internal.photo_id, audience=Audience.PUBLIC) is None
    assert store.photo_bytes(internal.photo_id, audience=Audience.PUBLIC, thumbnail=True) is None
    assert store.photo_bytes(internal.photo_id, audience=Audience.STAFF) == photo.image
    assert store.photo_bytes(public.photo_id, audience=Audience.PUBLIC) == photo.image
    thumb = store.photo_bytes(public.photo_id, audience=Audience.PUBLIC, thumbnail=True)
    assert thumb == photo.thumbnail
    assert store.photo_bytes("' OR 1=1 --", audience=Audience.STAFF) is None

    records = store.records_version()
    assert store.set_photo_public(internal.photo_id, True, user="e")
    assert store.records_version() != records  # a cached public page must not keep the old flag
    assert store.photo_bytes(internal.photo_id, audience=Audience.PUBLIC) is not None
    assert store.set_photo_public(public.photo_id, False, user="e")
    assert [p.caption for p in store.photos(PLOT, audience=Audience.PUBLIC)] == ["内部 秘密"]
    records = store.records_version()
    assert store.delete_photo(internal.photo_id, user="e")
    assert store.records_version() != records
    assert store.version() == version
    assert store.photos(PLOT, audience=Audience.PUBLIC) == []
    assert not store.delete_photo(internal.photo_id, user="e")
    assert not store.set_photo_public(internal.photo_id, True, user="e")
    assert not store.set_photo_public("not-an-id", True, user="e")


def test_a_photo_of_a_missing_feature_is_not_stored(store, photo):
    version, records = store.version(), store.records_version()
    with pytest.raises(FeatureNotFound):
        store.add_photo("idle_land", "NO-SUCH", photo, caption="", public=True, user="e")
    with pytest.raises(FeatureNotFound):
        store.add_photo("no_layer", PLOT, photo, caption="", public=True, user="e")
    assert (store.version(), store.records_version()) == (version, records)
    assert store.photos(audience=Audience.STAFF) == []


def test_photos_are_restored_with_the_data_and_leads_are_kept(store, photo):
    kept = store.add_photo("idle_land", PLOT, photo, caption="备份前", public=True, user="e")
    backup = store.write_layer(
        "idle_land",
        store.read_table("idle_land"),
        expected_version=store.version(),
        action="import:replace",
        user="e",
    )
    later = store.add_photo("idle_land", PLOT, photo, caption="备份后", public=True, user="e")
    store.delete_photo(kept.photo_id, user="e")
    lead = check_interest(InterestDraft(name="投资人", email="a@b.cn", plot_ids=(PLOT,)), {PLOT})
    store.add_interest(lead, lang="zh")
    history = len(store.history())

    store.restore(backup.id, expected_version=store.version(), user="admin")

    assert store.photos(audience=Audience.STAFF) == [kept]  # the backup's photos, bytes too
    assert store.photo_bytes(kept.photo_id, audience=Audience.PUBLIC) == photo.image
    assert store.photo_bytes(later.photo_id, audience=Audience.STAFF) is None
    assert list(store.interest_leads()["name"]) == ["投资人"]  # leads are records: kept
    assert len(store.history()) == history  # the layer came back as it is: no change rows
    # ... and the restore can be undone: the store from just before it is a backup too.
    undo = store.backups()[0]
    store.restore(undo.id, expected_version=store.version(), user="admin")
    assert [p.caption for p in store.photos(audience=Audience.STAFF)] == ["备份后"]
    assert list(store.interest_leads()["name"]) == ["投资人"]


# --- leads ----------------------------------------------------------------------------------


def test_leads_are_kept_as_submitted_newest_first(store):
    assert store.interest_leads().empty
    first = check_interest(
        InterestDraft(name="张先生", organisation="某公司", phone="13800000000", plot_ids=(PLOT,)),
        {PLOT, "XQ-XZ-002"},
    )
    second = check_interest(
        InterestDraft(
            name="Ms Li", email="li@example.com", message="想看地", plot_ids=(PLOT, "XQ-XZ-002")
        ),
        {PLOT, "XQ-XZ-002"},
    )
    version, records = store.version(), store.records_version()
    first_id = store.add_interest(first, lang="zh")
    assert store.records_version() != records
    assert store.version() == version
    second_id = store.add_interest(second, lang="en")
    leads = store.interest_leads()
    assert leads["interest_id"].tolist() == [second_id, first_id]
    newest = leads.iloc[0]
    assert (newest["name"], newest["email"], newest["message"], newest["lang"]) == (
        "Ms Li",
        "li@example.com",
        "想看地",
        "en",
    )
    assert newest["plot_ids"] == (PLOT, "XQ-XZ-002")
    oldest = leads.iloc[1]
    assert (oldest["organisation"], oldest["phone"], oldest["email"]) == (
        "某公司",
        "13800000000",
        "",
    )
    assert oldest["submitted_at"].endswith("+08:00")


def test_an_import_checked_before_a_lead_or_a_photo_still_goes_in(store, photo):
    """A visitor's lead or a new photo changes no layer: an import an editor checked before
    it is not refused as out of date, and keeps the lead and the photo. A change to the data
    in between still refuses it."""
    roads = store.read_table("roads")
    checked = store.version()
    lead = check_interest(InterestDraft(name="投资人", email="a@b.cn", plot_ids=(PLOT,)), {PLOT})
    store.add_interest(lead, lang="zh")
    kept = store.add_photo("idle_land", PLOT, photo, caption="现场", public=True, user="e")

    replace_roads(store, roads.iloc[:2], version=checked)

    assert len(store.read_table("roads")) == 2
    assert list(store.interest_leads()["name"]) == ["投资人"]
    assert store.photos(PLOT, audience=Audience.STAFF) == [kept]
    stale = store.version()
    replace_roads(store, roads.iloc[:1])  # another editor's import: the data moved
    with pytest.raises(StoreConflict):
        replace_roads(store, roads, version=stale)
    assert len(store.read_table("roads")) == 1


def test_awkward_values_read_back_as_they_were_written(store):
    """Text the PostGIS store reads through CSV (``COPY``) must come back exactly: separators,
    quotes, line breaks, an empty text apart from a missing one, backslashes; numbers with and
    without missing values; a missing shape."""
    roads = store.read_table("roads").iloc[:7].copy()
    roads["name"] = ['逗号,引号"', "换行\n第二行\r\n", "", None, "反斜杠\\N \\x01", " \t ", "NULL"]
    roads["remarks"] = None
    roads["lanes"] = [1, 2, 3, 4, 5, 6, 2**40]
    roads["row_width_m"] = [0.1, -0.0, 1e-300, 1.7976931348623157e308, None, 2.5, 1 / 3]
    roads.loc[roads.index[1], "geometry"] = None
    replace_roads(store, roads)
    read = store.read_table("roads")
    same_layer(read.drop(index=1), roads.drop(index=1))
    assert read.geometry.iloc[1] is None
    assert read["name"].iloc[2] == "" and pd.isna(read["name"].iloc[3])
    assert read["lanes"].dtype == "int64"
    roads["lanes"] = [1, None, 3, 4, 5, 6, 7]  # a missing whole number: floats, as pyogrio reads
    replace_roads(store, roads)
    assert store.read_table("roads")["lanes"].tolist()[:3] == pytest.approx(
        [1.0, float("nan"), 3.0], nan_ok=True
    )
