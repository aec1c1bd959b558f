"""Coordinates as they arrive: GCJ-02/BD-09 offsets, guessed CRSs, checked .prj files (pure).

Three questions an import has to answer before anything is drawn:

- Were the points picked from Amap (GCJ-02) or Baidu (BD-09)? Then undo the offset
  (``convert_geometries``): ~440 m at Xiqu for GCJ-02, ~830 m for BD-09 (domain-china.md §2.3).
- Which CRS do bare numbers belong to (``guess_crs``)? Numbers cannot tell CGCS2000 from
  Xian 1980 or Beijing 1954, so the guess is shown to the user to confirm (domain-china.md §1.2).
- Does the ``.prj`` tell the truth (``crs_from_prj``, ``check_prj_against_values``,
  ``outside_district``)?
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from landmap.ingest.problems import ImportProblem, Severity, problem
from landmap.layers import Label

Coordinate = float | npt.NDArray[np.float64]
Bounds = tuple[float, float, float, float]  # minx, miny, maxx, maxy of the raw numbers
Shape = tuple[int, ...]

# --- GCJ-02 / BD-09 ---------------------------------------------------------------------------
# The standard public formula: a Krasovsky-ellipsoid offset with two trigonometric polynomials.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0
# GCJ-02 applies only inside this rough box around China; elsewhere the numbers are WGS84.
_CHINA_LON = (73.66, 135.05)
_CHINA_LAT = (3.86, 53.55)
# 1e-12° is ~0.1 µm; the fixed-point iterations reach it in about five steps.
_INVERSE_TOLERANCE_DEG = 1e-12
_INVERSE_MAX_STEPS = 50

OFFSET_SOURCES = ("wgs84", "gcj02", "bd09")


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (
        (lon > _CHINA_LON[0])
        & (lon < _CHINA_LON[1])
        & (lat > _CHINA_LAT[0])
        & (lat < _CHINA_LAT[1])
    )


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 shift (degrees) of a WGS84 point, before the out-of-China check."""
    x, y = lon - 105.0, lat - 35.0
    ripple_x = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + ripple_x
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + ripple_x
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    # The polynomials give metres on the Krasovsky ellipsoid; turn them into degrees.
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _gcj_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _bd_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09: Baidu's rotation and scaling about the origin, then a fixed shift."""
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_inverse_one_step(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published BD-09 → GCJ-02 formula: a first guess only, up to ~0.1 m off at Xiqu."""
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


Forward = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _invert(
    forward: Forward, lon: np.ndarray, lat: np.ndarray, start: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(p) = (lon, lat) by fixed-point steps.

    The offsets change by ~1e-3 of a step per degree, so each step gains about three digits;
    the one-step inverses everyone copies stop after the first (up to ~0.8 m off at Xiqu).
    """
    guess_lon, guess_lat = start[0].copy(), start[1].copy()
    for _ in range(_INVERSE_MAX_STEPS):
        out_lon, out_lat = forward(guess_lon, guess_lat)
        err_lon, err_lat = out_lon - lon, out_lat - lat
        guess_lon -= err_lon
        guess_lat -= err_lat
        worst = np.nanmax(np.abs(np.concatenate([err_lon.ravel(), err_lat.ravel()])), initial=0.0)
        if worst < _INVERSE_TOLERANCE_DEG:
            break
    return guess_lon, guess_lat


def _arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, Shape]:
    """Flat float copies of broadcast lon/lat, and the shape to give the results back in."""
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a.ravel().copy(), lat_a.ravel().copy(), lon_a.shape


