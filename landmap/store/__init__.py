"""Reading (and later writing) geodata behind one interface.

The GeoPackage is the embedded default; ``PostgisStore`` (issue #12) keeps the same promises
(reading, editing, imports with backups and restores, photos, leads) on a PostgreSQL + PostGIS
server.
"""

from landmap.store.base import (
    AppliedEdits,
    Backup,
    EditConflict,
    FeatureConflict,
    FeatureNotFound,
    FeatureStore,
    InterestStore,
    PhotoStore,
    StoreConflict,
    StoreError,
    TableMissingError,
    TrackingStore,
    WritableStore,
)


def __getattr__(name: str) -> object:
    # GpkgStore pulls in geopandas/pyogrio (a second to import); the SQLite edit worker, a
    # child process started per save, imports this package and needs none of that.
    if name == "GpkgStore":
        from landmap.store.gpkg import GpkgStore

        return GpkgStore
    if name == "PostgisStore":
        from landmap.store.postgis import PostgisStore

        return PostgisStore
    raise AttributeError(name)


__all__ = [
    "AppliedEdits",
    "Backup",
    "EditConflict",
    "FeatureConflict",
    "FeatureNotFound",
    "FeatureStore",
    "GpkgStore",
    "InterestStore",
    "PhotoStore",
    "PostgisStore",
    "StoreConflict",
    "StoreError",
    "TableMissingError",
    "TrackingStore",
    "WritableStore",
]
