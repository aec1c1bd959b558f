"""Tables with coordinates — CSV and Excel (.xlsx) — read from bytes into a GeoDataFrame.

A district 台账 is rarely a clean table: a title row ("西区闲置土地台账（2026年）") sits above the
header, category cells are merged across columns, the CSV was saved by Chinese Excel in GBK,
the coordinates are "待定" in some rows, typed in degrees-minutes-seconds in others, or with
longitude and latitude swapped. ``read_table_bytes`` finds the real header, reads the
coordinates (lon/lat, projected x/y or a WKT column) and reports every fix it made as an
``ImportProblem``; rows it cannot place are kept without a geometry, never dropped.

The CRS is left to the caller (``frame.crs`` is None): lon/lat may be CGCS2000, WGS84 or
GCJ-02, and x/y may be any Gauss-Krüger zone; ``coords.guess_crs`` and the user decide.

Only bytes come in (security.md §2.2 I4). An .xlsx is a zip of XML: its size is capped before
anything is unpacked, and any DTD is refused, so an entity bomb never reaches a parser
(§2.2 I5, §4.2 item 20); openpyxl also parses through defusedxml when it is installed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Literal, NamedTuple
from xml.parsers import expat

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from landmap.ingest.mapping import (
    find_id_column,
    format_row_numbers,
    normalize_header,
    parse_number,
)
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

try:  # defusedxml is optional for openpyxl; with it, its parsers refuse entities themselves.
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - the DTD check below still refuses every DTD

    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        """Stands in for defusedxml's error, which is then never raised."""


CoordinateKind = Literal["lonlat", "xy", "wkt"]

# A title, a "填报单位" line and a two-row header fit easily; a header lower than this is not one.
HEADER_SCAN_ROWS = 15
MAX_COLUMNS = 500
# An .xlsx of 200 000 rows unpacks to well under this; a zip bomb does not.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_ENTRIES = 1000
# In a real workbook merged ranges never overlap; a hostile one can make filling them explode.
MAX_MERGED_RANGES = 10_000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-protected .xlsx
_DELIMITERS = (",", "\t", ";")  # the full-width comma "，" is text, never a delimiter
_TOTAL_ROW_WORDS = frozenset({"合计", "总计", "小计", "总合计", "合计数"})


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
    if data.startswith(_ZIP_MAGIC):
        grid, sheet_name, problems = _xlsx_grid(data, sheet, max_rows)
    elif data.startswith(_OLE_MAGIC):
        raise ImportRejected(_legacy_excel())
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRejected(_not_xlsx())
    else:
        grid, used_encoding = _csv_grid(data, encoding, max_rows)
    table, table_problems = _table_from_grid(grid, max_rows)
    problems += table_problems
    located = _locate(table)
    frame, columns = _geodataframe(table, located.geometry, located.columns)
    return TabularRead(
        frame=frame,
        coordinate_columns=columns,
        kind=located.kind,
        encoding=used_encoding,
        sheet=sheet_name,
        problems=problems + located.problems,
    )


# --- the grid: rows of cells as the file holds them ----------------------------------------


class _Range(NamedTuple):
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
class _Grid:
    rows: list[list[object]]  # cell values; "" for an empty cell, trailing empties trimmed
    numbers: list[int]  # for each row, the row number a spreadsheet program shows
    merges: list[_Range] = field(default_factory=list)
    text_only: bool = True  # CSV: every cell is str


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trimmed(cells: Iterable[object]) -> list[object]:
    row = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in cells]
    while row and _is_blank(row[-1]):
        row.pop()
    return row


def _too_many_rows(max_rows: int) -> ImportProblem:
    return problem(
        "too_many_rows",
        "表格超过 {max_rows} 行，请拆分成几个文件再导入。",
        "The table has more than {max_rows} rows; please split it into several files.",
        max_rows=f"{max_rows:,}",
    )


def _too_many_columns() -> ImportProblem:
    return problem(
        "too_many_columns",
        "表格超过 {count} 列，不像是台账；请只保留需要的列。",
        "The table has more than {count} columns, which is not a ledger; keep only the "
        "columns needed.",
        count=MAX_COLUMNS,
    )