def _shaped(shape: Shape, lon: np.ndarray, lat: np.ndarray) -> tuple[Coordinate, Coordinate]:
    if shape == ():
        return float(lon[0]), float(lat[0])
    return lon.reshape(shape), lat.reshape(shape)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """WGS84 → GCJ-02 (Amap, Tencent); points outside China come back unchanged.

    >>> wgs84_to_gcj02(101.60, 26.60)  # doctest: +ELLIPSIS
    (101.6014..., 26.5962...)
    """
    x, y, shape = _arrays(lon, lat)
    gx, gy = _gcj_forward(x, y)
    china = _in_china(x, y)
    return _shaped(shape, np.where(china, gx, x), np.where(china, gy, y))


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """GCJ-02 → WGS84, iterated until the forward formula reproduces the input within 1e-12°."""
    x, y, shape = _arrays(lon, lat)
    china = _in_china(x, y)
    wx, wy = x.copy(), y.copy()
    if china.any():
        wx[china], wy[china] = _invert(_gcj_forward, x[china], y[china], (x[china], y[china]))
    return _shaped(shape, wx, wy)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """GCJ-02 → BD-09 (Baidu). Applied everywhere, as Baidu's own formula is."""
    x, y, shape = _arrays(lon, lat)
    return _shaped(shape, *_bd_forward(x, y))


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """BD-09 → GCJ-02: the published formula, refined until it inverts ``gcj02_to_bd09``."""
    x, y, shape = _arrays(lon, lat)
    gx, gy = _invert(_bd_forward, x, y, _bd_inverse_one_step(x, y))
    return _shaped(shape, gx, gy)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """WGS84 → BD-09, through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """BD-09 → WGS84, through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84: dict[str, Callable[[np.ndarray, np.ndarray], tuple[Coordinate, Coordinate]]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def convert_geometries(geoms: np.ndarray, source: str) -> np.ndarray:
    """Shapely geometries of any type from ``source`` ("wgs84", "gcj02", "bd09") to WGS84.

    Z values are kept; missing and empty geometries pass through.
    """
    if source not in OFFSET_SOURCES:
        raise ValueError(f"unknown coordinate offset {source!r}; expected one of {OFFSET_SOURCES}")
    geoms = np.asarray(geoms, dtype=object)
    if source == "wgs84":
        return geoms.copy()
    to_wgs84 = _TO_WGS84[source]

    def shift(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0], out[:, 1] = to_wgs84(coords[:, 0], coords[:, 1])
        return out

    # include_z=None keeps 3-D geometries 3-D; the offset touches lon/lat only.
    return shapely.transform(geoms, shift, include_z=None)


# --- CRS guessing from the numbers ------------------------------------------------------------

# Rough box around Panzhihua city (26°05′–27°21′N, 101°08′–102°15′E, domain-china.md §3.1).
PANZHIHUA_BBOX: Bounds = (100.9, 25.9, 102.4, 27.5)
# "Near" = within about 100 km: a neighbouring county's file, or a bbox inflated by a stray point.
_NEAR_MARGIN_DEG = 1.0
# Every candidate's EPSG area of use lies in China, so lon/lat far away is never offered.
_CHINA_BBOX: Bounds = (_CHINA_LON[0], _CHINA_LAT[0], _CHINA_LON[1], _CHINA_LAT[1])

_CGCS2000_GEOGRAPHIC = 4490


class Confidence(StrEnum):
    HIGH = "high"  # the numbers fall inside Panzhihua under this CRS
    MEDIUM = "medium"  # near Panzhihua (within ~100 km)
    LOW = "low"  # only somewhere in the CRS's area of use


_CONFIDENCE_RANK = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}


@dataclass(frozen=True)
class CrsGuess:
    """One reading of bare coordinates, for the user to confirm."""

    epsg: int
    swapped: bool  # the file has northing (lat) first: surveyors call northing "X"
    confidence: str  # a Confidence value: "high" | "medium" | "low"
    label: Label  # the CRS in words, with the EPSG code
    legacy_datum: bool  # Xian 1980 or Beijing 1954: no real transformation to CGCS2000
    reason: Label  # why it was offered


@dataclass(frozen=True)
class _Datum:
    key: str  # equal keys, equal datums, whatever the WKT calls them
    name: Label = field(compare=False)
    legacy: bool = field(compare=False)


_CGCS2000 = _Datum("cgcs2000", Label("CGCS2000", "CGCS2000"), legacy=False)
_XIAN80 = _Datum("xian80", Label("西安80", "Xian 1980"), legacy=True)
_BEIJING54 = _Datum("beijing54", Label("北京54", "Beijing 1954"), legacy=True)
_NEW_BEIJING = _Datum("new_beijing", Label("新北京54", "New Beijing"), legacy=True)


@dataclass(frozen=True)
class _GaussKruger:
    """One Gauss-Kruger grid used at Panzhihua, with its EPSG code per datum."""

    width: int  # 3° or 6° zones
    central_meridian: int
    zone: int | None  # set when eastings carry the zone number as a prefix
    epsg: dict[str, int]  # datum key -> EPSG code

    def label(self, datum: _Datum) -> Label:
        code = self.epsg[datum.key]
        if self.zone is None:
            zh = f"{self.width}度带高斯-克吕格 中央经线{self.central_meridian}°"
            en = f"{self.width}-degree Gauss-Kruger CM {self.central_meridian}E"
        else:
            zh = f"{self.width}度带高斯-克吕格 第{self.zone}带 中央经线{self.central_meridian}°"
            en = f"{self.width}-degree Gauss-Kruger zone {self.zone}, CM {self.central_meridian}E"
        return Label(
            f"{datum.name.zh} / {zh}（EPSG:{code}）", f"{datum.name.en} / {en} (EPSG:{code})"
        )


