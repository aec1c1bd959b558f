"""Coordinates in a table: which columns hold them, what each cell says, where each row lies.

Columns are recognised by name (经度/纬度, X/Y, WKT); cells may be typed in
degrees-minutes-seconds or with full-width digits; lon/lat typed the wrong way round and the
surveyor's X = northing are swapped back, and each fix is reported with the rows it touched.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import shapely

from landmap.ingest.curves import from_wkt_lenient
from landmap.ingest.mapping import find_id_column, format_row_numbers, normalize_header
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.ingest.table_grid import cell_text, is_blank

CoordinateKind = Literal["lonlat", "xy", "wkt"]

_LON_WORDS = frozenset({"经度", "东经", "lon", "lng", "long", "longitude", "经度坐标"})
_LAT_WORDS = frozenset({"纬度", "北纬", "lat", "latitude", "纬度坐标"})
_X_WORDS = frozenset({"x", "x坐标", "坐标x", "横坐标", "e", "东坐标", "easting", "东向坐标"})
_Y_WORDS = frozenset({"y", "y坐标", "坐标y", "纵坐标", "n", "北坐标", "northing", "北向坐标"})
_WKT_WORDS = frozenset({"wkt", "geometry", "geom", "the_geom", "shape", "几何", "坐标串", "图形"})
_WKT_VALUE = re.compile(
    r"^\s*(?:srid=\d+;\s*)?(?:multi)?(?:point|linestring|polygon|curve|surface)"
    r"|^\s*(?:geometrycollection|circularstring|compoundcurve|curvepolygon|tin|triangle"
    r"|polyhedralsurface)",
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
    if isinstance(value, bool) or is_blank(value):
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
class Located:
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
    if not found:
        # No column is named for coordinates: one whose every value is WKT ("point",
        # "location", "shape_1" …) still says where the rows are.
        wkt = next((c for c in table.columns if _all_wkt(table[c])), None)
        if wkt is not None:
            found["wkt"] = wkt
    return found


def _all_wkt(column: pd.Series) -> bool:
    values = [v for v in column.head(1000) if not is_blank(v)]
    return bool(values) and all(
        isinstance(v, str) and _WKT_VALUE.match(v) and ("(" in v or "empty" in v.lower())
        for v in values
    )


def _has_wkt(column: pd.Series) -> bool:
    return any(isinstance(v, str) and _WKT_VALUE.match(v) for v in column.head(1000))


def locate(table: pd.DataFrame) -> Located:
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
        return [cell_text(v) for v in values if not is_blank(v)]


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


def _from_pair(table: pd.DataFrame, a: str, b: str, lonlat_headers: bool, ids: _RowIds) -> Located:
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
    return Located(geometry, (a, b), "lonlat" if lonlat else "xy", problems)


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


def _from_wkt(table: pd.DataFrame, column: str, ids: _RowIds) -> Located:
    texts = np.array(
        [
            None if is_blank(v) else re.sub(r"^\s*srid=\d+;", "", str(v), flags=re.I)
            for v in table[column]
        ],
        dtype=object,
    )
    geometry = from_wkt_lenient(texts)  # ArcGIS curves (CIRCULARSTRING …) made straight
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
    return Located(np.asarray(geometry, dtype=object), (column,), "wkt", problems)
