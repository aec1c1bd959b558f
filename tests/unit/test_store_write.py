"""Writing the GeoPackage: what only the file store has (byte-for-byte safety, the first
write making the file, backup ids as file names). Backups, restores, stale versions and
concurrent writers are in the contract suite, tests/store/test_store_writes.py."""

from __future__ import annotations

import hashlib

import pyogrio
import pytest

from landmap.store import GpkgStore
from tests.conftest import tiny_tables, write_gpkg


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path):
    return GpkgStore(write_gpkg(tmp_path / "live.gpkg", tiny_tables()))


def test_a_failing_write_leaves_the_store_byte_for_byte(store, monkeypatch):
    before = digest(store.path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", broken)
    with pytest.raises(RuntimeError):
        store.write_layer(
            "roads",
            store.read_table("roads"),
            expected_version=store.version(),
            action="import:replace",
            user="x",
        )
    assert digest(store.path) == before
    assert store.backups() == []
    assert not list(store.path.parent.glob(".*.tmp.gpkg"))


def test_first_write_creates_the_store(tmp_path):
    store = GpkgStore(tmp_path / "new.gpkg")
    roads = tiny_tables()["roads"]
    store.write_layer(
        "roads", roads, expected_version=store.version(), action="import:replace", user="x"
    )
    assert len(store.read_table("roads")) == 2 and store.backups() == []


def test_backup_ids_cannot_reach_outside_the_backup_folder(store):
    with pytest.raises(Exception, match="invalid backup id"):
        store.restore("../../etc/passwd", expected_version=store.version(), user="x")
