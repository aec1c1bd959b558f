"""``ledger_workbook``: the layers as an Excel 台账 that bureaus fill in and send back.

One sheet per layer (named by its Chinese short name), columns as ``layout`` says, statuses as
labels with a drop-down list, dates as real dates, the header frozen, read-only columns grey,
and a 填表说明 sheet. Every text cell is stored as text, so a name like ``=HYPERLINK(…)`` is
shown, never evaluated (security.md §3.4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from landmap.clock import SHANGHAI
from landmap.export.columns import attribute_table
from landmap.export.workbook import sheet_title, workbook_bytes, write_table
from landmap.layers import LAYER_BY_ID, FieldKind, LayerSpec
from landmap.ledger.layout import NOTES_SHEET, VERSION_KEY, LedgerColumn, ledger_columns
from landmap.progress.edits import STATUS_FIELD

# Excel keeps an in-cell list ("a,b,c") to 255 characters.
MAX_LIST_CHARS = 255


def ledger_workbook(
    frames: Mapping[str, gpd.GeoDataFrame],
    lang: str = "zh",
    versions: Mapping[str, Mapping[str, int]] | None = None,
    *,
    filter_text: str = "",
) -> bytes:
    """An .xlsx 台账 of ``frames`` (layer id → frame, all features or the filtered ones).

    ``versions`` (layer id → feature id → version, from ``store.feature_versions``) is written
    to a hidden column, so that the import can tell a row someone changed since the export.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        layer_versions = None if versions is None else versions.get(layer_id, {})
        sheet = workbook.create_sheet(sheet_title(layer.short_name.get(lang), workbook.sheetnames))
        _write_layer(sheet, layer, frame, lang, layer_versions)
    notes = workbook.create_sheet(sheet_title(NOTES_SHEET.get(lang), workbook.sheetnames))
    write_table(notes, [NOTES_SHEET.get(lang)], ([line] for line in _notes(lang, filter_text)))
    return workbook_bytes(workbook)


def _write_layer(
    sheet: Worksheet,
    layer: LayerSpec,
    frame: gpd.GeoDataFrame,
    lang: str,
    versions: Mapping[str, int] | None,
) -> None:
    columns = ledger_columns(layer, with_version=versions is not None)
    fields = [c.field for c in columns if c.key not in (STATUS_FIELD, VERSION_KEY)]
    table = attribute_table(frame, layer, fields, lang=lang, human=True)
    codes = [s if isinstance(s, str) else "" for s in frame["status"]]
    table[STATUS_FIELD] = [layer.status_label(code, lang) for code in codes]
    if versions is not None:
        table[VERSION_KEY] = [int(versions.get(str(i), 0)) for i in frame["id"]]
    rows = (list(r) for r in table[[c.key for c in columns]].itertuples(index=False, name=None))
    muted = [i for i, c in enumerate(columns) if not c.imported]
    write_table(sheet, [c.header(lang) for c in columns], rows, muted=muted)
    last_row = max(len(frame) + 1, 2)
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        if column.hidden:
            sheet.column_dimensions[letter].hidden = True
        validation = _validation(layer, column, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")


def _validation(layer: LayerSpec, column: LedgerColumn, lang: str) -> DataValidation | None:
    """A drop-down of status labels, a 0–100 check for percentages; warnings, not refusals.

    The import also reads codes and the other language's labels, so Excel only warns.
    """
    en = lang == "en"
    if column.key == STATUS_FIELD:
        labels = [s.label.get(lang) for s in layer.statuses]
        listed = ",".join(labels)
        if len(listed) > MAX_LIST_CHARS or any("," in x or '"' in x for x in labels):
            return None
        return DataValidation(
            type="list",
            formula1=f'"{listed}"',
            allow_blank=False,
            errorStyle="warning",
            showErrorMessage=True,
            error="Please pick a status from the list." if en else "请从下拉列表中选择状态。",
            errorTitle="Status" if en else "状态",
        )
    if column.imported and column.field.kind is FieldKind.PERCENT:
        return DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2="100",
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            error="A percentage from 0 to 100." if en else "请填写 0 到 100 之间的数。",
        )
    return None


def _notes(lang: str, filter_text: str) -> list[str]:
    stamp = dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if lang == "en":
        return [
            f"Exported {stamp} (Beijing time). {filter_text}".strip(),
            "Rows are matched by ID: do not change or delete the ID column.",
            "Only Status and the white columns are imported; grey (read-only) columns are "
            "for reference and changes to them are ignored.",
            "Status: pick from the list (Chinese or English label, or the code).",
            "Dates: 2026-05-31 or 2026年5月31日. Percentages: a number from 0 to 100.",
            "Type values, not formulas: a formula cell is not imported.",
            "You will see every change before it is applied; each one is kept in the history "
            "with your name.",
        ]
    return [
        f"导出时间：{stamp}（北京时间）。{filter_text}".strip(),
        "按“编号”匹配要素：请勿修改或删除编号列。",
        "只导入“状态”和白色表头的列；灰色（只读）列仅供参考，改动不会导入。",
        "状态：请从下拉列表选择（中文或英文名称、状态代码均可）。",
        "日期：填写 2026-05-31 或 2026年5月31日；百分比填 0 到 100 之间的数。",
        "请直接填写数值，不要使用公式：公式单元格不会导入。",
        "导入前会列出全部改动供确认；每项改动以上传人名义记入历史。",
    ]
