"""``read_ledger``: an uploaded 台账 compared with the store, as edits and problems (pure).

Rows are matched by 编号. For each row, the status and tracked cells are read (labels or codes,
Excel dates or the Chinese spellings ``parse_date`` knows, numbers via ``parse_number``) and
compared with the feature's current values; only real changes become edits, so a ledger sent
back untouched changes nothing. A row is left out whole — never half applied — when its id is
unknown or appears twice, a cell cannot be read (an unknown status label, a formula, "下周"
as a date), or the change breaks a rule of the data (``edits.check_edit``: progress 120, a
finish before its start). Every such row is listed with its sheet and row number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd

from landmap.ingest.mapping import parse_date, parse_number
from landmap.ingest.problems import Severity
from landmap.layers import FieldKind, Label, LayerSpec
from landmap.ledger.layout import (
    NOTES_SHEET,
    VERSION_KEY,
    LedgerColumn,
    column_for_header,
    is_number_kind,
    layer_for_sheet,
    normalised,
    status_for_text,
)
from landmap.ledger.reader import LedgerCell, LedgerRow, LedgerSheet, read_ledger_cells
from landmap.progress.edits import (
    STATUS_FIELD,
    FeatureEdit,
    FieldChange,
    changed_fields,
    check_edit,
    current_values,
    field_label,
    split_text,
    stored_text,
    value_label,
)

HEADER_SCAN_ROWS = 10  # a title row or two above the header is tolerated


@dataclass(frozen=True)
class LedgerProblem:
    """Why a row (or a sheet) was not applied, or, as a warning, something ignored in it."""

    sheet: str
    row: int | None  # as Excel shows it; None for the whole sheet
    feature_id: str | None
    message: Label
    severity: Severity = Severity.ERROR

    def text(self, lang: str) -> str:
        en = lang == "en"
        where = f"Sheet “{self.sheet}”" if en else f"工作表“{self.sheet}”"
        if self.row is not None:
            where += f", row {self.row}" if en else f"第 {self.row} 行"
        if self.feature_id:
            where += f" ({self.feature_id})" if en else f"（{self.feature_id}）"
        return f"{where}: {self.message.get(lang)}" if en else f"{where}：{self.message.get(lang)}"


@dataclass(frozen=True)
class LedgerChange:
    """One changed cell, for the list the uploader confirms."""

    sheet: str
    row: int
    layer: LayerSpec
    feature_id: str
    name: str
    change: FieldChange

    def describe(self, lang: str) -> tuple[str, str, str, str, str]:
        """(id, name, field label, old, new), codes shown as labels."""
        field = self.change.field
        return (
            self.feature_id,
            self.name,
            field_label(self.layer, field, lang),
            value_label(self.layer, field, self.change.old, lang),
            value_label(self.layer, field, self.change.new, lang),
        )


@dataclass(frozen=True)
class LedgerDiff:
    edits: tuple[FeatureEdit, ...]
    changes: tuple[LedgerChange, ...]
    problems: tuple[LedgerProblem, ...]
    rows_read: int
    layers_read: tuple[str, ...]

    @property
    def errors(self) -> tuple[LedgerProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[LedgerProblem, ...]:
        return tuple(p for p in self.problems if p.severity is not Severity.ERROR)

    def change_lines(self, lang: str) -> list[str]:
        """ "XQ-XZ-001 某地块｜状态：已收储 → 挂牌公告中", one per changed cell."""
        lines = []
        for change in self.changes:
            fid, name, label, old, new = change.describe(lang)
            lines.append(f"{fid} {name}｜{label}：{old} → {new}")
        return lines


def read_ledger(
    data: bytes,
    frames: Mapping[str, gpd.GeoDataFrame],
    versions_by_layer: Mapping[str, Mapping[str, int]],
) -> LedgerDiff:
    """Parse an uploaded ledger (bytes of an .xlsx) against the current ``frames``.

    ``frames`` are the store's layers as ``load_dataset`` gives them (all features, not the
    filtered ones); ``versions_by_layer`` is ``store.feature_versions`` per layer id. Raises
    ``ImportRejected`` when the file itself is refused (too large, not .xlsx, unsafe XML).
    """
    return diff_sheets(read_ledger_cells(data), frames, versions_by_layer)


def diff_sheets(
    sheets: list[LedgerSheet],
    frames: Mapping[str, gpd.GeoDataFrame],
    versions_by_layer: Mapping[str, Mapping[str, int]],
) -> LedgerDiff:
    problems: list[LedgerProblem] = []
    rows_by_feature: dict[tuple[str, str], list[tuple[LedgerSheet, LedgerRow, dict]]] = defaultdict(
        list
    )
    layers_read: dict[str, None] = {}
    rows_read = 0
    for sheet in sheets:
        layer = layer_for_sheet(sheet.title)
        if layer is None or layer.id not in frames:
            if normalised(sheet.title) not in {
                normalised(NOTES_SHEET.zh),
                normalised(NOTES_SHEET.en),
            }:
                problems.append(_sheet_problem(sheet, _NOT_A_LAYER, Severity.WARNING))
            continue
        located = _locate_columns(sheet, layer, problems)
        if located is None:
            continue
        header_index, columns = located
        ignored = _ignored_columns(sheet.rows[header_index], layer)
        layers_read[layer.id] = None
        for row in sheet.rows[header_index + 1 :]:
            rows_read += 1
            fid = _id_text(row.cell(columns[0][0]))
            if fid is None:
                problems.append(LedgerProblem(sheet.title, row.number, None, _NO_ID))
                continue
            rows_by_feature[(layer.id, fid)].append((sheet, row, dict(columns), ignored))
    edits: list[FeatureEdit] = []
    changes: list[LedgerChange] = []
    for (layer_id, fid), rows in rows_by_feature.items():
        if len(rows) > 1:
            numbers = "、".join(f"{s.title}!{r.number}" for s, r, _, _ in rows)
            for sheet, row, _, _ in rows:
                problems.append(LedgerProblem(sheet.title, row.number, fid, _duplicate(numbers)))
            continue
        sheet, row, columns, ignored = rows[0]
        frame = frames[layer_id]
        layer = layer_for_sheet(sheet.title)
        assert layer is not None  # only ledger sheets were collected
        if fid not in frame.index:
            problems.append(LedgerProblem(sheet.title, row.number, fid, _UNKNOWN_ID))
            continue
        unapplied = _unapplied_changes(row, ignored, frame.loc[fid])
        if unapplied:
            # The clerk meant a change the import cannot make: the row is not half applied.
            problems += [LedgerProblem(sheet.title, row.number, fid, m) for m in unapplied]
            continue
        version = int(versions_by_layer.get(layer_id, {}).get(fid, 0))
        found = _row_edit(sheet, row, layer, fid, frame.loc[fid], columns, version, problems)
        if found is not None:
            edit, row_changes = found
            edits.append(edit)
            changes.extend(row_changes)
    order = {sheet.title: index for index, sheet in enumerate(sheets)}
    problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row or 0))
    return LedgerDiff(tuple(edits), tuple(changes), tuple(problems), rows_read, tuple(layers_read))


def _locate_columns(
    sheet: LedgerSheet, layer: LayerSpec, problems: list[LedgerProblem]
) -> tuple[int, list[tuple[int, LedgerColumn]]] | None:
    """The header row's index and (cell index, column) pairs, 编号 first; None if no 编号."""
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found: dict[str, tuple[int, LedgerColumn]] = {}
        for position, cell in enumerate(row.cells):
            column = column_for_header(layer, cell.value) if isinstance(cell.value, str) else None
            if column is None or not (column.imported or column.key == VERSION_KEY):
                continue
            if column.key in found:
                problems.append(
                    _sheet_problem(sheet, _twice(str(cell.value)), Severity.WARNING, row.number)
                )
                continue
            found[column.key] = (position, column)
        if "id" in found:
            id_column = found.pop("id")
            return index, [id_column, *found.values()]
    problems.append(_sheet_problem(sheet, _NO_ID_COLUMN))
    return None


