"""Excel (.xlsx) bytes to cells, safely: size and entry caps, no DTD, read-only openpyxl.

An .xlsx is a zip of XML: its size is capped before anything is unpacked, and any DTD is
refused, so an entity bomb never reaches a parser (security.md §2.2 I5, §4.2 item 20); openpyxl
also parses through defusedxml when it is installed. Read-only openpyxl does not report merged
cells, so they are read from the sheet's XML here.

Two reads, both run in the sandboxed child (``worker``), never in the server:

- ``xlsx_grid``: one sheet as a grid of values, for a table import with coordinates;
- ``workbook_cells``: every sheet's cells with formulas kept as formulas and percentages
  flagged, for the 台账 (``ledger.reader`` via ``sandbox.read_workbook_cells``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from landmap.ingest.limits import MIB
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.ingest.table_grid import Grid, MergedRange, RowCounter, trimmed

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

try:  # defusedxml is optional for openpyxl; with it, its parsers refuse entities themselves.
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - the DTD check below still refuses every DTD

    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        """Stands in for defusedxml's error, which is then never raised."""


# An .xlsx of 200 000 rows unpacks to well under this; a zip bomb does not.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_ENTRIES = 1000
# In a real workbook merged ranges never overlap; a hostile one can make filling them explode.
MAX_MERGED_RANGES = 10_000

