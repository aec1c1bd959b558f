"""The configured tile file (``LANDMAP_TILES``: MBTiles or PMTiles), opened once per file
version and shared.

A version (from the file's size and modification time) is part of every tile URL, so when the
bureau replaces the file, browsers fetch the new tiles instead of showing cached old ones.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from landmap.tiles.mbtiles import MBTiles, TileAddress, TileFileError
from landmap.tiles.pmtiles import MAGIC as PMTILES_MAGIC
from landmap.tiles.pmtiles import PMTiles

TILES_ENV = "LANDMAP_TILES"


class TileReader(Protocol):
    def metadata(self) -> dict[str, str]: ...

    def tile(self, address: TileAddress) -> bytes | None: ...


def open_reader(path: Path) -> TileReader:
    """MBTiles or PMTiles, told apart by the file's first bytes (not by its name)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(PMTILES_MAGIC))
    except OSError as err:
        raise TileFileError(f"tile file not found: {path}") from err
    return PMTiles(path) if start == PMTILES_MAGIC else MBTiles(path)


@dataclass(frozen=True)
class TileSet:
    """What the map needs to know about the file: where its tiles are and how deep they go."""

    version: str
    reader: TileReader
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None  # west, south, east, north (WGS84)
    attribution: str


def configured_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The tile file named in ``LANDMAP_TILES``, or None when no offline basemap is set up."""
    env = os.environ if environ is None else environ
    value = (env.get(TILES_ENV) or "").strip()
    return Path(value).expanduser() if value else None


def file_version(path: Path) -> str:
    """Short id of this state of the file; raises TileFileError when it is missing."""
    try:
        info = path.stat()
    except OSError as err:
        raise TileFileError(f"tile file not found: {path}") from err
    key = f"{path.resolve()}|{info.st_size}|{info.st_mtime_ns}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


def open_tiles(path: Path) -> TileSet:
    """The tile set in ``path`` (cached per file version); TileFileError if it cannot be used."""
    return _open(str(path), file_version(path))


@lru_cache(maxsize=4)
def _open(path: str, version: str) -> TileSet:
    reader = open_reader(Path(path))
    meta = reader.metadata()
    return TileSet(
        version=version,
        reader=reader,
        min_zoom=_int(meta.get("minzoom"), 0),
        max_zoom=_int(meta.get("maxzoom"), 19),
        bounds=_bounds(meta.get("bounds")),
        attribution=meta.get("attribution") or meta.get("name") or Path(path).name,
    )


def _int(text: str | None, default: int) -> int:
    try:
        return max(0, min(24, int(float(text or ""))))
    except ValueError:
        return default


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in (text or "").split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north
