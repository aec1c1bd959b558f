"""The first screen as its readers see it: English mode in English, plurals, the side column
with nothing selected (public and staff), and one message per refused save."""

from __future__ import annotations

import re

import pytest

from landmap.i18n import plural
from tests.app.test_app import all_text, feature_table, plain
from tests.app.test_editing import PLOT, accounts, data_copy, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("accounts")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff（）：；]")
ONE_CHANGE = "XQ-XZ-003"  # one entry in the sample's history


def test_english_mode_shows_the_table_codes_in_english(make_app):
    at = make_app(staff=True, query={"lang": "en"})
    table = feature_table(at)
    for column in ("Layer", "Status", "Deadline", "Subdistrict", "Planned use"):
        values = [str(v) for v in table[column].dropna().unique()]
        assert values and not [v for v in values if CJK.search(v)], (column, values)
    assert {"Idle land", "Roads"} <= set(table["Layer"])
    assert "Listed for sale" in set(table["Status"])
    headers = [str(c) for c in table.columns]
    assert not [h for h in headers if CJK.search(h)]


def test_english_history_says_one_change_not_one_changes(make_app):
    at = make_app(staff=True, query={"lang": "en", "plot": ONE_CHANGE})
    labels = [e.label for e in at.expander]
    assert "History (1 change)" in labels
    assert not any("1 changes" in label for label in labels)
    # The change lines use English punctuation, not the Chinese colon.
    assert "Deadline: Ready for supply: — → 2026-09-30" in plain(all_text(at))


def test_plural_picks_one_or_other():
    assert plural("progress.timeline", 1, "en") == "History (1 change)"
    assert plural("progress.timeline", 2, "en") == "History (2 changes)"
    assert plural("progress.timeline", 1, "zh") == "变更记录（1 次）"
    assert plural("app.showing", 1, "en", filter="x") == "Showing 1 feature — x"


def test_nothing_selected_shows_the_filter_totals_and_for_staff_what_is_late(make_app):
    staff = make_app(staff=True)
    text = all_text(staff)
    assert "当前筛选" in text and "合计" in text
    assert any(b.label.startswith(":red-badge[逾期") for b in staff.button)
    assert "逾期与临期" in text

    public = make_app()
    text = all_text(public)
    assert "当前筛选" in text and "合计" in text
    # Deadlines are internal: the public side column has no late list.
    assert "逾期" not in text and "临期" not in text
    assert not any("badge[" in b.label for b in public.button)


def test_a_late_item_selects_its_feature(make_app):
    at = make_app(staff=True)
    late = next(b for b in at.button if b.label.startswith(":red-badge[逾期"))
    late.click().run()
    assert at.session_state["selected_id"]
    assert at.query_params["plot"] == at.session_state["selected_id"]


def messages(at):
    return [*at.error, *at.warning]


def save(at, note):
    next(t for t in at.text_area if t.label.startswith("变更说明")).input(note)
    next(b for b in at.button if b.label == "保存").click().run()
    return at


def test_a_save_without_a_note_and_without_a_change_gives_one_message(make_app, data_copy):  # noqa: F811
    before = data_copy.read_bytes()
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    save(at, "")
    (message,) = messages(at)
    assert "没有任何改动" in message.value
    assert data_copy.read_bytes() == before


def test_a_change_saved_without_a_note_gives_one_message(make_app, data_copy):  # noqa: F811
    before = data_copy.read_bytes()
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    next(w for w in at.number_input if w.label == "形象进度").set_value(45)
    save(at, " ")
    (message,) = messages(at)
    assert "请填写变更说明" in message.value
    assert data_copy.read_bytes() == before


def test_the_edit_form_comes_right_after_the_headline(make_app, data_copy):  # noqa: F811
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    labels = [e.label for e in at.expander]
    # Before the facts' other expanders (history), right under the status and area.
    assert labels.index("更新进度") < next(
        i for i, label in enumerate(labels) if label.startswith("变更记录")
    )


def test_english_headline_uses_the_plots_english_name(make_app):
    at = make_app(query={"lang": "en", "plot": "XQ-XZ-004"})  # offered: in the public view
    headings = [plain(m.value) for m in at.markdown if m.value.startswith("#### ")]
    assert "#### Geliping Industrial Park, Phase I Lot A-04" in headings
    assert any("格里坪工业园区" in c.value for c in at.caption)  # the Chinese name, below
