"""Deadlines: Beijing-time days, month ends, leap years, stages reached, and the late list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from landmap.dataset import load_dataset
from landmap.layers import IDLE_LAND, LAYERS, RENOVATION, ROADS
from landmap.progress.deadlines import (
    DEADLINE_ROW_COLUMNS,
    DEADLINE_STYLES,
    DeadlineState,
    Milestone,
    SkipReason,
    feature_deadlines,
    format_overdue_lines,
    keep_deadline_states,
    load_milestones,
    milestone_state,
    overdue_and_due_soon,
    overdue_headline,
    parse_milestones,
    read_milestones,
    status_reached,
    today_shanghai,
    with_deadline_columns,
)
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG, tiny_tables, write_gpkg

END_OF_NOVEMBER = date(2026, 11, 30)


def listed_by(due: date, feature_id: str = "T-1") -> Milestone:
    return Milestone("idle_land", feature_id, "listed", due)


def state_on(today: date, due: date, status: str = "ready", days: int = 30) -> DeadlineState:
    return milestone_state(IDLE_LAND, status, listed_by(due), today, days)


def frames(**layers: list[tuple[str, str]]) -> dict[str, gpd.GeoDataFrame]:
    """Layer frames with just what deadlines read: id, name, status, responsible unit."""
    return {
        layer_id: gpd.GeoDataFrame(
            {
                "id": [fid for fid, _ in rows],
                "name": [f"{fid} 名称" for fid, _ in rows],
                "status": [status for _, status in rows],
                "responsible_unit": ["西区住建局"] * len(rows),
            },
            index=[fid for fid, _ in rows],
        )
        for layer_id, rows in layers.items()
    }


# --- the day in Panzhihua ----------------------------------------------------------------------


def test_a_minute_before_midnight_in_beijing_is_still_the_due_day():
    today = today_shanghai(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    assert today == END_OF_NOVEMBER
    assert state_on(today, END_OF_NOVEMBER) is DeadlineState.DUE_SOON


def test_midnight_in_beijing_makes_it_overdue_while_it_is_still_the_30th_in_utc():
    today = today_shanghai(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 00:00 on 1 December
    assert today == date(2026, 12, 1)
    assert state_on(today, END_OF_NOVEMBER) is DeadlineState.OVERDUE


def test_another_offset_is_converted_not_read_as_local():
    new_york_evening = datetime(2026, 11, 30, 11, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert today_shanghai(new_york_evening) == date(2026, 12, 1)  # 00:30 in Shanghai


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        today_shanghai(datetime(2026, 11, 30, 23, 59))


def test_without_an_argument_it_is_todays_date_in_shanghai():
    assert today_shanghai() in {
        (datetime.now(UTC) + timedelta(hours=8)).date(),
        (datetime.now(UTC) + timedelta(hours=8, seconds=-5)).date(),  # a clock tick at midnight
    }


# --- due soon: the window and its edges --------------------------------------------------------


def test_exactly_thirty_days_ahead_is_due_soon_and_thirty_one_is_on_track():
    assert state_on(date(2026, 10, 31), END_OF_NOVEMBER) is DeadlineState.DUE_SOON  # 30 days
    assert state_on(date(2026, 10, 30), END_OF_NOVEMBER) is DeadlineState.ON_TRACK  # 31 days


def test_the_window_is_a_parameter():
    assert state_on(date(2026, 11, 23), END_OF_NOVEMBER, days=7) is DeadlineState.DUE_SOON
    assert state_on(date(2026, 11, 22), END_OF_NOVEMBER, days=7) is DeadlineState.ON_TRACK
    assert state_on(END_OF_NOVEMBER, END_OF_NOVEMBER, days=0) is DeadlineState.DUE_SOON


def test_the_end_of_february_in_a_common_year_and_in_the_leap_year_2028():
    assert state_on(date(2027, 3, 1), date(2027, 2, 28)) is DeadlineState.OVERDUE
    # 2028 has a 29 February: the 28th as a due date is overdue on the 29th ...
    assert state_on(date(2028, 2, 29), date(2028, 2, 28)) is DeadlineState.OVERDUE
    # ... and a plan due "by the end of February 2028" is not late until 1 March.
    assert state_on(date(2028, 2, 29), date(2028, 2, 29)) is DeadlineState.DUE_SOON
    assert state_on(date(2028, 3, 1), date(2028, 2, 29)) is DeadlineState.OVERDUE
    # 30 days before 29 Feb 2028 is 30 January (31 days in January, 29 in February).
    assert state_on(date(2028, 1, 30), date(2028, 2, 29)) is DeadlineState.DUE_SOON
    assert state_on(date(2028, 1, 29), date(2028, 2, 29)) is DeadlineState.ON_TRACK


# --- reaching a stage --------------------------------------------------------------------------


def test_a_later_stage_meets_the_milestone_even_after_the_due_date():
    assert status_reached(IDLE_LAND, "supplied", "listed")
    assert state_on(date(2027, 1, 15), END_OF_NOVEMBER, status="supplied") is DeadlineState.MET
    assert state_on(date(2027, 1, 15), END_OF_NOVEMBER, status="listed") is DeadlineState.MET


def test_an_earlier_stage_does_not():
    assert not status_reached(ROADS, "under_construction", "open_to_traffic")
    promoting = state_on(date(2026, 12, 1), END_OF_NOVEMBER, status="promoting")
    assert promoting is DeadlineState.OVERDUE


def test_on_hold_reaches_nothing_though_it_is_listed_last():
    assert not status_reached(IDLE_LAND, "on_hold", "listed")
    assert not status_reached(ROADS, "on_hold", "planning")
    paused = state_on(date(2026, 12, 1), END_OF_NOVEMBER, status="on_hold")
    assert paused is DeadlineState.OVERDUE
    assert status_reached(IDLE_LAND, "on_hold", "on_hold")  # should a plan ever ask for a pause
    assert not status_reached(IDLE_LAND, "revitalised", "on_hold")


def test_an_unknown_status_reaches_nothing():
    assert not status_reached(IDLE_LAND, "sold", "listed")
    assert not status_reached(IDLE_LAND, "", "identified")
    assert not status_reached(IDLE_LAND, "listed", "sold")
    assert state_on(date(2026, 11, 1), END_OF_NOVEMBER, status="挂牌") is DeadlineState.DUE_SOON


# --- per feature -------------------------------------------------------------------------------


def test_a_feature_with_two_milestones_takes_the_worst_and_says_which():
    shown = frames(renovation=[("R-1", "under_construction")])
    completed = Milestone("renovation", "R-1", "works_completed", date(2026, 10, 31))
    accepted = Milestone("renovation", "R-1", "accepted", date(2027, 6, 30))
    (result,) = feature_deadlines(shown, [accepted, completed], date(2026, 11, 24))
    assert result.state is DeadlineState.OVERDUE
    assert result.milestone == completed
    assert result.days_left == -24 and result.days_overdue == 24


def test_among_equal_states_the_earliest_due_date_decides():
    shown = frames(roads=[("D-1", "tendering")])
    start = Milestone("roads", "D-1", "under_construction", date(2026, 12, 10))
    opened = Milestone("roads", "D-1", "open_to_traffic", date(2026, 12, 20))
    (result,) = feature_deadlines(shown, [opened, start], date(2026, 11, 24))
    assert result.state is DeadlineState.DUE_SOON and result.milestone == start
    assert result.days_left == 16 and result.days_overdue is None


def test_a_met_milestone_does_not_hide_a_late_one():
    shown = frames(roads=[("D-1", "open_to_traffic")])
    milestones = [
        Milestone("roads", "D-1", "open_to_traffic", date(2026, 10, 31)),
        Milestone("roads", "D-1", "accepted", date(2026, 11, 20)),
    ]
    (result,) = feature_deadlines(shown, milestones, date(2026, 11, 24))
    assert result.state is DeadlineState.OVERDUE
    assert result.milestone.target_status == "accepted"


def test_features_without_milestones_are_none_and_filtered_features_are_left_out():
    shown = frames(idle_land=[("T-1", "ready"), ("T-2", "listed")])
    milestones = [listed_by(END_OF_NOVEMBER, "T-2"), listed_by(END_OF_NOVEMBER, "T-9")]
    results = feature_deadlines(shown, milestones, date(2026, 11, 24))
    assert [(r.feature_id, r.state) for r in results] == [
        ("T-1", DeadlineState.NONE),
        ("T-2", DeadlineState.MET),
    ]
    assert results[0].milestone is None and results[0].days_left is None


def test_deadline_columns_colour_and_filter_the_map():
    shown = frames(
        idle_land=[("T-1", "ready"), ("T-2", "listed"), ("T-3", "identified")],
        roads=[("D-1", "under_construction")],
    )
    milestones = [
        listed_by(date(2026, 12, 10), "T-1"),
        listed_by(date(2026, 9, 30), "T-2"),
        Milestone("roads", "D-1", "open_to_traffic", date(2026, 10, 31)),
    ]
    judged = with_deadline_columns(shown, milestones, date(2026, 11, 24))
    assert list(judged["idle_land"]["deadline_state"]) == ["due_soon", "met", "none"]
    assert list(judged["idle_land"]["deadline_due"]) == ["2026-12-10", "2026-09-30", None]
    assert judged["idle_land"]["deadline_days_left"].tolist() == [16, -55, pd.NA]
    assert judged["roads"].loc["D-1", "deadline_target"] == "open_to_traffic"
    assert "deadline_state" not in shown["idle_land"].columns  # the input is not changed

    late = keep_deadline_states(judged, {DeadlineState.OVERDUE, DeadlineState.DUE_SOON})
    assert list(late["idle_land"].index) == ["T-1"] and list(late["roads"].index) == ["D-1"]
    assert keep_deadline_states(judged, set()) == judged


def test_every_state_has_a_label_in_both_languages_and_a_distinct_colour():
    assert set(DEADLINE_STYLES) == set(DeadlineState)
    assert all(s.label.zh and s.label.en for s in DEADLINE_STYLES.values())
    assert len({s.color for s in DEADLINE_STYLES.values()}) == len(DeadlineState)
    assert [s.severity for s in DeadlineState] == [0, 1, 2, 3, 4]
    assert DeadlineState.OVERDUE.label.get("zh") == "已逾期"


# --- the late list -----------------------------------------------------------------------------


def test_the_late_list_puts_the_most_overdue_first_one_row_per_milestone():
    shown = frames(
        idle_land=[("T-1", "promoting"), ("T-2", "listed")],
        roads=[("D-1", "land_clearance")],
    )
    milestones = [
        listed_by(date(2026, 12, 10), "T-1"),  # due in 16 days
        listed_by(date(2026, 9, 30), "T-2"),  # met: not listed
        Milestone("roads", "D-1", "under_construction", date(2026, 9, 30)),  # 55 days late
        Milestone("roads", "D-1", "open_to_traffic", date(2026, 10, 31)),  # 24 days late
        Milestone("roads", "D-1", "accepted", date(2027, 12, 31)),  # on track: not listed
    ]
    rows = overdue_and_due_soon(shown, milestones, date(2026, 11, 24), "zh")
    assert tuple(rows.columns) == DEADLINE_ROW_COLUMNS
    assert list(zip(rows["feature_id"], rows["days_left"], strict=True)) == [
        ("D-1", -55),
        ("D-1", -24),
        ("T-1", 16),
    ]
    first = rows.iloc[0]
    assert first["layer"] == "道路" and first["target_label"] == "在建"
    assert first["status_label"] == "征地拆迁" and first["state_label"] == "已逾期"
    assert first["responsible_unit"] == "西区住建局" and first["due_date"] == "2026-09-30"

    lines = format_overdue_lines(rows, "zh")
    assert lines[0] == (
        "【逾期55天】D-1 名称（道路，西区住建局）：应于2026-09-30前达到“在建”，现为“征地拆迁”"
    )
    assert lines[2].startswith("【16天后到期】T-1 名称")
    # The printed language follows ``lang``, whatever language the rows were made in.
    assert format_overdue_lines(rows, "en")[0] == (
        "[55 days overdue] D-1 名称 (Roads, 西区住建局): to reach “Under construction” by "
        "2026-09-30; now “Land acquisition & demolition”"
    )


def test_the_late_list_in_english_and_its_day_words():
    shown = frames(idle_land=[("T-1", "ready"), ("T-2", "ready"), ("T-3", "ready")])
    milestones = [
        listed_by(date(2026, 11, 23), "T-1"),
        listed_by(date(2026, 11, 24), "T-2"),
        listed_by(date(2026, 11, 25), "T-3"),
    ]
    rows = overdue_and_due_soon(shown, milestones, date(2026, 11, 24), "en")
    assert format_overdue_lines(rows, "en") == [
        "[1 day overdue] T-1 名称 (Idle land, 西区住建局): to reach “Listed for sale” by "
        "2026-11-23; now “Ready for supply”",
        "[due today] T-2 名称 (Idle land, 西区住建局): to reach “Listed for sale” by "
        "2026-11-24; now “Ready for supply”",
        "[due tomorrow] T-3 名称 (Idle land, 西区住建局): to reach “Listed for sale” by "
        "2026-11-25; now “Ready for supply”",
    ]


def test_the_headline_counts_overdue_and_due_soon_milestones():
    shown = frames(idle_land=[("T-1", "ready"), ("T-2", "ready")], roads=[("D-1", "tendering")])
    milestones = [
        listed_by(date(2026, 11, 1), "T-1"),
        listed_by(date(2026, 12, 1), "T-2"),
        Milestone("roads", "D-1", "under_construction", date(2026, 10, 31)),
    ]
    rows = overdue_and_due_soon(shown, milestones, date(2026, 11, 24), "zh", due_soon_days=14)
    today = date(2026, 11, 24)
    assert overdue_headline(rows, today, "zh", 14) == "截至2026-11-24：逾期2项，14天内到期1项"
    assert overdue_headline(rows, today, "en", 14) == (
        "As of 2026-11-24: 2 overdue, 1 due within 14 days"
    )


def test_the_late_list_window_follows_within_days_and_can_be_empty():
    shown = frames(idle_land=[("T-1", "ready")])
    milestones = [listed_by(date(2026, 12, 31), "T-1")]  # 37 days ahead
    assert overdue_and_due_soon(shown, milestones, date(2026, 11, 24), "zh").empty
    rows = overdue_and_due_soon(shown, milestones, date(2026, 11, 24), "zh", due_soon_days=40)
    assert list(rows["days_left"]) == [37]
    empty = overdue_and_due_soon({}, milestones, date(2026, 11, 24), "en")
    assert tuple(empty.columns) == DEADLINE_ROW_COLUMNS and format_overdue_lines(empty, "en") == []


# --- reading the table -------------------------------------------------------------------------


def test_usable_rows_are_read_and_the_others_are_named_with_a_reason():
    rows = [
        ("idle_land", "T-1", "listed", "2026-11-30"),
        ("parks", "P-1", "opened", "2026-11-30"),
        ("idle_land", "T-2", "listed", "2026-02-30"),
        ("roads", "D-1", "sold", "2026-10-31"),
        ("idle_land", "T-1", "listed", "2026-12-31"),
        ("idle_land", None, "listed", "2026-11-30"),
        ("roads", "D-2", "accepted", "30/11/2026"),
    ]
    table = pd.DataFrame(rows, columns=["layer", "feature_id", "target_status", "due_date"])
    reading = parse_milestones(table)
    assert reading.milestones == (listed_by(END_OF_NOVEMBER),)
    assert [(s.row, s.reason) for s in reading.skipped] == [
        (2, SkipReason.UNKNOWN_LAYER),
        (3, SkipReason.BAD_DATE),
        (4, SkipReason.UNKNOWN_STATUS),
        (5, SkipReason.DUPLICATE),
        (6, SkipReason.NO_FEATURE_ID),
        (7, SkipReason.BAD_DATE),
    ]
    assert reading.skipped[1].message("en") == (
        "#3 idle_land/T-2 → listed @ 2026-02-30: date not YYYY-MM-DD"
    )


def test_a_date_column_read_as_timestamps_is_accepted():
    table = pd.DataFrame(
        {
            "layer": ["roads"],
            "feature_id": ["D-1"],
            "target_status": ["open_to_traffic"],
            "due_date": pd.to_datetime(["2026-10-31"]),
        }
    )
    (milestone,) = parse_milestones(table).milestones
    assert milestone.due == date(2026, 10, 31)


def test_a_store_without_the_table_has_no_milestones(tmp_path):
    store = GpkgStore(write_gpkg(tmp_path / "tiny.gpkg", tiny_tables()))
    assert read_milestones(store) == []
    assert load_milestones(store).skipped == ()


def test_the_table_is_read_from_the_geopackage(tmp_path):
    path = write_gpkg(tmp_path / "tiny.gpkg", tiny_tables())
    rows = pd.DataFrame(
        {
            "layer": ["idle_land", "renovation", "idle_land"],
            "feature_id": ["T-1", "R-1", "T-3"],
            "target_status": ["listed", "works_completed", "listed"],
            "due_date": ["2026-11-30", "2026-12-31", "2026-11-31"],
        }
    )
    pyogrio.write_dataframe(rows, path, layer="landmap_milestones", driver="GPKG")
    reading = load_milestones(GpkgStore(path))
    assert [m.feature_id for m in reading.milestones] == ["T-1", "R-1"]
    assert [s.feature_id for s in reading.skipped] == ["T-3"]
    assert read_milestones(GpkgStore(path))[1] == Milestone(
        "renovation", "R-1", "works_completed", date(2026, 12, 31)
    )


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.id)
def test_every_stage_reaches_itself_and_every_earlier_stage(layer):
    stages = [c for c in layer.status_codes if c != "on_hold"]
    for i, current in enumerate(stages):
        for j, target in enumerate(stages):
            assert status_reached(layer, current, target) is (i >= j), (current, target)


def test_renovation_accepted_meets_works_completed():
    assert status_reached(RENOVATION, "accepted", "works_completed")


# --- the committed sample ----------------------------------------------------------------------


def test_the_sample_work_plan_shows_every_state_in_late_november_2026():
    store = GpkgStore(SAMPLE_GPKG)
    reading = load_milestones(store)
    assert reading.skipped == () and len(reading.milestones) >= 30
    frames = load_dataset(store).frames
    states = {r.state for r in feature_deadlines(frames, reading.milestones, date(2026, 11, 24))}
    assert states == set(DeadlineState)
    with_plan = {(m.layer_id, m.feature_id) for m in reading.milestones}
    total = sum(len(frame) for frame in frames.values())
    assert total / 4 <= len(with_plan) <= total / 2  # about a third of the features
