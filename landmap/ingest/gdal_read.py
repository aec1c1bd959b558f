"""Reading a prepared ``Source`` with GDAL (pyogrio) into Arrow tables, one per layer.

Runs only in the child, after ``gdal_hardening.harden_gdal``: pyogrio, pyarrow and shapely
are imported inside the functions, never at module level, so that importing this module does
not register GDAL's drivers early. Geometry becomes 2D WKB; what is wrong with a layer (rows
without a shape, mixed kinds of shape, mojibake) becomes problems, not failures.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landmap.ingest import diagnose
from landmap.ingest.curves import from_wkb_lenient
from landmap.ingest.gdal_hardening import ALLOWED_DRIVERS, check_registered_drivers
from landmap.ingest.limits import Limits
from landmap.ingest.messages import is_out_of_memory, make_problem, reject
from landmap.ingest.prepare import Source
from landmap.ingest.problems import ImportProblem, ImportRejected, place_label
from landmap.ingest.sniff import KIND_DRIVERS, KIND_FORMAT
from landmap.ingest.textencoding import GB18030, mojibake_rows

_GEOM_FAMILY = {
    0: "point",
    1: "line",
    2: "line",
    3: "polygon",
    4: "point",
    5: "line",
    6: "polygon",
    7: "collection",
}
_FAMILY_NAMES = {
    "point": ("点", "points"),
    "line": ("线", "lines"),
    "polygon": ("面", "areas (polygons)"),
    "collection": ("图形集合", "geometry collections"),
}


# Formats read through the GeoJSON upload kind, named as their users know them.
DRIVER_FORMAT = {"ESRIJSON": "Esri JSON", "TopoJSON": "TopoJSON"}


@dataclass
class LayerOut:
    """One layer read: its Arrow table (attributes + WKB ``geometry``) and its problems."""

    table: Any
    metadata: dict[str, str]
    problems: list[ImportProblem]


def read_layers(source: Source, limits: Limits) -> tuple[list[LayerOut], list[ImportProblem]]:
    import pyogrio  # after harden_gdal(), see worker.main()

    check_registered_drivers(pyogrio)
    # Problems about the file's layers (skipped, too many) belong to the file; problems about
    # its text (encoding, .prj) are in source.problems and repeated on every layer read.
    file_problems: list[ImportProblem] = []
    try:
        names = [str(n) for n in pyogrio.list_layers(source.path)[:, 0]]
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("list_layers", exc)
        raise _not_readable(source) from exc
    if len(names) > limits.max_layers:
        file_problems.append(
            make_problem("too_many_layers", count=len(names), limit=limits.max_layers)
        )
        names = names[: limits.max_layers]
    layers: list[LayerOut] = []
    for name in names:
        out = _read_one(pyogrio, source, name, limits, file_problems)
        if out is not None:
            layers.append(out)
    if not layers:
        unreadable = any(p.code == "layer_unreadable" for p in file_problems)
        raise _not_readable(source) if unreadable else _no_features(source)
    return layers, file_problems


def _diagnose(step: str, exc: BaseException) -> None:
    """For the server log (the parent logs the child's output); never shown to the user."""
    print(f"landmap worker: {step} failed: {type(exc).__name__}: {exc}"[:500], file=sys.stderr)


def _not_readable(source: Source) -> ImportRejected:
    """The refusal that says most about what the file is (diagnose), else "damaged"."""
    fallback = reject("not_readable", format=KIND_FORMAT[source.kind])
    if source.kind == "geojson":
        return diagnose.json_refusal(source.path)
    if source.kind == "gpkg":
        return diagnose.geopackage_refusal(source.path, fallback)
    return fallback


def _no_features(source: Source) -> ImportRejected:
    fallback = reject("no_features")
    if source.kind == "gpkg":
        return diagnose.geopackage_refusal(source.path, fallback)
    return fallback


def _read_one(pyogrio, source: Source, name: str, limits: Limits, file_problems: list):
    # KML folder names may hold line breaks and indentation (Google "My Tracks").
    display = " ".join((source.layer_name or name).split())[:100] or "layer"
    try:
        info = pyogrio.read_info(source.path, layer=name, encoding=source.gdal_encoding)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("read_info", exc)
        file_problems.append(make_problem("layer_unreadable", layer=display))
        return None
    _check_driver(str(info.get("driver")), source.kind)
    if info.get("geometry_type") is None:
        file_problems.append(make_problem("table_skipped", layer=display))
        return None
    count = int(info.get("features") or 0)
    if count > limits.max_features:
        raise reject("too_many_features", layer=display, count=count, limit=limits.max_features)
    read = _read_table(pyogrio, source, name, limits)
    if read is None:
        file_problems.append(make_problem("layer_unreadable", layer=display))
        return None
    meta, table = read
    if table.num_rows > limits.max_features:
        raise reject(
            "too_many_features",
            layer=display,
            count=f"{limits.max_features}+",
            limit=limits.max_features,
        )
    if table.num_rows == 0:
        file_problems.append(make_problem("layer_empty", layer=display))
        return None
    return _layer_out(table, meta, info, source, display)


def _read_table(pyogrio, source: Source, name: str, limits: Limits):
    """(meta, Arrow table), re-read as GB18030 once if the chosen encoding proves wrong."""
    try:
        return _read_arrow(pyogrio, source.path, name, source.gdal_encoding, limits)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("read_arrow", exc)
        if not _is_text_error(exc) or source.gdal_encoding is None:
            return None
        if source.gdal_encoding == GB18030 or source.encoding_overridden:
            raise reject("encoding_failed", encoding=source.gdal_encoding) from exc
    # Our DBF sample said UTF-8, the rest of the file did not (domain-china.md §1.4).
    declared = source.gdal_encoding
    source.gdal_encoding = source.encoding = GB18030
    source.problems.append(make_problem("encoding_mismatch", declared=declared, encoding=GB18030))
    try:
        return _read_arrow(pyogrio, source.path, name, GB18030, limits)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        raise reject("text_not_readable") from exc


def _read_arrow(pyogrio, path: Path, name: str, encoding: str | None, limits: Limits):
    meta, table = pyogrio.read_arrow(
        path,
        layer=name,
        encoding=encoding,
        max_features=limits.max_features + 1,  # one more: the count may have been -1 (unknown)
    )
    table.schema.names  # noqa: B018 - field names are decoded here; bad bytes raise now
    table.validate(full=True)  # invalid UTF-8 in a string column is an error, not data
    return meta, table


def _is_text_error(exc: Exception) -> bool:
    return isinstance(exc, UnicodeError) or "UTF8" in str(exc).replace("-", "").upper()


def _check_driver(driver: str, kind: str) -> None:
    """A VRT (or anything else) that somehow opened is refused after the fact (§2.2 I1)."""
    allowed = KIND_DRIVERS[kind]
    if driver not in allowed or driver not in ALLOWED_DRIVERS:
        raise reject("driver_refused", driver=driver, expected=KIND_FORMAT[kind])


def _layer_out(table, meta: dict, info: dict, source: Source, display: str) -> LayerOut:
    import pyarrow as pa
    import shapely

    geom_name = meta.get("geometry_name") or "wkb_geometry"
    wkb, attrs = None, table
    if geom_name in table.column_names:
        wkb = table.column(geom_name).to_numpy(zero_copy_only=False)
        attrs = table.drop_columns([geom_name])
    problems = list(source.problems)
    geoms = _geometries(shapely, wkb, table.num_rows, display, problems)
    _mixed_types(shapely, geoms, display, problems)
    mojibake_rows(attrs, display, problems)
    column = pa.array(shapely.to_wkb(geoms), type=pa.binary())
    out = _plain_table(pa, attrs, column)
    metadata = {
        "layer": display,
        "format": DRIVER_FORMAT.get(str(info.get("driver")), KIND_FORMAT[source.kind]),
        "driver": str(info.get("driver")),
        "encoding": source.encoding,
        "prj_text": source.prj_text or "",
        **_crs_metadata(meta.get("crs")),
    }
    return LayerOut(out, metadata, problems)


def _geometries(shapely, wkb, rows: int, layer: str, problems: list):
    """Shapely geometries, 2D; WKB that cannot be built becomes None and is reported by row."""
    import numpy as np

    if wkb is None:
        return np.full(rows, None, dtype=object)
    present = np.array([w is not None for w in wkb], dtype=bool)
    # One bad ring must not fail the file; arcs (ArcGIS GeoPackages) are made straight.
    geoms = from_wkb_lenient(wkb)
    broken = np.flatnonzero(present & shapely.is_missing(geoms))
    if broken.size:
        ids = [place_label(i + 1, "feature") for i in broken]  # the parent names them better
        problems.append(
            make_problem("invalid_geometry", feature_ids=ids, layer=layer, count=broken.size)
        )
    return shapely.force_2d(geoms)  # KML altitude 0 and 3D exports (security.md I12)


def _mixed_types(shapely, geoms, layer: str, problems: list) -> None:
    type_ids = shapely.get_type_id(geoms)
    families = sorted({_GEOM_FAMILY[t] for t in set(type_ids.tolist()) if t in _GEOM_FAMILY})
    if len(families) > 1:
        zh = "、".join(_FAMILY_NAMES[f][0] for f in families)
        en = ", ".join(_FAMILY_NAMES[f][1] for f in families)
        problems.append(make_problem("mixed_geometry", layer=layer, types_zh=zh, types_en=en))


def _plain_table(pa, attrs, geometry):
    """Attributes as plain Arrow types plus the WKB ``geometry``, without field metadata.

    Built from the columns and the geometry together, so a file with no attribute columns
    (GeoJSON ``"properties": {}``) keeps its rows. A property called "geometry" is renamed.
    """
    fields, arrays = [], []
    for f, column in zip(attrs.schema, attrs.columns, strict=True):
        name = "geometry_attribute" if f.name == "geometry" else f.name
        kind, column = _plain_column(pa, f.type, column)
        fields.append(pa.field(name, kind))
        arrays.append(column)
    fields.append(pa.field("geometry", pa.binary()))
    arrays.append(pa.chunked_array([geometry], type=pa.binary()))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _plain_column(pa, kind, column):
    """(type, column): JSON objects and arrays (DataV's ``parent``, ``center``) as JSON text."""
    import json

    if isinstance(kind, pa.ExtensionType):
        storage = kind.storage_type
        chunks = [c.storage if isinstance(c, pa.ExtensionArray) else c for c in column.chunks]
        column = pa.chunked_array(chunks, type=storage)
        kind = storage
    if pa.types.is_nested(kind):
        texts = [
            None if v is None else json.dumps(v, ensure_ascii=False, default=str)
            for v in column.to_pylist()
        ]
        return pa.string(), pa.chunked_array([pa.array(texts, type=pa.string())])
    return kind, column


def _crs_metadata(crs: str | None) -> dict[str, str]:
    """The CRS as GDAL gave it ("EPSG:4543" or WKT) in both text forms the parent can parse."""
    if not crs:
        return {"crs_wkt": "", "crs_projjson": ""}
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        return {"crs_wkt": crs if crs.lstrip()[:6].isupper() else "", "crs_projjson": ""}
    return {"crs_wkt": parsed.to_wkt(), "crs_projjson": parsed.to_json()}
