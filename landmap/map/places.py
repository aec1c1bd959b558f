"""Place names for the map (``data/places.csv``): the district around the plots, offline.

The positions are approximate (grade C may be 1–3 km off, data/README.md), so each place is
shown only over its own range of zooms: named at district scale, gone when the user zooms in
far enough that the error would mislead and the plots' own names take over.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLACES_PATH = Path(__file__).resolve().parents[2] / "data" / "places.csv"


@dataclass(frozen=True)
class Place:
    name_zh: str
    label_en: str
    lat: float
    lon: float
    grade: str
    min_zoom: int
    max_zoom: int

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.name_zh


@lru_cache(maxsize=2)
def load_places(path: Path = PLACES_PATH) -> tuple[Place, ...]:
    """The places in ``path``; rows without a usable position or zoom range are skipped."""
    if not path.is_file():
        return ()
    places = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                place = Place(
                    name_zh=row["name_zh"].strip(),
                    label_en=(row.get("label_en") or "").strip(),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    grade=(row.get("grade") or "C").strip(),
                    min_zoom=int(row.get("min_zoom") or 11),
                    max_zoom=int(row.get("max_zoom") or 14),
                )
            except (KeyError, ValueError):
                continue
            if place.name_zh and -90 <= place.lat <= 90 and -180 <= place.lon <= 180:
                places.append(place)
    return tuple(places)


def places_json(places: tuple[Place, ...], lang: str) -> str:
    """Compact JSON for the label layer: ``[[text, lat, lon, min_zoom, max_zoom], …]``."""
    return json.dumps(
        [[p.label(lang), p.lat, p.lon, p.min_zoom, p.max_zoom] for p in places],
        ensure_ascii=False,
    )