@dataclass(frozen=True)
class _IgnoredColumn:
    """A column the import does not apply: read-only context (known) or not a ledger column."""

    position: int
    header: str
    column: LedgerColumn | None  # None: a column the ledger never had (状态代码, 备注 …)


def _ignored_columns(header_row: LedgerRow, layer: LayerSpec) -> list[_IgnoredColumn]:
    found = []
    for position, cell in enumerate(header_row.cells):
        if _blank(cell.value):
            continue
        column = column_for_header(layer, cell.value)
        if column is not None and (column.imported or column.key == VERSION_KEY):
            continue
        found.append(_IgnoredColumn(position, str(cell.value).strip()[:40], column))
    return found


# Rounding of the measures as the ledger shows them (export.columns): 0.01 亩, 1 m of road.
_MEASURE_TOLERANCE = {"area_mu": 0.0051, "length_km": 0.00051}


def _unapplied_changes(
    row: LedgerRow, ignored: list[_IgnoredColumn], feature: Mapping[str, object]
) -> list[Label]:
    """A message for each cell of an ignored column that differs from what was exported."""
    messages = []
    for item in ignored:
        cell = row.cell(item.position)
        if item.column is None:
            if not _blank(cell.value):
                messages.append(_not_a_ledger_column(item.header, cell.value))
            continue
        current = feature.get(item.column.key)
        if not _same_as_exported(item.column.key, cell.value, current):
            messages.append(_read_only_changed(item.header, cell.value, current))
    return messages


