"""From the grid to a table: the header, then the data rows under it.

Merged data cells are filled down, blank rows left out and 合计 rows set apart, each fix
reported; the row numbers stay those a spreadsheet program shows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

from landmap.ingest.mapping import format_row_numbers
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.ingest.table_grid import Grid, MergedRange, cell, is_blank, too_many_rows_problem
from landmap.ingest.table_header import (
    find_header,
    merged_header_problem,
    name_columns,
    read_header,
    title_problem,
)

_TOTAL_ROW_WORDS = frozenset({"合计", "总计", "小计", "总合计", "合计数"})


def table_from_grid(grid: Grid, max_rows: int) -> tuple[pd.DataFrame, list[ImportProblem]]:
    h = find_header(grid)
    width = max((len(r) for r in grid.rows), default=0)
    overlong = _overlong_rows(grid, h)
    if overlong:
        width = len(grid.rows[h])  # the header decides the columns, not a shifted row
    header = read_header(grid, h, width)
    first = h + header.rows_used
    problems = [p for p in (title_problem(grid, h),) if p]
    if overlong:
        problems.append(_overlong_problem(overlong))
    if header.merges:
        problems.append(merged_header_problem(header.merges))
    data_merges = _fill_data_merges(grid, first, width)
    if data_merges:
        problems.append(_data_merges_problem(data_merges))
    rows, numbers, totals = _data_rows(grid, first)
    if len(rows) > max_rows:
        raise ImportRejected(too_many_rows_problem(max_rows))
    if not rows:
        raise ImportRejected(
            problem(
                "no_data_rows", "表头下面没有数据行。", "There are no data rows under the header."
            )
        )
    if totals:
        problems.append(_totals_problem(totals))
    keep, names, naming_problems = name_columns(header, rows, width)
    records = [[cell(r, c) for c in keep] for r in rows]
    table = pd.DataFrame(
        records,
        columns=names,
        index=pd.Index(numbers, name="source_row"),
        dtype=str if grid.text_only else object,
    )
    return table, problems + naming_problems


def _overlong_rows(grid: Grid, h: int) -> list[int]:
    """CSV rows with values beyond the header's last column (an unquoted comma in a value)."""
    if not grid.text_only or h >= len(grid.rows) or not grid.rows[h]:
        return []
    width = len(grid.rows[h])
    return [
        number
        for row, number in zip(grid.rows[h + 1 :], grid.numbers[h + 1 :], strict=True)
        if any(not is_blank(v) for v in row[width:])
    ]


def _overlong_problem(rows: list[int]) -> ImportProblem:
    return problem(
        "csv_row_too_long",
        "CSV 第 {rows} 行（共 {count} 行）的值比表头多，后面的列已错位（通常是某个值里有"
        "没加引号的逗号）。请在这些行的值两边加上英文双引号，或去掉多余的逗号，再导入。",
        "CSV row(s) {rows} ({count} in all) have more values than the header, so the columns "
        "after it are shifted (usually an unquoted comma inside a value). Please put those "
        "values in double quotes, or remove the extra comma, and import again.",
        rows=format_row_numbers(rows),
        count=len(rows),
    )


def _data_rows(grid: Grid, first: int) -> tuple[list[list[object]], list[int], list[int]]:
    """The rows under the header with their numbers; blank rows left out, 合计 rows apart."""
    rows, numbers, totals = [], [], []
    for row, number in zip(grid.rows[first:], grid.numbers[first:], strict=True):
        if all(is_blank(v) for v in row):
            continue
        if _is_total_row(row):
            totals.append(number)
        else:
            rows.append(row)
            numbers.append(number)
    return rows, numbers, totals


def _fill_data_merges(grid: Grid, first: int, width: int) -> list[MergedRange]:
    """Copy a merged data cell's value down its column (a 街道 merged over five plots)."""
    index = {n: i for i, n in enumerate(grid.numbers)}
    first_number = grid.numbers[first] if first < len(grid.numbers) else math.inf
    filled: list[MergedRange] = []
    budget = len(grid.rows) * max(width, 1)  # non-overlapping merges never exceed the grid
    for m in grid.merges:
        if m.min_row < first_number or m.min_row not in index or m.max_row == m.min_row:
            continue
        col = m.min_col - 1
        value = cell(grid.rows[index[m.min_row]], col)
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
    first = next((v for v in row if not is_blank(v)), None)
    if not isinstance(first, str):
        return False
    word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", first)).strip(":")
    return word in _TOTAL_ROW_WORDS


def _data_merges_problem(merges: Sequence[MergedRange]) -> ImportProblem:
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
