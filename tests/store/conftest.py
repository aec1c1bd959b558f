"""The store tests' fixtures: the contract suite's stores on both backends.

The PostGIS server fixtures live in ``tests/postgis_server.py`` (shared with tests/app and
tests/browser, registered in tests/conftest.py).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.postgis_server import PostgresServer

# --- the contract suite's stores (test_store_contract, test_store_writes) --------------------

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "xiqu_sample.gpkg"
BACKENDS = ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(scope="module")
def sample_database(postgres_server: PostgresServer, tmp_path_factory) -> str:
    """A database filled from the sample once per module; each test gets a copy of it."""
    from landmap.store import GpkgStore
    from landmap.store.postgis import PostgisStore
    from landmap.store.postgis_pool import close_pool
    from landmap.store.transfer import copy_store

    name = f"sample_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f'CREATE DATABASE "{name}" TEMPLATE landmap_template')
    scratch = tmp_path_factory.mktemp("sample") / "sample.gpkg"
    shutil.copy(SAMPLE, scratch)
    copy_store(GpkgStore(scratch), PostgisStore(postgres_server.url(name)))
    close_pool(postgres_server.url(name))  # a template must have no connection
    return name


@pytest.fixture
def sample_copy(tmp_path):
    """The sample GeoPackage as a store of its own: what the stores under test should hold."""
    from landmap.store import GpkgStore

    path = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, path)
    return GpkgStore(path)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """The sample in each backend: a GeoPackage file, or a PostGIS database."""
    from landmap.store import GpkgStore
    from landmap.store.postgis import PostgisStore

    if request.param == "gpkg":
        path = tmp_path / "live.gpkg"
        shutil.copy(SAMPLE, path)
        return GpkgStore(path)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("sample_database")
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return PostgisStore(server.url(name))


@pytest.fixture(scope="module")
def photo():
    """One photo re-encoded by the real sandbox (once: a child process per photo is slow)."""
    import io

    from PIL import Image

    from landmap.photos import process_photo

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(buffer, format="PNG")
    return process_photo(buffer.getvalue())