def _same_as_exported(key: str, value: object, current: object) -> bool:
    if _blank(value) or _blank(current):
        return _blank(value) and _blank(current)
    if key in _MEASURE_TOLERANCE:
        number = None if isinstance(value, bool | dt.date) else parse_number(value)
        try:
            return number is not None and abs(number - float(current)) <= _MEASURE_TOLERANCE[key]
        except (TypeError, ValueError):
            return False
    return str(value).strip() == str(current).strip()


def _read_only_changed(header: str, value: object, current: object) -> Label:
    new, old = (
        _shown(value) if not _blank(value) else "",
        _shown(current) if not _blank(current) else "",
    )
    return Label(
        f"“{header}”是只读列，台账导入不会修改它（台账里是“{new}”，系统中是“{old}”）。"
        "请改回原值，或在系统的详情面板中修改；本行未导入。",
        f"“{header}” is a read-only column that a ledger import does not change (the ledger "
        f"says “{new}”, the map holds “{old}”). Please put the value back, or change it in the "
        "app's detail panel; this row was not imported.",
    )


def _not_a_ledger_column(header: str, value: object) -> Label:
    hint_zh, hint_en = "", ""
    if "状态" in header or "status" in header.casefold():
        hint_zh = "状态请填在“状态”列（中文名称或状态代码均可）。"
        hint_en = "Put the status in the “Status” column (label or code). "
    return Label(
        f"“{header}”列不是台账的列，其中的“{_shown(value)}”不会导入。{hint_zh}"
        "请把内容移到对应的列，或清空这一格；本行未导入。",
        f"“{header}” is not a ledger column, so “{_shown(value)}” in it is not imported. "
        f"{hint_en}Please move it to the matching column, or clear the cell; this row was not "
        "imported.",
    )


def _row_edit(
    sheet: LedgerSheet,
    row: LedgerRow,
    layer: LayerSpec,
    fid: str,
    feature: Mapping[str, object],
    columns: dict[int, LedgerColumn],
    version: int,
    problems: list[LedgerProblem],
) -> tuple[FeatureEdit, list[LedgerChange]] | None:
    current = current_values(layer, feature)
    wanted: dict[str, object] = {}
    row_problems: list[Label] = []
    ledger_version: int | None = None
    for position, column in columns.items():
        if column.key == "id":
            continue
        cell = row.cell(position)
        if column.key == VERSION_KEY:
            ledger_version = _whole_number(cell.value)
            continue
        if cell.formula:
            row_problems.append(_formula(column, cell))
            continue
        if _unchanged_as_exported(layer, column, cell, feature):
            continue
        try:
            wanted[column.key] = _cell_value(layer, column, cell)
        except _Unreadable as exc:
            row_problems.append(exc.message)
    try:
        found = changed_fields(layer, current, wanted)
    except ValueError as exc:
        row_problems.append(Label(split_text(exc, "zh"), split_text(exc, "en")))
        found = ()
    if not row_problems and not found:
        return None
    if not row_problems and ledger_version is not None and ledger_version < version:
        row_problems.append(_CHANGED_SINCE_EXPORT)
    edit = FeatureEdit(layer.id, fid, version, found)
    if not row_problems:
        rule_problems = check_edit(layer, edit, current, "", require_note=False)
        row_problems += [p.message for p in rule_problems]
    if row_problems:
        for message in row_problems:
            problems.append(LedgerProblem(sheet.title, row.number, fid, message))
        return None
    name = str(feature.get("name") or "")
    return edit, [LedgerChange(sheet.title, row.number, layer, fid, name, c) for c in found]


class _Unreadable(ValueError):
    def __init__(self, message: Label) -> None:
        super().__init__(message.en)
        self.message = message


def _cell_value(layer: LayerSpec, column: LedgerColumn, cell: LedgerCell) -> object:
    """The raw value ``edits.canonical_value`` reads, from a cell as a clerk filled it."""
    value = cell.value
    if _blank(value):
        return None
    if column.key == STATUS_FIELD:
        code = status_for_text(layer, value)
        if code is None:
            raise _Unreadable(_unknown_status(layer, value))
        return code
    kind = column.field.kind
    if kind is FieldKind.DATE:
        iso = parse_date(value)
        if iso is None:
            raise _Unreadable(_bad_date(column, value))
        return iso
    if is_number_kind(column.field):
        number = None if isinstance(value, bool | dt.date) else parse_number(value)
        if number is None:
            raise _Unreadable(_bad_number(column, value))
        if cell.percent and kind is FieldKind.PERCENT:
            number *= 100  # Excel keeps 90% as 0.9
        return round(number, 6)
    return str(value)


