"""Follow-up logic: lateness in words, last updates, stale features, units that are behind."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from landmap.progress.deadlines import Milestone, overdue_and_due_soon
from landmap.progress.followup import (
    DEFAULT_STALE_WEEKS,
    STALE_COLUMNS,
    last_updates,
    lateness_text,
    parse_stale_weeks,
    silence_text,
    stale_features,
    stale_weeks_setting,
    units_behind,
    with_contacts,
)

TODAY = date(2026, 11, 24)


def layer(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = frame["id"]
    return frame


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return {
        "idle_land": layer(
            [
                {
                    "id": "T-1",
                    "name": "大水井地块",
                    "status": "ready",
                    "responsible_unit": "西区自然资源局",
                    "contact": "王某",
                    "updated_at": "2026-10-01",
                },
                {
                    "id": "T-2",
                    "name": "陶家渡地块",
                    "status": "listed",
                    "responsible_unit": "西区自然资源局",
                    "contact": "李某",
                    "updated_at": None,
                },
            ]
        ),
        "roads": layer(
            [
                {
                    "id": "D-1",
                    "name": "金竹路",
                    "status": "under_construction",
                    "responsible_unit": "西区住建局",
                    "contact": "吴某",
                    "updated_at": "2026-11-20",
                },
                {
                    "id": "D-2",
                    "name": "新飞路",
                    "status": "tendering",
                    "responsible_unit": "",
                    "contact": None,
                    "updated_at": "2026-01-05",
                },
            ]
        ),
    }


def history(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"layer": lid, "feature_id": fid, "field": "status", "changed_at": when}
            for lid, fid, when in rows
        ]
    )


# --- lateness in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "zh", "en"),
    [
        (-157, "逾期 157 天", "157 days overdue"),
        (-1, "逾期 1 天", "1 day overdue"),
        (0, "今天到期", "due today"),
        (1, "明天到期", "due tomorrow"),
        (12, "12 天后到期", "due in 12 days"),
    ],
)
def test_lateness_reads_as_words_not_a_negative_number(days_left, zh, en):
    assert lateness_text(days_left, "zh") == zh
    assert lateness_text(days_left, "en") == en


def test_silence_in_weeks():
    assert silence_text(63, "zh") == "9 周未更新"
    assert silence_text(13, "en") == "silent 1 week"
    assert silence_text(None, "zh") == "从未更新"


# --- the setting ---------------------------------------------------------------------------------


def test_each_layer_has_its_own_default_and_the_setting_can_change_one_or_all():
    assert parse_stale_weeks("") == DEFAULT_STALE_WEEKS
    assert parse_stale_weeks("roads=2")["roads"] == 2
    assert parse_stale_weeks("roads=2")["idle_land"] == DEFAULT_STALE_WEEKS["idle_land"]
    assert set(parse_stale_weeks("6").values()) == {6}
    assert parse_stale_weeks("6, roads=2") == {**dict.fromkeys(DEFAULT_STALE_WEEKS, 6), "roads": 2}
    assert stale_weeks_setting({"LANDMAP_STALE_WEEKS": "idle_land=12"})["idle_land"] == 12


@pytest.mark.parametrize("bad", ["rivers=3", "roads=two", "0", "roads=200"])
def test_a_bad_setting_is_refused_with_its_part_named(bad):
    with pytest.raises(ValueError, match=bad.split("=")[0]):
        parse_stale_weeks(bad)


# --- last updates and stale features -------------------------------------------------------------


def test_the_last_update_is_the_later_of_the_field_and_the_history_in_beijing_days(frames):
    rows = history(
        ("idle_land", "T-1", "2026-09-01T10:00:00+08:00"),  # older than updated_at
        # 17:00 UTC on 3 November is 01:00 on 4 November in Panzhihua.
        ("idle_land", "T-2", "2026-11-03T17:00:00Z"),
        ("roads", "D-9", "2026-11-23T10:00:00+08:00"),  # not a shown feature
    )
    updates = last_updates(frames, rows)
    assert updates[("idle_land", "T-1")] == date(2026, 10, 1)
    assert updates[("idle_land", "T-2")] == date(2026, 11, 4)
    assert updates[("roads", "D-1")] == date(2026, 11, 20)
    assert ("roads", "D-9") not in updates
    assert (
        last_updates({"idle_land": frames["idle_land"]}, pd.DataFrame())[("idle_land", "T-2")]
        is None
    )


def test_stale_means_at_least_the_layers_weeks_without_any_update(frames):
    updates = {
        ("idle_land", "T-1"): date(2026, 9, 29),  # 8 weeks before 24 Nov exactly: stale
        ("idle_land", "T-2"): date(2026, 9, 30),  # a day short of 8 weeks: not yet
        ("roads", "D-1"): date(2026, 10, 27),  # 4 weeks exactly: stale for roads
        ("roads", "D-2"): None,  # never updated: stale, and listed first
    }
    table = stale_features(frames, updates, TODAY, DEFAULT_STALE_WEEKS, "zh")
    assert tuple(table.columns) == STALE_COLUMNS
    assert list(zip(table["layer_id"], table["feature_id"], strict=True)) == [
        ("idle_land", "T-1"),
        ("roads", "D-2"),
        ("roads", "D-1"),
    ]
    first = table.iloc[0]
    assert first["days_since"] == 56 and first["threshold_weeks"] == 8
    assert first["contact"] == "王某" and first["responsible_unit"] == "西区自然资源局"
    assert first["layer"] == "闲置地" and first["last_update"] == "2026-09-29"
    never = table.iloc[1]
    assert never["last_update"] == "" and pd.isna(never["days_since"])


def test_the_weeks_apply_per_layer(frames):
    updates = dict.fromkeys([("idle_land", "T-1"), ("idle_land", "T-2")], date(2026, 11, 1))
    updates |= dict.fromkeys([("roads", "D-1"), ("roads", "D-2")], date(2026, 11, 1))
    strict = stale_features(frames, updates, TODAY, {"idle_land": 8, "roads": 2}, "en")
    assert list(strict["feature_id"]) == ["D-1", "D-2"]
    assert strict.iloc[0]["layer"] == "Roads"


# --- the late list with contacts, and units ------------------------------------------------------


def test_late_rows_get_the_contact_the_last_update_and_lateness_in_words(frames):
    milestones = [
        Milestone("idle_land", "T-1", "listed", date(2026, 6, 20)),  # 157 days overdue
        Milestone("roads", "D-1", "open_to_traffic", date(2026, 12, 4)),  # due in 10 days
        Milestone("roads", "D-2", "under_construction", date(2026, 11, 1)),
    ]
    late = overdue_and_due_soon(frames, milestones, TODAY, "zh")
    updates = last_updates(frames, pd.DataFrame())
    rows = with_contacts(late, frames, updates, "zh")
    assert list(rows["lateness"]) == ["逾期 157 天", "逾期 23 天", "10 天后到期"]
    assert list(rows["contact"]) == ["王某", "", "吴某"]
    assert list(rows["last_update"]) == ["2026-10-01", "2026-01-05", "2026-11-20"]

    stale = stale_features(frames, updates, TODAY, DEFAULT_STALE_WEEKS, "zh")
    units = units_behind(rows, stale)
    assert list(units["unit"]) == ["西区自然资源局", "", "西区住建局"]
    assert units.iloc[0][["overdue", "due_soon", "stale"]].tolist() == [1, 0, 1]
    assert units.iloc[0]["contacts"] == ["王某", "李某"]  # T-1 late, T-2 never updated
    assert units.iloc[1][["overdue", "due_soon", "stale"]].tolist() == [1, 0, 1]
    assert units.iloc[2][["overdue", "due_soon", "stale"]].tolist() == [0, 1, 0]


def test_a_feature_late_on_two_milestones_counts_once_for_its_unit(frames):
    milestones = [
        Milestone("roads", "D-1", "accepted", date(2026, 10, 1)),
        Milestone("roads", "D-1", "open_to_traffic", date(2026, 11, 1)),
    ]
    late = overdue_and_due_soon(frames, milestones, TODAY, "zh")
    assert len(late) == 2
    units = units_behind(
        with_contacts(late, frames, {}, "zh"), stale_features({}, {}, TODAY, {}, "zh")
    )
    assert units.iloc[0]["overdue"] == 1