# A workbook read whole (the 台账): a ledger of the whole district is well under 1 MB, so these
# leave a wide margin. Columns beyond the cap are not read; more sheets or rows are refused.
MAX_WORKBOOK_SHEETS = 50
MAX_WORKBOOK_ROWS = 50_000  # filled rows per sheet
MAX_WORKBOOK_COLUMNS = 100
_PERCENT_FORMAT = re.compile(r'%(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a % outside "quoted" text

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-protected .xlsx


def legacy_excel_problem() -> ImportProblem:
    return problem(
        "legacy_excel",
        "这是旧版 Excel（.xls）、WPS 表格或加了密码的文件。请在 Excel/WPS 中另存为不加密的"
        " .xlsx 或 CSV 后再导入。",
        "This is an old Excel (.xls) or WPS file, or a password-protected one. Save it as an "
        "unprotected .xlsx or CSV and import again.",
    )


def not_xlsx_problem() -> ImportProblem:
    return problem(
        "not_xlsx",
        "文件扩展名是 .xlsx，但内容不是 Excel 工作簿，可能已损坏。",
        "The file is named .xlsx but its content is not an Excel workbook; it may be damaged.",
    )


def _unsafe_xml(part: str) -> ImportProblem:
    return problem(
        "xlsx_unsafe_xml",
        "Excel 文件内部含有不安全的 XML 声明（DTD/实体，位于 {part}），为安全起见拒绝导入。"
        "请在 Excel 中打开后另存为新的 .xlsx。",
        "The Excel file contains unsafe XML declarations (DTD/entities, in {part}) and was "
        "refused for safety. Open it in Excel and save it as a new .xlsx.",
        part=part,
    )


def _unreadable_xlsx(reason: str) -> ImportProblem:
    return problem(
        "xlsx_unreadable",
        "Excel 文件无法读取，可能已损坏（{reason}）。请在 Excel 中打开后另存为 .xlsx。",
        "The Excel file cannot be read and may be damaged ({reason}). Open it in Excel and "
        "save it as .xlsx again.",
        reason=reason,
    )


def _check_archive(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    unpacked = sum(info.file_size for info in entries)
    if len(entries) > MAX_XLSX_ENTRIES or unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportRejected(
            problem(
                "xlsx_too_large",
                "Excel 文件解压后过大（{size} MB，上限 {limit} MB），请拆分后再导入。",
                "The Excel file is too large once unpacked ({size} MB; the limit is {limit} MB). "
                "Please split it.",
                size=f"{unpacked / 2**20:,.0f}",
                limit=MAX_XLSX_UNPACKED_BYTES // 2**20,
            )
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise ImportRejected(not_xlsx_problem())


class _DoctypeFound(Exception):
    pass


class _RootReached(Exception):
    pass


def _has_doctype(stream: IO[bytes]) -> bool:
    """Whether an XML part declares a DTD (read only up to its first element)."""
    parser = expat.ParserCreate()

    def on_doctype(*_args: object) -> None:
        raise _DoctypeFound

    def on_element(*_args: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = on_doctype
    parser.StartElementHandler = on_element
    try:
        while chunk := stream.read(65_536):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _DoctypeFound:
        return True
    except (_RootReached, expat.ExpatError):
        return False
    return False


def _refuse_doctypes(archive: zipfile.ZipFile) -> None:
    # Office never writes a DTD; one in an .xlsx is there to declare entities (billion laughs,
    # external files), so the whole file is refused before openpyxl parses anything.
    for info in archive.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            with archive.open(info) as stream:
                if _has_doctype(stream):
                    raise ImportRejected(_unsafe_xml(info.filename))


def xlsx_grid(
    data: bytes, sheet: str | None, max_rows: int
) -> tuple[Grid, str, list[ImportProblem]]:
    with _refusals_in_words(), zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_archive(archive)
        _refuse_doctypes(archive)
        return _read_workbook(data, archive, sheet, max_rows)


@contextlib.contextmanager
def _refusals_in_words() -> Iterator[None]:
    """Whatever openpyxl or zipfile raise on a broken or hostile file, as a clerk's sentence."""
    try:
        yield
    except DefusedXmlException as exc:
        raise ImportRejected(_unsafe_xml(type(exc).__name__)) from None
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        IndexError,  # a cell pointing past the shared strings
        OSError,
        EOFError,
    ) as exc:
        raise ImportRejected(_unreadable_xlsx(type(exc).__name__)) from None
    except (ValueError, TypeError, SyntaxError, expat.ExpatError) as exc:
        # openpyxl raises these for broken XML or unexpected content (ParseError is a
        # SyntaxError), wrapping defusedxml's refusal in a ValueError; the class name helps a
        # developer, the sentence helps the clerk.
        unsafe = _unsafe_cause(exc)
        if unsafe is not None:
            raise ImportRejected(_unsafe_xml(type(unsafe).__name__)) from None
        raise ImportRejected(_unreadable_xlsx(type(exc).__name__)) from None


def _unsafe_cause(exc: BaseException) -> BaseException | None:
    seen: BaseException | None = exc
    for _ in range(10):  # a cause chain is short; never loop on a cycle
        if seen is None or isinstance(seen, DefusedXmlException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _read_workbook(
    data: bytes, archive: zipfile.ZipFile, sheet: str | None, max_rows: int
) -> tuple[Grid, str, list[ImportProblem]]:
    with warnings.catch_warnings():
        # "Workbook contains no default style", unsupported extensions: noise for the clerk.
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            worksheet, problems = _pick_sheet(workbook, sheet)
            grid = _sheet_rows(worksheet, max_rows)
            grid.merges = _sheet_merges(archive, worksheet)
            return grid, worksheet.title, problems
        finally:
            workbook.close()


def _pick_sheet(
    workbook: Workbook, sheet: str | None
) -> tuple[ReadOnlyWorksheet, list[ImportProblem]]:
    sheets = list(workbook.worksheets)
    names = [ws.title for ws in sheets]
    if not sheets:
        raise ImportRejected(_unreadable_xlsx("no worksheet"))
    if sheet is not None:
        wanted = unicodedata.normalize("NFKC", sheet).strip()
        for ws in sheets:
            if unicodedata.normalize("NFKC", ws.title).strip() == wanted:
                return ws, []
        raise ImportRejected(
            problem(
                "sheet_not_found",
                "工作簿中没有名为“{sheet}”的工作表。现有工作表：{names}。",
                "The workbook has no sheet called “{sheet}”. Its sheets: {names}.",
                sheet=sheet,
                names="、".join(names),
            )
        )
    if len(sheets) == 1:
        return sheets[0], []
    return sheets[0], [
        problem(
            "other_sheets",
            "工作簿有 {count} 个工作表，只读取了第一个“{sheet}”。其他工作表：{others}。"
            "如需导入其他工作表，请选择工作表。",
            "The workbook has {count} sheets; only the first, “{sheet}”, was read. Others: "
            "{others}. Choose a sheet to import another one.",
            severity=Severity.WARNING,
            count=len(sheets),
            sheet=names[0],
            others="、".join(names[1:]),
        )
    ]


def _sheet_rows(worksheet: ReadOnlyWorksheet, max_rows: int) -> Grid:
    # The <dimension> an .xlsx declares can be wrong (some exporters write "A1"), and a
    # read-only sheet would then stop early: forget it and read every row there is.
    worksheet.reset_dimensions()
    grid = Grid(rows=[], numbers=[], text_only=False)
    counter = RowCounter(max_rows)
    # Read-only iteration yields one tuple per row number from 1, empty ones included.
    for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        row = trimmed(cells)
        counter.add(row)
        grid.rows.append(row)
        grid.numbers.append(number)
    return grid


def _sheet_merges(archive: zipfile.ZipFile, worksheet: ReadOnlyWorksheet) -> list[MergedRange]:
    """The merged ranges of a sheet; read-only openpyxl does not parse them, so we do."""
    # openpyxl has no public name for the sheet's part in the zip (3.1.5); a test covers it.
    path: str = worksheet._worksheet_path
    refs: list[str] = []
    parser = expat.ParserCreate(namespace_separator=" ")

    def on_element(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] == "mergeCell" and "ref" in attrs:
            refs.append(attrs["ref"])
            if len(refs) > MAX_MERGED_RANGES:
                raise ImportRejected(
                    problem(
                        "too_many_merged_cells",
                        "工作表中的合并单元格超过 {count} 处，请取消合并后再导入。",
                        "The sheet has more than {count} merged ranges; unmerge them and "
                        "import again.",
                        count=MAX_MERGED_RANGES,
                    )
                )

    parser.StartElementHandler = on_element
    with archive.open(path.lstrip("/")) as stream:
        parser.ParseFile(stream)
    merges = []
    for ref in refs:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        merges.append(MergedRange(min_row, min_col, max_row, max_col))
    return sorted(merges)  # row by row, left to right: the order a clerk reads them


# -- A workbook read whole: the 台账 ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkbookCell:
    """One cell as typed: text (stripped), a number, a bool, a datetime, or None.

    ``formula``: the cell holds a formula and ``value`` is its text ("=50+10"), never the result
    Excel cached; ``percent``: a number shown as a percentage (Excel stores 90% as 0.9).
    """

    value: object
    formula: bool = False
    percent: bool = False


@dataclass(frozen=True, slots=True)
class WorkbookRow:
    number: int  # as Excel shows it
    cells: tuple[WorkbookCell, ...]  # from column A; empty cells at the end are left out

    def cell(self, index: int) -> WorkbookCell:
        return self.cells[index] if index < len(self.cells) else WorkbookCell(None)

    @property
    def is_blank(self) -> bool:
        return all(_blank_value(c.value) for c in self.cells)


@dataclass(frozen=True, slots=True)
class WorkbookSheet:
    title: str
    rows: tuple[WorkbookRow, ...]  # blank rows are left out


def workbook_cells(data: bytes, *, max_unpacked_bytes: int) -> list[WorkbookSheet]:
    """Every sheet's cells, formulas as formulas; raises ImportRejected (zh/en) when refused.

    The workbook is opened with ``data_only=False`` on purpose: a formula is reported as a
    formula and never taken at its cached result, whatever Excel computed. Runs in the child
    (``sandbox.read_workbook_cells``); at most ``MAX_WORKBOOK_SHEETS`` sheets of
    ``MAX_WORKBOOK_ROWS`` filled rows, ``MAX_WORKBOOK_COLUMNS`` columns wide.
    """
    if data.startswith(OLE_MAGIC):
        raise ImportRejected(legacy_excel_problem())
    if not data.startswith(ZIP_MAGIC):
        raise ImportRejected(not_xlsx_problem())
    with _refusals_in_words(), zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_unpacked_workbook(archive, max_unpacked_bytes)
        _check_archive(archive)
        _refuse_doctypes(archive)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: noise for a clerk
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
            try:
                if len(workbook.worksheets) > MAX_WORKBOOK_SHEETS:
                    raise ImportRejected(_too_many_sheets(len(workbook.worksheets)))
                return [_all_rows(worksheet) for worksheet in workbook.worksheets]
            finally:
                workbook.close()


def _check_unpacked_workbook(archive: zipfile.ZipFile, max_unpacked_bytes: int) -> None:
    # Declared sizes; zipfile stops an entry that inflates beyond what it declared.
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max_unpacked_bytes:
        raise ImportRejected(
            problem(
                "ledger_too_large",
                "台账文件解压后过大（{size} MB，上限 {limit} MB）。请只保留台账工作表后再上传。",
                "The ledger is too large once unpacked ({size} MB; the limit is {limit} MB). "
                "Keep only the ledger sheets and upload again.",
                size=f"{unpacked / MIB:,.0f}",
                limit=f"{max_unpacked_bytes / MIB:g}",
            )
        )


def _too_many_sheets(count: int) -> ImportProblem:
    return problem(
        "ledger_too_many_sheets",
        "台账有 {count} 个工作表，超过上限 {limit}。",
        "The ledger has {count} sheets; at most {limit} are read.",
        count=count,
        limit=MAX_WORKBOOK_SHEETS,
    )


def _all_rows(worksheet: ReadOnlyWorksheet) -> WorkbookSheet:
    # A wrong <dimension> (some exporters write "A1") would stop a read-only sheet early.
    worksheet.reset_dimensions()
    rows: list[WorkbookRow] = []
    # Without max_col a row comes only as wide as its last cell, and a gap in the row numbers
    # as an empty row: a cell in row 1 048 576 or column XFD costs no Python loop over blanks.
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if not cells:
            continue
        within = cells[:MAX_WORKBOOK_COLUMNS]
        row = WorkbookRow(number, _without_trailing_empties([_workbook_cell(c) for c in within]))
        if row.is_blank:
            continue
        if len(rows) == MAX_WORKBOOK_ROWS:
            raise ImportRejected(
                problem(
                    "ledger_too_many_rows",
                    "工作表“{sheet}”超过 {limit} 行，请拆分后再上传。",
                    "The sheet “{sheet}” has more than {limit} rows; please split it.",
                    sheet=worksheet.title,
                    limit=f"{MAX_WORKBOOK_ROWS:,}",
                )
            )
        rows.append(row)
    return WorkbookSheet(worksheet.title, tuple(rows))


def _workbook_cell(cell: ReadOnlyCell | EmptyCell) -> WorkbookCell:
    value = cell.value
    formula = getattr(cell, "data_type", None) == "f"
    if formula and not isinstance(value, str):  # an array or data-table formula object
        value = getattr(value, "text", None) or str(value)
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, dt.time):
        value = value.isoformat()
    number_format = getattr(cell, "number_format", None) or ""
    return WorkbookCell(
        value,
        formula=formula,
        percent=isinstance(value, int | float) and bool(_PERCENT_FORMAT.search(number_format)),
    )


def _without_trailing_empties(cells: list[WorkbookCell]) -> tuple[WorkbookCell, ...]:
    # ``WorkbookRow.cell`` answers an empty cell past the end: nothing is lost, and a row of
    # 100 columns with values in the first 12 travels as 12 cells.
    while cells and cells[-1].value is None and not cells[-1].formula:
        cells.pop()
    return tuple(cells)


def _blank_value(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value)
