"""Curved shapes (arcs) made straight: what ArcGIS and QGIS export that shapely cannot read.

CircularString, CompoundCurve, CurvePolygon, MultiCurve and MultiSurface (and the
PolyhedralSurface/TIN/Triangle of 3D exports) are valid ISO WKB and WKT, but GEOS has no type
for them and ``shapely.from_wkb`` raises NotImplementedError. Here they are parsed in plain
Python and arcs are replaced by chords every ``ARC_STEP_DEGREES``, as GDAL's
``OGR_ARC_STEPSIZE`` does, giving 2D linear shapes shapely knows. Pure: no GDAL.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Sequence

import numpy as np
import shapely

ARC_STEP_DEGREES = 4.0  # GDAL's default stroking step

Coords = list[tuple[float, float]]

_POINT, _LINE, _POLYGON, _MPOINT, _MLINE, _MPOLYGON, _COLLECTION = 1, 2, 3, 4, 5, 6, 7
_CIRCULAR, _COMPOUND, _CURVEPOLYGON, _MCURVE, _MSURFACE = 8, 9, 10, 11, 12
_POLYHEDRAL, _TIN, _TRIANGLE = 15, 16, 17


class CurveError(ValueError):
    """The bytes or text are not a shape this module can read."""


def from_wkb_lenient(wkb: Sequence[bytes | None]) -> np.ndarray:
    """Like ``shapely.from_wkb(..., on_invalid="ignore")``, with curves linearised."""
    try:
        return shapely.from_wkb(wkb, on_invalid="ignore")
    except NotImplementedError:
        pass  # some row holds a curve: row by row, below
    out = np.full(len(wkb), None, dtype=object)
    for i, item in enumerate(wkb):
        if item is None:
            continue
        try:
            out[i] = shapely.from_wkb(item, on_invalid="ignore")
        except NotImplementedError:
            out[i] = linear_from_wkb(item)
    return out


def from_wkt_lenient(texts: Sequence[str | None]) -> np.ndarray:
    """Like ``shapely.from_wkt(..., on_invalid="ignore")``, with curves linearised."""
    try:
        return shapely.from_wkt(texts, on_invalid="ignore")
    except NotImplementedError:
        pass
    out = np.full(len(texts), None, dtype=object)
    for i, text in enumerate(texts):
        if text is None:
            continue
        try:
            out[i] = shapely.from_wkt(text, on_invalid="ignore")
        except NotImplementedError:
            out[i] = linear_from_wkt(text)
    return out


def linear_from_wkb(wkb: bytes) -> shapely.Geometry | None:
    """One (possibly curved) WKB shape as a linear shapely shape; None if it cannot be read."""
    try:
        node, _ = _read_wkb(memoryview(wkb), 0, 0)
        return _build(node)
    except (CurveError, struct.error, ValueError, IndexError, shapely.errors.GEOSException):
        return None


def linear_from_wkt(text: str) -> shapely.Geometry | None:
    """One (possibly curved) WKT shape as a linear shapely shape; None if it cannot be read."""
    try:
        tokens = _TOKEN.findall(text)
        node, pos = _read_wkt(tokens, 0, 0)
        if pos != len(tokens):
            raise CurveError("trailing text")
        return _build(node)
    except (CurveError, ValueError, IndexError, shapely.errors.GEOSException):
        return None


# -- A parsed shape: (type, payload); payload is coordinates or a list of parts ---------------

_MAX_DEPTH = 16  # nesting deeper than any real shape: refused, never a RecursionError


def _read_wkb(buf: memoryview, pos: int, depth: int) -> tuple[tuple, int]:
    if depth > _MAX_DEPTH:
        raise CurveError("nested too deeply")
    order = "<" if buf[pos] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    has_z, has_m = bool(code & 0x80000000), bool(code & 0x40000000)  # EWKB flags
    if code & 0x20000000:
        pos += 4  # EWKB SRID
    code &= 0x0FFFFFFF
    kind, dims = code % 1000, code // 1000
    has_z, has_m = has_z or dims in (1, 3), has_m or dims in (2, 3)
    width = 2 + has_z + has_m

    def points(pos: int) -> tuple[Coords, int]:
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        values = struct.unpack_from(order + f"{n * width}d", buf, pos)
        coords = [(values[i], values[i + 1]) for i in range(0, n * width, width)]
        return coords, pos + 8 * n * width

    if kind == _POINT:
        values = struct.unpack_from(order + f"{width}d", buf, pos)
        return (kind, [(values[0], values[1])]), pos + 8 * width
    if kind in (_LINE, _CIRCULAR):
        coords, pos = points(pos)
        return (kind, coords), pos
    if kind in (_POLYGON, _TRIANGLE):
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        rings = []
        for _ in range(n):
            ring, pos = points(pos)
            rings.append((_LINE, ring))
        return (_POLYGON, rings), pos
    if kind in (_MPOINT, _MLINE, _MPOLYGON, _COLLECTION, _COMPOUND, _CURVEPOLYGON, _MCURVE,
                _MSURFACE, _POLYHEDRAL, _TIN):  # fmt: skip
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        parts = []
        for _ in range(n):
            part, pos = _read_wkb(buf, pos, depth + 1)
            parts.append(part)
        return (kind, parts), pos
    raise CurveError(f"geometry type {code}")


_TOKEN = re.compile(r"[A-Za-z]+|\(|\)|,|[-+0-9.eE]+")
_WKT_KINDS = {
    "POINT": _POINT,
    "LINESTRING": _LINE,
    "POLYGON": _POLYGON,
    "MULTIPOINT": _MPOINT,
    "MULTILINESTRING": _MLINE,
    "MULTIPOLYGON": _MPOLYGON,
    "GEOMETRYCOLLECTION": _COLLECTION,
    "CIRCULARSTRING": _CIRCULAR,
    "COMPOUNDCURVE": _COMPOUND,
    "CURVEPOLYGON": _CURVEPOLYGON,
    "MULTICURVE": _MCURVE,
    "MULTISURFACE": _MSURFACE,
    "POLYHEDRALSURFACE": _POLYHEDRAL,
    "TIN": _TIN,
    "TRIANGLE": _TRIANGLE,
}
# In these, a part written without a type name is a LineString (or a Polygon, for surfaces).
_DEFAULT_PART = {
    _COMPOUND: _LINE,
    _CURVEPOLYGON: _LINE,
    _MCURVE: _LINE,
    _MSURFACE: _POLYGON,
    _POLYHEDRAL: _POLYGON,
    _TIN: _POLYGON,
    _MPOINT: _POINT,
    _MLINE: _LINE,
    _MPOLYGON: _POLYGON,
}


def _read_wkt(tokens: list[str], pos: int, depth: int, kind: int | None = None) -> tuple:
    if depth > _MAX_DEPTH:
        raise CurveError("nested too deeply")
    if kind is None:
        name = tokens[pos].upper()
        if name not in _WKT_KINDS:
            raise CurveError(name)
        kind, pos = _WKT_KINDS[name], pos + 1
        while tokens[pos].upper() in ("Z", "M", "ZM"):
            pos += 1
        if tokens[pos].upper() == "EMPTY":
            return (kind, []), pos + 1
    if tokens[pos] != "(":
        raise CurveError("expected (")
    if kind in (_POINT, _LINE, _CIRCULAR):
        coords, pos = _wkt_positions(tokens, pos + 1)
        return (kind, coords), pos
    parts = []
    pos += 1
    while True:
        if tokens[pos] == "(":  # an untyped part, or a bare position in a MULTIPOINT
            default = _LINE if kind in (_POLYGON, _TRIANGLE) else _DEFAULT_PART.get(kind)
            if default is None:
                raise CurveError("untyped part")
            part, pos = _read_wkt(tokens, pos, depth + 1, default)
        elif kind == _MPOINT:
            coords, pos = _wkt_position(tokens, pos)
            part = (_POINT, [coords])
        else:
            part, pos = _read_wkt(tokens, pos, depth + 1)
        parts.append(part)
        if tokens[pos] == ",":
            pos += 1
            continue
        if tokens[pos] == ")":
            break
        raise CurveError("expected , or )")
    if kind == _TRIANGLE:
        kind = _POLYGON
    return (kind, parts), pos + 1


def _wkt_position(tokens: list[str], pos: int) -> tuple[tuple[float, float], int]:
    values = []
    while tokens[pos] not in (",", ")"):
        values.append(float(tokens[pos]))
        pos += 1
    if len(values) < 2:
        raise CurveError("short position")
    return (values[0], values[1]), pos


def _wkt_positions(tokens: list[str], pos: int) -> tuple[Coords, int]:
    coords = []
    while True:
        xy, pos = _wkt_position(tokens, pos)
        coords.append(xy)
        if tokens[pos] == ")":
            return coords, pos + 1
        pos += 1


# -- Building linear shapely shapes -----------------------------------------------------------


def _build(node: tuple) -> shapely.Geometry:
    kind, payload = node
    if kind == _POINT:
        x, y = payload[0] if payload else (math.nan, math.nan)
        return shapely.Point() if math.isnan(x) or math.isnan(y) else shapely.Point(x, y)
    if kind in (_LINE, _CIRCULAR, _COMPOUND):
        coords = _curve_coords(node)
        return shapely.LineString(coords) if coords else shapely.LineString()
    if kind in (_POLYGON, _CURVEPOLYGON):
        rings = [_closed(_curve_coords(ring)) for ring in payload]
        rings = [r for r in rings if r]
        return shapely.Polygon(rings[0], rings[1:]) if rings else shapely.Polygon()
    parts = [_build(p) for p in payload]
    if kind == _MPOINT:
        return shapely.MultiPoint([p for p in parts if not p.is_empty])
    if kind in (_MLINE, _MCURVE):
        return shapely.MultiLineString([p for p in parts if not p.is_empty])
    if kind in (_MPOLYGON, _MSURFACE, _POLYHEDRAL, _TIN):
        return shapely.MultiPolygon([p for p in parts if not p.is_empty])
    return shapely.GeometryCollection(parts)


def _closed(coords: Coords) -> Coords:
    if coords and coords[0] != coords[-1]:
        coords = [*coords, coords[0]]
    return coords


def _curve_coords(node: tuple) -> Coords:
    kind, payload = node
    if kind == _LINE:
        return list(payload)
    if kind == _CIRCULAR:
        out: Coords = payload[:1]
        for i in range(0, len(payload) - 2, 2):
            out += _arc(payload[i], payload[i + 1], payload[i + 2])[1:]
        return out
    if kind == _COMPOUND:
        out = []
        for part in payload:
            coords = _curve_coords(part)
            out += coords[1:] if out and coords and coords[0] == out[-1] else coords
        return out
    raise CurveError(f"not a curve: {kind}")


def _arc(p1, p2, p3) -> Coords:
    """Points along the circular arc from p1 through p2 to p3 (p1 == p3: the full circle)."""
    (x1, y1), (x2, y2), (x3, y3) = p1, p2, p3
    if p1 == p3:  # a full circle: p2 is the opposite point
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        radius = math.hypot(x1 - cx, y1 - cy)
        start = math.atan2(y1 - cy, x1 - cx)
        sweep = 2 * math.pi
    else:
        d = 2 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2))
        if abs(d) < 1e-12 * max(1.0, abs(x1), abs(y1), abs(x3), abs(y3)) ** 2:
            return [p1, p2, p3]  # collinear: a straight line
        s1, s2, s3 = x1 * x1 + y1 * y1, x2 * x2 + y2 * y2, x3 * x3 + y3 * y3
        cx = (s1 * (y2 - y3) + s2 * (y3 - y1) + s3 * (y1 - y2)) / d
        cy = (s1 * (x3 - x2) + s2 * (x1 - x3) + s3 * (x2 - x1)) / d
        radius = math.hypot(x1 - cx, y1 - cy)
        start = math.atan2(y1 - cy, x1 - cx)
        a2 = (math.atan2(y2 - cy, x2 - cx) - start) % (2 * math.pi)
        a3 = (math.atan2(y3 - cy, x3 - cx) - start) % (2 * math.pi)
        # Counter-clockwise if the middle point comes before the end going that way.
        sweep = a3 if a2 < a3 else a3 - 2 * math.pi
    steps = max(2, math.ceil(abs(math.degrees(sweep)) / ARC_STEP_DEGREES))
    out = [p1]
    for i in range(1, steps):
        angle = start + sweep * i / steps
        out.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    out.append(p3)
    return out
