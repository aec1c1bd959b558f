"""KML for Google Earth and 奥维互动地图: one Folder per layer, Placemarks coloured by status.

Both programs expect WGS84 lon/lat. Each Placemark is named by the feature's name and carries
every export field in ExtendedData (machine-readable, read back by GDAL); its balloon is a
``description`` table built here. Google Earth renders descriptions as HTML, so every value in
it is HTML-escaped (text stays text), and each style's BalloonStyle shows only that
description, never a template that would insert raw values.

Written with ElementTree rather than GDAL so that styles, folders and balloons are ours.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from xml.etree import ElementTree as ET

import geopandas as gpd
import shapely

from landmap import geo
from landmap.export.columns import attribute_table, header, layer_columns
from landmap.export.formats import ExportOptions
from landmap.export.notes import CRS_WGS84, PRODUCT, note_rows
from landmap.export.sanitise import xml_safe
from landmap.export.vector import json_value, rounded
from landmap.layers import LAYER_BY_ID, UNKNOWN_STATUS_STYLE, GeometryKind, LayerSpec, StatusSpec

KML_NS = "http://www.opengis.net/kml/2.2"
FILL_ALPHA = "99"  # 60 % opaque: the imagery stays visible under a plot
LINE_WIDTH = {GeometryKind.LINE: "4", GeometryKind.POLYGON: "2", GeometryKind.POINT: "2"}


def kml_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    root = ET.Element("kml", xmlns=KML_NS)
    document = ET.SubElement(root, "Document")
    _text(document, "name", PRODUCT.get(options.lang))
    _text(document, "description", _html_lines(note_rows(frames, options, CRS_WGS84)))
    for layer_id in frames:
        layer = LAYER_BY_ID[layer_id]
        for status in (*layer.statuses, UNKNOWN_STATUS_STYLE):
            document.append(_style(layer, status))
    for layer_id, frame in frames.items():
        document.append(_folder(LAYER_BY_ID[layer_id], frame, options))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    """ "#8e24aa" → "ffaa248e": KML writes colours as alpha, blue, green, red."""
    rgb = hex_rgb.lstrip("#")
    return f"{alpha}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".lower()


def _style_id(layer: LayerSpec, status: StatusSpec) -> str:
    return f"{layer.id}-{status.code or 'unknown'}"


def _style(layer: LayerSpec, status: StatusSpec) -> ET.Element:
    style = ET.Element("Style", id=_style_id(layer, status))
    line = ET.SubElement(style, "LineStyle")
    edge = status.outline if layer.geometry is GeometryKind.POLYGON and status.outline else None
    _text(line, "color", kml_color(edge or status.color))
    _text(line, "width", LINE_WIDTH[layer.geometry])
    poly = ET.SubElement(style, "PolyStyle")
    _text(poly, "color", kml_color(status.color, FILL_ALPHA))
    icon = ET.SubElement(style, "IconStyle")
    _text(icon, "color", kml_color(status.color))
    balloon = ET.SubElement(style, "BalloonStyle")
    _text(balloon, "text", "$[description]")
    return style


def _folder(layer: LayerSpec, frame: gpd.GeoDataFrame, options: ExportOptions) -> ET.Element:
    folder = ET.Element("Folder")
    _text(folder, "name", layer.name.get(options.lang))
    _text(folder, "description", html.escape(options.filter_text))
    columns = layer_columns(layer, options.audience)
    codes = attribute_table(frame, layer, columns, lang=options.lang, human=False)
    shown = attribute_table(frame, layer, columns, lang=options.lang, human=True)
    geometry = gpd.GeoSeries(frame.geometry.values, crs=frame.crs or geo.DISPLAY_CRS)
    shapes = rounded(geometry.to_crs(geo.DISPLAY_CRS).values)
    labels = {c.key: header(c, options.lang) for c in columns}
    for (_, raw), (_, human), shape in zip(codes.iterrows(), shown.iterrows(), shapes, strict=True):
        placemark = ET.SubElement(folder, "Placemark")
        _text(placemark, "name", _cell(raw["name"]))
        rows = [(labels[k], _cell(human[k])) for k in labels if _cell(human[k])]
        _text(placemark, "description", _html_table(_cell(raw["name"]), rows))
        style = layer.status(_cell(raw["status"])) or UNKNOWN_STATUS_STYLE
        _text(placemark, "styleUrl", "#" + _style_id(layer, style))
        data = ET.SubElement(placemark, "ExtendedData")
        for key, label in labels.items():
            if key == "name":
                continue  # it is the Placemark's own name
            item = ET.SubElement(data, "Data", name=key)
            _text(item, "displayName", label)
            _text(item, "value", _cell(raw[key]))
        if shape is not None and not shapely.is_empty(shape):
            placemark.append(_geometry(shape))
    return folder


def _geometry(shape: shapely.Geometry) -> ET.Element:
    if isinstance(shape, shapely.Point):
        point = ET.Element("Point")
        _text(point, "coordinates", _coordinates([shape.coords[0]]))
        return point
    if isinstance(shape, shapely.LineString):
        line = ET.Element("LineString")
        _text(line, "tessellate", "1")  # follow the terrain between vertices
        _text(line, "coordinates", _coordinates(shape.coords))
        return line
    if isinstance(shape, shapely.Polygon):
        polygon = ET.Element("Polygon")
        _ring(polygon, "outerBoundaryIs", shape.exterior.coords)
        for hole in shape.interiors:
            _ring(polygon, "innerBoundaryIs", hole.coords)
        return polygon
    multi = ET.Element("MultiGeometry")
    for part in shapely.get_parts(shape):
        if not part.is_empty:
            multi.append(_geometry(part))
    return multi


def _ring(parent: ET.Element, boundary: str, coords: Iterable[tuple[float, ...]]) -> None:
    ring = ET.SubElement(ET.SubElement(parent, boundary), "LinearRing")
    _text(ring, "coordinates", _coordinates(coords))


def _coordinates(coords: Iterable[tuple[float, ...]]) -> str:
    return " ".join(f"{_number(c[0])},{_number(c[1])}" for c in coords)


def _number(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _cell(value: object) -> str:
    plain = json_value(value)
    if plain is None:
        return ""
    if isinstance(plain, float) and plain.is_integer():
        return str(int(plain))
    return str(plain)


def _html_lines(rows: Iterable[tuple[str, str]]) -> str:
    return "<br/>".join(f"{html.escape(label)}：{html.escape(text)}" for label, text in rows)


def _html_table(title: str, rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{html.escape(text)}</td></tr>"
        for label, text in rows
    )
    return f"<b>{html.escape(title)}</b><table>{cells}</table>"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element
