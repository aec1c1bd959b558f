"""The progress dashboard follows the filters and puts what is late first."""

from __future__ import annotations

from landmap.deadlines import today_shanghai


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_dashboard_shows_late_work_and_follows_the_filter(make_app):
    at = make_app(query={"view": "dashboard"}, staff=True)
    assert not at.exception
    assert at.header[0].value == "进度看板"
    assert today_shanghai().isoformat() in at.caption[1].value or any(
        today_shanghai().isoformat() in c.value for c in at.caption
    )
    everything = int(metric(at, "要素数"))
    assert everything > 80
    late_table = next(df for df in at.dataframe if "期限状态" in df.value.columns)
    assert set(late_table.value["期限状态"]) <= {"已逾期", "即将到期"}
    days = late_table.value["剩余天数（负数为逾期）"].tolist()
    assert days == sorted(days)  # most overdue first

    at.checkbox(key="layer_on__idle_land").uncheck().run()
    assert int(metric(at, "要素数")) < everything
    late_layers = next(df for df in at.dataframe if "期限状态" in df.value.columns).value["图层"]
    assert "闲置地" not in set(late_layers)


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