class _RowCounter:
    """Stops reading once a file has clearly more rows than allowed (before memory fills)."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.filled = 0

    def add(self, row: list[object]) -> None:
        if len(row) > MAX_COLUMNS:
            raise ImportRejected(_too_many_columns())
        if row:
            self.filled += 1
        if self.filled > self.max_rows + HEADER_SCAN_ROWS:
            raise ImportRejected(_too_many_rows(self.max_rows))


# --- CSV -------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        return _decode_as(data, encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:  # Excel's "Unicode text" export
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for candidate in ("utf-8", "gb18030"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ImportRejected(
        problem(
            "encoding_unknown",
            "无法识别文件的文字编码（不是 UTF-8，也不是 GBK/GB18030）。请用 Excel 另存为"
            "“CSV UTF-8”或 .xlsx 后再导入。",
            "The file's text encoding could not be recognised (neither UTF-8 nor "
            "GBK/GB18030). Save it from Excel as “CSV UTF-8” or .xlsx and import again.",
        )
    )


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportRejected(
            problem(
                "encoding_invalid",
                "没有名为“{encoding}”的文字编码。",
                "There is no text encoding called “{encoding}”.",
                encoding=encoding,
            )
        ) from None
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ImportRejected(
            problem(
                "encoding_mismatch",
                "文件不是“{encoding}”编码，请换一种编码，或不指定编码由系统识别。",
                "The file is not in “{encoding}”; choose another encoding, or leave it to be "
                "detected.",
                encoding=encoding,
            )
        ) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most sample lines into the same number of cells."""
    sample = text[:65_536].splitlines()[:50]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(sample, delimiter=delimiter) if len(r) > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_grid(data: bytes, encoding: str | None, max_rows: int) -> tuple[_Grid, str]:
    text, used = _decode(data, encoding)
    if "\x00" in text:
        raise ImportRejected(
            problem(
                "not_text",
                "文件不是文本表格（CSV），也不是 .xlsx。",
                "The file is neither a text table (CSV) nor an .xlsx workbook.",
            )
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    grid = _Grid(rows=[], numbers=[])
    counter = _RowCounter(max_rows)
    try:
        # A record spanning lines (a quoted line break) is one row, as Excel shows it.
        for number, cells in enumerate(reader, start=1):
            row = _trimmed(cells)
            counter.add(row)
            grid.rows.append(row)
            grid.numbers.append(number)
    except csv.Error as exc:
        raise ImportRejected(
            problem(
                "csv_unreadable",
                "CSV 文件第 {row} 行无法读取（{reason}）。",
                "Row {row} of the CSV file cannot be read ({reason}).",
                row=reader.line_num,
                reason=str(exc),
            )
        ) from None
    return grid, used


# --- XLSX ------------------------------------------------------------------------------------


def _legacy_excel() -> ImportProblem:
    return problem(
        "legacy_excel",
        "这是旧版 Excel（.xls）、WPS 表格或加了密码的文件。请在 Excel/WPS 中另存为不加密的"
        " .xlsx 或 CSV 后再导入。",
        "This is an old Excel (.xls) or WPS file, or a password-protected one. Save it as an "
        "unprotected .xlsx or CSV and import again.",
    )


def _not_xlsx() -> ImportProblem:
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
        raise ImportRejected(_not_xlsx())


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


def _xlsx_grid(
    data: bytes, sheet: str | None, max_rows: int
) -> tuple[_Grid, str, list[ImportProblem]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
            _refuse_doctypes(archive)
            return _read_workbook(data, archive, sheet, max_rows)
    except DefusedXmlException as exc:
        raise ImportRejected(_unsafe_xml(type(exc).__name__)) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
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
) -> tuple[_Grid, str, list[ImportProblem]]:
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


def _sheet_rows(worksheet: ReadOnlyWorksheet, max_rows: int) -> _Grid:
    # The <dimension> an .xlsx declares can be wrong (some exporters write "A1"), and a
    # read-only sheet would then stop early: forget it and read every row there is.
    worksheet.reset_dimensions()
    grid = _Grid(rows=[], numbers=[], text_only=False)
    counter = _RowCounter(max_rows)
    # Read-only iteration yields one tuple per row number from 1, empty ones included.
    for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        row = _trimmed(cells)
        counter.add(row)
        grid.rows.append(row)
        grid.numbers.append(number)
    return grid


def _sheet_merges(archive: zipfile.ZipFile, worksheet: ReadOnlyWorksheet) -> list[_Range]:
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
        merges.append(_Range(min_row, min_col, max_row, max_col))
    return sorted(merges)  # row by row, left to right: the order a clerk reads them


# --- from the grid to a table: header, merged cells, data rows -------------------------------


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return re.sub(r"\s*\n\s*", "", str(value)).strip()  # "总投资\n（万元）" → "总投资（万元）"


def _is_header_word(value: object) -> bool:
    """A cell that can be a column name: text, not a number, not "填报单位：西区…"."""
    if not isinstance(value, str) or not value.strip() or parse_number(value) is not None:
        return False
    return not re.search(r"[:：]\s*\S", value)


def _is_number_cell(value: object) -> bool:
    if isinstance(value, bool) or _is_blank(value):
        return False
    return not isinstance(value, str) or parse_number(value) is not None


def _merges_on_row(merges: Sequence[_Range], number: int) -> list[_Range]:
    return [m for m in merges if m.min_row <= number <= m.max_row]


def _covered_columns(row: list[object], number: int, merges: Sequence[_Range]) -> int:
    """How many columns a row's header-like cells span, merged cells counted at full width."""
    spans = {m.min_col: m.max_col - m.min_col + 1 for m in _merges_on_row(merges, number)}
    return sum(spans.get(i + 1, 1) for i, v in enumerate(row) if _is_header_word(v))


def _find_header(grid: _Grid) -> int:
    """Index of the first row that looks like column names; rows above it are titles.

    Column names are several distinct text cells that span at least half the table's width:
    a merged title has one cell, and "填报单位：…  填报日期：…" are labelled values, not names.
    """
    scan = grid.rows[: HEADER_SCAN_ROWS + 30]
    width = max((sum(not _is_blank(v) for v in r) for r in scan), default=0)
    needed_words = min(2, width)
    needed_span = math.ceil(width / 2)
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        words = {_cell_text(v) for v in row if _is_header_word(v)}
        covered = _covered_columns(row, grid.numbers[i], grid.merges)
        if words and len(words) >= needed_words and covered >= needed_span:
            return i
    raise ImportRejected(
        problem(
            "no_header_row",
            "在前 {count} 行中没有找到表头（列名）行。请确认表格有一行列名，如“名称”“经度”“纬度”。",
            "No header row (column names) was found in the first {count} rows. Make sure the "
            "table has one row of column names such as 名称, 经度, 纬度.",
            count=HEADER_SCAN_ROWS,
        )
    )


def _cell(row: list[object], col: int) -> object:
    return row[col] if col < len(row) else ""


def _spans(top: list[object], width: int) -> list[tuple[int, int]]:
    """Each non-empty header cell with the blank cells to its right: (first, last) column."""
    starts = [c for c in range(width) if not _is_blank(_cell(top, c))]
    ends = [*(s - 1 for s in starts[1:]), width - 1]
    return list(zip(starts, ends, strict=True))


def _has_sub_header(grid: _Grid, h: int, width: int) -> bool:
    """Whether the row under the header row holds the names of the columns below a category.

    E.g. "坐标" merged over two columns and "经度", "纬度" under it. Without merged cells (a
    CSV) the shape gives it away: under each category spanning blank cells every cell is a
    name, and under each single-column name the cell is blank (merged down in the original).
    """
    if h + 1 >= len(grid.rows):
        return False
    top, below = grid.rows[h], grid.rows[h + 1]
    if any(_is_number_cell(v) for v in below) or not any(_is_header_word(v) for v in below):
        return False
    here = [m for m in grid.merges if m.min_row == grid.numbers[h]]
    if any(m.max_row > m.min_row for m in here):
        return True  # a header cell merged down over two rows
    across = [m for m in here if m.max_col > m.min_col]
    if across and all(
        _is_header_word(_cell(below, c - 1))
        for m in across
        for c in range(m.min_col, m.max_col + 1)
    ):
        return True
    spans = _spans(top, width)
    if not any(last > first for first, last in spans):
        return False
    for first, last in spans:
        cells = [_cell(below, c) for c in range(first, last + 1)]
        if last > first and not all(_is_header_word(v) for v in cells):
            return False
        if last == first and not _is_blank(cells[0]):
            return False
    return True


@dataclass
class _Header:
    names: list[str]  # one per column ("" when the column has no name)
    blanked_by_merge: set[int]  # columns whose only name is a merged cell to their left
    rows_used: int  # 1 or 2
    merges: list[_Range]  # merged cells in the header rows


def _header_cells(grid: _Grid, h: int, rows_used: int, width: int) -> dict[tuple[int, int], str]:
    """(header row offset, column) → text, with merged cells filled from their first cell."""
    cells: dict[tuple[int, int], str] = {}
    for offset in range(rows_used):
        row = grid.rows[h + offset]
        for c in range(width):
            value = _cell(row, c)
            cells[(offset, c)] = "" if _is_blank(value) else _cell_text(value)
    first_number = grid.numbers[h]
    for m in grid.merges:
        if m.min_row < first_number or m.min_row >= first_number + rows_used:
            continue
        value = cells.get((m.min_row - first_number, m.min_col - 1), "")
        for r in range(m.min_row, min(m.max_row, first_number + rows_used - 1) + 1):
            for c in range(m.min_col - 1, min(m.max_col, width)):
                cells[(r - first_number, c)] = value
    return cells


def _read_header(grid: _Grid, h: int, width: int) -> _Header:
    rows_used = 2 if _has_sub_header(grid, h, width) else 1
    last_number = grid.numbers[h] + rows_used - 1
    in_header = [
        m for m in grid.merges if m.min_row <= last_number and m.max_row >= grid.numbers[h]
    ]
    cells = _header_cells(grid, h, rows_used, width)
    # Columns right of the first cell of a merged range, in the header's first row.
    merged_right = {
        c
        for m in in_header
        if m.min_row == grid.numbers[h]
        for c in range(m.min_col, min(m.max_col, width))
    }
    category = _categories(cells, width, rows_used)
    names: list[str] = []
    blanked: set[int] = set()
    for c in range(width):
        name = cells[(rows_used - 1, c)] if rows_used == 2 else ""
        if not name:
            name = "" if c in merged_right else cells[(0, c)]
        if not name and c in merged_right:
            blanked.add(c)
        names.append(name)
    names = _disambiguated(names, category)
    return _Header(names, blanked, rows_used, in_header)


def _categories(cells: dict[tuple[int, int], str], width: int, rows_used: int) -> list[str]:
    """The top-row name each column sits under (forward-filled across blanks of a category)."""
    out, current = [], ""
    for c in range(width):
        current = cells[(0, c)] or (current if rows_used == 2 else "")
        out.append(current)
    return out


def _disambiguated(names: list[str], category: list[str]) -> list[str]:
    """Repeated names get their category in front: 出让/面积 and 现状/面积 → 出让面积, 现状面积."""
    counts = {n: names.count(n) for n in names if n}
    return [
        f"{category[c]}{n}" if n and counts[n] > 1 and category[c] and category[c] != n else n
        for c, n in enumerate(names)
    ]


def _merged_header_problem(merges: Sequence[_Range]) -> ImportProblem:
    return problem(
        "merged_header_cells",
        "表头中 {cells} 是合并单元格，已拆开为单独的列（列名取合并格下方一行的名称），请核对列名。",
        "Header cells {cells} are merged; they were split into one column each (named from "
        "the row below the merged cell). Please check the column names.",
        severity=Severity.WARNING,
        cells="、".join(m.ref for m in merges[:20]),
    )


def _unclear_merge_problem(merges: Sequence[_Range]) -> ImportProblem:
    return problem(
        "merged_header_unclear",
        "表头 {cells} 为合并单元格，其下多列都有数据，无法确定各列的列名。请取消合并，为每一列"
        "填写单独的列名后再导入。",
        "Header cells {cells} are merged over several columns that all hold data, so the "
        "columns cannot be named. Unmerge them and give each column its own name.",
        cells="、".join(m.ref for m in merges[:20]),
    )


def _title_problem(grid: _Grid, h: int) -> ImportProblem | None:
    texts = [_cell_text(v) for row in grid.rows[:h] for v in row if not _is_blank(v)]
    if not texts:
        return None
    shown = " / ".join(texts)
    return problem(
        "title_rows_skipped",
        "表头上方的内容不是列名，已跳过：{text}",
        "The lines above the header are not column names and were skipped: {text}",
        severity=Severity.WARNING,
        text=shown if len(shown) <= 80 else shown[:79] + "…",
    )


def _fill_data_merges(grid: _Grid, first: int, width: int) -> list[_Range]:
    """Copy a merged data cell's value down its column (a 街道 merged over five plots)."""
    index = {n: i for i, n in enumerate(grid.numbers)}
    first_number = grid.numbers[first] if first < len(grid.numbers) else math.inf
    filled: list[_Range] = []
    budget = len(grid.rows) * max(width, 1)  # non-overlapping merges never exceed the grid
    for m in grid.merges:
        if m.min_row < first_number or m.min_row not in index or m.max_row == m.min_row:
            continue
        col = m.min_col - 1
        value = _cell(grid.rows[index[m.min_row]], col)
        for number in range(m.min_row + 1, m.max_row + 1):
            budget -= 1
            i = index.get(number)
            if i is None or budget < 0:
                break
            row = grid.rows[i]
            row.extend([""] * (col + 1 - len(row)))
            row[col] = value
        filled.append(m)
    return filled


def _is_total_row(row: list[object]) -> bool:
    first = next((v for v in row if not _is_blank(v)), None)
    if not isinstance(first, str):
        return False
    word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", first)).strip(":")
    return word in _TOTAL_ROW_WORDS


def _column_letters(columns: Iterable[int]) -> str:
    return "、".join(get_column_letter(c + 1) for c in columns)


def _table_from_grid(grid: _Grid, max_rows: int) -> tuple[pd.DataFrame, list[ImportProblem]]:
    h = _find_header(grid)
    width = max((len(r) for r in grid.rows), default=0)
    header = _read_header(grid, h, width)
    first = h + header.rows_used
    problems = [p for p in (_title_problem(grid, h),) if p]
    if header.merges:
        problems.append(_merged_header_problem(header.merges))
    data_merges = _fill_data_merges(grid, first, width)
    if data_merges:
        problems.append(_data_merges_problem(data_merges))
    rows, numbers, totals = _data_rows(grid, first)
    if len(rows) > max_rows:
        raise ImportRejected(_too_many_rows(max_rows))
    if not rows:
        raise ImportRejected(
            problem(
                "no_data_rows", "表头下面没有数据行。", "There are no data rows under the header."
            )
        )
    if totals:
        problems.append(_totals_problem(totals))
    keep, names, naming_problems = _name_columns(header, rows, width)
    records = [[_cell(r, c) for c in keep] for r in rows]
    table = pd.DataFrame(
        records,
        columns=names,
        index=pd.Index(numbers, name="source_row"),
        dtype=str if grid.text_only else object,
    )
    return table, problems + naming_problems


def _data_rows(grid: _Grid, first: int) -> tuple[list[list[object]], list[int], list[int]]:
    """The rows under the header with their numbers; blank rows left out, 合计 rows apart."""
    rows, numbers, totals = [], [], []
    for row, number in zip(grid.rows[first:], grid.numbers[first:], strict=True):
        if all(_is_blank(v) for v in row):
            continue
        if _is_total_row(row):
            totals.append(number)
        else:
            rows.append(row)
            numbers.append(number)
    return rows, numbers, totals


def _data_merges_problem(merges: Sequence[_Range]) -> ImportProblem:
    return problem(
        "data_merged_cells",
        "{cells} 是合并单元格，已把合并格的内容填入其覆盖的每一行，请核对。",
        "Cells {cells} are merged; their value was copied into every row they cover. Please check.",
        severity=Severity.WARNING,
        cells="、".join(m.ref for m in merges[:20]) + ("…" if len(merges) > 20 else ""),
    )


def _totals_problem(numbers: Sequence[int]) -> ImportProblem:
    return problem(
        "total_rows_skipped",
        "第 {rows} 行是合计行，未作为地块导入。",
        "Row(s) {rows} are totals and were not imported as features.",
        severity=Severity.WARNING,
        rows=format_row_numbers(numbers),
    )


def _name_columns(
    header: _Header, rows: list[list[object]], width: int
) -> tuple[list[int], list[str], list[ImportProblem]]:
    """Which columns to keep and their names; unnamed columns holding data get a name."""
    has_data = [any(not _is_blank(_cell(r, c)) for r in rows) for c in range(width)]
    unclear = [c for c in header.blanked_by_merge if has_data[c]]
    if unclear:
        merges = [m for m in header.merges if any(m.min_col <= c + 1 <= m.max_col for c in unclear)]
        raise ImportRejected(_unclear_merge_problem(merges))
    keep = [c for c in range(width) if header.names[c] or has_data[c]]
    unnamed = [c for c in keep if not header.names[c]]
    names = [header.names[c] or f"未命名列{get_column_letter(c + 1)}" for c in keep]
    problems: list[ImportProblem] = []
    if unnamed:
        problems.append(
            problem(
                "unnamed_columns",
                "第 {columns} 列有数据但没有列名，暂命名为“未命名列”加列号。",
                "Column(s) {columns} hold data but have no name; they were called "
                "“未命名列” (unnamed) plus the column letter.",
                severity=Severity.WARNING,
                columns=_column_letters(unnamed),
            )
        )
    names, renamed = _unique(names)
    if renamed:
        problems.append(
            problem(
                "duplicate_columns",
                "列名重复：{names}。重复的列已加上序号以便区分，请核对。",
                "Repeated column names: {names}. The repeats were numbered to tell them apart; "
                "please check.",
                severity=Severity.WARNING,
                names="、".join(renamed),
            )
        )
    return keep, names, problems


def _unique(names: list[str]) -> tuple[list[str], list[str]]:
    seen: dict[str, int] = {}
    out, renamed = [], []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            out.append(name)
        else:
            out.append(f"{name}({seen[name]})")
            renamed.append(name)
    return out, list(dict.fromkeys(renamed))


# --- coordinates ------------------------------------------------------------------------------

_LON_WORDS = frozenset({"经度", "东经", "lon", "lng", "long", "longitude", "经度坐标"})
_LAT_WORDS = frozenset({"纬度", "北纬", "lat", "latitude", "纬度坐标"})
_X_WORDS = frozenset({"x", "x坐标", "坐标x", "横坐标", "e", "东坐标", "easting", "东向坐标"})
_Y_WORDS = frozenset({"y", "y坐标", "坐标y", "纵坐标", "n", "北坐标", "northing", "北向坐标"})
_WKT_WORDS = frozenset({"wkt", "geometry", "geom", "the_geom", "shape", "几何", "坐标串", "图形"})
_WKT_VALUE = re.compile(
    r"^\s*(?:srid=\d+;\s*)?(?:multi)?(?:point|linestring|polygon)|^\s*geometrycollection",
    re.IGNORECASE,
)

# Lon/lat boxes of China, to tell swapped columns apart (a lat of 101 is impossible).
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
# Gauss-Krüger at Panzhihua: northings ~2.9 M m; eastings 500 000 ± 400 000, optionally with
# the zone number in front (34 500 000 for 3° zone 34, 18 500 000 for 6° zone 18).
_NORTHING = (2_500_000.0, 3_500_000.0)
_EASTING = (100_000.0, 900_000.0)
_ZONES = set(range(13, 24)) | set(range(25, 46))


def _role(header: str) -> str | None:
    """lon, lat, x, y or wkt: what a column's name says it holds ("中心点经度" is lon)."""
    normalized = normalize_header(header)
    tokens = {normalized, *re.split(r"[_\-.]", normalized)}  # "center_lon", "x_2000"
    if tokens & _LON_WORDS or normalized.endswith("经度"):
        return "lon"
    if tokens & _LAT_WORDS or normalized.endswith("纬度"):
        return "lat"
    for role, words in (("x", _X_WORDS), ("y", _Y_WORDS), ("wkt", _WKT_WORDS)):
        if tokens & words:
            return role
    return None


_DMS = re.compile(
    r"^(?P<deg>\d+(?:\.\d+)?)(?:°|度)"
    r"(?:(?P<min>\d+(?:\.\d+)?)(?:′|'|’|分))?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)(?:″|′′|''|\"|”|秒)?)?$"
)
_COLON_DMS = re.compile(r"^(?P<deg>\d+):(?P<min>\d+):(?P<sec>\d+(?:\.\d+)?)$")
_HEMISPHERE = re.compile(r"^(东经|北纬|西经|南纬|[ENWS])|(东经|北纬|西经|南纬|[ENWS])$", re.I)
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.I)


