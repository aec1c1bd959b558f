"""One Web-Mercator tile of a registered view, as JSON text: its features or aggregates (pure).

From the view's ``feature_zoom`` on (the lowest zoom at which no tile holds more than
``FEATURE_LIMIT`` features, ``registry.dense_zoom``; ``FEATURE_ZOOM`` at the latest), every
tile is answered with the features themselves: the same compact strings the small map sends, so
the browser decodes and styles them with the same code. A feature belongs to every tile its
bounding box touches (the browser drops duplicates by id), so a plot across a tile edge is
never missing.

Below it every tile is answered with **aggregates**: the tile is cut into ``GRID`` × ``GRID`` cells
and each feature is counted once, in the cell holding the centre of its bounding box (half-open
cells, so the counts and 亩 of all tiles of a zoom add up to the filter's totals). Each cell
gives, per layer and style key (status or deadline state), the count and 亩, and the mean
position of its features, where the browser draws one marker coloured by the dominant key.

Sizes: the browser asks for tiles one zoom below the map's (512 screen pixels each), so a
1,500 × 900 px map needs ~6–12 tiles; 8 × 8 cells then puts a marker at most every 64 px.
``FEATURE_LIMIT`` 1,000 compact plots is ~150 kB a tile; a view of dense tiles at the feature
zoom is the worst case.

Answer shapes (JSON):
- ``{"f": [[feature, ...] per view layer]}``
- ``{"a": [[lat, lng, [[layer index, key, count, 亩], ...]], ...]}`` (entries of a cell sorted
  by count, largest first; 亩 rounded to 0.1)
"""

from __future__ import annotations

import json
import math

import numpy as np
import shapely

from landmap.viewport.registry import View

FEATURE_LIMIT = 1_000
# Tile zoom (the map's zoom minus one) from which features are sent whatever their number:
# a 512 px tile at map zoom 15 is ~1.2 km across at Xiqu, plots are drawn one by one.
FEATURE_ZOOM = 14
GRID = 8
MAX_ZOOM = 22


def valid_tile(z: int, x: int, y: int) -> bool:
    """Whether (z, x, y) names a tile of the Web-Mercator pyramid up to ``MAX_ZOOM``."""
    if not 0 <= z <= MAX_ZOOM:
        return False
    n = 1 << z
    return 0 <= x < n and 0 <= y < n


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def tile_json(view: View, z: int, x: int, y: int) -> str:
    """The JSON answer for tile (z, x, y) of ``view`` (see the module docstring)."""
    box = shapely.box(*tile_bounds(z, x, y))
    hits = [layer.tree.query(box) for layer in view.layers]
    if z >= min(view.feature_zoom, FEATURE_ZOOM):
        parts = []
        for layer, idx in zip(view.layers, hits, strict=True):
            parts.append("[" + ",".join(layer.strings[np.sort(idx)].tolist()) + "]")
        return '{"f":[' + ",".join(parts) + "]}"
    return json.dumps({"a": aggregate_cells(view, z, x, y, hits)}, ensure_ascii=False)


def aggregate_cells(
    view: View, z: int, x: int, y: int, hits: list[np.ndarray] | None = None
) -> list[list]:
    """Per non-empty cell of tile (z, x, y): [lat, lng, [[layer, key, count, 亩], ...]]."""
    if hits is None:
        box = shapely.box(*tile_bounds(z, x, y))
        hits = [layer.tree.query(box) for layer in view.layers]
    scale = float(1 << z)
    cells: dict[int, dict] = {}
    for layer_index, (layer, idx) in enumerate(zip(view.layers, hits, strict=True)):
        if not len(idx):
            continue
        position = layer.mercator[idx] * scale - (x, y)  # tile-relative, 0..1 inside
        inside = (position >= 0).all(axis=1) & (position < 1).all(axis=1)
        idx, position = idx[inside], position[inside]
        cell = np.minimum((position * GRID).astype(int), GRID - 1)
        cell_id = cell[:, 1] * GRID + cell[:, 0]
        for cid in np.unique(cell_id):
            members = idx[cell_id == cid]
            entry = cells.setdefault(int(cid), {"sum": np.zeros(2), "n": 0, "keys": {}})
            b = layer.bounds[members]
            entry["sum"] += [((b[:, 1] + b[:, 3]) / 2).sum(), ((b[:, 0] + b[:, 2]) / 2).sum()]
            entry["n"] += len(members)
            keys = layer.keys[members]
            for key in np.unique(keys):
                chosen = keys == key
                entry["keys"][(layer_index, str(key))] = (
                    int(chosen.sum()),
                    float(layer.area_mu[members][chosen].sum()),
                )
    out = []
    for cid in sorted(cells):
        entry = cells[cid]
        lat, lng = entry["sum"] / entry["n"]
        groups = sorted(entry["keys"].items(), key=lambda kv: (-kv[1][0], kv[0]))
        out.append(
            [
                round(float(lat), 6),
                round(float(lng), 6),
                [[li, key, count, round(mu, 1)] for (li, key), (count, mu) in groups],
            ]
        )
    return out
