"""The progress dashboard follows the filters and puts what is late first."""

from __future__ import annotations

import re

from landmap.dataset import load_dataset
from landmap.progress.deadlines import today_shanghai
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


LATENESS = re.compile(r"^(逾期 \d+ 天|\d+ 天后到期|今天到期|明天到期)$")


def late_tables(at) -> list:
    return [df.value for df in at.dataframe if "逾期/到期" in df.value.columns]


def test_dashboard_shows_late_work_and_follows_the_filter(make_app):
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert not at.exception
    assert at.header[0].value == "进度看板"
    assert any(today_shanghai().isoformat() in c.value for c in at.caption)
    everything = int(metric(at, "要素数"))
    assert everything > 80
    tables = late_tables(at)
    assert tables
    for table in tables:
        assert all(LATENESS.match(text) for text in table["逾期/到期"])  # no "-157"
        days = [_days_left(text) for text in table["逾期/到期"]]
        assert days == sorted(days)  # most overdue first, within each unit
        assert {"名称", "期限", "目标状态", "现状", "联系人", "上次更新"} <= set(table.columns)
        assert (table["上次更新"].str.match(r"^\d{4}-\d{2}-\d{2}$")).all()

    at.checkbox(key="layer_on__idle_land").uncheck().run()
    assert int(metric(at, "要素数")) < everything
    idle_names = set(load_dataset(GpkgStore(SAMPLE_GPKG)).frames["idle_land"]["name"])
    names = {name for table in late_tables(at) for name in table["名称"]}
    assert names and not names & idle_names


def test_the_late_list_is_grouped_by_unit_with_every_row_and_contact(make_app):
    at = make_app(query={"view": "dashboard"}, staff=True)
    headings = [m.value for m in at.markdown if "即将到期" in m.value and "逾期" in m.value]
    tables = late_tables(at)
    assert len(headings) == len(tables) > 1
    overdue_total = 0
    for heading, table in zip(headings, tables, strict=True):
        found = re.search(r"\*\*(.+?)：逾期 (\d+) 项，即将到期 (\d+) 项", heading)
        assert found, heading
        unit, overdue, due_soon = found.group(1), int(found.group(2)), int(found.group(3))
        assert "…" not in unit and len(unit) >= 4  # the unit's whole name
        late_names = table.loc[table["逾期/到期"].str.startswith("逾期"), "名称"]
        soon_names = table.loc[~table["逾期/到期"].str.startswith("逾期"), "名称"]
        assert late_names.nunique() == overdue and soon_names.nunique() <= due_soon
        assert "联系人：" in heading and table["联系人"].str.len().gt(0).any()
        overdue_total += overdue
    # Every late feature is in one unit's table: the units add up to the headline.
    assert overdue_total == int(metric(at, "已逾期"))


def test_stale_records_per_layer_follow_the_weeks_chosen(make_app):
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert any(s.value == "长期未更新" for s in at.subheader)
    tabs = {tab.label.split("（")[0]: tab for tab in at.tabs if "（" in tab.label}
    assert set(tabs) >= {"闲置地", "棚改地块", "老旧小区", "道路"}
    stale = [df.value for df in at.dataframe if "未更新时长" in df.value.columns]
    counts = [
        int(label.split("（")[1].rstrip("）"))
        for label in (t.label for t in at.tabs)
        if "（" in label
    ]
    assert [len(table) for table in stale if len(table)] == [c for c in counts if c]
    assert int(metric(at, "长期未更新")) == sum(counts)
    assert at.number_input(key="dash_stale_weeks__roads").value == 4  # the roads default

    at.number_input(key="dash_stale_weeks__roads").set_value(104).run()
    assert any(c.value == "道路：没有超过 104 周未更新的要素。" for c in at.caption)
    assert any(tab.label == "道路（0）" for tab in at.tabs)


def test_months_without_updates_are_named_and_the_brief_can_be_downloaded(make_app):
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert not at.exception
    # The sample's history ends in April 2026: every month since is flagged.
    flagged = next(c.value for c in at.caption if c.value.startswith("以下月份没有任何更新"))
    assert "2026-05 至 " in flagged
    button = at.get("download_button")[0]
    assert button.proto.label == "下载督办简报（PDF）"


def _days_left(text: str) -> int:
    number = re.search(r"\d+", text)
    if text.startswith("逾期"):
        return -int(number.group())
    return {"今天到期": 0, "明天到期": 1}.get(text) or int(number.group())


def test_the_deadline_filter_keeps_only_overdue_features(make_app):
    at = make_app(query={"view": "dashboard", "deadline": "overdue"}, staff=True)
    assert not at.exception
    overdue = int(metric(at, "已逾期"))
    assert int(metric(at, "要素数")) == overdue > 0


def test_dashboard_in_english(make_app):
    at = make_app(query={"view": "dashboard", "lang": "en"}, staff=True)
    assert not at.exception
    assert at.header[0].value == "Progress"
    assert any(s.value == "Overdue and due soon" for s in at.subheader)
    lateness = next(df.value for df in at.dataframe if "Lateness" in df.value.columns)
    assert (
        lateness["Lateness"]
        .str.match(r"^(\d+ days? overdue|due (today|tomorrow|in \d+ days))$")
        .all()
    )
    assert any(s.value == "Not updated for weeks" for s in at.subheader)


def test_the_weeks_come_from_the_setting_and_a_bad_setting_is_named(make_app, monkeypatch):
    monkeypatch.setenv("LANDMAP_STALE_WEEKS", "6,roads=2")
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert at.number_input(key="dash_stale_weeks__roads").value == 2
    assert at.number_input(key="dash_stale_weeks__idle_land").value == 6

    monkeypatch.setenv("LANDMAP_STALE_WEEKS", "roads=x")
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert not at.exception
    assert any("LANDMAP_STALE_WEEKS" in w.value and "roads=x" in w.value for w in at.warning)
    assert at.number_input(key="dash_stale_weeks__roads").value == 4  # the default