# Panzhihua lies in 3° zone 34 (CM 102°E) and 6° zone 17 (CM 99°E); domain-china.md §1.1.
# The legacy twins use the same grid, so their numbers are indistinguishable from CGCS2000.
_GRIDS = (
    _GaussKruger(3, 102, None, {"cgcs2000": 4543, "xian80": 2379, "beijing54": 2431}),
    _GaussKruger(3, 102, 34, {"cgcs2000": 4522, "xian80": 2358, "beijing54": 2410}),
    _GaussKruger(6, 99, None, {"cgcs2000": 4506, "xian80": 2342, "beijing54": 21457}),
    _GaussKruger(6, 99, 17, {"cgcs2000": 4495, "xian80": 2331, "beijing54": 21417}),
)
_GUESSED_DATUMS = (_CGCS2000, _XIAN80, _BEIJING54)


def _grown(bounds: Bounds, margin: float) -> Bounds:
    return (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin)


def _contains(window: Bounds, bounds: Bounds) -> bool:
    x_inside = window[0] <= bounds[0] and bounds[2] <= window[2]
    return x_inside and window[1] <= bounds[1] and bounds[3] <= window[3]


@cache
def _windows(epsg: int) -> dict[Confidence, Bounds]:
    """Where a CRS's numbers fall for Panzhihua, near it, and in its area of use.

    Projected with pyproj instead of typed in: at Panzhihua the 6° CM 99E eastings are
    ~690 000–840 000, far from the 500 000 a rule of thumb would expect.
    """
    crs = CRS.from_epsg(epsg)
    area = crs.area_of_use.bounds if crs.area_of_use else _CHINA_BBOX
    lonlat = {
        Confidence.HIGH: PANZHIHUA_BBOX,
        Confidence.MEDIUM: _grown(PANZHIHUA_BBOX, _NEAR_MARGIN_DEG),
        Confidence.LOW: area,
    }
    if crs.is_geographic:
        return lonlat
    to_grid = Transformer.from_crs(_CGCS2000_GEOGRAPHIC, crs, always_xy=True)
    return {k: to_grid.transform_bounds(*b, densify_pts=21) for k, b in lonlat.items()}


def _fit(epsg: int, bounds: Bounds) -> Confidence | None:
    windows = _windows(epsg)
    for level in Confidence:
        if _contains(windows[level], bounds):
            return level
    return None


_REASONS = {
    Confidence.HIGH: Label("坐标落在攀枝花市范围内", "the coordinates fall inside Panzhihua"),
    Confidence.MEDIUM: Label(
        "坐标落在攀枝花市附近（约 100 km 内），但不在市内",
        "the coordinates fall near Panzhihua (within ~100 km) but not inside it",
    ),
    Confidence.LOW: Label(
        "坐标只符合该坐标系的适用范围，离攀枝花市很远",
        "the coordinates only fit this system's area of use, far from Panzhihua",
    ),
}
_SWAPPED_REASON = Label(
    "按北坐标在前读取（测量习惯把北坐标称作 X）",
    "read with northing first (surveyors call the northing X)",
)
_LEGACY_REASON = Label(
    "数值上与 CGCS2000 无法区分；旧坐标系没有到 CGCS2000 的可靠转换，位置精度未知",
    "the numbers cannot tell it from CGCS2000; a legacy datum has no reliable transformation "
    "to CGCS2000, so the location accuracy is unknown",
)


