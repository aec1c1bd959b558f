"""Which store the app and the commands use: PostGIS when a database URL is configured."""

from __future__ import annotations

from pathlib import Path

from landmap.config import BUNDLED_SAMPLE_PATH, load_settings, secrets_from_files
from landmap.store import GpkgStore, PostgisStore
from landmap.store.open import (
    open_store,
    store_for_key,
    store_key,
    uses_database,
)

URL = "postgresql://landmap_app:s3cret-pw@db.example:5432/xiqu"


def test_without_a_database_it_is_the_sample_working_copy_as_before(tmp_path):
    settings = load_settings(environ={"LANDMAP_STATE_DIR": str(tmp_path)}, secrets={})
    assert not uses_database(settings) and settings.database_url is None
    store = open_store(settings)
    assert isinstance(store, GpkgStore)
    assert store.path == tmp_path / BUNDLED_SAMPLE_PATH.name and store.path.exists()
    assert store_key(settings) == str(store.path)
    assert isinstance(store_for_key(store_key(settings)), GpkgStore)


def test_an_own_file_is_used_as_it_is(tmp_path):
    settings = load_settings(environ={"LANDMAP_DATA": str(tmp_path / "xiqu.gpkg")})
    assert open_store(settings).path == tmp_path / "xiqu.gpkg"
    assert not (tmp_path / "xiqu.gpkg").exists()  # never invented


def test_the_database_url_comes_from_the_environment_or_the_secrets_environment_first():
    from_secrets = load_settings(environ={}, secrets={"database": {"url": URL}})
    assert from_secrets.database_url == URL
    env_url = URL.replace("xiqu", "other")
    both = load_settings(
        environ={"LANDMAP_DATABASE_URL": env_url}, secrets={"database": {"url": URL}}
    )
    assert both.database_url == env_url
    assert load_settings(environ={"LANDMAP_DATABASE_URL": "  "}, secrets={}).database_url is None


def test_with_a_database_every_reader_gets_one_shared_postgis_store(tmp_path):
    settings = load_settings(
        environ={"LANDMAP_DATABASE_URL": URL, "LANDMAP_STATE_DIR": str(tmp_path)}
    )
    store = open_store(settings)
    assert isinstance(store, PostgisStore) and uses_database(settings)
    assert open_store(settings) is store and store_for_key(store_key(settings)) is store
    # Not the sample, and no working copy of it is made.
    assert not settings.is_sample_data and settings.promotion_contact is None
    assert not (tmp_path / BUNDLED_SAMPLE_PATH.name).exists()
    # What a user reads names the database, never the password.
    assert store.source_name == "PostGIS xiqu" and "s3cret" not in store.source_name


def test_commands_read_the_secrets_file_of_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.streamlit/secrets.toml
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'tianditu_key = "k"\n\n[database]\nurl = "{URL}"\n', encoding="utf-8"
    )
    secrets = secrets_from_files(tmp_path)
    assert load_settings(environ={}, secrets=secrets).database_url == URL
    assert "database" not in secrets_from_files(tmp_path / "elsewhere")


def test_paths_and_urls_are_told_apart():
    assert isinstance(store_for_key(URL), PostgisStore)
    assert isinstance(store_for_key("postgres://u@h/d"), PostgisStore)
    assert isinstance(store_for_key(str(Path("/srv/postgresql/xiqu.gpkg"))), GpkgStore)