def parse_coordinate(value: object) -> float | None:
    """A coordinate number from a cell, or None.

    Accepts numbers, text with full-width digits or surrounding spaces ("１０１．５ "), and
    degrees-minutes-seconds: "101°36′12.5″", "101°36'12.5\"", "101度36分12.5秒", "101:36:12.5",
    "E101°36′12.5″", "东经101°36′". Seconds ≥ 60 or minutes ≥ 60 give None, as does any text
    ("待定") or a comma ("101,5": never read as a decimal comma).
    """
    if isinstance(value, bool) or _is_blank(value):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    if _PLAIN.match(s):
        return float(s)
    sign = 1.0
    hemisphere = _HEMISPHERE.search(s)
    if hemisphere:
        word = (hemisphere.group(1) or hemisphere.group(2)).upper()
        sign = -1.0 if word in ("W", "S", "西经", "南纬") else 1.0
        s = s[: hemisphere.start()] + s[hemisphere.end() :]
    m = _DMS.match(s) or _COLON_DMS.match(s)
    if not m:
        return None
    minutes, seconds = float(m["min"] or 0), float(m["sec"] or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    return sign * (float(m["deg"]) + minutes / 60 + seconds / 3600)


def _numbers(column: pd.Series) -> np.ndarray:
    # pandas reads clean numbers fast; the rest (full-width, DMS, "待定") go cell by cell.
    fast = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, copy=True)
    for i in np.flatnonzero(np.isnan(fast)):
        parsed = parse_coordinate(column.iloc[i])
        fast[i] = np.nan if parsed is None else parsed
    fast[~np.isfinite(fast)] = np.nan
    return fast


