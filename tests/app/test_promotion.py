"""Investor mode in the app: selling facts of an offered plot, the shortlist and its link."""

from __future__ import annotations

from tests.app.test_app import plain

OFFERED = ["XQ-XZ-004", "XQ-XZ-015", "XQ-PG-001"]  # 招商推介中, 挂牌公告中, 挂牌公告中


def html_bodies(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def test_an_offered_plot_shows_its_selling_facts_to_a_visitor(make_app):
    at = make_app(query={"plot": "XQ-XZ-004"})
    assert not at.exception
    assert any(m.value == "**招商要点**" for m in at.markdown)
    body = html_bodies(at)
    for label in ("面积", "用地性质", "容积率", "起始价", "亩均起始价", "七通一平", "招商联系"):
        assert f">{label}<" in body, label
    assert "西区投资促进局" in body  # the sample's promotion contact, not a record's 联系人
    assert "公顷" in body and "距" in body


def test_a_shortlist_link_opens_the_comparison_of_the_plots_a_visitor_may_see(make_app):
    at = make_app(query={"short": ",".join([*OFFERED, "XQ-XZ-001"])})  # 001 is not on offer
    assert not at.exception
    assert any(tab.label == "比选（3）" for tab in at.tabs)
    body = html_bodies(at)
    assert all(fid in body for fid in OFFERED) and "XQ-XZ-001" not in body
    assert "★" in body
    assert at.query_params["short"] == ",".join([*OFFERED, "XQ-XZ-001"])  # the link is kept


def test_adding_and_removing_a_plot_follows_in_the_link(make_app):
    at = make_app(query={"plot": "XQ-XZ-004"})
    at.button(key="shortlist_XQ-XZ-004").click().run()
    assert at.query_params["short"] == "XQ-XZ-004"
    assert any(tab.label == "比选（1）" for tab in at.tabs)
    at.button(key="shortlist_XQ-XZ-004").click().run()
    assert "short" not in at.query_params
    assert any("还没有加入比选的地块" in plain(i.value) for i in at.info)


def test_the_comparison_holds_at_most_four_plots(make_app):
    at = make_app(query={"short": "XQ-XZ-004,XQ-XZ-015,XQ-PG-001,XQ-XZ-006", "plot": "XQ-XZ-007"})
    assert at.button(key="shortlist_XQ-XZ-007").disabled
