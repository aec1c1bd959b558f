"""Signed-in editors update progress from the detail panel; viewers see no edit controls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from landmap.accounts import Role, accounts_path, add_account
from landmap.store import GpkgStore
from tests.app.test_app import plain
from tests.conftest import SAMPLE_GPKG

PASSWORD = "correct-horse-battery"
PLOT = "XQ-LJ-003"  # a compound in the sample


@pytest.fixture
def data_copy(tmp_path):
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return path


@pytest.fixture(autouse=True)
def accounts():
    path = accounts_path()
    path.unlink(missing_ok=True)
    add_account(path, "zhang", Role.EDITOR, PASSWORD)
    add_account(path, "li", Role.VIEWER, PASSWORD)
    return path


def sign_in(at, name, password=PASSWORD):
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    return at


def labels(at, kind):
    return [w.label for w in at.get(kind)]


def expander_labels(at):
    return [e.label for e in at.expander]


def test_a_visitor_and_a_viewer_see_no_edit_controls(make_app, data_copy):
    at = make_app(data_copy, query={"plot": PLOT})
    assert "更新进度" not in expander_labels(at)
    assert not any(b.label.startswith("恢复到") for b in at.button)
    assert not at.get("button_group")  # a visitor has the map only: no page switch
    sign_in(at, "li")
    assert any("已登录：li" in c.value for c in at.caption)
    assert "更新进度" not in expander_labels(at)
    assert "数据管理" not in repr(at.get("button_group")[0].proto.options)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(make_app, data_copy):
    at = sign_in(make_app(data_copy), "zhang", "wrong-password-123")
    assert any("账号或密码不正确" in e.value for e in at.error)
    at = sign_in(make_app(data_copy), "nobody", PASSWORD)
    assert any("账号或密码不正确" in e.value for e in at.error)


def progress_input(at):
    return next(w for w in at.number_input if w.label == "形象进度")


def save(at, note):
    next(t for t in at.text_area if t.label.startswith("变更说明")).input(note)
    next(b for b in at.button if b.label == "保存").click().run()
    return at


def new_history(path_or_store, since):
    store = GpkgStore(path_or_store) if isinstance(path_or_store, Path) else path_or_store
    return store.history(PLOT).iloc[since:]


def test_an_editor_saves_progress_with_a_note_and_it_is_in_the_history(
    make_app, data_copy, place_data
):
    placed = place_data(data_copy)
    seeded = len(placed.store.history(PLOT))
    at = sign_in(make_app(**placed.app_args, query={"plot": PLOT}), "zhang")
    assert "更新进度" in expander_labels(at)
    progress_input(at).set_value(35)
    save(at, "现场核实")
    assert not at.exception
    assert any("已保存" in s.value and "35%" in plain(s.value) for s in at.success)
    (entry,) = new_history(placed.store, seeded).to_dict("records")
    assert (entry["field"], entry["new_value"], entry["changed_by"]) == (
        "progress_pct",
        "35",
        "zhang",
    )
    assert entry["note"] == "现场核实"
    assert progress_input(at).value == 35  # the form shows the saved value
    assert any(e.label.startswith(f"变更记录（{seeded + 1}") for e in at.expander)


def test_a_save_without_a_note_is_refused_and_nothing_is_written(make_app, data_copy):
    before = data_copy.read_bytes()
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    progress_input(at).set_value(50)
    save(at, "  ")
    assert any("请填写变更说明" in e.value for e in at.error)
    assert data_copy.read_bytes() == before


def test_an_account_demoted_after_sign_in_cannot_save(make_app, data_copy, accounts):
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    progress_input(at).set_value(60)
    users = json.loads(accounts.read_text("utf-8"))
    users["users"]["zhang"]["role"] = "viewer"
    accounts.write_text(json.dumps(users), "utf-8")
    before = data_copy.read_bytes()
    save(at, "应被拒绝")
    assert data_copy.read_bytes() == before
    assert "更新进度" not in expander_labels(at)  # and the form is gone


def test_the_second_of_two_editors_gets_the_current_values_not_an_overwrite(
    make_app, data_copy, place_data
):
    placed = place_data(data_copy)
    seeded = len(placed.store.history(PLOT))
    first = sign_in(make_app(**placed.app_args, query={"plot": PLOT}), "zhang")
    second = sign_in(make_app(**placed.app_args, query={"plot": PLOT}), "zhang")
    progress_input(first).set_value(20)
    save(first, "第一位")
    progress_input(second).set_value(80)
    save(second, "第二位")
    assert any("未保存" in w.value and "20%" in plain(w.value) for w in second.warning)
    assert new_history(placed.store, seeded)["new_value"].tolist() == ["20"]


def test_an_earlier_state_can_be_restored_and_the_restore_is_recorded(make_app, data_copy):
    seeded = len(GpkgStore(data_copy).history(PLOT))
    at = sign_in(make_app(data_copy, query={"plot": PLOT}), "zhang")
    progress_input(at).set_value(30)
    save(at, "一")
    progress_input(at).set_value(45)
    save(at, "二")
    restore_buttons = [b for b in at.button if b.label == "恢复到这次修改之前"]
    restore_buttons[1].click().run()  # newest first: the second button is the first save
    assert not at.exception
    history = new_history(data_copy, seeded)
    assert history["new_value"].tolist() == ["30", "45", "0"]
    assert history.iloc[-1]["source"] == "restore"
    assert progress_input(at).value == 0


def test_the_data_page_is_for_editors_only(make_app, data_copy):
    at = make_app(data_copy, query={"view": "data"})
    assert "数据管理" not in [h.value for h in at.header]  # a visitor gets the map instead
    sign_in(at, "li")
    assert "数据管理" not in [h.value for h in at.header]
    at = sign_in(make_app(data_copy, query={"view": "data"}), "zhang")
    at.button_group[0].set_value("data").run()
    assert "数据管理" in [h.value for h in at.header]
    assert [t.label for t in at.tabs] == ["导入数据", "台账导入", "备份与恢复"]


OIDC_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-of-enough-length",
    "client_id": "landmap",
    "client_secret": "x",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}


def oidc_app(make_app, data_path, email):
    """The app as a user signed in through the organisation's identity provider sees it."""
    at = make_app(data_path, query={"plot": PLOT})
    at.secrets["auth"] = OIDC_SECRETS
    at.user = {"is_logged_in": True, "email": email}
    return at.run()


