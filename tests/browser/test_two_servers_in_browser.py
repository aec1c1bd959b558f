"""Two app servers on one PostGIS database, two editors in two browsers.

As behind a reverse proxy with sticky sessions: each editor's session lives on its own server
process. Both open the same plot's form; the first save lands; the second, drawn from the
values its editor started from, is refused in words naming who changed the plot, and saving
again from the refreshed form lands. The history in the database holds both, in order.
"""

from __future__ import annotations

import shutil

import pytest

from landmap.accounts import Role, accounts_path, add_account
from landmap.store import GpkgStore
from landmap.store.postgis import PostgisStore
from landmap.store.postgis_schema import init_schema
from landmap.store.transfer import copy_store
from tests.browser.conftest import choose_status, ensure_form_open, start_server
from tests.browser.test_map_in_browser import open_map
from tests.browser.test_progress_in_browser import PASSWORD, PLOT, sign_in
from tests.conftest import SAMPLE_GPKG

pytestmark = [pytest.mark.browser, pytest.mark.postgis]


@pytest.fixture(scope="module")
def shared_database(postgres_server, tmp_path_factory) -> str:
    url = postgres_server.new_database()
    scratch = tmp_path_factory.mktemp("sample") / "xiqu.gpkg"
    shutil.copyfile(SAMPLE_GPKG, scratch)
    import psycopg

    with psycopg.connect(url) as con:
        init_schema(con)
    copy_store(GpkgStore(scratch), PostgisStore(url))
    add_account(accounts_path(), "editor1", Role.EDITOR, PASSWORD)
    add_account(accounts_path(), "editor2", Role.EDITOR, PASSWORD)
    return url


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, shared_database):
    env = {"LANDMAP_DATABASE_URL": shared_database}
    first = start_server(tmp_path_factory, None, extra_env=env)
    second = start_server(tmp_path_factory, None, extra_env=env)
    try:
        yield next(first), next(second)
    finally:
        first.close()
        second.close()


@pytest.fixture
def second_page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    yield context.new_page()
    context.close()


def open_form(page, url: str, editor: str) -> None:
    page.set_default_timeout(90_000)
    open_map(page, f"{url}/?plot={PLOT}")
    sign_in(page, editor)
    ensure_form_open(page)


def save(page, note: str) -> None:
    form = page.locator('[data-testid="stForm"]')
    form.get_by_label("变更说明（必填）").fill(note)
    form.get_by_role("button", name="保存").click()


def test_the_second_save_on_another_server_is_refused_naming_the_first(
    two_servers, page, second_page, shared_database
):
    first, second = two_servers
    assert first.port != second.port
    open_form(page, first.url, "editor1")
    open_form(second_page, second.url, "editor2")  # reads the plot before editor1 saves

    choose_status(page, "在建（已开工）")
    save(page, "一号服务器：已进场")
    page.get_by_text("已保存").wait_for(timeout=60_000)

    choose_status(second_page, "已完工")
    save(second_page, "二号服务器：按旧值保存")
    refusal = second_page.get_by_text("未保存：editor1 已于")
    refusal.wait_for(timeout=60_000)
    assert "在建（已开工）" in refusal.inner_text()

    # The form is drawn again from the current values; saving now lands.
    choose_status(second_page, "已完工")
    save(second_page, "二号服务器：核对后保存")
    second_page.get_by_text("已保存").wait_for(timeout=60_000)

    history = PostgisStore(shared_database).history(PLOT)
    status_rows = history[history["field"] == "status"]
    assert list(status_rows["changed_by"])[-2:] == ["editor1", "editor2"]
    assert list(status_rows["new_value"])[-2:] == ["under_construction", "works_completed"]
    assert status_rows["old_value"].iloc[-1] == "under_construction"
