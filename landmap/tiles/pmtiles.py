"""Read-only access to a PMTiles v3 file (one file, tiles found through Hilbert-ordered
directories): one raster tile by z/x/y, nothing else.

Why our own ~100 lines rather than the ``pmtiles`` package: the app needs only "find tile z/x/y",
and a reader of untrusted bytes should be small enough to read. Only what a raster basemap
needs is accepted: PNG/JPEG/WebP tiles, directories uncompressed or gzip; sizes are capped so a
damaged file cannot make the server allocate without bound. Spec:
https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import zlib
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from landmap.tiles.mbtiles import TileAddress, TileFileError

MAGIC = b"PMTiles\x03"
HEADER_SIZE = 127
_MAX_DIRECTORY = 16 * 1024 * 1024  # a leaf directory of a whole country is a few MB
_MAX_TILE = 8 * 1024 * 1024
_MAX_DEPTH = 4  # root + leaves; the spec's writers use at most 3 levels
_NONE, _GZIP = 1, 2
_RASTER_TYPES = {2: "png", 3: "jpg", 4: "webp"}


def tile_id(z: int, x: int, y: int) -> int:
    """The PMTiles id of a tile: all tiles of lower zooms, then the Hilbert index at ``z``."""
    acc = ((1 << (2 * z)) - 1) // 3
    d = 0
    s = 1 << z >> 1
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:  # rotate the quadrant
            if rx == 1:
                x, y = s - 1 - (x & (s - 1)), s - 1 - (y & (s - 1))
            x, y = y, x
        s >>= 1
    return acc + d


@dataclass(frozen=True)
class _Entry:
    tile_id: int
    offset: int
    length: int
    run_length: int


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise TileFileError("damaged PMTiles directory")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _entries(data: bytes) -> list[_Entry]:
    count, pos = _varint(data, 0)
    if count > len(data):  # every entry takes at least one byte per column
        raise TileFileError("damaged PMTiles directory")
    ids, last = [], 0
    for _ in range(count):
        delta, pos = _varint(data, pos)
        last += delta
        ids.append(last)
    columns: list[list[int]] = []
    for _ in range(2):  # run lengths, lengths
        values = []
        for _ in range(count):
            value, pos = _varint(data, pos)
            values.append(value)
        columns.append(values)
    runs, lengths = columns
    entries: list[_Entry] = []
    for i in range(count):
        raw, pos = _varint(data, pos)
        # 0 after the first entry: the data follows the previous entry's data.
        follows = i > 0 and raw == 0
        offset = entries[-1].offset + entries[-1].length if follows else raw - 1
        entries.append(_Entry(ids[i], offset, lengths[i], runs[i]))
    return entries


class PMTiles:
    """One PMTiles file, read-only (positional reads: safe between the server's threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as err:
            raise TileFileError(f"tile file not found: {self.path}") from err
        try:
            header = os.pread(self._fd, HEADER_SIZE, 0)
            if len(header) < HEADER_SIZE or header[:8] != MAGIC:
                raise TileFileError(f"not a PMTiles v3 file: {self.path}")
            (
                self._root_offset,
                self._root_length,
                self._meta_offset,
                self._meta_length,
                self._leaf_offset,
                _,
                self._data_offset,
            ) = struct.unpack_from("<7Q", header, 8)
            self._compression = header[97]
            tile_compression, tile_type = header[98], header[99]
            self.min_zoom, self.max_zoom = header[100], header[101]
            bounds = struct.unpack_from("<4i", header, 102)
            if self._compression not in (_NONE, _GZIP):
                raise TileFileError("PMTiles directories must be uncompressed or gzip")
            if tile_type not in _RASTER_TYPES or tile_compression not in (0, _NONE):
                raise TileFileError("only raster PMTiles (PNG, JPEG, WebP) can be a basemap")
            self.format = _RASTER_TYPES[tile_type]
            self.bounds = tuple(v / 1e7 for v in bounds)  # west, south, east, north
            self._root = _entries(self._read_directory(self._root_offset, self._root_length))
        except TileFileError:
            self.close()
            raise

    def _read(self, offset: int, length: int, cap: int) -> bytes:
        if length > cap:
            raise TileFileError("PMTiles part larger than allowed")
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise TileFileError("PMTiles file is truncated")
        return data

    def _read_directory(self, offset: int, length: int) -> bytes:
        data = self._read(offset, length, _MAX_DIRECTORY)
        if self._compression == _GZIP:
            try:
                inflater = zlib.decompressobj(wbits=31)
                data = inflater.decompress(data, _MAX_DIRECTORY)
            except zlib.error as err:
                raise TileFileError("damaged PMTiles directory") from err
        return data

    def metadata(self) -> dict[str, str]:
        """minzoom, maxzoom and bounds from the header; name and attribution from its JSON."""
        meta = {
            "minzoom": str(self.min_zoom),
            "maxzoom": str(self.max_zoom),
            "bounds": ",".join(str(v) for v in self.bounds),
            "format": self.format,
        }
        try:
            raw = self._read(self._meta_offset, self._meta_length, _MAX_DIRECTORY)
            if self._compression == _GZIP:
                raw = gzip.decompress(raw)
            extra = json.loads(raw or b"{}")
        except (TileFileError, OSError, ValueError, EOFError, zlib.error):
            extra = {}
        if isinstance(extra, dict):
            for key in ("name", "attribution"):
                if isinstance(extra.get(key), str):
                    meta[key] = extra[key]
        return meta

    def tile(self, address: TileAddress) -> bytes | None:
        """The image of one tile, or None where the file has none."""
        target = tile_id(address.z, address.x, address.y)
        entries = self._root
        for _ in range(_MAX_DEPTH):
            index = bisect_right([e.tile_id for e in entries], target) - 1
            if index < 0:
                return None
            entry = entries[index]
            if entry.run_length == 0:  # a leaf directory covers this id
                data = self._read_directory(self._leaf_offset + entry.offset, entry.length)
                entries = _entries(data)
                continue
            if target - entry.tile_id >= entry.run_length:
                return None
            return self._read(self._data_offset + entry.offset, entry.length, _MAX_TILE)
        raise TileFileError("PMTiles directories nested too deep")

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        # A replaced file's reader drops out of source.py's cache: its descriptor goes with it.
        if getattr(self, "_fd", -1) >= 0:
            self.close()
