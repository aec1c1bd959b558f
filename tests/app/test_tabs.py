"""The tabs under the map: only the open one is drawn, and it stays open across reruns."""

from __future__ import annotations

from tests.app.test_app import feature_table, open_tab

OFFERED = "XQ-XZ-004"  # a plot on offer, so a visitor can shortlist it


def table_shown(at) -> bool:
    return any("id" in df.value.columns for df in at.dataframe)


def export_buttons(at) -> list[str]:
    return [str(b.label) for b in at.get("download_button")]


def open_label(at) -> str:
    return at.session_state["main_tab"]


def test_only_the_open_tab_is_drawn(make_app):
    at = make_app(staff=True)
    assert open_label(at) == "统计汇总"
    assert not table_shown(at) and not export_buttons(at)
    assert len(feature_table(at)) > 80  # opening 要素列表 draws it, inside that tab
    assert any("id" in df.value.columns for df in at.tabs[1].dataframe)
    assert not export_buttons(at)
    open_tab(at, "export")
    assert not table_shown(at) and export_buttons(at)


def test_the_open_tab_stays_open_when_its_label_changes(make_app):
    at = make_app(query={"plot": OFFERED})
    open_tab(at, "compare")
    assert open_label(at) == "比选（0）"
    at.button(key=f"shortlist_{OFFERED}").click().run()
    assert open_label(at) == "比选（1）"  # the count in the label changed, the tab did not
    at.radio(key="lang").set_value("en").run()
    assert open_label(at) == "Compare (1)"


def test_a_comparison_link_opens_on_the_comparison_and_a_plain_link_does_not(make_app):
    assert open_label(make_app(query={"short": OFFERED})) == "比选（1）"
    assert open_label(make_app(query={"plot": OFFERED})) == "统计汇总"