@dataclass
class _Located:
    geometry: np.ndarray  # shapely geometries, None where a row has none
    columns: tuple[str, ...]
    kind: CoordinateKind
    problems: list[ImportProblem]


def _find_columns(table: pd.DataFrame) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in table.columns:
        role = _role(column)
        if role == "wkt" and not _has_wkt(table[column]):
            continue
        if role:
            found.setdefault(role, column)
    return found


def _has_wkt(column: pd.Series) -> bool:
    return any(isinstance(v, str) and _WKT_VALUE.match(v) for v in column.head(1000))


def _locate(table: pd.DataFrame) -> _Located:
    found = _find_columns(table)
    ids = _RowIds(table)
    if "wkt" in found:
        return _from_wkt(table, found["wkt"], ids)
    for first, second in (("lon", "lat"), ("x", "y")):
        if first in found and second in found:
            return _from_pair(table, found[first], found[second], first == "lon", ids)
    half = next((found[r] for r in ("lon", "lat", "x", "y") if r in found), None)
    if half is not None:
        raise ImportRejected(
            problem(
                "coordinate_pair_incomplete",
                "找到了坐标列“{column}”，但没有与之配对的另一列（经度配纬度，X 配 Y）。"
                "表格的列有：{headers}。",
                "Found the coordinate column “{column}” but not its partner (longitude with "
                "latitude, X with Y). The table's columns are: {headers}.",
                column=half,
                headers=_headers_text(table.columns),
            )
        )
    raise ImportRejected(
        problem(
            "no_coordinate_columns",
            "没有找到坐标列。表格的列有：{headers}。请用“经度”“纬度”两列（或“X坐标”“Y坐标”、"
            "WKT 列）给出位置。",
            "No coordinate columns were found. The table's columns are: {headers}. Give the "
            "location as two columns 经度/纬度 (longitude/latitude) or X/Y, or one WKT column.",
            headers=_headers_text(table.columns),
        )
    )


