"""Reading (and later writing) geodata behind one interface.

The GeoPackage is the first backend; a PostGIS store will implement the same ``FeatureStore``.
"""

from landmap.store.base import (
    Backup,
    FeatureStore,
    StoreConflict,
    StoreError,
    TableMissingError,
    WritableStore,
)
from landmap.store.gpkg import GpkgStore

__all__ = [
    "Backup",
    "FeatureStore",
    "GpkgStore",
    "StoreConflict",
    "StoreError",
    "TableMissingError",
    "WritableStore",
]
