"""Basemap choices. Tiles are a user's choice, never required: "none" works on a closed intranet.

Tiles go into a feature group, so switching basemap swaps layers in the live map instead of
remounting it (streamlit-folium.md §1.3).
"""

from __future__ import annotations

from urllib.parse import quote

import folium

BASEMAPS = ("none", "osm", "tianditu_vec", "tianditu_img")
TIANDITU_KEY_REQUIRED = frozenset({"tianditu_vec", "tianditu_img"})


def tianditu_url(layer: str, key: str) -> str:
    """A 天地图 Web-Mercator WMTS tile URL (domain-china.md §2.1)."""
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={quote(key, safe='')}"
    )


def basemap_group(choice: str, tianditu_key: str | None) -> folium.FeatureGroup | None:
    """The tile layers of ``choice`` in a feature group, or None (no basemap, or no key)."""
    if choice == "osm":
        group = folium.FeatureGroup(name="OpenStreetMap", control=False)
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="&copy; OpenStreetMap contributors",
            max_zoom=19,
        ).add_to(group)
        return group
    if choice in TIANDITU_KEY_REQUIRED and tianditu_key:
        base, labels = ("vec", "cva") if choice == "tianditu_vec" else ("img", "cia")
        group = folium.FeatureGroup(name="天地图", control=False)
        for layer in (base, labels):
            folium.TileLayer(
                tianditu_url(layer, tianditu_key),
                attr="&copy; 天地图",
                subdomains="01234567",
                max_zoom=18,
            ).add_to(group)
        return group
    return None