def _headers_text(columns: Iterable[str]) -> str:
    names = [c if len(c) <= 30 else c[:29] + "…" for c in columns]
    shown = "、".join(names[:40])
    return shown + (f"…（共 {len(names)} 列）" if len(names) > 40 else "")


class _RowIds:
    """The ids (编号 …) of given rows, so that problems name features the way the clerk does."""

    def __init__(self, table: pd.DataFrame) -> None:
        column = find_id_column(table.columns)
        self._ids = None if column is None else table[column]

    def __call__(self, rows: Sequence[object]) -> list[str]:
        if self._ids is None:
            return []
        values = (self._ids.get(r) for r in rows)
        return [_cell_text(v) for v in values if not _is_blank(v)]


def _rows_problem(
    code: str, zh: str, en: str, rows: Sequence[object], ids: _RowIds, **values: object
) -> ImportProblem:
    return problem(
        code,
        zh,
        en,
        severity=Severity.WARNING,
        feature_ids=ids(rows),
        rows=format_row_numbers(rows),
        count=len(rows),
        **values,
    )


def _in_box(x: np.ndarray, y: np.ndarray, box_x: tuple, box_y: tuple) -> np.ndarray:
    return (box_x[0] <= x) & (x <= box_x[1]) & (box_y[0] <= y) & (y <= box_y[1])


