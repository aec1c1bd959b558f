"""What loading works out from each stored shape, remembered by the shape's bytes.

Per geometry: the checked shape (``geomcheck``: repaired, or None when nothing drawable is
left) in the display CRS, what the check found, and the area and length in EPSG:4543
(``geo.measure``). All of it depends on the shape, its CRS and the layer's geometry type only,
so a new data version works out only the shapes it changed: a save changes fields, not shapes,
yet every page reads the layer again (checking and measuring were 0.7 s at 100,000 plots).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from landmap import geo
from landmap.geomcheck import check_geometries
from landmap.layers import GeometryKind


@dataclass(frozen=True)
class LayerGeometry:
    """Per geometry of a layer, in the input's order."""

    geoms: np.ndarray  # checked, in the display CRS; None where nothing drawable is left
    repaired: np.ndarray
    wrong_type: np.ndarray
    empty: np.ndarray
    area_m2: np.ndarray  # NaN for lines, points and empty shapes
    length_km: np.ndarray  # NaN for polygons, points and empty shapes


def layer_geometry(geoms: np.ndarray, crs: pyproj.CRS, kind: GeometryKind) -> LayerGeometry:
    """Check, measure and move to the display CRS every shape of a layer (pure)."""
    check = check_geometries(geoms, kind)
    checked = gpd.GeoDataFrame(geometry=gpd.GeoSeries(check.geoms, crs=crs))
    measures = geo.measure(checked)
    return LayerGeometry(
        geoms=geo.to_display(checked).geometry.to_numpy(),
        repaired=check.repaired,
        wrong_type=check.wrong_type,
        empty=check.empty,
        area_m2=measures["area_m2"].to_numpy(),
        length_km=measures["length_km"].to_numpy(),
    )


class RememberedGeometry:
    """``layer_geometry`` from memory for shapes seen before (same bytes, CRS and type).

    Per CRS and geometry type, the key is a 16-byte digest of the WKB; past ``max_entries``
    in all it starts over. Thread-safe: the sessions of a server share it (as
    ``geoencode.EncodedGeometries``).
    """

    def __init__(self, max_entries: int = 400_000) -> None:
        self.max_entries = max_entries
        self._by_context: dict[tuple[str, str], dict[bytes, tuple]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(facts) for facts in self._by_context.values())

    def of(self, geoms: np.ndarray, crs: pyproj.CRS, kind: GeometryKind) -> LayerGeometry:
        geoms = np.asarray(geoms, dtype=object)
        keys = [
            hashlib.blake2b(wkb or b"", digest_size=16).digest() for wkb in shapely.to_wkb(geoms)
        ]
        context = (kind.value, crs.to_wkt())
        with self._lock:
            facts = self._by_context.setdefault(context, {})
            known = [facts.get(key) for key in keys]
        missing = [i for i, facts in enumerate(known) if facts is None]
        if missing:
            fresh = layer_geometry(geoms[missing], crs, kind)
            rows = list(
                zip(
                    fresh.geoms,
                    fresh.repaired,
                    fresh.wrong_type,
                    fresh.empty,
                    fresh.area_m2,
                    fresh.length_km,
                    strict=True,
                )
            )
            for i, row in zip(missing, rows, strict=True):
                known[i] = row
            with self._lock:
                if len(self) + len(missing) > self.max_entries:
                    self._by_context.clear()
                facts = self._by_context.setdefault(context, {})
                facts.update((keys[i], known[i]) for i in missing)
        columns = list(zip(*known, strict=True)) if known else [()] * 6
        out = np.empty(len(known), dtype=object)
        out[:] = columns[0]
        return LayerGeometry(
            geoms=out,
            repaired=np.array(columns[1], dtype=bool),
            wrong_type=np.array(columns[2], dtype=bool),
            empty=np.array(columns[3], dtype=bool),
            area_m2=np.array(columns[4], dtype=float),
            length_km=np.array(columns[5], dtype=float),
        )


# One per process: every session of a server loads the same shapes.
REMEMBERED = RememberedGeometry()
