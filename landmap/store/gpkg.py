"""The GeoPackage store: the embedded default, read with pyogrio."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from landmap.store.base import StoreError, TableMissingError


class GpkgStore:
    """One GeoPackage file; each layer is a table named by the layer id."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def source_name(self) -> str:
        return self.path.name

    def version(self) -> str:
        try:
            stat = self.path.stat()
        except OSError:
            return "missing"
        return f"{stat.st_mtime_ns}-{stat.st_size}"

    def tables(self) -> list[str]:
        if not self.path.is_file():
            raise StoreError(self.source_name, "file not found")
        try:
            return [str(name) for name, _geom in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises several error types for broken files
            raise StoreError(self.source_name, str(exc)) from exc

    def read_table(self, table: str) -> gpd.GeoDataFrame:
        if table not in self.tables():
            raise TableMissingError(self.source_name, f"no table {table!r}")
        try:
            # on_invalid="ignore": a geometry GEOS cannot even build (unclosed ring) becomes
            # None, and validation reports it by id instead of the whole table failing.
            return pyogrio.read_dataframe(self.path, layer=table, on_invalid="ignore")
        except Exception as exc:
            raise StoreError(self.source_name, f"table {table!r}: {exc}") from exc