def _easting_like(v: np.ndarray) -> np.ndarray:
    zone, rest = np.divmod(v, 1_000_000.0)
    plain = (_EASTING[0] <= v) & (v <= _EASTING[1])
    zoned = np.isin(zone, list(_ZONES)) & (_EASTING[0] <= rest) & (rest <= _EASTING[1])
    return plain | zoned


def _northing_like(v: np.ndarray) -> np.ndarray:
    return (_NORTHING[0] <= v) & (v <= _NORTHING[1])


def _from_pair(table: pd.DataFrame, a: str, b: str, lonlat_headers: bool, ids: _RowIds) -> _Located:
    x, y = _numbers(table[a]), _numbers(table[b])
    rows = table.index.to_numpy()
    valid = ~np.isnan(x) & ~np.isnan(y)
    degrees = valid & (np.abs(x) <= 180) & (np.abs(y) <= 180)
    # Mostly degrees → lon/lat; mostly metres → x/y. With no numbers at all, trust the header.
    lonlat = bool(degrees.sum() * 2 >= valid.sum()) if valid.any() else lonlat_headers
    problems: list[ImportProblem] = []
    if not valid.all():
        problems.append(_missing_problem(rows[~valid], ids))
    if lonlat:
        usable, fixes = _fix_lonlat(x, y, valid, rows, (a, b), ids)
    else:
        usable, fixes = _fix_xy(x, y, valid & ~degrees, rows, (a, b), ids)
        if (valid & degrees).any():
            fixes.append(_mixed_problem(rows[valid & degrees], ids))
        if lonlat_headers:
            fixes.append(_projected_in_lonlat_problem(a, b))
    problems += fixes
    geometry = np.full(len(table), None, dtype=object)
    geometry[usable] = shapely.points(x[usable], y[usable])
    return _Located(geometry, (a, b), "lonlat" if lonlat else "xy", problems)


