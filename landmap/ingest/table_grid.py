"""The grid: the rows of cells a CSV or a worksheet holds, before any header is looked for.

``table_csv`` and ``table_xlsx`` each read a file into a ``Grid``; ``table_header`` and
``table_rows`` turn the grid into a table. The cell helpers here are shared by all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from openpyxl.utils.cell import get_column_letter

from landmap.ingest.problems import ImportProblem, ImportRejected, problem

# A title, a "填报单位" line and a two-row header fit easily; a header lower than this is not one.
HEADER_SCAN_ROWS = 15
MAX_COLUMNS = 500


class MergedRange(NamedTuple):
    """A merged range, 1-based and inclusive, as Excel numbers rows and columns."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def ref(self) -> str:
        first = f"{get_column_letter(self.min_col)}{self.min_row}"
        return f"{first}:{get_column_letter(self.max_col)}{self.max_row}"


@dataclass
class Grid:
    rows: list[list[object]]  # cell values; "" for an empty cell, trailing empties trimmed
    numbers: list[int]  # for each row, the row number a spreadsheet program shows
    merges: list[MergedRange] = field(default_factory=list)
    text_only: bool = True  # CSV: every cell is str


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def trimmed(cells: Iterable[object]) -> list[object]:
    row = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in cells]
    while row and is_blank(row[-1]):
        row.pop()
    return row


def cell(row: list[object], col: int) -> object:
    return row[col] if col < len(row) else ""


def cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return re.sub(r"\s*\n\s*", "", str(value)).strip()  # "总投资\n（万元）" → "总投资（万元）"


def too_many_rows_problem(max_rows: int) -> ImportProblem:
    return problem(
        "too_many_rows",
        "表格超过 {max_rows} 行，请拆分成几个文件再导入。",
        "The table has more than {max_rows} rows; please split it into several files.",
        max_rows=f"{max_rows:,}",
    )


def _too_many_columns_problem() -> ImportProblem:
    return problem(
        "too_many_columns",
        "表格超过 {count} 列，不像是台账；请只保留需要的列。",
        "The table has more than {count} columns, which is not a ledger; keep only the "
        "columns needed.",
        count=MAX_COLUMNS,
    )


class RowCounter:
    """Stops reading once a file has clearly more rows than allowed (before memory fills)."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.filled = 0

    def add(self, row: list[object]) -> None:
        if len(row) > MAX_COLUMNS:
            raise ImportRejected(_too_many_columns_problem())
        if row:
            self.filled += 1
        if self.filled > self.max_rows + HEADER_SCAN_ROWS:
            raise ImportRejected(too_many_rows_problem(self.max_rows))
