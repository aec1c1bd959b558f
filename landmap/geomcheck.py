"""Geometry checks shared by loading and importing: what is drawable, what was repaired.

Pure and vectorised where shapely allows. ``make_valid`` can change a geometry's type (a bow-tie
polygon may come back with a stray line or point), so repairs keep only the parts whose
dimension fits the layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from landmap.layers import GeometryKind

EXPECTED_DIMENSION = {GeometryKind.POLYGON: 2, GeometryKind.LINE: 1, GeometryKind.POINT: 0}


@dataclass(frozen=True)
class GeometryCheck:
    """Per geometry (same order as the input): the cleaned shape and what happened to it."""

    geoms: np.ndarray  # repaired where possible; None where nothing drawable is left
    repaired: np.ndarray  # was invalid, and a usable shape of the right type came out of it
    empty: np.ndarray  # nothing to draw: missing, empty, non-finite, or unrepairable
    unrepairable: np.ndarray  # was invalid and repair left nothing of the layer's type
    wrong_type: np.ndarray  # drawable, but not of the layer's geometry type


def check_geometries(geoms: np.ndarray, kind: GeometryKind) -> GeometryCheck:
    geoms = np.array(geoms, dtype=object)
    geoms = np.where(~shapely.is_missing(geoms) & all_coordinates_finite(geoms), geoms, None)
    wanted = EXPECTED_DIMENSION[kind]
    invalid = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    repaired = np.zeros(len(geoms), dtype=bool)
    unrepairable = np.zeros(len(geoms), dtype=bool)
    for pos in np.flatnonzero(invalid):
        fixed = keep_dimension(shapely.make_valid(geoms[pos]), wanted)
        geoms[pos] = fixed
        repaired[pos] = fixed is not None
        unrepairable[pos] = fixed is None
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    wrong_type = present & (shapely.get_dimensions(geoms) != wanted)
    return GeometryCheck(
        np.where(present, geoms, None), repaired, ~present, unrepairable, wrong_type
    )


def all_coordinates_finite(geoms: np.ndarray) -> np.ndarray:
    """False for geometries with NaN or infinite vertices: GDAL accepts them, Leaflet breaks."""
    ok = np.ones(len(geoms), dtype=bool)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if len(coords):
        bad = ~np.isfinite(coords).all(axis=1)
        ok[np.unique(index[bad])] = False
    return ok


def keep_dimension(geom: shapely.Geometry, dimension: int) -> shapely.Geometry | None:
    """The parts of a geometry whose dimension is ``dimension``, as one (multi)geometry."""
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_dimensions(parts) == dimension] if len(parts) else parts
    parts = [p for part in parts for p in shapely.get_parts(part) if not p.is_empty]
    if not parts:
        return None
    if dimension == 2:
        return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
    if dimension == 1:
        return shapely.multilinestrings(parts) if len(parts) > 1 else parts[0]
    return shapely.multipoints(parts) if len(parts) > 1 else parts[0]