def _fix_lonlat(
    x: np.ndarray,
    y: np.ndarray,
    valid: np.ndarray,
    rows: np.ndarray,
    names: tuple[str, str],
    ids: _RowIds,
) -> tuple[np.ndarray, list[ImportProblem]]:
    """Swap rows that are in China only with lon and lat exchanged; refuse impossible ones."""
    swapped = valid & ~_in_box(x, y, _CHINA_LON, _CHINA_LAT) & _in_box(y, x, _CHINA_LON, _CHINA_LAT)
    x[swapped], y[swapped] = y[swapped], x[swapped]
    in_range = valid & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    problems = []
    if (valid & ~in_range).any():
        problems.append(_out_of_range_problem(rows[valid & ~in_range], ids))
    if swapped.any():
        problems.append(_lonlat_swapped_problem(rows[swapped], ids, names))
    return in_range, problems


def _lonlat_swapped_problem(
    rows: Sequence[object], ids: _RowIds, names: tuple[str, str]
) -> ImportProblem:
    return _rows_problem(
        "lonlat_swapped",
        "“{a}”与“{b}”两列的经纬度填反了（经度应在 73–136、纬度在 3–54 之间），共 {count} 行"
        "（第 {rows} 行），已对调。",
        "Longitude and latitude are swapped in columns “{a}” and “{b}” (longitude should be "
        "73–136 and latitude 3–54 in China) in {count} row(s) ({rows}); they were exchanged.",
        rows,
        ids,
        a=names[0],
        b=names[1],
    )


