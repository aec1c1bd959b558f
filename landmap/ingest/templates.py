"""Blank import templates, one per layer, as Excel and CSV (pure: bytes out).

The headers are the words the importer itself recognises (``mapping.suggest_field_mapping``):
编号, 名称, 状态, then each field's Chinese label from the registry, and a WKT column for the
shape, so a filled-in template imports with no mapping to correct
(tests/ingest/test_templates.py fills one row and imports it through ``prepare_import``).
In the Excel template each header has a note saying what to write (a comment, not a second
sheet: the importer reads one sheet and would warn about another), and the status, 街道/镇 and
coded columns offer their values in a drop-down.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from landmap.export.workbook import sheet_title, workbook_bytes, write_table
from landmap.layers import SUBDISTRICTS, FieldKind, FieldSpec, GeometryKind, LayerSpec

ID_HEADER, NAME_HEADER, STATUS_HEADER = "编号", "名称", "状态"
WKT_HEADER = "图形（WKT）"
# An editor's tracked on/off choice in the app, not a fact to fill in from a ledger.
_LEFT_OUT = frozenset({"publish"})
ROWS_WITH_LISTS = 2000  # rows that get the drop-downs
_LIST_LIMIT = 255  # Excel's limit on a drop-down's inline list

_KIND_NOTES = {
    FieldKind.TEXT: "文字",
    FieldKind.INT: "整数",
    FieldKind.FLOAT: "数字",
    FieldKind.DATE: "日期，如 2026-05-31（也可写 2026年5月31日）",
    FieldKind.YEAR: "年份，如 1998",
    FieldKind.MONEY_WAN: "金额，单位万元（只填数字）",
    FieldKind.PERCENT: "百分数 0–100（只填数字，如 45）",
}


def template_fields(layer: LayerSpec) -> list[tuple[str, str]]:
    """(header, field key) for every column of ``layer``'s template but the shape, in order."""
    columns = [(ID_HEADER, "id"), (NAME_HEADER, "name"), (STATUS_HEADER, "status")]
    columns += [(f.label.zh, f.key) for f in layer.all_fields if f.key not in _LEFT_OUT]
    return columns


def template_headers(layer: LayerSpec) -> list[str]:
    return [header for header, _key in template_fields(layer)] + [WKT_HEADER]


def template_file_name(layer: LayerSpec, extension: str) -> str:
    return f"导入模板_{layer.name.zh}_{layer.id}.{extension}"


def template_csv(layer: LayerSpec) -> bytes:
    """The header row, UTF-8 with a BOM so that Chinese Excel opens it without mojibake."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(template_headers(layer))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(layer: LayerSpec) -> bytes:
    """One sheet: the header row to fill in, each header with its note, drop-downs below."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(layer.short_name.zh, ())
    write_table(sheet, template_headers(layer), [])
    for col, (header, note, choices) in enumerate(column_notes(layer), start=1):
        cell = sheet.cell(row=1, column=col)
        assert cell.value == header
        cell.comment = Comment(note, "landmap", width=320, height=140)
        listed = ",".join(choices)
        if choices and len(listed) <= _LIST_LIMIT and "," not in "".join(choices):
            letter = get_column_letter(col)
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            check.showErrorMessage = False  # other wordings (已挂牌, 在建) are read too
            sheet.add_data_validation(check)
            check.add(f"{letter}2:{letter}{ROWS_WITH_LISTS + 1}")
    return workbook_bytes(book)


def column_notes(layer: LayerSpec) -> list[tuple[str, str, list[str]]]:
    """Per template column: header, what to write in it, and its listed values (if any)."""
    statuses = [s.label.zh for s in layer.statuses]
    polygon = layer.geometry is GeometryKind.POLYGON
    shape = "POLYGON((经度 纬度, …))" if polygon else "LINESTRING(经度 纬度, …)"
    rows = [
        (ID_HEADER, "要素编号，本图层内唯一。必填于按编号更新；追加时可留空，由系统编号。", []),
        (NAME_HEADER, "名称（必填）。", []),
        (
            STATUS_HEADER,
            "状态（必填）：" + "、".join(statuses) + "。常见写法（已挂牌、在建……）也能识别。",
            statuses,
        ),
    ]
    for header, key in template_fields(layer)[3:]:
        spec = layer.field_spec(key)
        assert spec is not None
        scope = "" if spec.public else "（内部字段，不对公众显示）"
        rows.append((header, _field_note(spec) + scope, _choices(spec)))
    rows.append((WKT_HEADER, f"图形（必填）：CGCS2000 / WGS84 经纬度的 WKT，{shape}。", []))
    return rows


def _choices(spec: FieldSpec) -> list[str]:
    if spec.key == "subdistrict":
        return list(SUBDISTRICTS)
    if spec.kind is FieldKind.CHOICE and spec.choices:
        return [label.zh for label in spec.choices.values()]
    return []


def _field_note(spec: FieldSpec) -> str:
    if spec.key == "subdistrict":
        return "可填：" + "、".join(SUBDISTRICTS)
    if spec.kind is FieldKind.CHOICE and spec.choices:
        return "可填：" + "、".join(label.zh for label in spec.choices.values())
    if spec.kind is FieldKind.CHOICES and spec.choices:
        codes = "、".join(f"{code}（{label.zh}）" for code, label in spec.choices.items())
        return f"可填多个代码，用英文逗号分隔，如 road,power：{codes}"
    return _KIND_NOTES.get(spec.kind, "文字")
