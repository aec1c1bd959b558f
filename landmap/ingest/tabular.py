"""Tables with coordinates — CSV and Excel (.xlsx) — read from bytes into a GeoDataFrame.

A district 台账 is rarely a clean table: a title row ("西区闲置土地台账（2026年）") sits above the
header, category cells are merged across columns, the CSV was saved by Chinese Excel in GBK,
the coordinates are "待定" in some rows, typed in degrees-minutes-seconds in others, or with
longitude and latitude swapped. ``read_table_bytes`` finds the real header, reads the
coordinates (lon/lat, projected x/y or a WKT column) and reports every fix it made as an
``ImportProblem``; rows it cannot place are kept without a geometry, never dropped.

The CRS is left to the caller (``frame.crs`` is None): lon/lat may be CGCS2000, WGS84 or
GCJ-02, and x/y may be any Gauss-Krüger zone; ``coords.guess_crs`` and the user decide.

Only bytes come in (security.md §2.2 I4). An .xlsx is checked for zip and entity bombs before
any XML parser sees it (``table_xlsx``).

Each step lives in its own module: ``table_csv`` and ``table_xlsx`` read the file into a grid
of cells (``table_grid``), ``table_rows`` with ``table_header`` find the header and the data
rows under it, and ``table_coordinates`` turns the coordinate columns into geometries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.ingest.problems import ImportProblem, ImportRejected, problem
from landmap.ingest.table_coordinates import CoordinateKind, locate, parse_coordinate
from landmap.ingest.table_csv import csv_grid
from landmap.ingest.table_grid import HEADER_SCAN_ROWS, MAX_COLUMNS
from landmap.ingest.table_rows import table_from_grid
from landmap.ingest.table_xlsx import (
    MAX_MERGED_RANGES,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_UNPACKED_BYTES,
    OLE_MAGIC,
    ZIP_MAGIC,
    legacy_excel_problem,
    not_xlsx_problem,
    xlsx_grid,
)

__all__ = [
    "HEADER_SCAN_ROWS",
    "MAX_COLUMNS",
    "MAX_MERGED_RANGES",
    "MAX_XLSX_ENTRIES",
    "MAX_XLSX_UNPACKED_BYTES",
    "CoordinateKind",
    "TabularRead",
    "parse_coordinate",
    "read_table_bytes",
]


@dataclass(frozen=True)
class TabularRead:
    """What ``read_table_bytes`` found.

    ``frame`` has the source columns under their header names (text cells as ``str``; an .xlsx
    keeps numbers and dates as Excel typed them), one row per data row indexed by the row
    number a spreadsheet program shows (``source_row``), and a ``geometry`` column (None where
    a row has no usable coordinates); its CRS is None for the caller to decide.
    """

    frame: gpd.GeoDataFrame
    coordinate_columns: tuple[str, ...]  # (lon, lat), (x, y) or (wkt,), as named in ``frame``
    kind: CoordinateKind
    encoding: str | None  # the text encoding used for a CSV; None for .xlsx
    sheet: str | None  # the worksheet read from an .xlsx; None for CSV
    problems: list[ImportProblem] = field(default_factory=list)


def read_table_bytes(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    max_rows: int = 200_000,
) -> TabularRead:
    """Read a CSV or .xlsx table with coordinates; raises ImportRejected when it cannot.

    ``filename`` is only used to tell an .xlsx that is not one; the content decides the format.
    ``encoding`` overrides the CSV detection (strict UTF-8 with or without BOM, UTF-16 with a
    BOM, else GB18030 — a superset of the GBK that Chinese Excel writes). ``sheet`` picks an
    .xlsx worksheet (default: the first). More than ``max_rows`` data rows is refused.
    """
    if not data.strip():
        raise ImportRejected(problem("empty_file", "文件是空的。", "The file is empty."))
    problems: list[ImportProblem] = []
    used_encoding: str | None = None
    sheet_name: str | None = None
    if data.startswith(ZIP_MAGIC):
        grid, sheet_name, problems = xlsx_grid(data, sheet, max_rows)
    elif data.startswith(OLE_MAGIC):
        raise ImportRejected(legacy_excel_problem())
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRejected(not_xlsx_problem())
    else:
        grid, used_encoding = csv_grid(data, encoding, max_rows)
    table, table_problems = table_from_grid(grid, max_rows)
    problems += table_problems
    try:
        located = locate(table)
    except ImportRejected:
        # Shifted rows hide the coordinates: that, not "no coordinates", is what to fix.
        shifted = [p for p in table_problems if p.code == "csv_row_too_long"]
        if shifted:
            raise ImportRejected(shifted[0]) from None
        raise
    frame, columns = _geodataframe(table, located.geometry, located.columns)
    return TabularRead(
        frame=frame,
        coordinate_columns=columns,
        kind=located.kind,
        encoding=used_encoding,
        sheet=sheet_name,
        problems=problems + located.problems,
    )


def _geodataframe(
    table: pd.DataFrame, geometry: np.ndarray, columns: tuple[str, ...]
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    # A source column called "geometry" (a WKT column, say) would clash with the real one.
    renamed = {"geometry": "geometry_source"} if "geometry" in table.columns else {}
    table = table.rename(columns=renamed)
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, index=table.index), crs=None)
    return frame, tuple(renamed.get(c, c) for c in columns)
