"""The interface every store backend implements."""

from __future__ import annotations

from typing import Protocol

import geopandas as gpd


class StoreError(Exception):
    """The store (file or server) cannot be read at all; ``detail`` says why, for the log."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


class TableMissingError(StoreError):
    """The store is readable but has no table for this layer."""


class FeatureStore(Protocol):
    @property
    def source_name(self) -> str:
        """What to call this store in a message to a user (a file name, a database name)."""
        ...

    def version(self) -> str:
        """A cheap token that changes whenever the stored data changes: the cache key."""
        ...

    def read_table(self, table: str) -> gpd.GeoDataFrame:
        """The table as stored (its own CRS and columns). Raises StoreError/TableMissingError."""
        ...
