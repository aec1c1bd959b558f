"""CSV and Excel exports: the tables people open in Excel or WPS.

CSV: one table for all shown layers (a 图层 column first), UTF-8 with a BOM so that Excel in
China opens it as UTF-8 rather than GBK, geometry as WKT in WGS84, headers in the export's
language, and text that could start a formula prefixed with ``'`` (security.md §3.4). CSV has
no place for a note, so the filter sentence is the last column of every row.
Excel: one sheet per layer with its own columns, real numbers and dates, a frozen header row,
the centre point's lon/lat, and a 导出说明 sheet with the filter sentence.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import geopandas as gpd
import shapely
from openpyxl import Workbook

from landmap import geo
from landmap.export.columns import LAYER, attribute_table, header, layer_columns
from landmap.export.formats import ExportOptions
from landmap.export.notes import CRS_WGS84, note_rows
from landmap.export.sanitise import csv_text
from landmap.export.vector import COORDINATE_DECIMALS, json_value
from landmap.export.workbook import sheet_title, workbook_bytes, write_table
from landmap.layers import LAYER_BY_ID, FieldSpec, Label

WKT = FieldSpec("wkt", Label("WKT（WGS84）", "WKT (WGS84)"))
NOTE = FieldSpec("export_note", Label("导出说明", "Export note"))
CENTRE_LON = FieldSpec("centre_lon", Label("中心点经度", "Centre longitude"))
CENTRE_LAT = FieldSpec("centre_lat", Label("中心点纬度", "Centre latitude"))
NOTES_SHEET = Label("导出说明", "About this export")


def csv_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    lang = options.lang
    columns = _union_columns(frames, options)
    note = _note_text(options)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(c, lang) for c in (LAYER, *columns, WKT, NOTE)])
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        own = layer_columns(layer, options.audience)
        table = attribute_table(frame, layer, own, lang=lang, human=True)
        wkt = _wkt(frame)
        for position, (_, row) in enumerate(table.iterrows()):
            cells = [row[c.key] if c.key in table.columns else None for c in columns]
            values = [layer.short_name.get(lang), *cells, wkt[position], note]
            writer.writerow([csv_text(_csv_cell(v)) for v in values])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    lang = options.lang
    workbook = Workbook()
    workbook.remove(workbook.active)
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        columns = layer_columns(layer, options.audience)
        table = attribute_table(frame, layer, columns, lang=lang, human=True)
        lon, lat = _centres(frame)
        table[CENTRE_LON.key], table[CENTRE_LAT.key] = lon, lat
        title = sheet_title(layer.short_name.get(lang), workbook.sheetnames)
        headers = [header(c, lang) for c in (*columns, CENTRE_LON, CENTRE_LAT)]
        rows = (list(row) for row in table.itertuples(index=False, name=None))
        write_table(workbook.create_sheet(title), headers, rows)
    notes = workbook.create_sheet(sheet_title(NOTES_SHEET.get(lang), workbook.sheetnames))
    labels = ("Item", "Value") if lang == "en" else ("项目", "内容")
    write_table(notes, labels, note_rows(frames, options, CRS_WGS84))
    return workbook_bytes(workbook)


def _union_columns(
    frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions
) -> list[FieldSpec]:
    """Every layer's columns once, in the order the layers first name them."""
    seen: dict[str, FieldSpec] = {}
    for layer_id in frames:
        for column in layer_columns(LAYER_BY_ID[layer_id], options.audience):
            seen.setdefault(column.key, column)
    return list(seen.values())


def _note_text(options: ExportOptions) -> str:
    stamp = options.exported_at.strftime("%Y-%m-%d %H:%M")
    if options.lang == "en":
        return f"{options.filter_text} (exported {stamp})"
    return f"{options.filter_text}（导出于 {stamp}）"


def _display_geometry(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geometry = gpd.GeoSeries(frame.geometry.values, crs=frame.crs or geo.DISPLAY_CRS)
    return geometry.to_crs(geo.DISPLAY_CRS)


def _wkt(frame: gpd.GeoDataFrame) -> list[str | None]:
    shapes = _display_geometry(frame).values
    texts = shapely.to_wkt(shapes, rounding_precision=COORDINATE_DECIMALS, trim=True)
    return [None if s is None or s.is_empty else t for s, t in zip(shapes, texts, strict=True)]


def _centres(frame: gpd.GeoDataFrame) -> tuple[list[float | None], list[float | None]]:
    """A point inside each shape (not the centroid, which can fall outside an L-shaped plot)."""
    points = shapely.point_on_surface(_display_geometry(frame).values)
    lon, lat = [], []
    for point in points:
        empty = point is None or point.is_empty
        lon.append(None if empty else round(point.x, 6))
        lat.append(None if empty else round(point.y, 6))
    return lon, lat


def _csv_cell(value: object) -> object:
    plain = json_value(value)
    if isinstance(plain, float) and plain.is_integer():
        return int(plain)
    return "" if plain is None else plain
