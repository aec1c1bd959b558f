"""The app on PostGIS (issue #12): the sample copied in with ``db copy``, an editor's save, and
what the page says while the database is away — and that it comes back by itself."""

from __future__ import annotations

import psycopg
import pytest

from landmap.store import StoreError
from tests.app.conftest import copy_into_database
from tests.app.test_app import all_text, map_element, shown_count
from tests.app.test_editing import accounts, sign_in  # noqa: F401  (autouse: the accounts)

pytestmark = pytest.mark.postgis
PLOT = "XQ-XZ-001"  # 已摸排 (identified) in the sample
SAMPLE_FEATURES = 113


@pytest.fixture
def sample_db(database_url, sample_copy) -> str:
    copy_into_database(sample_copy, database_url)
    return database_url


def rows(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as con:
        return con.execute(query, params).fetchall()


def down_messages(at) -> list[str]:
    return [str(e.value) for e in at.error if "数据库" in e.value or "database" in e.value]


def test_the_map_page_shows_the_sample_from_postgis(make_app, sample_db):
    at = make_app(database_url=sample_db, staff=True)
    assert not at.exception
    assert shown_count(at) == SAMPLE_FEATURES
    script = map_element(at).proto.json_args
    assert all(f"XQ-XZ-{n:03d}" in script for n in range(1, 10))
    # Not the bundled sample's working copy: no sample marker, no sample toast.
    assert not any("示例数据" in toast.value for toast in at.toast)
    assert not down_messages(at)
    assert "postgresql://" not in all_text(at)  # users read "PostGIS <name>", never the URL


def test_an_editors_status_change_lands_in_postgis_with_its_history_row(make_app, sample_db):
    before = rows(sample_db, "SELECT count(*) FROM landmap_history")[0][0]
    at = sign_in(make_app(database_url=sample_db, query={"plot": PLOT}), "zhang")
    at.selectbox(key=f"edit_idle_land_{PLOT}_0_status").set_value("reserved")
    next(t for t in at.text_area if t.label.startswith("变更说明")).input("已纳入储备")
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert any("已保存" in s.value for s in at.success)
    assert rows(sample_db, "SELECT status FROM idle_land WHERE id = %s", PLOT) == [("reserved",)]
    history = rows(
        sample_db,
        "SELECT field, old_value, new_value, changed_by, note, source FROM landmap_history "
        "WHERE fid > %s ORDER BY fid",
        before,
    )
    assert history == [("status", "identified", "reserved", "zhang", "已纳入储备", "app")]
    versions = rows(sample_db, "SELECT version FROM landmap_versions WHERE feature_id = %s", PLOT)
    assert versions == [(1,)]


def test_while_the_database_is_away_the_page_says_so_and_comes_back_by_itself(
    make_app, sample_db, postgres_server
):
    at = make_app(database_url=sample_db, staff=True)
    assert shown_count(at) == SAMPLE_FEATURES
    postgres_server.stop()
    try:
        at.run()
        assert not at.exception
        (message,) = down_messages(at)
        assert "暂时无法连接数据库" in message and "自动重试" in message
        assert "postgresql://" not in all_text(at)  # the URL (it may hold a password) never
        assert not at.get("component_instance")  # no map drawn from nothing
        english = make_app(database_url=sample_db, query={"lang": "en"}, staff=True)
        assert not english.exception
        (message,) = down_messages(english)
        assert "cannot be reached" in message and "tries again" in message
    finally:
        postgres_server.start()
    at.run()  # the next rerun (the page's own timer, or any click) reconnects: nothing cached
    assert not at.exception
    assert not down_messages(at)
    assert shown_count(at) == SAMPLE_FEATURES and map_element(at) is not None


def test_a_save_while_the_database_is_away_says_it_was_not_saved(
    make_app, sample_db, postgres_server
):
    before = rows(sample_db, "SELECT count(*) FROM landmap_history")[0][0]
    at = sign_in(make_app(database_url=sample_db, query={"plot": PLOT}), "zhang")
    at.selectbox(key=f"edit_idle_land_{PLOT}_0_status").set_value("reserved")
    next(t for t in at.text_area if t.label.startswith("变更说明")).input("断线时提交")
    postgres_server.stop()
    try:
        next(b for b in at.button if b.label == "保存").click().run()
        assert not at.exception
        (message,) = down_messages(at)
        assert "未保存" in message
        assert not at.success
    finally:
        postgres_server.start()
    assert rows(sample_db, "SELECT count(*) FROM landmap_history")[0][0] == before
    assert rows(sample_db, "SELECT status FROM idle_land WHERE id = %s", PLOT) == [("identified",)]
    at.run()
    assert not down_messages(at)
    assert any(e.label == "更新进度" for e in at.expander)  # the form is back, to submit again


def test_a_read_that_fails_half_way_is_not_kept_as_the_data(make_app, sample_db, monkeypatch):
    # The server goes away between the version check and the layer reads: that dataset must
    # not be cached as "the data at this version", or the map stays empty once it is back.
    from landmap.store.postgis import PostgisStore

    def lost(self, table):
        raise StoreError(self.source_name, "connection lost: server closed the connection")

    with monkeypatch.context() as patch:
        patch.setattr(PostgisStore, "read_table", lost)
        at = make_app(database_url=sample_db, staff=True)
        assert not at.exception
        assert down_messages(at)
    at.run()
    assert not down_messages(at)
    assert shown_count(at) == SAMPLE_FEATURES


def test_a_save_that_fails_in_the_database_says_it_was_not_saved(make_app, sample_db, monkeypatch):
    from landmap.store.postgis import PostgisStore

    def lost(self, edits, **kwargs):
        raise StoreError(self.source_name, "connection lost: server closed the connection")

    at = sign_in(make_app(database_url=sample_db, query={"plot": PLOT}), "zhang")
    at.selectbox(key=f"edit_idle_land_{PLOT}_0_status").set_value("reserved")
    next(t for t in at.text_area if t.label.startswith("变更说明")).input("写入时断线")
    monkeypatch.setattr(PostgisStore, "apply_edits", lost)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert any("修改未保存" in e.value for e in at.error)
    assert not at.success
    assert rows(sample_db, "SELECT status FROM idle_land WHERE id = %s", PLOT) == [("identified",)]


def test_the_database_can_be_named_in_the_secrets_instead(sample_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    for name in ("LANDMAP_DATABASE_URL", "LANDMAP_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", "1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["database"] = {"url": sample_db}
    at.run()
    assert not at.exception
    assert shown_count(at) == SAMPLE_FEATURES
    assert not any("示例数据" in toast.value for toast in at.toast)  # not the sample's copy
