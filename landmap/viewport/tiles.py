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
# The opening view's tiles sent with the page (``opening_tiles``): every zoom at which the
# view's extent spans at most this many tiles (a 2,000 px map shows ~4 × 3 tiles)...
OPENING_MAX_TILES = 16
# ...as long as all of them together stay under this many bytes of JSON (aggregates are about
# 1 kB a tile; a tile of plots can be 150 kB and is left to the route).
OPENING_MAX_BYTES = 48 * 1024
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


def view_extent(view: View) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of every feature box of the view; None for an empty view.
    A tile outside it has nothing to draw: the browser does not ask for it."""
    boxes = [layer.bounds for layer in view.layers if len(layer)]
    if not boxes:
        return None
    every = np.concatenate(boxes)
    return (
        float(every[:, 0].min()),
        float(every[:, 1].min()),
        float(every[:, 2].max()),
        float(every[:, 3].max()),
    )


def extent_tiles(extent: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """(x, y) of the tiles of zoom ``z`` that the extent touches, in row order."""
    x0, y0, x1, y1 = extent_range(extent, z)
    return [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]


def extent_range(extent: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the first and last tile column and row of zoom ``z`` the extent
    touches (the browser's ``tileX``/``tileY`` in ``viewport.layer``)."""
    west, south, east, north = extent
    n = 1 << z

    def tile_x(lon: float) -> int:
        return min(n - 1, max(0, math.floor((lon + 180.0) / 360.0 * n)))

    def tile_y(lat: float) -> int:
        lat = max(-85.05112878, min(85.05112878, lat))
        rad = math.radians(lat)
        fraction = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2
        return min(n - 1, max(0, math.floor(fraction * n)))

    return tile_x(west), tile_y(north), tile_x(east), tile_y(south)


def opening_tiles(
    view: View,
    answer,
    max_tiles: int = OPENING_MAX_TILES,
    max_bytes: int = OPENING_MAX_BYTES,
) -> dict[str, str]:
    """The answers the map will ask for first, to send with the page: ``"z/x/y"`` → JSON text.

    The map opens on all the data (``mapview.initial_bounds``), so its first tiles are those the
    view's extent touches, at a zoom that depends on the window's size. This takes every zoom
    from the last one at which the extent fits in one tile up to the last one at which it spans
    at most ``max_tiles`` tiles, each zoom whole or not at all, within ``max_bytes``. The
    answers are the route's own (``answer(z, x, y)``, e.g. cached ones), so a tile sent with
    the page is exactly the tile the route would give this view's token.
    """
    extent = view_extent(view)
    if extent is None:
        return {}

    def count(z: int) -> int:
        x0, y0, x1, y1 = extent_range(extent, z)
        return (x1 - x0 + 1) * (y1 - y0 + 1)

    start = 0
    while start < MAX_ZOOM and count(start + 1) == 1:
        start += 1
    chosen: dict[str, str] = {}
    size = 0
    for z in range(start, MAX_ZOOM + 1):
        if count(z) > max_tiles:
            break
        answers = {f"{z}/{x}/{y}": answer(z, x, y) for x, y in extent_tiles(extent, z)}
        size += sum(len(text) for text in answers.values())
        if size > max_bytes:
            break
        chosen.update(answers)
    return chosen


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
        if not len(idx):
            continue
        cell = np.minimum((position * GRID).astype(int), GRID - 1)
        # Sums per cell and per (cell, key) with bincount: one pass over the tile's features
        # whatever the number of cells and keys (a low-zoom tile holds the whole city).
        cell_ids, in_cell = np.unique(cell[:, 1] * GRID + cell[:, 0], return_inverse=True)
        b = layer.bounds[idx]
        lat_sum = np.bincount(in_cell, weights=(b[:, 1] + b[:, 3]) / 2)
        lng_sum = np.bincount(in_cell, weights=(b[:, 0] + b[:, 2]) / 2)
        members = np.bincount(in_cell)
        for cid, lat, lng, n in zip(cell_ids, lat_sum, lng_sum, members, strict=True):
            entry = cells.setdefault(int(cid), {"sum": np.zeros(2), "n": 0, "keys": {}})
            entry["sum"] += [lat, lng]
            entry["n"] += int(n)
        keys, of_key = np.unique(layer.keys[idx].astype(str), return_inverse=True)
        pairs, of_pair = np.unique(in_cell * len(keys) + of_key, return_inverse=True)
        counts = np.bincount(of_pair)
        areas = np.bincount(of_pair, weights=layer.area_mu[idx])
        for pair, count, mu in zip(pairs, counts, areas, strict=True):
            cid = int(cell_ids[pair // len(keys)])
            cells[cid]["keys"][(layer_index, str(keys[pair % len(keys)]))] = (int(count), float(mu))
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
