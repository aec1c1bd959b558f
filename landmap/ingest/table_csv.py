"""CSV bytes to a grid: the text encoding, the delimiter, one row per record.

Chinese Excel saves CSV in GBK, its "CSV UTF-8" with a BOM and its "Unicode text" in UTF-16;
each is recognised without asking the clerk.
"""

from __future__ import annotations

import codecs
import csv
import io

from landmap.ingest.problems import ImportRejected, problem
from landmap.ingest.table_grid import Grid, RowCounter, trimmed

_DELIMITERS = (",", "\t", ";")  # the full-width comma "，" is text, never a delimiter


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


def csv_grid(data: bytes, encoding: str | None, max_rows: int) -> tuple[Grid, str]:
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
    grid = Grid(rows=[], numbers=[])
    counter = RowCounter(max_rows)
    try:
        # A record spanning lines (a quoted line break) is one row, as Excel shows it.
        for number, cells in enumerate(reader, start=1):
            row = trimmed(cells)
            counter.add(row)
            grid.rows.append(row)
            grid.numbers.append(number)
    except csv.Error:
        raise ImportRejected(
            problem(
                "csv_unreadable",
                "CSV 文件第 {row} 行无法读取（引号不配对，或一个值太长）。请在 Excel 中打开，"
                "另存为 CSV 后再导入。",
                "Row {row} of the CSV file cannot be read (unbalanced quotes, or a value too "
                "long). Please open it in Excel, save it as CSV again and import that.",
                row=reader.line_num,
            )
        ) from None
    return grid, used
