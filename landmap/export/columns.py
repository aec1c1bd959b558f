"""Which columns an export has, and their values typed for the file (pure).

Every format writes the same columns per layer: 编号, 名称, the status code and its label, the
registry fields the audience may see, then the measures of the layer's geometry (area for
polygons, length for lines). Machine formats (GeoPackage, GeoJSON, KML, Shapefile) keep codes;
the tables people read (CSV, Excel) show choice codes as labels.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from landmap.export.formats import Audience
from landmap.i18n import t
from landmap.layers import FieldKind, FieldSpec, GeometryKind, Label, LayerSpec, subdistrict_label


def _locale_label(key: str) -> Label:
    return Label(t(key, "zh"), t(key, "en"))


ID = FieldSpec("id", _locale_label("col.id"))
NAME = FieldSpec("name", _locale_label("col.name"))
STATUS_CODE = FieldSpec("status", Label("状态代码", "Status code"))
STATUS_LABEL = FieldSpec("status_label", _locale_label("col.status"))
AREA_M2 = FieldSpec("area_m2", _locale_label("col.area_m2"), FieldKind.FLOAT)
AREA_MU = FieldSpec("area_mu", _locale_label("col.area_mu"), FieldKind.FLOAT)
LENGTH_KM = FieldSpec("length_km", _locale_label("col.length_km"), FieldKind.FLOAT)
LAYER = FieldSpec("layer", _locale_label("col.layer"))

# Decimals kept: a square metre, a hundredth of a 亩 (6.7 m²), a metre of road.
_MEASURE_DECIMALS = {"area_m2": 1, "area_mu": 2, "length_km": 3}
_NUMBER_KINDS = (FieldKind.FLOAT, FieldKind.MONEY_WAN, FieldKind.PERCENT)
_WHOLE_KINDS = (FieldKind.INT, FieldKind.YEAR)


def measure_columns(layer: LayerSpec) -> tuple[FieldSpec, ...]:
    if layer.geometry is GeometryKind.POLYGON:
        return (AREA_M2, AREA_MU)
    if layer.geometry is GeometryKind.LINE:
        return (LENGTH_KM,)
    return ()


def layer_columns(layer: LayerSpec, audience: Audience = Audience.STAFF) -> tuple[FieldSpec, ...]:
    """The columns of ``layer`` in an export, in the order they are written."""
    return (ID, NAME, STATUS_CODE, STATUS_LABEL, *audience.fields(layer), *measure_columns(layer))


# Units the registry's labels leave to the display (FieldSpec.display adds them to values);
# a table header must say them, or 820 could be yuan or 万元.
_HEADER_UNITS = {
    FieldKind.MONEY_WAN: Label("（万元）", " (10k CNY)"),
    FieldKind.PERCENT: Label("（%）", " (%)"),
}


def header(column: FieldSpec, lang: str) -> str:
    """A column's header in a table people read: its label, with the unit where needed."""
    unit = _HEADER_UNITS.get(column.kind)
    return column.label.get(lang) + (unit.get(lang) if unit else "")


def attribute_table(
    frame: gpd.GeoDataFrame,
    layer: LayerSpec,
    columns: Sequence[FieldSpec],
    *,
    lang: str,
    human: bool,
) -> pd.DataFrame:
    """One column per ``columns`` entry, typed for writing, indexed like ``frame``.

    Numbers become floats (whole-number fields nullable integers) and dates ISO text, or
    ``datetime.date`` when ``human`` (Excel shows real dates). A column holding a value that
    is not what its field says (text in a number field) stays text as a whole, so nothing is
    lost or silently blanked.
    """
    table = {}
    for column in columns:
        if column.key == "status_label":
            raw = frame["status"] if "status" in frame else pd.Series(index=frame.index)
            labels = [layer.status_label(_text(v) or "", lang) for v in raw]
            table[column.key] = pd.Series(labels, index=frame.index, dtype=object)
            continue
        raw = frame[column.key] if column.key in frame else pd.Series(None, index=frame.index)
        if human and column.key == "subdistrict":  # the registry's names, in the reader's language
            raw = raw.map(lambda v: subdistrict_label(v, lang) if isinstance(v, str) else v)
        table[column.key] = _typed(list(raw), column, lang=lang, human=human).set_axis(frame.index)
    return pd.DataFrame(table, index=frame.index)


def _typed(values: list[object], column: FieldSpec, *, lang: str, human: bool) -> pd.Series:
    if column.key in _MEASURE_DECIMALS:
        digits = _MEASURE_DECIMALS[column.key]
        return pd.Series([_round(v, digits) for v in values], dtype="float64")
    if column.kind in _NUMBER_KINDS or column.kind in _WHOLE_KINDS:
        try:
            numbers = [_number(v) for v in values]
        except ValueError:
            return _text_series(values)
        if column.kind in _WHOLE_KINDS and all(n is None or n.is_integer() for n in numbers):
            return pd.Series([None if n is None else int(n) for n in numbers], dtype="Int64")
        return pd.Series([math.nan if n is None else n for n in numbers], dtype="float64")
    if column.kind is FieldKind.DATE:
        if human:
            return pd.Series([_date_or_text(v) for v in values], dtype=object)
        return _text_series(values)
    if column.kind is FieldKind.CHOICES and human and column.choices:
        return pd.Series(
            [None if _missing(v) else column.display(v, lang) for v in values], dtype=object
        )
    if column.kind is FieldKind.CHOICE and human and column.choices:
        texts = [_text(v) for v in values]
        shown = [column.choices[v].get(lang) if v in column.choices else v for v in texts]
        return pd.Series(shown, dtype=object)
    return _text_series(values)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_series(values: list[object]) -> pd.Series:
    return pd.Series([_text(v) for v in values], dtype=object)


def _number(value: object) -> float | None:
    """The number a cell holds, None when empty; ValueError when it holds something else."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(value) from None
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _round(value: object, digits: int) -> float:
    try:
        number = _number(value)
    except ValueError:
        return math.nan
    return math.nan if number is None else round(number, digits)


def _date_or_text(value: object) -> dt.date | str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else text
    except ValueError:
        return text  # "2026年上半年" is kept as the clerk wrote it
