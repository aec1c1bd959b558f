"""The upload formats we accept, and checks that a file's content is what its name claims.

Plain Python, before GDAL sees a byte: the first bytes are sniffed (a PNG named .geojson, a VRT
named .kml, a KML with a DOCTYPE are refused), and a GeoJSON's ``crs`` members may only name a
coordinate system, never point at a file or a web address.
"""

from __future__ import annotations

import json
import re

from landmap.ingest.messages import reject

# -- Formats and content sniffing (security.md §2.2 I16, §4.2 item 26) -----------------------

# Upload extension -> the kind of file we expect; nothing else is accepted.
EXTENSION_KINDS: dict[str, str] = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".zip": "shapezip",
    ".kml": "kml",
    ".kmz": "kmz",
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix"})

# Kind -> (content the bytes must show, display format name, GDAL drivers allowed to open it).
KIND_CONTENT = {"gpkg": "sqlite", "geojson": "json", "shapezip": "zip", "kml": "kml", "kmz": "zip"}
KIND_FORMAT = {
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON",
    "shapezip": "Shapefile",
    "kml": "KML",
    "kmz": "KMZ",
}
KIND_DRIVERS: dict[str, frozenset[str]] = {
    "gpkg": frozenset({"GPKG"}),
    "geojson": frozenset({"GeoJSON", "ESRIJSON", "TopoJSON"}),
    "shapezip": frozenset({"ESRI Shapefile"}),
    "kml": frozenset({"KML", "LIBKML"}),
    "kmz": frozenset({"KML", "LIBKML"}),
}

CONTENT_NAMES: dict[str, tuple[str, str]] = {
    "sqlite": ("SQLite 数据库（GeoPackage）", "an SQLite database (GeoPackage)"),
    "zip": ("ZIP 压缩包", "a ZIP archive"),
    "json": ("JSON 文本（GeoJSON）", "JSON text (GeoJSON)"),
    "kml": ("KML 文本", "KML text"),
    "xml": ("其他 XML 文件（不是 KML）", "some other XML file (not KML)"),
    "xml_dtd": ("带 DOCTYPE 的 XML 文件", "an XML file with a DOCTYPE"),
    "html": ("网页（HTML）", "a web page (HTML)"),
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "gif": ("GIF 图片", "a GIF image"),
    "pdf": ("PDF 文档", "a PDF document"),
    "gzip": ("gzip 压缩文件", "a gzip archive"),
    "rar": ("RAR 压缩包", "a RAR archive"),
    "7z": ("7z 压缩包", "a 7z archive"),
    "ole": ("Office 文档（Word/Excel）", "an Office document (Word/Excel)"),
    "unknown": ("无法识别的数据", "unrecognised data"),
}
_BINARY_MAGIC = (
    (b"SQLite format 3\x00", "sqlite"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xd0\xcf\x11\xe0", "ole"),
)
SNIFF_BYTES = 64 * 1024
_XML_DECL = re.compile(r"<\?xml[^>]*\?>")
_XML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_JSON_SCALAR = re.compile(r"(null|true|false|-?\d+(\.\d+)?)\s*$")
_KML_ROOT = re.compile(r"<([\w.-]+:)?kml[\s>/]")


def sniff(head: bytes) -> str:
    """What the first bytes of a file are, whatever its name says."""
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            return kind
    # latin-1 never fails; only the ASCII structure matters here (GBK XML sniffs the same).
    text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip().lower()
    if text.startswith(("{", "[", '"')) or _JSON_SCALAR.match(text):
        return "json"  # a list, a string or a bare null is JSON too, though not geodata
    if text.startswith("<"):
        return _sniff_xml(text)
    return "unknown"


def _sniff_xml(text: str) -> str:
    prolog = _XML_COMMENT.sub("", _XML_DECL.sub("", text, count=1)).lstrip()
    if prolog.startswith(("<!doctype html", "<html")):
        return "html"
    if prolog.startswith("<!doctype") or "<!entity" in prolog:
        return "xml_dtd"
    return "kml" if _KML_ROOT.match(prolog) else "xml"


def check_content(head: bytes, kind: str, ext: str) -> None:
    """Refuse a file whose bytes are not what its extension claims (a PNG named .geojson)."""
    actual, expected = sniff(head), KIND_CONTENT[kind]
    if actual == expected:
        return
    if expected == "kml" and actual == "xml_dtd":
        raise reject("kml_doctype")
    actual_zh, actual_en = CONTENT_NAMES[actual]
    expected_zh, expected_en = CONTENT_NAMES[expected]
    # "内容是 PNG 图片": a space where Chinese meets Latin letters.
    actual_zh, expected_zh = (f" {z}" if z[0].isascii() else z for z in (actual_zh, expected_zh))
    raise reject(
        "content_mismatch",
        ext=ext,
        actual_zh=actual_zh,
        actual_en=actual_en,
        expected_zh=expected_zh,
        expected_en=expected_en,
    )


# -- GeoJSON "crs" members ------------------------------------------------------------------

# GDAL fetches a legacy GeoJSON crs of type "link"/"url" over HTTP, or from a file:// path,
# even with every driver but ours skipped (seen with GDAL 3.12.4): only names and EPSG codes
# are accepted.
_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')
_CRS_OBJECT_MAX = 64 * 1024
_OGC_CRS_URL = re.compile(r"^https?://www\.opengis\.net/def/crs/[\w./-]+$")


def check_geojson_crs(data: bytes) -> None:
    """Refuse a GeoJSON whose ``crs`` members point anywhere (security.md §2.2 I4)."""
    for match in _CRS_MEMBER.finditer(data):
        text = _json_object_at(data, match.end() - 1)
        try:
            crs = json.loads(text) if text is not None else None
        except ValueError:
            crs = None
        if not _is_named_crs(crs):
            raise reject("crs_link")


def _is_named_crs(crs: object) -> bool:
    if not isinstance(crs, dict) or not isinstance(crs.get("properties"), dict):
        return False
    kind, props = str(crs.get("type", "")).lower(), crs["properties"]
    if kind == "epsg":
        return isinstance(props.get("code"), int | str) and str(props["code"]).isdigit()
    name = props.get("name")
    if kind != "name" or not isinstance(name, str):
        return False
    return "://" not in name or bool(_OGC_CRS_URL.match(name))


def _json_object_at(data: bytes, start: int) -> bytes | None:
    """The JSON object starting at ``data[start] == "{"``, or None if it is not small."""
    depth, in_string, escaped = 0, False, False
    end = min(len(data), start + _CRS_OBJECT_MAX)
    for i in range(start, end):
        ch = data[i]
        if escaped:
            escaped = False
        elif in_string:
            escaped = ch == 0x5C  # backslash
            in_string = ch != 0x22  # closing quote
        elif ch == 0x22:
            in_string = True
        elif ch == 0x7B:
            depth += 1
        elif ch == 0x7D:
            depth -= 1
            if depth == 0:
                return data[start : i + 1]
    return None
