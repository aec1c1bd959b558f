"""``python -m landmap db init`` and ``db copy`` against the test session's PostGIS server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from landmap.cli.main import main
from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.promotion.interest import InterestLead
from landmap.store import GpkgStore, StoreError
from landmap.store.postgis import PostgisStore
from landmap.store.postgis_schema import MIGRATIONS, SCHEMA_VERSION
from tests.postgis_server import PostgresServer

pytestmark = pytest.mark.postgis
REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "data" / "xiqu_sample.gpkg"


def schema_versions(url: str) -> list[int]:
    with psycopg.connect(url) as con:
        return [row[0] for row in con.execute("SELECT version FROM landmap_schema ORDER BY 1")]


def test_db_init_creates_the_schema_once_and_then_changes_nothing(database_url, capsys):
    assert main(["db", "--url", database_url, "init"]) == 0
    assert f"schema version {SCHEMA_VERSION} (1, 2, 3)" in capsys.readouterr().out
    version = PostgisStore(database_url).version()
    assert main(["db", "--url", database_url, "init"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert schema_versions(database_url) == [1, 2, 3]
    assert PostgisStore(database_url).version() == version


def test_a_version_1_database_is_brought_up_to_date_with_its_data(database_url, capsys):
    """A database made before photos, leads and backups (v1) gets v2 and keeps its edits."""
    with psycopg.connect(database_url) as con:
        con.execute(
            "CREATE TABLE landmap_schema (version integer PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for statement in MIGRATIONS[0]:
            con.execute(statement)
        con.execute("INSERT INTO landmap_schema (version) VALUES (1)")
        con.execute(
            "INSERT INTO landmap_versions (layer, feature_id, version) VALUES ('idle_land', 'A', 3)"
        )
    store = PostgisStore(database_url)
    with pytest.raises(StoreError, match="schema version 1"):
        store.add_interest(InterestLead("投资人", "", "", "a@b.cn", "", ("A",)), lang="zh")
    assert main(["db", "--url", database_url, "init"]) == 0
    assert "schema version 3 (2, 3)" in capsys.readouterr().out
    assert schema_versions(database_url) == [1, 2, 3]
    assert store.feature_versions("idle_land") == {"A": 3}
    store.add_interest(InterestLead("投资人", "", "", "a@b.cn", "", ("A",)), lang="zh")
    assert list(store.interest_leads()["name"]) == ["投资人"]


def test_a_version_2_database_gets_a_records_counter_and_keeps_its_leads(database_url, capsys):
    """v3: leads and photos bump their own counter, so a lead no longer moves the data version
    (every page would read the layers again, and a checked import would be refused)."""
    with psycopg.connect(database_url) as con:
        con.execute(
            "CREATE TABLE landmap_schema (version integer PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for statement in (*MIGRATIONS[0], *MIGRATIONS[1]):
            con.execute(statement)
        con.execute("INSERT INTO landmap_schema (version) VALUES (1), (2)")
    store = PostgisStore(database_url)
    lead = InterestLead("投资人", "", "", "a@b.cn", "", ("A",))
    with pytest.raises(StoreError, match="schema version 2"):
        store.add_interest(lead, lang="zh")
    assert store.records_version() == store.version()  # one counter before v3
    assert main(["db", "--url", database_url, "init"]) == 0
    assert "schema version 3 (3)" in capsys.readouterr().out
    version, records = store.version(), store.records_version()
    store.add_interest(lead, lang="zh")
    assert store.version() == version
    assert store.records_version() != records
    assert list(store.interest_leads()["name"]) == ["投资人"]


def test_the_real_command_reads_the_url_from_the_environment(database_url):
    env = {**os.environ, "LANDMAP_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "landmap", "db", "init"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert schema_versions(database_url) == [1, 2, 3]


def test_without_a_database_the_command_says_so(monkeypatch, capsys):
    monkeypatch.delenv("LANDMAP_DATABASE_URL", raising=False)
    assert main(["db", "init"]) == 2
    assert "LANDMAP_DATABASE_URL" in capsys.readouterr().out


def test_an_unreachable_server_is_a_message_not_a_traceback(postgres_server, capsys):
    closed = f"postgresql://postgres@127.0.0.1:{postgres_server.port + 1}/nothing"
    assert main(["db", "--url", closed, "init"]) == 1
    out = capsys.readouterr().out
    assert "cannot connect" in out and "Traceback" not in out


def test_db_copy_there_and_back_and_never_over_data(
    database_url, tmp_path, monkeypatch, capsys, postgres_server: PostgresServer
):
    source = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, source)
    monkeypatch.setenv("LANDMAP_DATABASE_URL", database_url)
    assert main(["db", "copy", str(source), "db"]) == 0
    assert "history 131" in capsys.readouterr().out
    assert PostgisStore(database_url).layer_names() == GpkgStore(source).tables()[:4]
    # A second copy into the same database is refused: history is never overwritten.
    version = PostgisStore(database_url).version()
    assert main(["db", "copy", str(source), "db"]) == 1
    assert "already holds data" in capsys.readouterr().out
    assert PostgisStore(database_url).version() == version
    back = tmp_path / "back.gpkg"
    assert main(["db", "copy", "db", str(back)]) == 0
    assert len(GpkgStore(back).history()) == 131
    assert main(["db", "copy", "db", str(back)]) == 1
    assert "exists already" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*.tmp.gpkg"))
    assert main(["db", "copy", str(tmp_path / "missing.gpkg"), "db"]) == 1
    assert "missing.gpkg: file not found" in capsys.readouterr().out


def test_the_app_role_edits_and_appends_history_but_cannot_rewrite_it(
    database_url, tmp_path, postgres_server: PostgresServer, capsys
):
    """security.md D8: least privilege, on top of the append-only triggers."""
    role = f"app_{tmp_path.name[-8:].replace('-', '_').lower()}"
    assert main(["db", "--url", database_url, "init", "--app-role", role]) == 1
    assert f"no role {role}" in capsys.readouterr().out
    postgres_server.admin(f'CREATE ROLE "{role}" LOGIN')
    assert main(["db", "--url", database_url, "init", "--app-role", role]) == 0
    source = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, source)
    assert main(["db", "--url", database_url, "copy", str(source), "db"]) == 0
    as_app = PostgisStore(database_url.replace("postgres@", f"{role}@", 1))
    row = as_app.read_table("idle_land").iloc[0]
    new = "listed" if row["status"] != "listed" else "supplied"
    edit = FeatureEdit("idle_land", row["id"], 0, (FieldChange("status", row["status"], new),))
    version = as_app.version()
    as_app.apply_edits([edit], user="app", note="least privilege", source="app")
    assert as_app.version() != version and as_app.feature_versions("idle_land")[row["id"]] == 1
    with psycopg.connect(as_app.url, autocommit=True) as con:
        for statement in (
            "UPDATE landmap_history SET note = 'forged'",
            "DELETE FROM landmap_history",
            "TRUNCATE landmap_history",
            "DROP TABLE idle_land",
            "UPDATE landmap_changes SET counter = 0",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)
