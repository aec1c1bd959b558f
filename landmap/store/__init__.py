"""Reading (and later writing) geodata behind one interface.

The GeoPackage is the first backend; a PostGIS store will implement the same ``FeatureStore``.
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
    "StoreConflict",
    "StoreError",
    "TableMissingError",
    "TrackingStore",
    "WritableStore",
]
