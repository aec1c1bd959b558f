"""Edit rules: what an editor may change, and the reasons a change is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from landmap.layers import LAYER_BY_ID
from landmap.progress.edits import (
    FeatureEdit,
    FieldChange,
    canonical_value,
    changed_fields,
    check_edit,
    current_values,
    editable_fields,
    split_text,
)

ROADS = LAYER_BY_ID["roads"]
IDLE = LAYER_BY_ID["idle_land"]


def edit(*changes: FieldChange, layer: str = "roads") -> FeatureEdit:
    return FeatureEdit(layer, "XQ-DL-001", 0, changes)


def test_editable_fields_are_status_then_the_tracked_fields_of_the_layer():
    fields = editable_fields(ROADS)
    assert fields[0] == "status"
    assert {"progress_pct", "land_clearance_pct", "actual_start", "actual_finish"} <= set(fields)
    assert "name" not in fields and "contractor" not in fields
    assert "handover_date" in editable_fields(IDLE)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("progress_pct", 40.0, "40"),
        ("progress_pct", "12.50", "12.5"),
        ("progress_pct", "", None),
        ("actual_start", dt.date(2026, 3, 1), "2026-03-01"),
        ("actual_start", "2026-03-01 00:00:00", "2026-03-01"),
        ("status", " under_construction ", "under_construction"),
        ("milestone:open_to_traffic", "2026-12-31", "2026-12-31"),
    ],
)
def test_values_are_kept_as_canonical_text(field, raw, expected):
    assert canonical_value(ROADS, field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw"), [("progress_pct", "about half"), ("actual_start", "2026-02-30")]
)
def test_unreadable_values_raise_with_both_languages(field, raw):
    with pytest.raises(ValueError) as err:
        canonical_value(ROADS, field, raw)
    assert split_text(err.value, "zh") != split_text(err.value, "en")


def test_name_is_not_editable():
    with pytest.raises(ValueError):
        canonical_value(ROADS, "name", "新名称")


def reasons(problems, lang="en"):
    return " | ".join(p.text(lang) for p in problems)


def test_a_status_outside_the_vocabulary_is_refused():
    problems = check_edit(ROADS, edit(FieldChange("status", "tendering", "listed")), {}, "note")
    assert "not one of this layer's statuses" in reasons(problems)


@pytest.mark.parametrize("value", ["120", "-5"])
def test_progress_outside_0_to_100_is_refused(value):
    problems = check_edit(ROADS, edit(FieldChange("progress_pct", "10", value)), {}, "note")
    assert "between 0 and 100" in reasons(problems)


def test_a_finish_before_its_start_is_refused_also_against_the_stored_start():
    current = {"actual_start": "2026-05-01"}
    problems = check_edit(
        ROADS, edit(FieldChange("actual_finish", None, "2026-04-30")), current, "note"
    )
    assert "before actual start" in reasons(problems)
    assert "早于实际开工" in reasons(problems, "zh")
    ok = check_edit(ROADS, edit(FieldChange("actual_finish", None, "2026-05-01")), current, "x")
    assert ok == []


def test_a_note_is_required_unless_the_caller_supplies_its_own():
    change = FieldChange("progress_pct", "10", "20")
    assert "note" in reasons(check_edit(ROADS, edit(change), {}, "  "))
    assert check_edit(ROADS, edit(change), {}, "", require_note=False) == []


def test_a_milestone_must_name_a_status_of_the_layer():
    bad = check_edit(ROADS, edit(FieldChange("milestone:listed", None, "2026-12-31")), {}, "n")
    assert "not a status of this layer" in reasons(bad)
    good = FieldChange("milestone:open_to_traffic", None, "2026-12-31")
    assert check_edit(ROADS, edit(good), {}, "n") == []


def test_an_untouched_form_changes_nothing():
    row = {"status": "under_construction", "progress_pct": 40.0, "actual_start": "2026-03-01"}
    current = current_values(ROADS, row)
    wanted = {"status": "under_construction", "progress_pct": "40", "actual_start": "2026-03-01"}
    assert changed_fields(ROADS, current, wanted) == ()
    (change,) = changed_fields(ROADS, current, {**wanted, "progress_pct": 55})
    assert change == FieldChange("progress_pct", "40", "55")
