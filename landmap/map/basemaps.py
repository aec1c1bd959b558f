"""Basemap choices. Tiles are a user's choice, never required: "none" works on a closed intranet.

Tiles go into a feature group, so switching basemap swaps layers in the live map instead of
remounting it (streamlit-folium.md §1.3).

"offline" is the district's own imagery: an MBTiles file named in ``LANDMAP_TILES`` and served
by the app itself (``landmap/tiles/route.py``), so nothing is fetched from the internet.

A basemap that cannot load says so on the map: every tile layer here counts its tiles, and when
a view finishes with errors and not one tile (OSM or 天地图 on an intranet, a broken tile file),
a small notice appears in the map's corner; it goes when tiles arrive again.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

import folium
from branca.element import MacroElement
from jinja2 import Template

from landmap.i18n import t
from landmap.map.compactjs import compact_js
from landmap.tiles.mbtiles import TileFileError
from landmap.tiles.route import tile_url_template
from landmap.tiles.source import open_tiles

BASEMAPS = ("none", "offline", "osm", "tianditu_vec", "tianditu_img")
TIANDITU_KEY_REQUIRED = frozenset({"tianditu_vec", "tianditu_img"})
OFFLINE = "offline"

# The notice: dark red on white (contrast 6.6:1), small, above the scale bar (the legend has
# the bottom right).
_NOTICE_CSS = (
    "background:#ffffff;color:#b71c1c;border:1px solid #b71c1c;border-radius:4px;"
    "padding:3px 8px;font:12px/1.4 sans-serif;max-width:320px"
)


def tianditu_url(layer: str, key: str) -> str:
    """A 天地图 Web-Mercator WMTS tile URL (domain-china.md §2.1)."""
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={quote(key, safe='')}"
    )


def _js(value: object) -> str:
    # Script-safe JSON: no "</script>" or "<!--" can come out of a message or a file name.
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class NoticedTileLayer(MacroElement):
    """``L.tileLayer`` that puts ``failure`` on the map when a view gets no tile at all."""

    _template = Template(
        compact_js(
            """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var layer = L.tileLayer({{ this.url_js }}, {{ this.options_js }});
            var message = {{ this.failure_js }};
            var loaded = 0, failed = 0, notice = null;
            function showNotice(on) {
                if (on && !notice && layer._map) {
                    notice = L.control({position: "bottomleft"});
                    notice.onAdd = function () {
                        var box = L.DomUtil.create("div", "landmap-basemap-notice");
                        box.setAttribute("role", "status");
                        box.style.cssText = {{ this.css_js }};
                        box.textContent = message;  // text, never markup
                        return box;
                    };
                    notice.addTo(layer._map);
                } else if (!on && notice) {
                    notice.remove();
                    notice = null;
                }
            }
            layer.on("loading", function () { loaded = 0; failed = 0; });
            layer.on("tileload", function () { loaded++; showNotice(false); });
            layer.on("tileerror", function () { failed++; });
            layer.on("load", function () { showNotice(failed > 0 && loaded === 0); });
            layer.on("remove", function () { showNotice(false); });
            return layer;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
        )
    )

    def __init__(self, url: str, failure: str, **options: object) -> None:
        super().__init__()
        self._name = "NoticedTileLayer"
        self.url_js = _js(url)
        self.options_js = _js(options)
        self.failure_js = _js(failure)
        self.css_js = _js(_NOTICE_CSS)


class MapNotice(MacroElement):
    """A fixed notice on the map, for a basemap that the server already knows cannot load."""

    _template = Template(
        compact_js(
            """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
            var notice = L.control({position: "bottomleft"});
            notice.onAdd = function () {
                var box = L.DomUtil.create("div", "landmap-basemap-notice");
                box.setAttribute("role", "status");
                box.style.cssText = {{ this.css_js }};
                box.textContent = {{ this.text_js }};
                return box;
            };
            {{ this.get_name() }}.on("add", function () { notice.addTo(this._map); });
            {{ this.get_name() }}.on("remove", function () { notice.remove(); });
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
        )
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "MapNotice"
        self.text_js = _js(text)
        self.css_js = _js(_NOTICE_CSS)


def offline_group(path: Path | None, lang: str) -> folium.FeatureGroup:
    """The district's own tiles, or a notice saying why there are none."""
    group = folium.FeatureGroup(name=t("basemap.offline", lang), control=False)
    if path is None:
        MapNotice(t("map.tiles_not_configured", lang)).add_to(group)
        return group
    try:
        tiles = open_tiles(path)
    except TileFileError:
        # The file name stays on the server (logs, README); the map says what to do.
        MapNotice(t("map.tiles_file_bad", lang)).add_to(group)
        return group
    options: dict[str, object] = {
        # Leaflet writes attributions as HTML: the file's own text is escaped.
        "attribution": html.escape(tiles.attribution),
        "minZoom": 0,
        "maxZoom": 19,
        # Deeper than the file goes, Leaflet enlarges its deepest tiles instead of asking.
        "maxNativeZoom": tiles.max_zoom,
        "minNativeZoom": tiles.min_zoom,
    }
    if tiles.bounds is not None:
        west, south, east, north = tiles.bounds
        options["bounds"] = [[south, west], [north, east]]  # no requests outside the imagery
    NoticedTileLayer(
        tile_url_template(tiles.version), t("map.tiles_failed_offline", lang), **options
    ).add_to(group)
    return group


def basemap_group(
    choice: str, tianditu_key: str | None, lang: str = "zh", tiles_path: Path | None = None
) -> folium.FeatureGroup | None:
    """The tile layers of ``choice`` in a feature group, or None (no basemap, or no key)."""
    if choice == OFFLINE:
        return offline_group(tiles_path, lang)
    if choice == "osm":
        group = folium.FeatureGroup(name="OpenStreetMap", control=False)
        NoticedTileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            t("map.tiles_failed_online", lang),
            attribution="&copy; OpenStreetMap contributors",
            maxZoom=19,
        ).add_to(group)
        return group
    if choice in TIANDITU_KEY_REQUIRED and tianditu_key:
        base, labels = ("vec", "cva") if choice == "tianditu_vec" else ("img", "cia")
        group = folium.FeatureGroup(name="天地图", control=False)
        for layer in (base, labels):
            NoticedTileLayer(
                tianditu_url(layer, tianditu_key),
                t("map.tiles_failed_online", lang),
                attribution="&copy; 天地图",
                subdomains="01234567",
                maxZoom=18,
            ).add_to(group)
        return group
    return None
