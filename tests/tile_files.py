"""Tiny MBTiles files built in the tests: real PNG tiles (Pillow) in the real MBTiles schema."""

from __future__ import annotations

import io
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw

# A warm tint no Leaflet default uses, so a screenshot or a pixel read shows it is our tile.
TILE_COLOUR = (196, 228, 190)


def tile_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The XYZ (Leaflet) column and row of the tile holding a point."""
    n = 2**zoom
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return x, y


def png_tile(label: str, colour: tuple[int, int, int] = TILE_COLOUR) -> bytes:
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(120, 150, 110), width=2)
    draw.text((12, 12), label, fill=(60, 80, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_mbtiles(
    path: Path, tiles: Iterable[tuple[int, int, int]], metadata: dict[str, str] | None = None
) -> Path:
    """An MBTiles file holding a labelled PNG for each XYZ (z, x, y) in ``tiles``."""
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        con.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        con.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        meta = {"name": "test imagery", "format": "png", **(metadata or {})}
        con.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        for z, x, y in tiles:
            con.execute(
                "INSERT INTO tiles VALUES (?, ?, ?, ?)",
                (z, x, 2**z - 1 - y, png_tile(f"{z}/{x}/{y}")),
            )
    return path


def tiles_around(lat: float, lon: float, zooms: Iterable[int], radius: int = 2):
    """Every tile within ``radius`` tiles of a point, at each zoom."""
    for z in zooms:
        cx, cy = tile_of(lat, lon, z)
        for x in range(cx - radius, cx + radius + 1):
            for y in range(cy - radius, cy + radius + 1):
                yield z, x, y
