"""Carrying a CSV/Excel read from the sandboxed child to the server, as data only.

Cells keep the types Excel gave them (text, numbers, dates, booleans), so each row travels as
JSON with dates tagged; shapes travel as WKB. Problems carry their zh/en text (the reader's
messages name headers and rows), which the parent caps in length and shows as text only.

A workbook read whole (the 台账) travels the same way, one Arrow row per sheet row, with
formula and percentage cells tagged; the sheet titles are in the schema metadata.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pyarrow as pa

from landmap.ingest.limits import MIB
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.ingest.table_xlsx import (
    MAX_WORKBOOK_SHEETS,
    WorkbookCell,
    WorkbookRow,
    WorkbookSheet,
)
from landmap.layers import Label

SOURCE_ROW = "__source_row__"
CELLS = "__cells__"
MAX_TEXT_CHARS = 2000
MAX_VALUE_CHARS = 500
SHEET = "__sheet__"
ROW_NUMBER = "__row__"
WORKBOOK_FILE = "workbook.arrow"
# What the server accepts from a workbook: a district ledger is a few MB of cells as JSON, but
# one long text repeated in every cell (shared strings) unpacks a small file into gigabytes.
MAX_WORKBOOK_CELL_BYTES = 32 * MIB


def encode_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def decode_cell(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("$datetime"), str):
            return dt.datetime.fromisoformat(value["$datetime"])
        if isinstance(value.get("$date"), str):
            return dt.date.fromisoformat(value["$date"])
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def rows_table(source_rows: list[int], rows: list[list[Any]], wkb: list[bytes | None]) -> pa.Table:
    cells = [json.dumps([encode_cell(v) for v in row], ensure_ascii=False) for row in rows]
    return pa.table(
        {
            SOURCE_ROW: pa.array(source_rows, pa.int64()),
            CELLS: pa.array(cells, pa.string()),
            "geometry": pa.array(wkb, pa.binary()),
        }
    )


def problem_to_json(problem: ImportProblem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "zh": problem.message.zh,
        "en": problem.message.en,
        "severity": str(problem.severity),
        "feature_ids": list(problem.feature_ids),
        "values": dict(problem.values),
    }


def problem_from_json(item: object) -> ImportProblem | None:
    """A problem sent by the child, or None when it is malformed (the caller reports that)."""
    if not isinstance(item, dict):
        return None
    texts = [item.get("code"), item.get("zh"), item.get("en")]
    if not all(isinstance(t, str) for t in texts):
        return None
    values = item.get("values") if isinstance(item.get("values"), dict) else {}
    ids = item.get("feature_ids") if isinstance(item.get("feature_ids"), list) else []
    built = ImportProblem(
        code=item["code"][:60],
        message=Label(item["zh"][:MAX_TEXT_CHARS], item["en"][:MAX_TEXT_CHARS]),
        severity=Severity.WARNING if item.get("severity") == "warning" else Severity.ERROR,
        feature_ids=tuple(str(i)[:100] for i in ids[:100_000]),
        values=tuple(
            (str(k), str(v)[:MAX_VALUE_CHARS])
            for k, v in values.items()
            if isinstance(k, str) and k.isidentifier()
        ),
    )
    try:
        built.text("zh"), built.text("en")
    except (KeyError, IndexError, ValueError):
        return None
    return built


# -- A workbook read whole ---------------------------------------------------------------------


def encode_workbook_cell(cell: WorkbookCell) -> Any:
    if cell.formula:
        return {"$formula": str(cell.value)}
    if cell.percent:
        return {"$percent": encode_cell(cell.value)}
    return encode_cell(cell.value)


def decode_workbook_cell(value: Any) -> WorkbookCell:
    if isinstance(value, dict):
        if isinstance(value.get("$formula"), str):
            return WorkbookCell(value["$formula"], formula=True)
        if "$percent" in value:
            number = decode_cell(value["$percent"])
            return WorkbookCell(number, percent=isinstance(number, int | float))
    return WorkbookCell(decode_cell(value))


def workbook_table(sheets: list[WorkbookSheet]) -> pa.Table:
    """The child's side: every row of every sheet, refused in words past the size cap."""
    sheet_numbers: list[int] = []
    row_numbers: list[int] = []
    cells: list[str] = []
    size = 0
    for index, sheet in enumerate(sheets):
        for row in sheet.rows:
            encoded = json.dumps([encode_workbook_cell(c) for c in row.cells], ensure_ascii=False)
            size += len(encoded.encode("utf-8"))
            if size > MAX_WORKBOOK_CELL_BYTES:
                raise ImportRejected(_too_much_content())
            sheet_numbers.append(index)
            row_numbers.append(row.number)
            cells.append(encoded)
    table = pa.table(
        {
            SHEET: pa.array(sheet_numbers, pa.int32()),
            ROW_NUMBER: pa.array(row_numbers, pa.int64()),
            CELLS: pa.array(cells, pa.string()),
        }
    )
    titles = json.dumps([s.title for s in sheets], ensure_ascii=False)
    return table.replace_schema_metadata({b"landmap.sheets": titles.encode("utf-8")})


def sheets_from_table(table: pa.Table) -> list[WorkbookSheet]:
    """The server's side; raises ValueError (or KeyError, TypeError) when malformed."""
    titles = json.loads((table.schema.metadata or {})[b"landmap.sheets"].decode("utf-8"))
    if not isinstance(titles, list) or len(titles) > MAX_WORKBOOK_SHEETS:
        raise ValueError("sheet titles")
    rows: list[list[WorkbookRow]] = [[] for _ in titles]
    sheets = table.column(SHEET).to_pylist()
    numbers = table.column(ROW_NUMBER).to_pylist()
    for sheet, number, encoded in zip(
        sheets, numbers, table.column(CELLS).to_pylist(), strict=True
    ):
        if not 0 <= sheet < len(titles) or number < 1:
            raise ValueError("row position")
        if rows[sheet] and rows[sheet][-1].number >= number:
            raise ValueError("row order")
        values = json.loads(encoded)
        if not isinstance(values, list):
            raise ValueError("cells")
        rows[sheet].append(WorkbookRow(number, tuple(decode_workbook_cell(v) for v in values)))
    return [
        WorkbookSheet(str(title)[:200], tuple(sheet_rows))
        for title, sheet_rows in zip(titles, rows, strict=True)
    ]


def _too_much_content() -> ImportProblem:
    return problem(
        "ledger_too_much_content",
        "台账内容过多（单元格内容超过 {limit} MB），请只保留台账工作表后再上传。",
        "The ledger holds too much (over {limit} MB of cell content); keep only the ledger "
        "sheets and upload again.",
        limit=MAX_WORKBOOK_CELL_BYTES // MIB,
    )
