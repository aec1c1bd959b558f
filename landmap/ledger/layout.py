"""The 台账 (ledger) layout: one place that both the writer and the reader follow.

A ledger sheet holds one layer: 编号 (the key rows are matched by), 名称, 状态 (as a label),
the layer's tracked fields, then context columns to read but not to edit (街道/镇, 责任单位,
面积（亩） or 长度（km）), marked （只读）. A hidden 系统版本 column remembers each feature's
version at export, so a row someone else changed since is not silently overwritten.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from landmap.export.columns import AREA_MU, ID, LENGTH_KM, NAME, header
from landmap.layers import LAYERS, FieldKind, FieldSpec, GeometryKind, Label, LayerSpec
from landmap.progress.edits import STATUS_FIELD

VERSION_KEY = "version"
READ_ONLY = Label("（只读）", " (read-only)")
NOTES_SHEET = Label("填表说明", "How to fill in")
_STATUS = FieldSpec(STATUS_FIELD, Label("状态", "Status"))
_VERSION = FieldSpec(VERSION_KEY, Label("系统版本（勿改）", "System version (do not edit)"))


@dataclass(frozen=True)
class LedgerColumn:
    field: FieldSpec
    imported: bool  # read back on import (编号 is the key; the status and tracked fields)
    hidden: bool = False

    @property
    def key(self) -> str:
        return self.field.key

    def header(self, lang: str) -> str:
        text = header(self.field, lang)
        if not self.imported and self.key not in (ID.key, VERSION_KEY):
            text += READ_ONLY.get(lang)
        return text


def ledger_columns(layer: LayerSpec, *, with_version: bool = False) -> tuple[LedgerColumn, ...]:
    context = [layer.field_spec("subdistrict"), layer.field_spec("responsible_unit")]
    if layer.geometry is GeometryKind.POLYGON:
        context.append(AREA_MU)
    elif layer.geometry is GeometryKind.LINE:
        context.append(LENGTH_KM)
    columns = [
        LedgerColumn(ID, imported=True),
        LedgerColumn(NAME, imported=False),
        LedgerColumn(_STATUS, imported=True),
        *(LedgerColumn(f, imported=True) for f in layer.tracked_fields),
        *(LedgerColumn(f, imported=False) for f in context if f is not None),
    ]
    if with_version:
        columns.append(LedgerColumn(_VERSION, imported=False, hidden=True))
    return tuple(columns)


def normalised(text: object) -> str:
    """A header, title or label reduced to what identifies it: "形象进度 （%）" ≈ "形象进度(%)"."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", "", folded)


_READ_ONLY_SUFFIXES = tuple(normalised(READ_ONLY.get(lang)) for lang in ("zh", "en"))


def column_for_header(layer: LayerSpec, text: object) -> LedgerColumn | None:
    """Which ledger column a header names, in either language, with or without its unit."""
    wanted = normalised(text)
    for suffix in _READ_ONLY_SUFFIXES:
        wanted = wanted.removesuffix(suffix)
    for column in ledger_columns(layer, with_version=True):
        if wanted in _spellings(column.field):
            return column
    return None


def _spellings(field: FieldSpec) -> set[str]:
    texts: Iterable[str] = (
        field.key,
        field.label.zh,
        field.label.en,
        header(field, "zh"),
        header(field, "en"),
    )
    return {normalised(t) for t in texts}


def layer_for_sheet(title: str, layers: Iterable[LayerSpec] = LAYERS) -> LayerSpec | None:
    """The layer a sheet holds, by its title: the short or full name (zh/en) or the id."""
    wanted = normalised(title)
    for layer in layers:
        names = (layer.id, layer.short_name.zh, layer.short_name.en, layer.name.zh, layer.name.en)
        if wanted in {normalised(n) for n in names}:
            return layer
    return None


def status_for_text(layer: LayerSpec, text: object) -> str | None:
    """The status code a cell names: its code, or its label in Chinese or English."""
    wanted = normalised(text)
    for status in layer.statuses:
        if wanted in {
            normalised(status.code),
            normalised(status.label.zh),
            normalised(status.label.en),
        }:
            return status.code
    return None


def is_number_kind(field: FieldSpec) -> bool:
    return field.kind in (
        FieldKind.INT,
        FieldKind.YEAR,
        FieldKind.FLOAT,
        FieldKind.MONEY_WAN,
        FieldKind.PERCENT,
    )
