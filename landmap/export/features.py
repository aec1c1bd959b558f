"""``export_features``: the filtered frames as one downloadable file in the chosen format."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import geopandas as gpd

from landmap.export.formats import Audience, ExportFile, ExportFormat, ExportOptions
from landmap.export.kml import kml_bytes
from landmap.export.shapefile import shapefile_zip_bytes
from landmap.export.tabular import csv_bytes, xlsx_bytes
from landmap.export.vector import geojson_bytes, gpkg_bytes
from landmap.layers import LAYER_BY_ID

Writer = Callable[[Mapping[str, gpd.GeoDataFrame], ExportOptions], bytes]
WRITERS: dict[ExportFormat, Writer] = {
    ExportFormat.GPKG: gpkg_bytes,
    ExportFormat.GEOJSON: geojson_bytes,
    ExportFormat.KML: kml_bytes,
    ExportFormat.CSV: csv_bytes,
    ExportFormat.XLSX: xlsx_bytes,
    ExportFormat.SHP: shapefile_zip_bytes,
}
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def export_features(
    frames: Mapping[str, gpd.GeoDataFrame],
    fmt: ExportFormat | str,
    *,
    lang: str = "zh",
    filter_text: str = "",
    audience: Audience = Audience.STAFF,
    file_stem: str = "",
) -> ExportFile:
    """The features of ``frames`` (layer id → frame, as ``query.filter_features`` gives them).

    ``filter_text`` is the filter as a sentence (``query.describe_filter``); it goes into the
    file. ``audience`` picks the fields: staff exports include internal ones, a public export
    only the registry's public fields. ``file_stem`` names the download (default: the product
    name and today's date). Usage::

        shown = filter_features(dataset.frames, flt)
        out = export_features(shown, "kml", filter_text=describe_filter(flt, "zh"))
        out.file_name  # "西区一张图_20260501.kml"
    """
    fmt = ExportFormat(fmt)
    unknown = [layer_id for layer_id in frames if layer_id not in LAYER_BY_ID]
    if unknown:
        raise KeyError(f"not a registry layer: {', '.join(unknown)}")
    options = ExportOptions(lang=lang, filter_text=filter_text, audience=audience)
    data = WRITERS[fmt](frames, options)
    stem = file_stem or default_stem(options)
    return ExportFile(data, f"{safe_file_stem(stem)}{fmt.extension}", fmt.mime_type)


def default_stem(options: ExportOptions) -> str:
    stamp = options.exported_at.strftime("%Y%m%d")
    return f"xiqu-landmap_{stamp}" if options.lang == "en" else f"西区一张图_{stamp}"


def safe_file_stem(stem: str) -> str:
    """A name every file system and browser accepts (no path separators, no control chars)."""
    cleaned = _UNSAFE_IN_FILE_NAME.sub("_", stem).strip(" .")
    return cleaned[:100] or "export"
