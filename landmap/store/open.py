"""The one place that decides which store the app and the commands use (issue #12).

``LANDMAP_DATABASE_URL`` (or ``[database] url`` in secrets) set: the PostGIS database, one
``PostgisStore`` per URL per process (so whatever it keeps between operations is shared).
Unset: the GeoPackage of ``LANDMAP_DATA``, or the working copy of the bundled sample (seeded on
first use), exactly as before.

``store_key`` is the cheap string the app's caches are keyed by (with the store's version): the
file path, or the database URL. It may hold a password, so it is never shown: what a user reads
is ``store.source_name``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from landmap.config import Settings
from landmap.store.gpkg import GpkgStore
from landmap.store.postgis import PostgisStore

AnyStore = GpkgStore | PostgisStore


def uses_database(settings: Settings) -> bool:
    return bool(settings.database_url)


def open_store(settings: Settings) -> AnyStore:
    """The configured store: PostGIS when a database URL is set, else the GeoPackage."""
    if settings.database_url:
        return _database(settings.database_url)
    return GpkgStore(settings.ensure_data_file())


def store_key(settings: Settings) -> str:
    """A hashable cache key naming the store (never shown: a URL may carry a password)."""
    return settings.database_url or str(settings.ensure_data_file())


def store_for_key(key: str) -> AnyStore:
    """The store ``store_key`` named (inside cached functions, which get only the key)."""
    if is_database_url(key):
        return _database(key)
    return GpkgStore(Path(key))


def is_database_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


@lru_cache(maxsize=8)
def _database(url: str) -> PostgisStore:
    return PostgisStore(url)
