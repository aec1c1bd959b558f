"""Saying what a file is when it holds nothing to import (in the child, plain Python).

GDAL's answer to a file it cannot use is "cannot open"; a clerk needs to hear that the JSON is
a data list and not a map, that the GeoPackage holds only imagery, that the KML has no
placemarks, or what a zip holds instead of a Shapefile. These checks run only on the refusal
path (or on small text), so a good file costs nothing extra.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from landmap.ingest.limits import MIB
from landmap.ingest.messages import reject
from landmap.ingest.problems import ImportRejected

# Parsed whole only on the refusal path; larger JSON is judged by its first bytes.
_JSON_PARSE_LIMIT = 16 * MIB
_GEOJSON_TYPES = frozenset(
    {
        "FeatureCollection",
        "Feature",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def json_refusal(path: Path) -> ImportRejected:
    """Why GDAL could not read this .json/.geojson: not JSON, not geodata, or malformed."""
    data = path.read_bytes()
    if len(data) > _JSON_PARSE_LIMIT:
        return reject("geojson_malformed", format="JSON")
    try:
        root = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return reject("text_not_readable")
    except json.JSONDecodeError as exc:
        return reject("json_invalid", line=exc.lineno)
    except RecursionError:
        return reject("geojson_malformed", format="JSON")
    if not isinstance(root, dict):
        return reject("json_not_geodata")
    if root.get("type") == "Topology":
        return reject("geojson_malformed", format="TopoJSON")
    if "geometryType" in root or "spatialReference" in root:
        return reject("geojson_malformed", format="Esri JSON")
    if root.get("type") in _GEOJSON_TYPES:
        return reject("geojson_malformed", format="GeoJSON")
    return reject("json_not_geodata")


_PLACEMARK = re.compile(rb"<(?:[\w.-]+:)?Placemark[\s>/]")
_KML_CONTENT = (
    (
        re.compile(rb"<(?:[\w.-]+:)?GroundOverlay[\s>]"),
        "图片叠加（GroundOverlay）",
        "image overlays",
    ),
    (
        re.compile(rb"<(?:[\w.-]+:)?ScreenOverlay[\s>]"),
        "屏幕叠加（ScreenOverlay）",
        "screen overlays",
    ),
    (re.compile(rb"<(?:[\w.-]+:)?PhotoOverlay[\s>]"), "照片叠加（PhotoOverlay）", "photo overlays"),
    (re.compile(rb"<(?:[\w.-]+:)?NetworkLink[\s>]"), "网络链接（NetworkLink）", "network links"),
    (re.compile(rb"<(?:[\w.-]+:)?Style[\s>]"), "样式（Style）", "styles"),
)


def check_kml_has_placemarks(text: bytes) -> None:
    """Refuse a KML with no Placemark (only overlays or links), saying what it does hold."""
    if _PLACEMARK.search(text):
        return
    found = [(zh, en) for pattern, zh, en in _KML_CONTENT if pattern.search(text)]
    if found:
        raise reject(
            "kml_no_placemarks",
            holds_zh="只有" + "、".join(zh for zh, _ in found),
            holds_en="only " + ", ".join(en for _, en in found),
        )
    raise reject("kml_no_placemarks", holds_zh="内容为空", holds_en="nothing at all")


_RASTER_TYPES = frozenset({"tiles", "2d-gridded-coverage"})


def geopackage_refusal(path: Path, fallback: ImportRejected) -> ImportRejected:
    """A GeoPackage holding only imagery (tiles, grids) says so; anything else: ``fallback``."""
    try:
        uri = f"file:{path}?mode=ro&immutable=1"
        with sqlite3.connect(uri, uri=True) as con:
            con.execute("PRAGMA trusted_schema = OFF")
            kinds = [
                str(r[0]) for r in con.execute("SELECT data_type FROM gpkg_contents LIMIT 1000")
            ]
    except sqlite3.Error:
        return fallback
    if kinds and all(k in _RASTER_TYPES for k in kinds):
        return reject("gpkg_raster_only")
    return fallback


_DIRECT_UPLOADS = (".gpkg", ".geojson", ".json", ".csv", ".xlsx", ".zip")
_IMAGES = (".tif", ".tiff", ".jpg", ".jpeg", ".png", ".img", ".ecw", ".sid", ".jp2")


def zip_without_shapefile(names: Sequence[str]) -> ImportRejected:
    """What a zip holds instead of a Shapefile, and what to do about it."""
    if not names:
        return reject("zip_empty")
    shown = ", ".join(names[:12]) + (f" (+{len(names) - 12})" if len(names) > 12 else "")
    suffixes = [PurePosixPath(n).suffix.lower() for n in names]
    kml = [n for n, s in zip(names, suffixes, strict=True) if s == ".kml"]
    if kml:
        return reject("zip_is_kmz", names=shown)
    direct = [n for n, s in zip(names, suffixes, strict=True) if s in _DIRECT_UPLOADS]
    if direct:
        return reject("zip_no_shp_but", names=shown, direct=direct[0])
    if all(s in _IMAGES or s in (".tfw", ".aux", ".xml", ".ovr", ".prj") for s in suffixes):
        return reject("zip_images_only", names=shown)
    return reject("zip_no_shp", names=shown)
