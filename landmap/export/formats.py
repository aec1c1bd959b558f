"""What an export is: the formats we write, the file that comes out, and what it must say.

Every writer takes the filtered frames and one ``ExportOptions`` and returns bytes; nothing
here touches the live store (exports are built in memory or in a private temp directory).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from landmap.access.audience import Audience
from landmap.clock import SHANGHAI


class ExportFormat(StrEnum):
    GPKG = "gpkg"
    GEOJSON = "geojson"
    KML = "kml"
    CSV = "csv"
    XLSX = "xlsx"
    SHP = "shp"  # a zip: one shapefile per layer, a field mapping table and README.txt

    @property
    def extension(self) -> str:
        return ".shp.zip" if self is ExportFormat.SHP else f".{self.value}"

    @property
    def mime_type(self) -> str:
        return _MIME_TYPES[self]


_MIME_TYPES = {
    ExportFormat.GPKG: "application/geopackage+sqlite3",
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.KML: "application/vnd.google-earth.kml+xml",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.SHP: "application/zip",
}


@dataclass(frozen=True)
class ExportOptions:
    """What every writer needs besides the frames."""

    lang: str = "zh"
    # The filter as a sentence (``query.describe_filter``): every export carries it, so a
    # file passed on by e-mail still says what it holds.
    filter_text: str = ""
    audience: Audience = Audience.STAFF
    exported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(SHANGHAI))


@dataclass(frozen=True)
class ExportFile:
    """One file for a download button or ``-o FILE``."""

    data: bytes
    file_name: str
    mime_type: str
