"""Investor mode in the app: selling facts of an offered plot, the shortlist and its link."""

from __future__ import annotations

from tests.app.test_app import open_tab, plain

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
    open_tab(at, "compare")
    assert any("还没有加入比选的地块" in plain(i.value) for i in at.info)


def test_the_comparison_holds_at_most_four_plots(make_app):
    at = make_app(query={"short": "XQ-XZ-004,XQ-XZ-015,XQ-PG-001,XQ-XZ-006", "plot": "XQ-XZ-007"})
    assert at.button(key="shortlist_XQ-XZ-007").disabled


def test_the_presentation_steps_through_the_shortlist_without_sidebar_or_filters(make_app):
    at = make_app(query={"view": "present", "short": ",".join(OFFERED), "layers": "idle_land"})
    assert not at.exception
    assert any(m.value == "**1 / 3**" for m in at.markdown)
    assert not at.sidebar.get("checkbox")  # no filters, no sign-in in the meeting room
    assert "XQ-XZ-004" in html_bodies(at)
    at.button(key="present_next").click().run()
    assert any(m.value == "**2 / 3**" for m in at.markdown)
    assert "XQ-XZ-015" in html_bodies(at)
    at.button(key="present_exit").click().run()
    assert "view" not in at.query_params
    assert at.query_params["layers"] == "idle_land"  # the filter survived the presentation
    assert at.checkbox(key="layer_on__roads").value is False


def test_the_presentation_shows_public_facts_even_to_staff(make_app):
    at = make_app(query={"view": "present", "short": "XQ-XZ-004"}, staff=True)
    body = html_bodies(at)
    assert "招商联系" in body and "西区投资促进局" in body
    assert "联系人" not in body.replace("招商联系", "")  # never the record's own contact


def test_an_editor_takes_a_plot_off_offer_and_the_public_no_longer_sees_it(make_app, tmp_path):
    import shutil

    from landmap.accounts import Role, accounts_path, add_account
    from landmap.store import GpkgStore
    from tests.app.test_editing import save, sign_in
    from tests.conftest import SAMPLE_GPKG

    live = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, live)
    add_account(accounts_path(), "zhang", Role.EDITOR, "correct-horse-battery")
    visitor = make_app(live, query={"plot": "XQ-XZ-004"})
    assert "XQ-XZ-004" in html_bodies(visitor)

    editor = sign_in(make_app(live, query={"plot": "XQ-XZ-004"}), "zhang")
    choice = next(s for s in editor.selectbox if s.label == "招商推介")
    choice.set_value("off")
    save(editor, "土地权属待核实，暂不推介")
    assert not editor.exception
    (entry,) = GpkgStore(live).history("XQ-XZ-004").tail(1).to_dict("records")
    assert (entry["field"], entry["new_value"]) == ("publish", "off")

    visitor = make_app(live, query={"plot": "XQ-XZ-004"})
    assert "XQ-XZ-004" not in html_bodies(visitor)
    assert any("XQ-XZ-004" in plain(w.value) for w in visitor.warning)  # not found for them


def test_the_presentation_shows_a_public_photo_never_an_internal_one(
    make_app, sample_copy, place_data
):
    from landmap.photos import save_upload
    from tests.app.test_photos_app import jpeg

    placed = place_data(sample_copy)
    # The internal one first: the slide's single photo must be the public one all the same.
    for caption, public in (("内部界桩秘密", False), ("公开全景远眺", True)):
        save_upload(
            placed.store, "idle_land", OFFERED[0], jpeg(), caption=caption, public=public, user="ed"
        )
    at = make_app(**placed.app_args, query={"view": "present", "short": OFFERED[0]}, staff=True)
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "公开全景远眺" in captions and "内部界桩秘密" not in captions
    assert len(at.get("image")) == 2  # the plot's map and its one public photo

    other = make_app(**placed.app_args, query={"view": "present", "short": OFFERED[1]})
    assert len(other.get("image")) == 1  # a plot without photos: the map alone
