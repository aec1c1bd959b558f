"""The dashboard's numbers: by status, money, and stages reached per month in Beijing time."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from landmap.dataset import load_dataset
from landmap.layers import UNKNOWN_STATUS_STYLE
from landmap.progress.stats import (
    INVESTMENT_COLUMNS,
    MONTHLY_COLUMNS,
    STATUS_BREAKDOWN_COLUMNS,
    investment_by_layer,
    months_without_updates,
    status_breakdown,
    statuses_reached_by_month,
)
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG


def layer(rows: list[dict]) -> pd.DataFrame:
    """A layer frame as the dataset gives it (only the columns these numbers read)."""
    frame = pd.DataFrame(rows)
    frame.index = frame["id"]
    for column in ("area_mu", "length_km"):
        if column not in frame.columns:
            frame[column] = 0.0
    return frame


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return {
        "idle_land": layer(
            [
                {"id": "T-1", "status": "listed", "area_mu": 15.0},
                {"id": "T-2", "status": "identified", "area_mu": 60.0},
                {"id": "T-3", "status": "listed", "area_mu": 3.75},
                {"id": "T-4", "status": "sold", "area_mu": 1.0},  # not a code of the layer
            ]
        ),
        "renovation": layer(
            [
                {
                    "id": "R-1",
                    "status": "under_construction",
                    "area_mu": 30.0,
                    "investment_wan": 820.0,
                    "invested_to_date_wan": 410.0,
                },
                {
                    "id": "R-2",
                    "status": "planned",
                    "area_mu": 20.0,
                    "investment_wan": 300.0,
                    "invested_to_date_wan": None,
                },
                {
                    "id": "R-3",
                    "status": "planned",
                    "area_mu": 10.0,
                    "investment_wan": None,
                    "invested_to_date_wan": None,
                },
            ]
        ),
        "roads": layer(
            [
                {"id": "D-1", "status": "under_construction", "length_km": 1.25},
                {"id": "D-2", "status": "under_construction", "length_km": 0.5},
            ]
        ),
    }


# --- by status ---------------------------------------------------------------------------------


def test_counts_area_and_length_by_layer_and_status_in_stage_order(frames):
    table = status_breakdown(frames, "zh")
    assert tuple(table.columns) == STATUS_BREAKDOWN_COLUMNS
    assert list(zip(table["layer_id"], table["status"], table["count"], strict=True)) == [
        ("idle_land", "identified", 1),
        ("idle_land", "listed", 2),
        ("idle_land", "sold", 1),
        ("renovation", "planned", 2),
        ("renovation", "under_construction", 1),
        ("roads", "under_construction", 2),
    ]
    listed = table.iloc[1]
    assert listed["area_mu"] == 18.75 and math.isnan(listed["length_km"])
    assert listed["layer"] == "闲置地" and listed["status_label"] == "挂牌公告中"
    roads = table.iloc[5]
    assert roads["length_km"] == 1.75 and math.isnan(roads["area_mu"])


def test_an_unknown_status_is_counted_labelled_and_greyed_not_dropped(frames):
    unknown = status_breakdown(frames, "en").iloc[2]
    assert unknown["status_label"] == "Unknown status (sold)"
    assert unknown["status_color"] == UNKNOWN_STATUS_STYLE.color
    assert unknown["stage"] == 9  # after the layer's eight stages and on_hold


def test_labels_follow_the_language(frames):
    table = status_breakdown(frames, "en")
    assert table.iloc[0]["layer"] == "Idle land" and table.iloc[0]["status_label"] == "Identified"
    assert table.iloc[0]["status_color"] == "#78909c"


def test_nothing_shown_gives_an_empty_table_with_the_same_columns():
    empty = status_breakdown({"roads": layer([{"id": "x", "status": "planning"}]).iloc[:0]}, "zh")
    assert empty.empty and tuple(empty.columns) == STATUS_BREAKDOWN_COLUMNS
    assert empty["count"].dtype == "int64"


# --- money -------------------------------------------------------------------------------------


def test_planned_against_completed_counts_missing_figures_as_zero_and_says_how_many(frames):
    table = investment_by_layer(frames, "zh")
    assert tuple(table.columns) == INVESTMENT_COLUMNS
    # Idle land and shantytown plots carry no money in the registry: no row for them.
    assert list(table["layer_id"]) == ["renovation", "roads"]
    renovation = table.iloc[0].to_dict()
    assert renovation["features"] == 3
    assert renovation["planned_wan"] == 1120.0 and renovation["completed_wan"] == 410.0
    assert renovation["no_planned_figure"] == 1 and renovation["no_completed_figure"] == 2
    assert renovation["completed_pct"] == pytest.approx(410 / 1120 * 100)


def test_a_layer_whose_frame_lacks_the_money_columns_has_zero_and_every_figure_missing(frames):
    roads = investment_by_layer(frames, "en").iloc[1].to_dict()
    assert roads["layer"] == "Roads" and roads["features"] == 2
    assert roads["planned_wan"] == 0.0 and roads["completed_wan"] == 0.0
    assert roads["no_planned_figure"] == 2 and roads["no_completed_figure"] == 2
    assert math.isnan(roads["completed_pct"])  # nothing planned: no percentage


def test_text_in_a_money_column_counts_as_no_figure():
    frame = layer(
        [
            {"id": "R-1", "status": "planned", "investment_wan": "约500"},
            {"id": "R-2", "status": "planned", "investment_wan": 200},
        ]
    )
    (row,) = investment_by_layer({"renovation": frame}, "zh").to_dict("records")
    assert row["planned_wan"] == 200.0 and row["no_planned_figure"] == 1


# --- stages reached per month ------------------------------------------------------------------


def history(*rows: tuple[str, str, str, str | None, str]) -> pd.DataFrame:
    """History rows (layer, feature id, field, new value, changed_at), as the store keeps them."""
    return pd.DataFrame(
        [
            {
                "change_id": f"c{i}",
                "layer": layer_id,
                "feature_id": feature_id,
                "field": field,
                "old_value": None,
                "new_value": new,
                "changed_by": "张三",
                "changed_at": changed_at,
                "note": None,
                "source": "app",
            }
            for i, (layer_id, feature_id, field, new, changed_at) in enumerate(rows)
        ]
    )


def test_each_feature_counts_once_per_status_and_month(frames):
    rows = history(
        ("idle_land", "T-1", "status", "listed", "2026-10-03T09:00:00+08:00"),
        ("idle_land", "T-3", "status", "listed", "2026-10-20T09:00:00+08:00"),
        # T-1 went back and forth within October: still one feature listed in October.
        ("idle_land", "T-1", "status", "ready", "2026-10-05T09:00:00+08:00"),
        ("idle_land", "T-1", "status", "listed", "2026-10-09T09:00:00+08:00"),
        ("roads", "D-1", "status", "under_construction", "2026-11-02T10:00:00+08:00"),
        ("roads", "D-1", "progress_pct", "40", "2026-11-20T10:00:00+08:00"),  # not a status
    )
    table = statuses_reached_by_month(rows, frames, "zh")
    assert tuple(table.columns) == MONTHLY_COLUMNS
    assert list(zip(table["month"], table["status"], table["count"], strict=True)) == [
        ("2026-10", "ready", 1),
        ("2026-10", "listed", 2),
        ("2026-11", "under_construction", 1),
    ]
    assert table.iloc[1]["status_label"] == "挂牌公告中" and table.iloc[2]["layer"] == "道路"


def test_months_are_beijing_months_not_utc_months(frames):
    rows = history(
        # 23:30 UTC on 31 October is 07:30 on 1 November in Panzhihua.
        ("roads", "D-1", "status", "under_construction", "2026-10-31T23:30:00+00:00"),
        ("roads", "D-2", "status", "under_construction", "2026-10-31T23:59:00+08:00"),
        ("idle_land", "T-1", "status", "listed", "2026-10-31T16:00:00Z"),
    )
    table = statuses_reached_by_month(rows, frames, "en")
    assert list(zip(table["month"], table["layer_id"], strict=True)) == [
        ("2026-10", "roads"),
        ("2026-11", "idle_land"),
        ("2026-11", "roads"),
    ]


def test_only_features_on_the_filtered_map_count(frames):
    rows = history(
        ("idle_land", "T-1", "status", "listed", "2026-10-03T09:00:00+08:00"),
        ("idle_land", "T-99", "status", "listed", "2026-10-03T09:00:00+08:00"),  # filtered out
        ("shantytown", "S-1", "status", "vacated", "2026-10-03T09:00:00+08:00"),  # layer hidden
    )
    table = statuses_reached_by_month(rows, frames, "zh")
    assert list(table["count"]) == [1]
    only_roads = statuses_reached_by_month(rows, {"roads": frames["roads"]}, "zh")
    assert only_roads.empty and tuple(only_roads.columns) == MONTHLY_COLUMNS


def test_unreadable_times_and_cleared_statuses_are_left_out(frames):
    rows = history(
        ("idle_land", "T-1", "status", "listed", "not a time"),
        ("idle_land", "T-2", "status", None, "2026-10-03T09:00:00+08:00"),
        ("idle_land", "T-3", "status", "listed", None),
        ("idle_land", "T-3", "status", "listed", "2026-09-30 18:00:00"),  # naive: Beijing time
    )
    table = statuses_reached_by_month(rows, frames, "zh")
    assert list(zip(table["month"], table["count"], strict=True)) == [("2026-09", 1)]


def test_no_history_yet_gives_an_empty_table():
    empty = statuses_reached_by_month(pd.DataFrame(), {}, "zh")
    assert empty.empty and tuple(empty.columns) == MONTHLY_COLUMNS


# --- months without any update (flagged on the monthly chart) ----------------------------------


def test_months_without_any_update_are_listed_up_to_this_month(frames):
    rows = history(
        ("idle_land", "T-1", "status", "listed", "2026-04-03T09:00:00+08:00"),
        ("roads", "D-1", "progress_pct", "40", "2026-06-20T10:00:00+08:00"),  # any field counts
    )
    assert months_without_updates(rows, frames, date(2026, 9, 2)) == [
        "2026-05",
        "2026-07",
        "2026-08",
        "2026-09",
    ]


def test_a_month_counts_in_beijing_time_and_only_for_shown_features(frames):
    rows = history(
        ("idle_land", "T-1", "status", "listed", "2026-04-03T09:00:00+08:00"),
        # 16:30 UTC on 31 May is 00:30 on 1 June in Panzhihua: June is not silent.
        ("roads", "D-1", "status", "under_construction", "2026-05-31T16:30:00Z"),
        ("idle_land", "T-99", "status", "listed", "2026-07-03T09:00:00+08:00"),  # filtered out
    )
    assert months_without_updates(rows, frames, date(2026, 7, 31)) == ["2026-05", "2026-07"]
    assert months_without_updates(rows, {"roads": frames["roads"]}, date(2026, 7, 1)) == ["2026-07"]


def test_an_updated_at_date_from_an_import_counts_as_an_update(frames):
    rows = history(("idle_land", "T-1", "status", "listed", "2026-04-03T09:00:00+08:00"))
    imported = {**frames, "roads": frames["roads"].assign(updated_at=["2026-05-12", None])}
    assert months_without_updates(rows, imported, date(2026, 6, 1)) == ["2026-06"]


def test_nothing_ever_updated_flags_no_month(frames):
    assert months_without_updates(pd.DataFrame(), frames, date(2026, 6, 1)) == []


# --- the committed sample ----------------------------------------------------------------------


def test_the_sample_history_fills_each_month_of_2026_up_to_the_sample_date():
    store = GpkgStore(SAMPLE_GPKG)
    frames = load_dataset(store).frames
    history = store.history()
    table = statuses_reached_by_month(history, frames, "zh")
    assert list(table["month"].unique()) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert set(history["source"]) == {"sample"} and set(history["changed_by"]) == {"示例数据"}
    # Each feature's last recorded status is the status it has now.
    status_rows = history[history["field"] == "status"].sort_values("changed_at")
    last = status_rows.groupby(["layer", "feature_id"])["new_value"].last()
    for (layer_id, feature_id), status in last.items():
        assert frames[layer_id].loc[feature_id, "status"] == status, feature_id