def test_an_organisation_sign_in_gets_its_role_from_the_accounts_file(make_app, data_copy):
    add_account(accounts_path(), "wang@xiqu.gov.cn", Role.EDITOR, PASSWORD)
    at = oidc_app(make_app, data_copy, "wang@xiqu.gov.cn")
    assert any("已登录：wang@xiqu.gov.cn（编辑）" in plain(c.value) for c in at.caption)
    assert "更新进度" in expander_labels(at)
    progress_input(at).set_value(10)
    save(at, "单位账号保存")
    assert GpkgStore(data_copy).history(PLOT).iloc[-1]["changed_by"] == "wang@xiqu.gov.cn"


def test_an_organisation_sign_in_not_in_the_list_may_only_view(make_app, data_copy):
    at = oidc_app(make_app, data_copy, "stranger@example.com")
    assert any("不在本系统的账号名单中" in w.value for w in at.warning)
    assert "更新进度" not in expander_labels(at)
    assert not at.get("button_group")  # not an account here: the public view, map only


def test_the_identity_provider_is_ignored_when_it_is_not_configured(make_app, data_copy):
    add_account(accounts_path(), "wang@xiqu.gov.cn", Role.EDITOR, PASSWORD)
    at = make_app(data_copy, query={"plot": PLOT})
    at.user = {"is_logged_in": True, "email": "wang@xiqu.gov.cn"}  # no [auth] in secrets
    at.run()
    assert "更新进度" not in expander_labels(at)