def _unchanged_as_exported(
    layer: LayerSpec, column: LedgerColumn, cell: LedgerCell, feature: Mapping[str, object]
) -> bool:
    """Whether the cell still shows what the ledger wrote for the current value.

    Catches what cannot be read back as a change: an unknown status shown as 未知状态（x）,
    a date kept as the clerk's text ("2026年上半年").
    """
    raw = feature.get(column.key)
    if column.key == STATUS_FIELD:
        code = raw if isinstance(raw, str) else ""
        shown = {normalised(layer.status_label(code, lang)) for lang in ("zh", "en")}
        return isinstance(cell.value, str) and normalised(cell.value) in shown
    current = stored_text(layer, column.key, raw)
    return isinstance(cell.value, str) and current is not None and cell.value == current


def _id_text(cell: LedgerCell) -> str | None:
    value = cell.value
    if _blank(value) or cell.formula:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as a number: 1001.0 is "1001"
    return str(value).strip()


def _whole_number(value: object) -> int | None:
    number = parse_number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _shown(value: object) -> str:
    text = value.isoformat()[:10] if isinstance(value, dt.date) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _sheet_problem(
    sheet: LedgerSheet, message: Label, severity: Severity = Severity.ERROR, row: int | None = None
) -> LedgerProblem:
    return LedgerProblem(sheet.title, row, None, message, severity)


_NOT_A_LAYER = Label(
    "不是图层台账（工作表名称应为图层名称，如“闲置地”），已跳过。",
    "Not a layer's ledger (the sheet must be named after a layer, e.g. “Idle land”); skipped.",
)
_NO_ID_COLUMN = Label(
    "前 10 行中没有“编号”表头，本工作表未导入。",
    "No “ID” header in the first 10 rows; this sheet was not imported.",
)
_NO_ID = Label("没有编号，本行未导入。", "No ID; this row was not imported.")
_UNKNOWN_ID = Label(
    "编号在本图层中不存在，本行未导入（台账不能新增要素，请用数据导入）。",
    "This ID is not in the layer; the row was not imported (a ledger cannot add features: use "
    "the data import).",
)
_CHANGED_SINCE_EXPORT = Label(
    "本行在台账导出后已被他人修改，为免覆盖未导入。请重新导出台账后再填报。",
    "Someone changed this feature after the ledger was exported; the row was not imported so "
    "as not to overwrite it. Export a fresh ledger and fill it in again.",
)


def _duplicate(places: str) -> Label:
    return Label(
        f"同一编号在台账中出现多次（{places}），均未导入。",
        f"The same ID appears more than once ({places}); none of these rows was imported.",
    )


def _twice(header: str) -> Label:
    return Label(
        f"列“{header}”出现多次，只读取第一列。",
        f"The column “{header}” appears more than once; only the first is read.",
    )


def _formula(column: LedgerColumn, cell: LedgerCell) -> Label:
    zh, en = column.header("zh"), column.header("en")
    formula = _shown(cell.value)
    return Label(
        f"{zh}是公式（{formula}），台账不计算公式，请直接填写数值。本行未导入。",
        f"{en} is a formula ({formula}); ledgers take typed values, not formulas. "
        "The row was not imported.",
    )


def _unknown_status(layer: LayerSpec, value: object) -> Label:
    zh_choices = "、".join(s.label.zh for s in layer.statuses)
    en_choices = ", ".join(s.label.en for s in layer.statuses)
    return Label(
        f"状态“{_shown(value)}”不是本图层的状态（可选：{zh_choices}），本行未导入。",
        f"“{_shown(value)}” is not a status of this layer (choose from: {en_choices}); the row "
        "was not imported.",
    )


def _bad_date(column: LedgerColumn, value: object) -> Label:
    return Label(
        f"{column.field.label.zh}“{_shown(value)}”不是日期（例如 2026-05-31 或 2026年5月31日），"
        "本行未导入。",
        f"{column.field.label.en} “{_shown(value)}” is not a date (e.g. 2026-05-31); the row was "
        "not imported.",
    )


def _bad_number(column: LedgerColumn, value: object) -> Label:
    return Label(
        f"{column.field.label.zh}“{_shown(value)}”不是数字，本行未导入。",
        f"{column.field.label.en} “{_shown(value)}” is not a number; the row was not imported.",
    )
