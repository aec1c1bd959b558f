"""The PostGIS server fixtures live in ``tests/postgis_server.py`` (shared with tests/app)."""

from tests.postgis_server import PostgresServer, running_postgres

__all__ = ["PostgresServer", "running_postgres"]
