"""Who sees what, decided on the server from the account: visitors the public view, staff all."""

from __future__ import annotations

import json
import shutil

import pytest

from landmap.accounts import Role, accounts_path, add_account
from tests.app.test_app import all_text, every_tab, feature_table, plain
from tests.app.test_editing import expander_labels, sign_in
from tests.conftest import INTERNAL_PLOT, SAMPLE_GPKG, seed_internal_values

PASSWORD = "correct-horse-battery"
INTERNAL_LABELS = ["联系人", "备注", "制约因素", "闲置起算日"]


@pytest.fixture
def seeded(tmp_path):
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return path, seed_internal_values(path)


@pytest.fixture(autouse=True)
def accounts():
    path = accounts_path()
    path.unlink(missing_ok=True)
    add_account(path, "li", Role.VIEWER, PASSWORD)
    add_account(path, "zhang", Role.EDITOR, PASSWORD)
    return path


def every_text(at) -> str:
    """What the page shows in every tab under the map (it is left on the last, 导出与打印),
    escapes removed, plus labels of widgets and downloads."""
    parts = []
    for page in every_tab(at):
        parts += [plain(all_text(page))]
        parts += [str(e.label) for e in page.expander]
        parts += [str(b.label) for b in page.get("download_button")]
        parts += [str(m.label) + str(m.value) for m in page.metric]
        parts += [str(b.proto) for b in page.get("badge")] if page.get("badge") else []
    return "\n".join(parts)


def detail_labels(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def test_a_visitor_gets_the_public_view_of_a_plot(make_app, seeded, place_data):
    path, secrets = seeded
    at = make_app(**place_data(path).app_args, query={"plot": INTERNAL_PLOT})
    assert not at.exception
    shown = every_text(at)
    assert "公开视图" in shown
    assert not [s for s in secrets if s in shown]
    details = detail_labels(at)
    assert "格里坪工业园区土地整理一期A-03地块" in plain(shown)  # the plot itself is shown
    assert not [label for label in INTERNAL_LABELS if f">{label}<" in details]
    assert not any("变更记录" in label for label in expander_labels(at))
    assert not any("台账" in b.label for b in at.get("download_button"))
    assert "期限" not in " ".join(str(w.label) for w in at.sidebar.get("multiselect"))


def test_a_visitor_opening_a_staff_link_gets_the_public_map(make_app, seeded):
    path, secrets = seeded
    query = {"view": "dashboard", "colour": "deadline", "deadline": "overdue"}
    at = make_app(path, query=query)
    assert not at.exception
    assert not at.header or at.header[0].value != "进度看板"
    assert at.query_params.get("view") in (None, ["map"], "map")
    assert "colour" not in at.query_params and "deadline" not in at.query_params
    assert not [s for s in secrets if s in every_text(at)]


def test_a_signed_in_viewer_gets_the_internal_view(make_app, seeded, place_data):
    path, secrets = seeded
    at = sign_in(make_app(**place_data(path).app_args, query={"plot": INTERNAL_PLOT}), "li")
    shown = every_text(at)
    assert "内部视图" in shown
    assert set(secrets) <= set(s for s in secrets if s in shown)
    assert any("变更记录" in label for label in expander_labels(at))
    assert any("台账" in b.label for b in at.get("download_button"))
    assert "进度看板" in repr(at.get("button_group")[0].proto.options)
    assert "更新进度" not in expander_labels(at)  # a viewer still may not edit


def test_an_account_removed_after_sign_in_loses_the_internal_view_on_the_next_rerun(
    make_app, seeded, accounts
):
    path, secrets = seeded
    at = sign_in(make_app(path, query={"plot": INTERNAL_PLOT}), "li")
    assert secrets[0] in every_text(at)
    users = json.loads(accounts.read_text("utf-8"))
    users["users"]["li"]["disabled"] = True
    accounts.write_text(json.dumps(users), "utf-8")
    at.run()
    shown = every_text(at)
    assert "公开视图" in shown
    assert not [s for s in secrets if s in shown]


def test_an_open_intranet_is_an_explicit_setting_that_still_allows_no_edit(
    make_app, seeded, place_data
):
    path, secrets = seeded
    at = make_app(**place_data(path).app_args, query={"plot": INTERNAL_PLOT}, staff=True)
    shown = every_text(at)
    assert "内部视图" in shown and secrets[0] in shown
    assert "更新进度" not in expander_labels(at)


def test_the_sign_in_lockout_holds_across_new_sessions_and_hides_which_names_exist(make_app):
    for _ in range(5):  # every attempt from a fresh browser session
        sign_in(make_app(), "zhang", "wrong-password-123")
    at = sign_in(make_app(), "zhang", PASSWORD)  # right password, but locked
    assert not any("已登录" in c.value for c in at.caption)
    locked = [str(e.value) for e in at.sidebar.error]
    assert locked and "锁定" in locked[0] and "北京时间" in locked[0]

    for _ in range(5):
        sign_in(make_app(), "nobody-here", "wrong-password-123")
    stranger = [str(e.value) for e in sign_in(make_app(), "nobody-here", PASSWORD).sidebar.error]
    assert stranger[0].split("北京时间")[0] == locked[0].split("北京时间")[0]

    other = sign_in(make_app(), "li", PASSWORD)  # another account is not locked out
    assert any("已登录：li" in c.value for c in other.caption)


def test_a_successful_sign_in_resets_the_count(make_app):
    for _ in range(4):
        sign_in(make_app(), "zhang", "wrong-password-123")
    sign_in(make_app(), "zhang", PASSWORD)
    for _ in range(4):
        sign_in(make_app(), "zhang", "wrong-password-123")
    at = sign_in(make_app(), "zhang", PASSWORD)
    assert any("已登录：zhang" in c.value for c in at.caption)


def test_a_visitor_sees_the_offered_plots_and_can_filter_only_by_their_statuses(make_app):
    from tests.app.test_app import shown_count

    public = make_app()
    staff = make_app(staff=True)
    assert 0 < shown_count(public) < shown_count(staff)
    options = public.multiselect(key="status__idle_land").options
    assert set(options) == {"具备供地条件（净地）", "招商推介中", "挂牌公告中"}
    # A link naming a status the public never meets filters nothing in: it is dropped.
    linked = make_app(query={"status": "identified,listed"})
    assert linked.multiselect(key="status__idle_land").value == ["listed"]
    assert set(feature_table(linked)["状态"]) == {"挂牌公告中"}


def test_a_link_to_a_plot_not_on_offer_shows_nothing_of_it_to_a_visitor(make_app):
    at = make_app(query={"plot": "XQ-XZ-001"})  # 已摸排: not offered
    assert not at.exception
    assert any("XQ-XZ-001" in plain(w.value) for w in at.warning)  # "not found", no details
    assert "格里坪工业园区土地整理一期A-01地块" not in every_text(at)
    script = at.get("component_instance")[0].proto.json_args
    assert "XQ-XZ-001" not in script  # neither drawn nor outlined as the selection
    staff = make_app(query={"plot": "XQ-XZ-001"}, staff=True)
    assert "XQ-XZ-001" in staff.get("component_instance")[0].proto.json_args  # the check works
