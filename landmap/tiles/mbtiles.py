"""Read-only access to an MBTiles file (SQLite): one tile by z/x/y, nothing else.

Why sqlite3 here: an MBTiles file is a plain SQLite database of image blobs, not the live data
GeoPackage, and GDAL has no cheap "give me tile z/x/y as bytes" call. The file is opened
read-only and immutable (``mode=ro&immutable=1``): the app can never write to it or create a
journal beside it, and SQLite takes no locks (the file is replaced, never edited, while the
app runs). tests/unit/test_store_edits.py allows this module by name for that reason.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

MAX_ZOOM = 24  # deeper than any imagery a district holds (z24 ≈ 1 cm a pixel)

# The image types a tile may be; anything else is refused rather than served with a guess.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class TileFileError(Exception):
    """The configured file is missing, not SQLite, or not an MBTiles tile set."""


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int  # XYZ (Leaflet's) row, counted from the north

    @classmethod
    def parse(cls, z: str, x: str, y: str) -> TileAddress:
        """The address in a tile URL's path segments; ValueError for anything but in-range
        decimal numbers ("../", "-1", "1e3", "٣" and overflows are all refused)."""
        values = []
        for text in (z, x, y):
            if not (text.isascii() and text.isdigit() and len(text) <= 8):
                raise ValueError(f"not a tile number: {text!r}")
            values.append(int(text))
        zoom, col, row = values
        if zoom > MAX_ZOOM or col >= 2**zoom or row >= 2**zoom:
            raise ValueError(f"no such tile: {zoom}/{col}/{row}")
        return cls(zoom, col, row)


def image_type(blob: bytes) -> str | None:
    """The MIME type of a tile image, from its first bytes; None if not PNG, JPEG or WebP."""
    for signature, mime in _SIGNATURES:
        if blob.startswith(signature):
            return mime
    if blob[:4] == b"RIFF" and blob[8:12] == b"WEBP":
        return "image/webp"
    return None


class MBTiles:
    """One MBTiles file, read-only; safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TileFileError(f"tile file not found: {self.path}")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1"
        try:
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._con.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1"
            )
        except sqlite3.Error as err:
            raise TileFileError(f"not an MBTiles file: {self.path} ({err})") from err
        self._lock = threading.Lock()  # one connection, one query at a time

    def metadata(self) -> dict[str, str]:
        """The ``metadata`` table (name, format, bounds, minzoom, maxzoom …); {} if absent."""
        with self._lock:
            try:
                rows = self._con.execute("SELECT name, value FROM metadata").fetchall()
            except sqlite3.Error:
                return {}
        return {str(name): str(value) for name, value in rows}

    def tile(self, address: TileAddress) -> bytes | None:
        """The image of one tile, or None where the file has none."""
        # MBTiles rows are TMS: counted from the south.
        tms_row = 2**address.z - 1 - address.y
        with self._lock:
            try:
                row = self._con.execute(
                    "SELECT tile_data FROM tiles "
                    "WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                    (address.z, address.x, tms_row),
                ).fetchone()
            except sqlite3.Error as err:
                raise TileFileError(f"cannot read {self.path}: {err}") from err
        return bytes(row[0]) if row and row[0] else None

    def close(self) -> None:
        with self._lock:
            self._con.close()
