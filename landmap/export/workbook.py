"""Writing sheets with openpyxl the way every landmap workbook does (export and 台账).

Text is always stored as text (``sanitise.write_text``), numbers as numbers, dates as real
dates shown year-month-day; the header row is bold, frozen and filterable, and columns are
wide enough for their Chinese headers.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
from collections.abc import Collection, Iterable, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from landmap.export.sanitise import write_text

DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
# Columns that are there to read, not to edit (the 台账's context columns).
MUTED_FILL = PatternFill("solid", fgColor="E7E6E6")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_TITLE = 31  # Excel's limit


def sheet_title(wanted: str, taken: Collection[str]) -> str:
    """A title Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = _SHEET_TITLE_FORBIDDEN.sub("_", wanted).strip("'") or "Sheet"
    title, n = base[:MAX_SHEET_TITLE], 2
    lowered = {t.casefold() for t in taken}
    while title.casefold() in lowered:  # Excel compares sheet titles case-insensitively
        suffix = f"({n})"
        title, n = base[: MAX_SHEET_TITLE - len(suffix)] + suffix, n + 1
    return title


def write_table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    muted: Collection[int] = (),
) -> None:
    """``headers`` in row 1 (frozen, with a filter), then ``rows``; ``muted`` are 0-based."""
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        write_text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = MUTED_FILL if col - 1 in muted else HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    widths = [_display_width(h) for h in headers]
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            write_value(sheet.cell(row=row_number, column=col), value)
            widths[col - 1] = max(widths[col - 1], _display_width(value))
    sheet.freeze_panes = "A2"
    if headers:
        last = get_column_letter(len(headers))
        sheet.auto_filter.ref = f"A1:{last}{max(row_number, 1)}"
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)


def write_value(cell: Cell, value: object) -> None:
    """One cell: empty, a number, a date (shown year-month-day) or text kept as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        cell.value = None
    elif isinstance(value, bool):
        write_text(cell, "是" if value else "否")
    elif isinstance(value, dt.datetime | dt.date):
        cell.value = value.date() if isinstance(value, dt.datetime) else value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, numbers.Integral):
        cell.value = int(value)  # numpy integers from nullable columns, as plain ints
    elif isinstance(value, numbers.Real):
        cell.value = float(value)
    else:
        write_text(cell, str(value))


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _display_width(value: object) -> int:
    """Roughly how many Latin characters wide a value shows (a Chinese character is two)."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:60])
