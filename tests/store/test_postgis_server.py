"""What only the server store has: imports that lock each other out, a pool that outlives a
server restart, the least-privilege role doing the app's work, and photos and leads through
``db copy`` both ways."""

from __future__ import annotations

import shutil
import threading
import time
import uuid

import pandas as pd
import psycopg
import pytest

import landmap.store.postgis as postgis
from landmap.access import Audience
from landmap.cli.main import main
from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.promotion.interest import InterestDraft, check_interest
from landmap.store import GpkgStore, StoreConflict, StoreError
from landmap.store.postgis import PostgisStore
from landmap.store.postgis_pool import shared_pool
from landmap.store.postgis_schema import init_schema
from landmap.store.transfer import copy_store
from tests.postgis_server import PostgresServer
from tests.store.conftest import SAMPLE

pytestmark = pytest.mark.postgis
PLOT = "XQ-XZ-001"


@pytest.fixture
def database(postgres_server: PostgresServer, sample_database: str) -> PostgisStore:
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{sample_database}"')
    return PostgisStore(postgres_server.url(name))


def lead(name: str = "投资人"):
    return check_interest(InterestDraft(name=name, email="a@b.cn", plot_ids=(PLOT,)), {PLOT})


def test_a_second_import_while_one_runs_is_refused_in_words_a_clerk_reads(database, monkeypatch):
    """Two real connections: the first import holds its transaction open half-way; a second
    import, and a restore, are refused at once; an edit waits and then goes through."""
    roads = database.read_table("roads")
    idle = database.read_table("idle_land").iloc[0]
    earlier = database.write_layer(
        "roads", roads, expected_version=database.version(), action="import:add", user="a"
    )
    version = database.version()
    real = postgis.replace_layer_table
    inside, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def slow_replace(*args, **kwargs):
        real(*args, **kwargs)
        inside.set()
        assert release.wait(30)

    def first_import() -> None:
        database.write_layer(
            "roads", roads.iloc[:2], expected_version=version, action="import:replace", user="a"
        )
        outcomes["import"] = "ok"

    def edit() -> None:
        change = FieldChange("status", idle["status"], "on_hold")
        other = PostgisStore(database.url)
        other.apply_edits(
            [FeatureEdit("idle_land", idle["id"], 0, (change,))], user="b", note="", source="app"
        )
        outcomes["edit"] = "ok"

    monkeypatch.setattr(postgis, "replace_layer_table", slow_replace)
    importing = threading.Thread(target=first_import)
    importing.start()
    try:
        assert inside.wait(30)
        second = PostgisStore(database.url)  # another store object, another connection
        started = time.monotonic()
        with pytest.raises(StoreConflict) as refused:
            second.write_layer(
                "roads", roads.iloc[:1], expected_version=version, action="import:replace", user="b"
            )
        assert "另一个导入或恢复正在进行" in str(refused.value)
        assert "another import or restore is in progress" in str(refused.value)
        with pytest.raises(StoreConflict, match="another import or restore"):
            second.restore(earlier.id, expected_version=version, user="b")
        assert time.monotonic() - started < 3  # refused, not queued
        editing = threading.Thread(target=edit)
        editing.start()
        editing.join(0.5)
        assert editing.is_alive()  # the edit waits for the import ...
    finally:
        release.set()
        importing.join(30)
    editing.join(30)
    assert outcomes == {"import": "ok", "edit": "ok"}  # ... and then goes through
    assert len(database.read_table("roads")) == 2
    assert database.feature_versions("idle_land") == {idle["id"]: 1}
    assert [b.action for b in database.backups()] == ["import:replace", "import:add"]


def test_the_same_store_works_again_after_the_server_restarts(
    restartable_server: PostgresServer,
):
    url = restartable_server.new_database()
    store = PostgisStore(url)
    with store.connect() as con:
        init_schema(con)
    store.add_interest(lead("before"), lang="zh")
    version = store.version()
    assert shared_pool(url, "a") is shared_pool(url, "b")  # one pool for every store object

    restartable_server.stop()
    with pytest.raises(StoreError) as down:
        store.version()
    message = str(down.value)
    assert "cannot connect" in message and "Connection refused" in message
    assert "\n" not in message and "Traceback" not in message
    with pytest.raises(StoreError, match="cannot connect"):
        store.add_interest(lead("lost"), lang="zh")

    restartable_server.start()
    assert store.version() == version  # the dead pooled connections were replaced
    store.add_interest(lead("after"), lang="zh")
    assert list(store.interest_leads()["name"]) == ["after", "before"]


