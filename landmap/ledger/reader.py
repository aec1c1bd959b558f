"""Reading an uploaded 台账 workbook safely: every sheet's cells, with formulas flagged.

The upload is untrusted. It gets the import's .xlsx protections (``ingest.table_xlsx``): a
size cap before anything is unpacked, caps on entries and unpacked bytes (tighter here: a
ledger is small), any DTD refused before a parser sees it, defusedxml under openpyxl, and
read-only streaming. The workbook is read with ``data_only=False`` on purpose: a formula is
reported as a formula and never taken at its cached result, whatever Excel computed.

It runs in the server process: ``sandbox.read_table`` insists on coordinate columns, which a
ledger does not have (see the report for the worker mode that would move this into the child).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from landmap.ingest import table_xlsx
from landmap.ingest.limits import MIB, Limits
from landmap.ingest.problems import ImportRejected, problem
from landmap.ingest.sandbox import check_size

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# A ledger of the whole district is well under 1 MB; these leave a wide margin.
MAX_LEDGER_BYTES = 20 * MIB
MAX_LEDGER_UNPACKED_BYTES = 100 * MIB
MAX_SHEETS = 50
MAX_ROWS_PER_SHEET = 50_000
MAX_COLUMNS = 100
_PERCENT_FORMAT = re.compile(r'%(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a % outside "quoted" text


@dataclass(frozen=True)
class LedgerCell:
    value: object  # str, int, float, bool, datetime or None
    formula: bool = False
    # Shown as a percentage: Excel stores 90% as 0.9.
    percent: bool = False


@dataclass(frozen=True)
class LedgerRow:
    number: int  # as Excel shows it
    cells: tuple[LedgerCell, ...]

    def cell(self, index: int) -> LedgerCell:
        return self.cells[index] if index < len(self.cells) else LedgerCell(None)

    @property
    def is_blank(self) -> bool:
        return all(_blank(c.value) for c in self.cells)


@dataclass(frozen=True)
class LedgerSheet:
    title: str
    rows: tuple[LedgerRow, ...]


def read_ledger_cells(data: bytes) -> list[LedgerSheet]:
    """Every sheet of an uploaded .xlsx; raises ImportRejected (zh/en) when it is refused."""
    check_size(data, Limits(max_upload_bytes=MAX_LEDGER_BYTES))
    if data.startswith(table_xlsx.OLE_MAGIC):
        raise ImportRejected(table_xlsx.legacy_excel_problem())
    if not data.startswith(table_xlsx.ZIP_MAGIC):
        raise ImportRejected(table_xlsx.not_xlsx_problem())
    # The import's private helpers: one set of .xlsx protections for every upload.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_size_unpacked(archive)
            table_xlsx._check_archive(archive)
            table_xlsx._refuse_doctypes(archive)
            return _read_sheets(data)
    except table_xlsx.DefusedXmlException as exc:
        raise ImportRejected(table_xlsx._unsafe_xml(type(exc).__name__)) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
        raise ImportRejected(table_xlsx._unreadable_xlsx(type(exc).__name__)) from None
    except (ValueError, TypeError, SyntaxError, expat.ExpatError) as exc:
        unsafe = table_xlsx._unsafe_cause(exc)
        if unsafe is not None:
            raise ImportRejected(table_xlsx._unsafe_xml(type(unsafe).__name__)) from None
        raise ImportRejected(table_xlsx._unreadable_xlsx(type(exc).__name__)) from None


def _check_size_unpacked(archive: zipfile.ZipFile) -> None:
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_LEDGER_UNPACKED_BYTES:
        raise ImportRejected(
            problem(
                "ledger_too_large",
                "台账文件解压后过大（{size} MB，上限 {limit} MB）。请只保留台账工作表后再上传。",
                "The ledger is too large once unpacked ({size} MB; the limit is {limit} MB). "
                "Keep only the ledger sheets and upload again.",
                size=f"{unpacked / MIB:,.0f}",
                limit=MAX_LEDGER_UNPACKED_BYTES // MIB,
            )
        )


def _read_sheets(data: bytes) -> list[LedgerSheet]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style" and the like: noise for a clerk
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    try:
        if len(workbook.worksheets) > MAX_SHEETS:
            raise ImportRejected(
                problem(
                    "ledger_too_many_sheets",
                    "台账有 {count} 个工作表，超过上限 {limit}。",
                    "The ledger has {count} sheets; at most {limit} are read.",
                    count=len(workbook.worksheets),
                    limit=MAX_SHEETS,
                )
            )
        return [_read_sheet(sheet) for sheet in workbook.worksheets]
    finally:
        workbook.close()


def _read_sheet(sheet: ReadOnlyWorksheet) -> LedgerSheet:
    # A wrong <dimension> (some exporters write "A1") would stop a read-only sheet early.
    sheet.reset_dimensions()
    rows: list[LedgerRow] = []
    filled = 0
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        row = LedgerRow(number, tuple(_cell(c) for c in cells))
        if row.is_blank:
            continue
        filled += 1
        if filled > MAX_ROWS_PER_SHEET:
            raise ImportRejected(
                problem(
                    "ledger_too_many_rows",
                    "工作表“{sheet}”超过 {limit} 行，请拆分后再上传。",
                    "The sheet “{sheet}” has more than {limit} rows; please split it.",
                    sheet=sheet.title,
                    limit=f"{MAX_ROWS_PER_SHEET:,}",
                )
            )
        rows.append(row)
    return LedgerSheet(sheet.title, tuple(rows))


def _cell(cell: ReadOnlyCell | EmptyCell) -> LedgerCell:
    value = cell.value
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, dt.time):
        value = value.isoformat()
    number_format = getattr(cell, "number_format", None) or ""
    return LedgerCell(
        value,
        formula=getattr(cell, "data_type", None) == "f",
        percent=isinstance(value, int | float) and bool(_PERCENT_FORMAT.search(number_format)),
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value)
