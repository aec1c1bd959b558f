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


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def write_pmtiles(
    path: Path,
    tiles: Iterable[tuple[int, int, int]],
    *,
    gzip_directories: bool = True,
    leaf_every: int | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A PMTiles v3 file (written here from the spec, independently of the app's reader) with a
    labelled PNG for each XYZ (z, x, y); ``leaf_every`` puts the entries in leaf directories
    of that many entries, as big files have."""
    import gzip
    import json
    import struct

    from landmap.tiles.pmtiles import tile_id

    def directory(entries: list[tuple[int, int, int, int]]) -> bytes:
        # (tile_id, offset, length, run_length) sorted by id; offsets written explicitly.
        body = bytearray(_varint(len(entries)))
        last = 0
        for tid, *_ in entries:
            body += _varint(tid - last)
            last = tid
        for *_, run in entries:
            body += _varint(run)
        for _, _, length, _ in entries:
            body += _varint(length)
        for _, offset, _, _ in entries:
            body += _varint(offset + 1)
        data = bytes(body)
        return gzip.compress(data) if gzip_directories else data

    tiles = sorted(set(tiles))
    items = sorted((tile_id(z, x, y), png_tile(f"pm {z}/{x}/{y}")) for z, x, y in tiles)
    data = bytearray()
    entries = []
    for tid, blob in items:
        entries.append((tid, len(data), len(blob), 1))
        data += blob
    leaves = bytearray()
    if leaf_every:
        root_entries = []
        for start in range(0, len(entries), leaf_every):
            chunk = directory(entries[start : start + leaf_every])
            root_entries.append((entries[start][0], len(leaves), len(chunk), 0))
            leaves += chunk
        root = directory(root_entries)
    else:
        root = directory(entries)
    meta = json.dumps({"name": "test", "attribution": "PM 测试", **(metadata or {})}).encode()
    meta = gzip.compress(meta) if gzip_directories else meta
    zooms = [z for z, _, _ in tiles]
    root_offset = 127
    meta_offset = root_offset + len(root)
    leaf_offset = meta_offset + len(meta)
    data_offset = leaf_offset + len(leaves)
    header = b"PMTiles\x03" + struct.pack(
        "<7Q", root_offset, len(root), meta_offset, len(meta), leaf_offset, len(leaves), data_offset
    )
    header += struct.pack("<4Q", len(data), len(items), len(items), len(items))
    header += bytes([1, 2 if gzip_directories else 1, 1, 2])  # clustered, gzip, none, png
    header += bytes([min(zooms, default=0), max(zooms, default=0)])
    header += struct.pack("<4i", 1014500000, 265300000, 1016700000, 266800000)
    header += bytes([min(zooms, default=0)]) + struct.pack("<2i", 1016000000, 266000000)
    assert len(header) == 127
    path.write_bytes(header + root + meta + bytes(leaves) + bytes(data))
    return path
