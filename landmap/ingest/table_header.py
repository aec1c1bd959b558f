"""Finding a table's header in the grid and naming its columns.

Title rows above the header are skipped, a two-row header (a category merged over the names
under it) is read as one, and columns left unnamed or named twice get a name the clerk can
recognise; one name merged over several columns that hold data is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl.utils.cell import get_column_letter

from landmap.ingest.mapping import parse_number
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.ingest.table_grid import (
    HEADER_SCAN_ROWS,
    Grid,
    MergedRange,
    cell,
    cell_text,
    is_blank,
)


def _is_header_word(value: object) -> bool:
    """A cell that can be a column name: text, not a number, not "填报单位：西区…"."""
    if not isinstance(value, str) or not value.strip() or parse_number(value) is not None:
        return False
    return not re.search(r"[:：]\s*\S", value)


def _is_number_cell(value: object) -> bool:
    if isinstance(value, bool) or is_blank(value):
        return False
    return not isinstance(value, str) or parse_number(value) is not None


def _merges_on_row(merges: Sequence[MergedRange], number: int) -> list[MergedRange]:
    return [m for m in merges if m.min_row <= number <= m.max_row]


def _covered_columns(row: list[object], number: int, merges: Sequence[MergedRange]) -> int:
    """How many columns a row's header-like cells span, merged cells counted at full width."""
    spans = {m.min_col: m.max_col - m.min_col + 1 for m in _merges_on_row(merges, number)}
    return sum(spans.get(i + 1, 1) for i, v in enumerate(row) if _is_header_word(v))


def find_header(grid: Grid) -> int:
    """Index of the first row that looks like column names; rows above it are titles.

    Column names are several distinct text cells that span at least half the table's width:
    a merged title has one cell, and "填报单位：…  填报日期：…" are labelled values, not names.
    """
    scan = grid.rows[: HEADER_SCAN_ROWS + 30]
    width = max((sum(not is_blank(v) for v in r) for r in scan), default=0)
    needed_words = min(2, width)
    needed_span = math.ceil(width / 2)
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        words = {cell_text(v) for v in row if _is_header_word(v)}
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


def _spans(top: list[object], width: int) -> list[tuple[int, int]]:
    """Each non-empty header cell with the blank cells to its right: (first, last) column."""
    starts = [c for c in range(width) if not is_blank(cell(top, c))]
    ends = [*(s - 1 for s in starts[1:]), width - 1]
    return list(zip(starts, ends, strict=True))


def _has_sub_header(grid: Grid, h: int, width: int) -> bool:
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
        _is_header_word(cell(below, c - 1)) for m in across for c in range(m.min_col, m.max_col + 1)
    ):
        return True
    spans = _spans(top, width)
    if not any(last > first for first, last in spans):
        return False
    for first, last in spans:
        cells = [cell(below, c) for c in range(first, last + 1)]
        if last > first and not all(_is_header_word(v) for v in cells):
            return False
        if last == first and not is_blank(cells[0]):
            return False
    return True


@dataclass
class Header:
    names: list[str]  # one per column ("" when the column has no name)
    blanked_by_merge: set[int]  # columns whose only name is a merged cell to their left
    rows_used: int  # 1 or 2
    merges: list[MergedRange]  # merged cells in the header rows


def _header_cells(grid: Grid, h: int, rows_used: int, width: int) -> dict[tuple[int, int], str]:
    """(header row offset, column) → text, with merged cells filled from their first cell."""
    cells: dict[tuple[int, int], str] = {}
    for offset in range(rows_used):
        row = grid.rows[h + offset]
        for c in range(width):
            value = cell(row, c)
            cells[(offset, c)] = "" if is_blank(value) else cell_text(value)
    first_number = grid.numbers[h]
    for m in grid.merges:
        if m.min_row < first_number or m.min_row >= first_number + rows_used:
            continue
        value = cells.get((m.min_row - first_number, m.min_col - 1), "")
        for r in range(m.min_row, min(m.max_row, first_number + rows_used - 1) + 1):
            for c in range(m.min_col - 1, min(m.max_col, width)):
                cells[(r - first_number, c)] = value
    return cells


def read_header(grid: Grid, h: int, width: int) -> Header:
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
    return Header(names, blanked, rows_used, in_header)


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


def merged_header_problem(merges: Sequence[MergedRange]) -> ImportProblem:
    return problem(
        "merged_header_cells",
        "表头中 {cells} 是合并单元格，已拆开为单独的列（列名取合并格下方一行的名称），请核对列名。",
        "Header cells {cells} are merged; they were split into one column each (named from "
        "the row below the merged cell). Please check the column names.",
        severity=Severity.WARNING,
        cells="、".join(m.ref for m in merges[:20]),
    )


def _unclear_merge_problem(merges: Sequence[MergedRange]) -> ImportProblem:
    return problem(
        "merged_header_unclear",
        "表头 {cells} 为合并单元格，其下多列都有数据，无法确定各列的列名。请取消合并，为每一列"
        "填写单独的列名后再导入。",
        "Header cells {cells} are merged over several columns that all hold data, so the "
        "columns cannot be named. Unmerge them and give each column its own name.",
        cells="、".join(m.ref for m in merges[:20]),
    )


def title_problem(grid: Grid, h: int) -> ImportProblem | None:
    texts = [cell_text(v) for row in grid.rows[:h] for v in row if not is_blank(v)]
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


def _column_letters(columns: Iterable[int]) -> str:
    return "、".join(get_column_letter(c + 1) for c in columns)


def name_columns(
    header: Header, rows: list[list[object]], width: int
) -> tuple[list[int], list[str], list[ImportProblem]]:
    """Which columns to keep and their names; unnamed columns holding data get a name."""
    has_data = [any(not is_blank(cell(r, c)) for r in rows) for c in range(width)]
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
