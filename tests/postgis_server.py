"""A throw-away PostgreSQL + PostGIS server for the tests, started once per test session.

Its fixtures (``postgres_server``, ``database_url``, ``restartable_server`` and the autouse
``_close_connection_pools``) are registered in ``tests/conftest.py``, so
the store tests and the app tests (``tests/app``) share one server per session, started only
when a test asks for it.

The cluster lives in a temporary folder, listens on 127.0.0.1 only (and a unix socket in that
folder), on a free port, and is stopped and removed after the session. ``initdb`` and
``pg_ctl`` refuse to run as root (CI runs as root), so as root they run as the ``postgres``
user. ``scripts/run-tests.sh`` installs Debian's ``postgresql-15-postgis-3``; without it the
PostGIS tests are skipped with the reason, never silently passed.

Each test gets a fresh database: a copy of a template (``CREATE DATABASE … TEMPLATE``) that
already has the PostGIS extension, which takes milliseconds instead of seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app_server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
TEMPLATE_DB = "landmap_template"


@dataclass(frozen=True)
class PostgresServer:
    port: int
    socket_dir: Path
    superuser: str
    data_dir: Path | None = None
    options: str = ""

    def url(self, dbname: str) -> str:
        # TCP on loopback: the way the app will reach a server.
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(sql)  # test-only SQL with names made here, never user input

    def new_database(self) -> str:
        """A fresh database with PostGIS (a copy of the template); its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE_DB}')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (to the app: a database that cannot be reached).

        "fast", not "immediate": the cluster runs with synchronous_commit=off, and an immediate
        stop would lose the last commits still in the WAL buffers (a test's fresh copy)."""
        assert self.data_dir is not None
        _pg_ctl(self.data_dir, "-m", "fast", "stop")

    def start(self) -> None:
        """Start it again on the same port, with the same data."""
        assert self.data_dir is not None
        done = _pg_ctl(self.data_dir, "-o", self.options, "-l", str(self.data_dir.parent / "log"),
                       "-w", "-t", "60", "start")  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"postgres did not start again: {done.stderr}")


def postgis_installed() -> bool:
    """Whether Debian's PostgreSQL 15 and its PostGIS extension are on this machine."""
    return (PG_BIN / "initdb").exists() and POSTGIS_CONTROL.exists()


def _pg_ctl(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), *args]),
        capture_output=True,
        text=True,
        check=False,
    )


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not postgis_installed():
        pytest.skip("PostgreSQL 15 with PostGIS is not installed (scripts/run-tests.sh does it)")
    with running_postgres() as server:
        yield server


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a cluster in a temporary folder; stop it and remove the folder afterwards."""
    root = Path(tempfile.mkdtemp(prefix="landmap-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    superuser = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    root.chmod(0o700)
    port = free_port()
    subprocess.run(
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", superuser, "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )  # fmt: skip
    # Loopback only, no fsync (a test cluster), small: the machine is shared.
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c shared_buffers=32MB -c max_connections=40"
    )
    started = _pg_ctl(data, "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start")
    if started.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"postgres did not start: {started.stderr}\n{log[-2000:]}")
    server = PostgresServer(port, sockets, superuser, data, options)
    try:
        server.admin(f"CREATE DATABASE {TEMPLATE_DB}")
        import psycopg

        with psycopg.connect(server.url(TEMPLATE_DB), autocommit=True) as con:
            con.execute("CREATE EXTENSION postgis")
        yield server
    finally:
        _pg_ctl(data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def restartable_server() -> Iterator[PostgresServer]:
    """A cluster of its own, which a test may stop and start (the session's stays up)."""
    if not postgis_installed():
        pytest.skip("PostgreSQL 15 with PostGIS is not installed (scripts/run-tests.sh does it)")
    with running_postgres() as server:
        yield server


@pytest.fixture(autouse=True)
def _close_connection_pools() -> Iterator[None]:
    """Each test makes its own databases; their pools must not outlive it (the test server
    allows 40 connections)."""
    yield
    import sys

    if "landmap.store.postgis_pool" in sys.modules:  # only tests that used PostGIS opened any
        sys.modules["landmap.store.postgis_pool"].close_pools()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database with PostGIS (no landmap schema yet)."""
    return postgres_server.new_database()