def test_the_app_role_imports_restores_and_adds_photos_but_cannot_erase_records(
    database_url, tmp_path, postgres_server: PostgresServer, photo, capsys
):
    """security.md D8 for the v2 tables: photos are data (read/write), leads and backups are
    records (read and append only). An import with the layer's columns is plain DML."""
    role = f"app_{uuid.uuid4().hex[:8]}"
    postgres_server.admin(f'CREATE ROLE "{role}" LOGIN')
    assert main(["db", "--url", database_url, "init", "--app-role", role]) == 0
    source = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, source)
    assert main(["db", "--url", database_url, "copy", str(source), "db"]) == 0
    capsys.readouterr()
    as_app = PostgisStore(database_url.replace("postgres@", f"{role}@", 1))
    roads = as_app.read_table("roads")
    backup = as_app.write_layer(
        "roads",
        roads.iloc[:3],
        expected_version=as_app.version(),
        action="import:replace",
        user="u",
    )
    added = as_app.add_photo("idle_land", PLOT, photo, caption="现场", public=False, user="u")
    assert as_app.set_photo_public(added.photo_id, True, user="u")
    as_app.add_interest(lead(), lang="zh")
    as_app.restore(backup.id, expected_version=as_app.version(), user="u")
    assert len(as_app.read_table("roads")) == len(roads)
    assert as_app.photos(audience=Audience.STAFF) == []  # the backup had none
    assert len(as_app.backups()) == 2 and len(as_app.interest_leads()) == 1
    # A file whose columns differ needs the owner (DROP/CREATE): refused, nothing written.
    version = as_app.version()
    with pytest.raises(StoreError, match=r"must be owner|permission denied"):
        as_app.write_layer(
            "roads",
            roads.assign(extra=1),
            expected_version=version,
            action="import:replace",
            user="u",
        )
    assert as_app.version() == version
    with psycopg.connect(as_app.url, autocommit=True) as con:
        for statement in (
            "DELETE FROM landmap_backups",
            "DELETE FROM landmap_backup_rows",
            "UPDATE landmap_interest SET name = 'x'",
            "DELETE FROM landmap_interest",
            "DROP TABLE landmap_photos",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)


def test_the_app_role_imports_a_checked_file_of_the_layers_own_columns(
    database_url, tmp_path, postgres_server: PostgresServer, capsys
):
    """What the data page does (``commit_import``), as the app role: a file with the layer's
    fields is added, then replaces the layer, without re-creating the table (owner only)."""
    from landmap.store.postgis_layers import table_columns
    from tests.store.test_store_writes import checked_import

    role = f"app_{uuid.uuid4().hex[:8]}"
    postgres_server.admin(f'CREATE ROLE "{role}" LOGIN')
    assert main(["db", "--url", database_url, "init", "--app-role", role]) == 0
    source = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, source)
    assert main(["db", "--url", database_url, "copy", str(source), "db"]) == 0
    capsys.readouterr()
    as_app = PostgisStore(database_url.replace("postgres@", f"{role}@", 1))
    with psycopg.connect(database_url) as con:
        columns = table_columns(con, "idle_land")
    idle = as_app.read_table("idle_land")
    new = idle.iloc[:1].assign(id="NEW-1")
    checked_import(as_app, "idle_land", new, "add")
    assert len(as_app.read_table("idle_land")) == len(idle) + 1
    checked_import(as_app, "idle_land", idle.iloc[:3], "replace")
    assert as_app.read_table("idle_land")["id"].tolist() == idle["id"].tolist()[:3]
    with psycopg.connect(database_url) as con:
        assert table_columns(con, "idle_land") == columns
    assert [b.action for b in as_app.backups()] == ["import:replace", "import:add"]


def test_photos_and_leads_go_there_and_back_with_db_copy(
    sample_copy: GpkgStore, database_url, tmp_path, photo
):
    public = sample_copy.add_photo("idle_land", PLOT, photo, caption="公开", public=True, user="e")
    sample_copy.add_photo("idle_land", "XQ-XZ-002", photo, caption="内部", public=False, user="f")
    sample_copy.add_interest(lead("第一位"), lang="zh")
    sample_copy.add_interest(lead("second"), lang="en")
    database = PostgisStore(database_url)
    report = copy_store(sample_copy, database)
    assert (report.photos, report.leads) == (2, 2)
    back = GpkgStore(tmp_path / "back" / "store.gpkg")
    copy_store(database, back)
    expected_leads = sample_copy.interest_leads()
    for store in (database, back):
        assert store.photos(audience=Audience.STAFF) == sample_copy.photos(audience=Audience.STAFF)
        assert store.photos(audience=Audience.PUBLIC) == [public]
        for info in sample_copy.photos(audience=Audience.STAFF):
            for thumbnail in (False, True):
                assert store.photo_bytes(
                    info.photo_id, audience=Audience.STAFF, thumbnail=thumbnail
                ) == sample_copy.photo_bytes(
                    info.photo_id, audience=Audience.STAFF, thumbnail=thumbnail
                )
        pd.testing.assert_frame_equal(store.interest_leads(), expected_leads)
    # The next lead continues after the copied ones.
    database.add_interest(lead("third"), lang="zh")
    assert database.interest_leads()["fid"].tolist() == [3, 2, 1]


def test_the_csv_read_gives_the_row_reads_frame_and_steps_aside_when_it_cannot(
    database, monkeypatch
):
    """Layers are read through ``COPY … (FORMAT csv)``, NaN and infinities included; a column
    type the CSV path does not know (yes/no) makes the table be read by rows. Both give one
    frame."""
    import landmap.store.postgis_layers as layers

    roads = database.read_table("roads").iloc[:4].copy()
    roads["row_width_m"] = [float("nan"), float("inf"), float("-inf"), 2.5]
    roads["remarks"] = ['a,"b"', None, "", "行\n二"]
    database.write_layer(
        "roads", roads, expected_version=database.version(), action="import", user="t"
    )
    by_csv = database.read_table("roads")
    monkeypatch.setattr(layers, "_COPY_TYPES", {})  # no column may go through CSV: rows
    by_rows = database.read_table("roads")
    pd.testing.assert_frame_equal(pd.DataFrame(by_csv), pd.DataFrame(by_rows))
    assert by_rows["row_width_m"].iloc[1] == float("inf")

    roads["checked"] = [True, False, True, True]  # boolean: never through CSV
    database.write_layer(
        "roads", roads, expected_version=database.version(), action="import", user="t"
    )
    monkeypatch.undo()
    assert database.read_table("roads")["checked"].tolist() == [True, False, True, True]
