from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from streamlit.testing.v1 import AppTest

from landmap.store.open import AnyStore
from tests.conftest import REPO_ROOT, SAMPLE_GPKG

APP = str(REPO_ROOT / "streamlit_app.py")


@pytest.fixture(autouse=True)
def fresh_sign_in_counts():
    """Failed sign-ins are counted for the whole server process: start each test at zero."""
    from landmap.ui.auth import sign_in_throttle

    sign_in_throttle.clear()
    yield
    sign_in_throttle.clear()


@pytest.fixture
def make_app(monkeypatch):
    """An AppTest of the real entry script, optionally on another data file.

    Nobody is signed in, so the app shows its public view; ``staff=True`` turns on the
    deployment setting that shows the internal view without sign-in (an open intranet).
    ``database_url`` puts the app on that PostGIS database (``LANDMAP_DATABASE_URL``).
    """

    def factory(data_path=None, query=None, staff=False, database_url=None) -> AppTest:
        if data_path is not None:
            monkeypatch.setenv("LANDMAP_DATA", str(data_path))
        else:
            monkeypatch.delenv("LANDMAP_DATA", raising=False)
        if database_url is not None:
            monkeypatch.setenv("LANDMAP_DATABASE_URL", database_url)
        else:
            monkeypatch.delenv("LANDMAP_DATABASE_URL", raising=False)
        monkeypatch.delenv("TIANDITU_KEY", raising=False)
        if staff:
            monkeypatch.setenv("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", "1")
        else:
            monkeypatch.delenv("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", raising=False)
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at.run()

    return factory


@dataclass
class Placed:
    """Data put where the app reads it: ``make_app(**placed.app_args, …)``; ``store`` reads
    back what the app wrote."""

    store: AnyStore
    app_args: dict = field(default_factory=dict)


APP_ROLE = "landmap_app"


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def place_data(request):
    """Runs a test on both stores: ``place_data(path)`` serves the GeoPackage at ``path`` as it
    is, or copied (``db copy``) into a fresh PostGIS database the app is then pointed at as
    its least-privilege role, as the README deploys it (``store`` reads as the owner)."""

    def place(path: Path) -> Placed:
        from landmap.store import GpkgStore

        if request.param == "gpkg":
            return Placed(GpkgStore(path), {"data_path": path})
        url = request.getfixturevalue("database_url")
        store = copy_into_database(path, url, app_role=request.getfixturevalue("app_role"))
        return Placed(store, {"database_url": as_role(url, APP_ROLE)})

    return place


@pytest.fixture
def app_role(postgres_server) -> str:
    """The app's login role (README: create a database and an app role), once per server."""
    import psycopg

    with contextlib.suppress(psycopg.errors.DuplicateObject):
        postgres_server.admin(f'CREATE ROLE "{APP_ROLE}" LOGIN')
    return APP_ROLE


def as_role(url: str, role: str) -> str:
    """``url`` with ``role`` as the user (the test server trusts loopback: no password)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def copy_into_database(path: Path, url: str, app_role: str | None = None) -> AnyStore:
    """``python -m landmap db init [--app-role ROLE]`` and ``db copy PATH URL``, as an
    administrator would."""
    from landmap.cli.main import main
    from landmap.store.open import store_for_key

    grant = ["--app-role", app_role] if app_role else []
    assert main(["db", "--url", url, "init", *grant]) == 0
    assert main(["db", "copy", str(path), url]) == 0
    return store_for_key(url)


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    path = tmp_path / "sample.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return path
