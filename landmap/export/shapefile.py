"""Zipped Shapefile: one .shp set per layer, ASCII field names, UTF-8 text and a mapping table.

Polygons and lines cannot share one shapefile, so each layer is its own set, named by the
layer id. DBF field names are ASCII and at most 10 characters, compared without case; they are
shortened word by word (``households_signed`` → ``hous_signe``) and a table in the zip,
``字段对照_fields.csv``, says which field is which, in Chinese and English. Text is UTF-8, and the
``.cpg`` file says so, which ArcGIS and QGIS read; coordinates are CGCS2000 lon/lat (``.prj``).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd

from landmap import geo
from landmap.export.columns import layer_columns
from landmap.export.formats import ExportOptions
from landmap.export.notes import CRS_CGCS2000, readme_text
from landmap.export.vector import export_frame, write_layer
from landmap.layers import LAYER_BY_ID

MAX_FIELD_NAME = 10  # dBASE's limit
MAPPING_FILE = "字段对照_fields.csv"
README_FILE = "README.txt"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9_]")


def shapefile_field_names(keys: Iterable[str]) -> dict[str, str]:
    """Field key → a DBF name: ASCII letters, digits and _, ≤ 10 characters, unique."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = _shortened(key)
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f"_{n}"
            name, n = base[: MAX_FIELD_NAME - len(suffix)] + suffix, n + 1
        taken.add(name.casefold())
        names[key] = name
    return names


def _shortened(key: str) -> str:
    """Shorten the longest word first, so each word keeps its beginning."""
    words = [w for w in _NOT_ASCII_NAME.sub("_", key).split("_") if w] or ["field"]
    if words[0][0].isdigit():
        words.insert(0, "f")
    while len("_".join(words)) > MAX_FIELD_NAME and max(map(len, words)) > 1:
        longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        words[longest] = words[longest][:-1]
    joined = "_".join(words)
    return joined if len(joined) <= MAX_FIELD_NAME else "".join(words)[:MAX_FIELD_NAME]


def shapefile_zip_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    lang = options.lang
    mapping_rows: list[list[str]] = []
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryDirectory(prefix="landmap-export-") as tmp,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for layer_id, frame in frames.items():
            layer = LAYER_BY_ID[layer_id]
            columns = layer_columns(layer, options.audience)
            names = shapefile_field_names(c.key for c in columns)
            out = export_frame(frame, layer, options, geo.STORE_CRS).rename(columns=names)
            path = Path(tmp) / f"{layer.id}.shp"
            write_layer(out, path, layer, "ESRI Shapefile", encoding="UTF-8")
            for suffix in SHAPEFILE_PARTS:
                part = path.with_suffix(suffix)
                if part.exists():
                    archive.write(part, part.name)
            mapping_rows += [
                [layer.id, layer.name.get(lang), names[c.key], c.key, c.label.zh, c.label.en]
                for c in columns
            ]
        archive.writestr(MAPPING_FILE, _mapping_csv(mapping_rows, lang))
        extra = (
            f"{MAPPING_FILE}: shapefile field → field key, 中文名, English name",
            "Text fields longer than 254 bytes are cut by the Shapefile format; "
            "use the GeoPackage export for full text."
            if lang == "en"
            else "Shapefile 文本字段最长 254 字节，超出部分被截断；需要完整文本请导出 GeoPackage。",
        )
        archive.writestr(README_FILE, readme_text(frames, options, CRS_CGCS2000, extra))
    return buffer.getvalue()


def _mapping_csv(rows: list[list[str]], lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["图层", "图层名称", "Shapefile 字段", "字段键", "中文名", "English name"]
    if lang == "en":
        header = ["layer", "layer name", "shapefile field", "field key", "中文名", "English name"]
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # opens in Excel as UTF-8
