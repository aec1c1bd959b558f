"""A district outline from a file (DataV GeoAtlas, 天地图 …) for ``LANDMAP_BOUNDARY``.

DataV's outlines are GCJ-02 with nested property values; read in the sandbox like any upload,
shifted to WGS84 when the user says the file is GCJ-02 (or BD-09), merged into one outline and
written as a plain WGS84 GeoJSON that ``dataset.load_boundary`` reads as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely

from landmap import geo
from landmap.ingest import coords, sandbox
from landmap.ingest.limits import Limits
from landmap.ingest.problems import ImportRejected, problem


def outline_from_file(
    data: bytes, filename: str, source_coords: str, limits: Limits | None = None
) -> shapely.Geometry:
    """The union of every area in the file, in WGS84; raises ImportRejected if it has none."""
    raw = sandbox.read_geodata(data, filename, limits=limits or Limits())
    areas = []
    for layer in raw.layers:
        frame = layer.frame
        if frame.crs is None:
            frame = frame.set_crs(geo.DISPLAY_CRS)  # GeoJSON without a crs is lon/lat
        shapes = frame.to_crs(geo.DISPLAY_CRS).geometry.to_numpy()
        shapes = coords.convert_geometries(shapes, source_coords)
        areas += [g for g in shapes if g is not None and g.geom_type in _AREAS and not g.is_empty]
    if not areas:
        raise ImportRejected(
            problem(
                "outline_no_area",
                "文件里没有面（多边形），不能作为区界。",
                "The file holds no areas (polygons), so it cannot be the district outline.",
            )
        )
    return shapely.make_valid(shapely.union_all(areas))


_AREAS = ("Polygon", "MultiPolygon")


def write_outline(outline: shapely.Geometry, path: Path, *, name: str, source: str) -> None:
    """A one-feature WGS84 GeoJSON (what ``LANDMAP_BOUNDARY`` points at)."""
    frame = gpd.GeoDataFrame({"name": [name], "source": [source]}, geometry=[outline], crs=4326)
    collection = json.loads(frame.to_json(drop_id=True))
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


__all__ = ["outline_from_file", "write_outline"]
