"""GeoPackage and GeoJSON exports of the filtered features.

GeoPackage: one table per layer named by the registry id, in CGCS2000 (EPSG:4490, the store's
CRS), written by pyogrio into a private temp directory (never the live store, security.md
§2.4 D2), plus an ``export_info`` table with the filter sentence.
GeoJSON: one FeatureCollection per RFC 7946 (WGS84 lon/lat, counter-clockwise outer rings,
coordinates to 7 decimals ≈ 1 cm) with a ``layer`` property per feature. It is built with
``json`` rather than GDAL so that each feature carries its own layer's fields only and the
filter sentence can sit at the top level.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from landmap import geo
from landmap.export.columns import attribute_table, layer_columns
from landmap.export.formats import ExportOptions
from landmap.export.notes import CRS_CGCS2000, CRS_WGS84, PRODUCT, note_rows
from landmap.layers import LAYER_BY_ID, GeometryKind, LayerSpec

COORDINATE_DECIMALS = 7  # ≈ 1 cm at Panzhihua's latitude
EXPORT_INFO_TABLE = "export_info"
# What GDAL is told for a layer with no features (it cannot guess from nothing).
OGR_GEOMETRY = {
    GeometryKind.POLYGON: "Polygon",
    GeometryKind.LINE: "LineString",
    GeometryKind.POINT: "Point",
}


def export_frame(
    frame: gpd.GeoDataFrame, layer: LayerSpec, options: ExportOptions, crs: str
) -> gpd.GeoDataFrame:
    """The layer's export columns (codes, not labels) with its geometry in ``crs``."""
    table = attribute_table(
        frame, layer, layer_columns(layer, options.audience), lang=options.lang, human=False
    )
    geometry = gpd.GeoSeries(frame.geometry.values, index=frame.index, crs=frame.crs)
    if geometry.crs is None:
        geometry = geometry.set_crs(geo.DISPLAY_CRS)
    out = gpd.GeoDataFrame(table, geometry=geometry.to_crs(crs))
    return out.reset_index(drop=True)


def write_layer(
    out: gpd.GeoDataFrame, path: Path, layer: LayerSpec, driver: str, **options: object
) -> None:
    """One layer through pyogrio; an empty one still gets its table and geometry type."""
    geometry_type = OGR_GEOMETRY[layer.geometry] if out.empty else None
    pyogrio.write_dataframe(
        out, path, layer=layer.id, driver=driver, geometry_type=geometry_type, **options
    )


def gpkg_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    with tempfile.TemporaryDirectory(prefix="landmap-export-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for layer_id, frame in frames.items():
            layer = LAYER_BY_ID[layer_id]
            out = export_frame(frame, layer, options, geo.STORE_CRS)
            write_layer(
                out,
                path,
                layer,
                "GPKG",
                # QGIS shows the identifier as the layer's title and the description beside it.
                layer_options={
                    "IDENTIFIER": layer.name.get(options.lang),
                    "DESCRIPTION": options.filter_text,
                },
            )
        info = pd.DataFrame(note_rows(frames, options, CRS_CGCS2000), columns=["item", "value"])
        pyogrio.write_dataframe(info, path, layer=EXPORT_INFO_TABLE, driver="GPKG")
        return path.read_bytes()


def geojson_bytes(frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions) -> bytes:
    features = []
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        out = export_frame(frame, layer, options, geo.DISPLAY_CRS)
        geometries = rfc7946_geometries(out.geometry.values)
        records = out.drop(columns="geometry").to_dict("records")
        for record, geometry in zip(records, geometries, strict=True):
            properties = {"layer": layer.id, **{k: json_value(v) for k, v in record.items()}}
            features.append(
                {
                    "type": "Feature",
                    "id": properties["id"],
                    "properties": properties,
                    "geometry": geometry,
                }
            )
    collection = {
        "type": "FeatureCollection",
        # Foreign members (RFC 7946 §6.1); GDAL reads "name" and "description" as metadata.
        "name": PRODUCT.get(options.lang),
        "description": options.filter_text,
        "landmap_export": dict(note_rows(frames, options, CRS_WGS84)),
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, allow_nan=False).encode("utf-8")


def rounded(geometries: np.ndarray, decimals: int = COORDINATE_DECIMALS) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, decimals))


def rfc7946_geometries(geometries: np.ndarray) -> list[dict | None]:
    """GeoJSON geometry objects: outer rings counter-clockwise, holes clockwise, rounded."""
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    oriented = shapely.orient_polygons(rounded(geometries), exterior_cw=False)
    return [
        json.loads(shapely.to_geojson(g)) if keep else None
        for g, keep in zip(oriented, present, strict=True)
    ]


def json_value(value: object) -> object:
    """A cell as JSON: None for missing, plain int/float/str otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