def _fix_xy(
    x: np.ndarray,
    y: np.ndarray,
    metres: np.ndarray,
    rows: np.ndarray,
    names: tuple[str, str],
    ids: _RowIds,
) -> tuple[np.ndarray, list[ImportProblem]]:
    """Put eastings in x: Chinese surveyors call the northing X and the easting Y."""
    looks_swapped = _northing_like(x) & _easting_like(y) & ~(_easting_like(x) & _northing_like(y))
    swapped = metres & looks_swapped
    x[swapped], y[swapped] = y[swapped], x[swapped]
    if not swapped.any():
        return metres, []
    return metres, [_xy_swapped_problem(rows[swapped], ids, names)]


def _xy_swapped_problem(
    rows: Sequence[object], ids: _RowIds, names: tuple[str, str]
) -> ImportProblem:
    return _rows_problem(
        "xy_swapped",
        "“{a}”列是北坐标、“{b}”列是东坐标（测量习惯中 X 指向北），共 {count} 行（第 {rows} 行），"
        "已对调为东坐标、北坐标。",
        "Column “{a}” holds northings and “{b}” eastings (surveyors in China call the "
        "northing X) in {count} row(s) ({rows}); they were exchanged to easting, northing.",
        rows,
        ids,
        a=names[0],
        b=names[1],
    )


def _missing_problem(rows: Sequence[object], ids: _RowIds) -> ImportProblem:
    return _rows_problem(
        "coordinates_missing",
        "第 {rows} 行（共 {count} 行）的坐标是空的或不是数字（如“待定”）。"
        "这些行已导入，但没有位置，不会显示在地图上。",
        "Row(s) {rows} ({count} in all) have empty or non-numeric coordinates (e.g. “待定”). "
        "They were imported without a location and will not appear on the map.",
        rows,
        ids,
    )


def _out_of_range_problem(rows: Sequence[object], ids: _RowIds) -> ImportProblem:
    return _rows_problem(
        "coordinates_out_of_range",
        "第 {rows} 行（共 {count} 行）的经纬度超出范围（经度 -180–180、纬度 -90–90），"
        "这些行没有位置。",
        "Row(s) {rows} ({count} in all) have longitude/latitude out of range (-180–180, "
        "-90–90); these rows have no location.",
        rows,
        ids,
    )


def _mixed_problem(rows: Sequence[object], ids: _RowIds) -> ImportProblem:
    return _rows_problem(
        "coordinates_mixed",
        "第 {rows} 行（共 {count} 行）的坐标像经纬度（度），而其他行是平面坐标（米），"
        "这些行没有位置。",
        "Row(s) {rows} ({count} in all) look like degrees while the other rows are projected "
        "metres; these rows have no location.",
        rows,
        ids,
    )


def _projected_in_lonlat_problem(a: str, b: str) -> ImportProblem:
    return problem(
        "projected_in_lonlat_columns",
        "“{a}”“{b}”两列的数值是平面坐标（米），不是经纬度，已按平面坐标读取。",
        "Columns “{a}” and “{b}” hold projected coordinates (metres), not degrees; they were "
        "read as x/y.",
        severity=Severity.WARNING,
        a=a,
        b=b,
    )


def _from_wkt(table: pd.DataFrame, column: str, ids: _RowIds) -> _Located:
    texts = np.array(
        [
            None if _is_blank(v) else re.sub(r"^\s*srid=\d+;", "", str(v), flags=re.I)
            for v in table[column]
        ],
        dtype=object,
    )
    geometry = shapely.from_wkt(texts, on_invalid="ignore")
    rows = table.index.to_numpy()
    blank = np.array([t is None for t in texts])
    unreadable = ~blank & shapely.is_missing(geometry)
    problems = []
    if blank.any():
        problems.append(_missing_problem(rows[blank], ids))
    if unreadable.any():
        problems.append(
            _rows_problem(
                "wkt_unreadable",
                "“{column}”列第 {rows} 行（共 {count} 行）的几何（WKT）无法识别。"
                "这些行已导入，但没有位置。",
                "Column “{column}”: the geometry (WKT) in row(s) {rows} ({count} in all) could "
                "not be read. These rows were imported without a location.",
                rows[unreadable],
                ids,
                column=column,
            )
        )
    return _Located(np.asarray(geometry, dtype=object), (column,), "wkt", problems)


def _geodataframe(
    table: pd.DataFrame, geometry: np.ndarray, columns: tuple[str, ...]
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    # A source column called "geometry" (a WKT column, say) would clash with the real one.
    renamed = {"geometry": "geometry_source"} if "geometry" in table.columns else {}
    table = table.rename(columns=renamed)
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, index=table.index), crs=None)
    return frame, tuple(renamed.get(c, c) for c in columns)