def _joined(parts: list[Label]) -> Label:
    return Label("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))


def _guess(
    epsg: int, label: Label, level: Confidence, *, swapped: bool, legacy: bool, swap_label: Label
) -> CrsGuess:
    reasons = [_REASONS[level]]
    if swapped:
        reasons.append(_SWAPPED_REASON)
        label = Label(f"{label.zh}，{swap_label.zh}", f"{label.en}, {swap_label.en}")
    if legacy:
        reasons.append(_LEGACY_REASON)
    return CrsGuess(epsg, swapped, level.value, label, legacy, _joined(reasons))


def guess_crs(bounds: Bounds) -> list[CrsGuess]:
    """Readings of bare coordinates, best first; empty when the numbers fit nothing.

    ``bounds`` are (minx, miny, maxx, maxy) of the raw numbers as the file gives them. Each
    reading is tried as given and with the axes swapped. For every Gauss-Kruger grid the
    CGCS2000 code comes first and its Xian 1980 and Beijing 1954 twins follow, flagged
    ``legacy_datum``: the numbers alone cannot tell the datums apart.

    >>> guess_crs((460_000, 2_943_000, 461_000, 2_944_000))[0].epsg
    4543
    """
    if len(bounds) != 4 or not np.all(np.isfinite(bounds)):
        return []
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    readings = ((False, (minx, miny, maxx, maxy)), (True, (miny, minx, maxy, maxx)))
    ranked: list[tuple[tuple[int, int, int, int], CrsGuess]] = []
    for swapped, values in readings:
        level = _fit(_CGCS2000_GEOGRAPHIC, values)
        if level is not None:
            label = Label("CGCS2000 经纬度（EPSG:4490）", "CGCS2000 longitude/latitude (EPSG:4490)")
            swap_label = Label("纬度在前", "latitude first")
            guess = _guess(4490, label, level, swapped=swapped, legacy=False, swap_label=swap_label)
            ranked.append(((_CONFIDENCE_RANK[level], 0, int(swapped), 0), guess))
        for order, grid in enumerate(_GRIDS, start=1):
            level = _fit(grid.epsg[_CGCS2000.key], values)
            if level is None:
                continue
            swap_label = Label("X/Y 互换（北坐标在前）", "X/Y swapped (northing first)")
            for legacy_rank, datum in enumerate(_GUESSED_DATUMS):
                guess = _guess(
                    grid.epsg[datum.key],
                    grid.label(datum),
                    level,
                    swapped=swapped,
                    legacy=datum.legacy,
                    swap_label=swap_label,
                )
                key = (_CONFIDENCE_RANK[level], legacy_rank, int(swapped), order)
                ranked.append((key, guess))
    return [guess for _, guess in sorted(ranked, key=lambda item: item[0])]


# --- .prj files -------------------------------------------------------------------------------

# pyproj's identification scores equivalent CRSs 70 and more; an OGC WKT1 that lists the axes
# east-first, unlike EPSG's Gauss-Kruger codes, scores 50. Datum-less WKTs score 60 too, which is
# why the datum is checked separately.
_PRJ_MIN_CONFIDENCE = 50
_DATUM_CODES = {1043: _CGCS2000, 6610: _XIAN80, 6214: _BEIJING54, 1045: _NEW_BEIJING}
# ESRI and hand-written names, squeezed to lower-case letters and digits.
_DATUM_NAMES = (
    ("newbeijing", _NEW_BEIJING),
    ("cgcs2000", _CGCS2000),
    ("china2000", _CGCS2000),
    ("xian1980", _XIAN80),
    ("xian80", _XIAN80),
    ("beijing1954", _BEIJING54),
    ("beijing54", _BEIJING54),
)
# What PROJ and exporters call a datum that is not there: EPSG's "Not specified (based on
# Krassowsky 1940 ellipsoid)" placeholders, ESRI's "D_Unknown", MapGIS's blanks.
_NO_DATUM_WORDS = ("notspecified", "unknown", "undefined", "none")


def _squeezed(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _datum_of(crs: CRS) -> _Datum | None:
    """The datum a CRS names, or None when it gives only an ellipsoid (or nothing).

    Datums outside the Chinese ones (WGS 84 for a UTM file, say) come back as non-legacy.
    """
    datum = crs.datum
    if datum is None:
        return None
    squeezed = _squeezed(datum.name)
    code = (datum.to_json_dict().get("id") or {}).get("code")
    if code in _DATUM_CODES:
        return _DATUM_CODES[code]
    for needle, known in _DATUM_NAMES:
        if needle in squeezed:
            return known
    if not squeezed or any(word in squeezed for word in _NO_DATUM_WORDS):
        return None
    # Keyed by EPSG code when there is one: PROJ calls EPSG:4326's datum "... 1984 ensemble".
    key = f"epsg:{code}" if code is not None else f"name:{squeezed}"
    return _Datum(key, Label(datum.name, datum.name), legacy=False)


def _epsg_exists(code: int) -> bool:
    try:
        CRS.from_epsg(code)
    except CRSError:
        return False
    return True


def _epsg_of(crs: CRS) -> int | None:
    """The EPSG code the WKT states (OGC ``AUTHORITY``/``ID``) or, failing that, pyproj's match.

    A match must agree with the WKT on the datum: Beijing 1954 and New Beijing share
    Krasovsky's ellipsoid, and a weak match could swap one for the other.
    """
    stated = crs.to_json_dict().get("id") or {}
    if stated.get("authority") == "EPSG" and _epsg_exists(int(stated["code"])):
        return int(stated["code"])
    epsg = crs.to_epsg(min_confidence=_PRJ_MIN_CONFIDENCE)
    if epsg is None or _datum_of(CRS.from_epsg(epsg)) != _datum_of(crs):
        return None
    return epsg


def _projection_parameters(crs: CRS) -> dict[str, float]:
    operation = crs.coordinate_operation
    if operation is None:
        return {}
    return {p.name: p.value for p in operation.params}


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def crs_from_prj(text: str) -> tuple[int | None, list[ImportProblem]]:
    """The EPSG code a ``.prj`` (ESRI or OGC WKT) describes, and what a person should know.

    None when the text cannot be read, names no datum (MapGIS writes "Gauss_Kruger" and an
    ellipsoid only, and often the wrong ellipsoid) or matches no EPSG code; a warning then
    says why. Xian 1980 and Beijing 1954 are identified and warned about.
    """
    try:
        crs = CRS.from_wkt(text.strip().lstrip("\ufeff"))  # Windows tools may write a BOM
    except CRSError as exc:
        return None, [
            problem(
                "prj_unreadable",
                "无法读取 .prj 坐标系文件（{error}）；将按坐标数值推测坐标系，请确认。",
                "The .prj file cannot be read ({error}); the coordinate system will be "
                "guessed from the values; please confirm it.",
                severity=Severity.WARNING,
                error=str(exc).splitlines()[0][:200],
            )
        ]
    datum = _datum_of(crs)
    if datum is None and crs.ellipsoid is not None:
        params = _projection_parameters(crs)
        return None, [
            problem(
                "prj_no_datum",
                ".prj 只写了投影“{name}”和椭球“{ellipsoid}”，没有写大地基准"
                "（MapGIS 常见，椭球也常写错）。中央经线 {cm}°，东偏移 {false_easting} m。"
                "将按坐标数值推测坐标系，请确认。",
                "The .prj names only the projection “{name}” and the ellipsoid “{ellipsoid}”, "
                "no datum (common in MapGIS exports, often with the wrong ellipsoid). "
                "Central meridian {cm}°, false easting {false_easting} m. The coordinate "
                "system will be guessed from the values; please confirm it.",
                severity=Severity.WARNING,
                name=crs.name,
                ellipsoid=crs.ellipsoid.name,
                cm=_number(params.get("Longitude of natural origin")),
                false_easting=_number(params.get("False easting")),
            )
        ]
    found: list[ImportProblem] = []
    epsg = _epsg_of(crs)
    if epsg is None:
        found.append(
            problem(
                "prj_unidentified",
                ".prj 坐标系“{name}”对应不到 EPSG 代码（可能是地方独立坐标系）；"
                "将按坐标数值推测坐标系，请确认。",
                "The .prj coordinate system “{name}” matches no EPSG code (perhaps a local "
                "independent system); it will be guessed from the values; please confirm it.",
                severity=Severity.WARNING,
                name=crs.name,
            )
        )
    if datum is not None and datum.legacy:
        found.append(
            problem(
                "legacy_datum",
                "坐标系为{datum}（{name}）：位置精度未知。PROJ 没有到 CGCS2000 的真实转换，"
                "偏差通常有数十米；请向自然资源局索取 CGCS2000 数据或转换参数。",
                "The coordinate system is {datum_en} ({name}): location accuracy unknown. PROJ "
                "has no real transformation to CGCS2000, and the difference is usually tens of "
                "metres; ask the natural-resources bureau for CGCS2000 data or parameters.",
                severity=Severity.WARNING,
                datum=datum.name.zh,
                datum_en=datum.name.en,
                name=crs.name,
            )
        )
    return epsg, found


def _lonlat_bounds(epsg: int, bounds: Bounds) -> Bounds | None:
    """The raw bounds read in ``epsg``, as WGS84 lon/lat; None if they make no sense there."""
    try:
        to_lonlat = Transformer.from_crs(CRS.from_epsg(epsg), 4326, always_xy=True)
        result = to_lonlat.transform_bounds(*bounds, densify_pts=21)
    except (CRSError, ProjError):  # e.g. eastings a zone away from the central meridian
        return None
    if not np.all(np.isfinite(result)):
        return None
    return (result[0], result[1], result[2], result[3])


def _grid_of(epsg: int) -> _GaussKruger | None:
    return next((g for g in _GRIDS if epsg in g.epsg.values()), None)


def _why_different(declared: int, likely: CrsGuess) -> Label:
    if likely.swapped:
        return Label("X、Y 似乎互换了（北坐标在前）。", "X and Y look swapped (northing first).")
    declared_grid, likely_grid = _grid_of(declared), _grid_of(likely.epsg)
    if (
        declared_grid is not None
        and likely_grid is not None
        and declared_grid.central_meridian == likely_grid.central_meridian
        and declared_grid.zone != likely_grid.zone
    ):
        return Label(
            "差别在于东坐标是否带带号前缀。",
            "The difference is the zone-number prefix on eastings.",
        )
    return Label("", "")


def check_prj_against_values(epsg: int, bounds: Bounds) -> ImportProblem | None:
    """A warning when the numbers are not at Panzhihua under the CRS the ``.prj`` names.

    The frequent defects (domain-china.md §1.2): the .prj says CM 102E but the eastings carry
    the ``34`` zone prefix, or the reverse; X and Y swapped; a different system altogether.
    The warning names the likely EPSG code when the numbers fit one at Panzhihua.
    """
    if not np.all(np.isfinite(bounds)):
        return None
    lonlat = _lonlat_bounds(epsg, bounds)
    if lonlat is not None and _contains(PANZHIHUA_BBOX, lonlat):
        return None
    likely = next((g for g in guess_crs(bounds) if g.confidence == Confidence.HIGH), None)
    if likely is None or (likely.epsg == epsg and not likely.swapped):
        return problem(
            "prj_values_elsewhere",
            "文件声明的坐标系是 EPSG:{declared}，但按它读取，坐标不在攀枝花市，也不符合常用的其他"
            "坐标系。"
            "请核对坐标系（可能是地方独立坐标系）。",
            "The file says its coordinate system is EPSG:{declared}, but read that way the "
            "coordinates are not in "
            "Panzhihua, and they fit no other usual system either. Please check the coordinate "
            "system (it may be a local independent one).",
            severity=Severity.WARNING,
            declared=epsg,
        )
    why = _why_different(epsg, likely)
    return problem(
        "prj_values_mismatch",
        "文件声明的坐标系是 EPSG:{declared}，但坐标数值看起来是 {likely}。{why}请确认后再导入。",
        "The file says its coordinate system is EPSG:{declared}, but the coordinate values "
        "look like {likely_en}. "
        "{why_en}Please confirm before importing.",
        severity=Severity.WARNING,
        declared=epsg,
        likely=likely.label.zh,
        likely_en=likely.label.en,
        likely_epsg=likely.epsg,
        why=why.zh,
        why_en=f"{why.en} " if why.en else "",
    )


# --- Where the features landed ----------------------------------------------------------------

_METRIC_EPSG = 4543  # CGCS2000 / 3° GK CM 102E: true metres at Xiqu


@cache
def _to_metric() -> Transformer:
    return Transformer.from_crs(4326, _METRIC_EPSG, always_xy=True)


def _metric(geoms: np.ndarray | shapely.Geometry) -> np.ndarray | shapely.Geometry:
    transformer = _to_metric()
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def outside_district(
    geoms_wgs84: np.ndarray, district: shapely.Geometry, tolerance_m: float = 500
) -> np.ndarray:
    """True where a WGS84 geometry lies wholly outside the district grown by ``tolerance_m``.

    The commonest sign of a wrong CRS. A feature that only reaches over the edge (a road into
    东区) is not flagged, nor is a missing or empty geometry. The buffer is computed in
    EPSG:4543 metres, since a degree of longitude here is ~10 % shorter than one of latitude.
    """
    geoms = np.asarray(geoms_wgs84, dtype=object)
    zone = shapely.buffer(_metric(district), tolerance_m)
    shapely.prepare(zone)
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    outside = np.zeros(geoms.shape, dtype=bool)
    outside[drawable] = ~shapely.intersects(_metric(geoms[drawable]), zone)
    return outside
