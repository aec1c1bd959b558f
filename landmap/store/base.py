"""The interface every store backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


class StoreConflict(StoreError):
    """Someone changed the store since the caller read it; nothing was written."""


@dataclass(frozen=True)
class Backup:
    """A saved previous version of the store, made before a change; restorable."""

    id: str
    created_at: datetime  # timezone-aware
    layer_id: str
    action: str  # what was about to happen: "import:replace", "restore", …
    note: str
    user: str


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


class WritableStore(FeatureStore, Protocol):
    def write_layer(
        self,
        table: str,
        frame: gpd.GeoDataFrame,
        *,
        expected_version: str,
        action: str,
        user: str,
        note: str = "",
    ) -> Backup:
        """Replace ``table`` with ``frame`` as one atomic change, after saving a backup.

        Raises StoreConflict (nothing written) when the store's version is no longer
        ``expected_version``. Any failure leaves the store exactly as it was.
        """
        ...

    def backups(self) -> list[Backup]:
        """Saved versions, newest first."""
        ...

    def restore(self, backup_id: str, *, expected_version: str, user: str) -> Backup:
        """Put a saved version back (itself backed up first, so a restore can be undone)."""
        ...
