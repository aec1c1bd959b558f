"""Reading (and later writing) geodata behind one interface.

The GeoPackage is the first backend; a PostGIS store will implement the same ``FeatureStore``.
"""

from landmap.store.base import FeatureStore, StoreError, TableMissingError
from landmap.store.gpkg import GpkgStore

__all__ = ["FeatureStore", "GpkgStore", "StoreError", "TableMissingError"]
