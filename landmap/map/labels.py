"""Text on the map, decided in the browser: plot names from a zoom where they fit, and place
names over each place's own range of zooms.

Labels are Leaflet markers with a ``divIcon`` whose text is set with ``textContent`` (a name is
data, never markup). Which labels show is worked out on every ``zoomend``/``moveend`` in the
map frame itself, so panning and zooming never rerun the app.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

from landmap.map.compactjs import compact_js
from landmap.map.places import Place, places_json

# Plot names appear from this zoom where the plot is at least FIT_PX wide on screen, and from
# ALWAYS_ZOOM on for every plot in view (≈ 0.5 m a pixel: even a small plot is 100 px wide).
LABEL_MIN_ZOOM = 15
LABEL_FIT_PX = 48
LABEL_ALWAYS_ZOOM = 18
LABEL_MAX_CHARS = 10  # longer names are cut with "…": the tooltip has the whole name

# Dark text with a white halo: legible on the paper background, on fills and on imagery.
_HALO = "0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff"
PLOT_LABEL_CSS = (
    "position:absolute;transform:translate(-50%,-50%);white-space:nowrap;"
    f"font:600 12px/1.2 sans-serif;color:#1a1a1a;text-shadow:{_HALO};pointer-events:none"
)
PLACE_LABEL_CSS = (
    "position:absolute;transform:translate(-50%,-50%);white-space:nowrap;"
    f"font:italic 13px/1.2 serif;color:#37474f;letter-spacing:1px;text-shadow:{_HALO};"
    "pointer-events:none"
)

# Shared by both label kinds: a marker that shows ``text``, centred on its point, not clickable.
LABEL_MARKER_JS = compact_js("""
function landmapLabel(latlng, text, css, className) {
    var span = document.createElement("span");
    span.textContent = text;
    span.style.cssText = css;
    return L.marker(latlng, {
        icon: L.divIcon({className: className, html: span, iconSize: null}),
        interactive: false,
        keyboard: false
    });
}
""")

# Inside VectorLayer's (or ViewportLayer's) function: ``layer`` is the L.geoJson of one data
# layer. Plots added to it later (large mode loads them by view) get their label too, and a
# plot removed takes its label along. Returns ``sync``, to call after adding a batch.
PLOT_LABELS_JS = compact_js("""
function landmapPlotLabels(layer, minZoom, fitPx, alwaysZoom, maxChars, css) {
    var labels = {}, group = L.layerGroup(), map = null;
    function track(sub) {
        var p = sub.feature && sub.feature.properties;
        if (!p) { return; }
        var text = String(p.n || p.id || "");
        if (!text) { return; }
        if (text.length > maxChars) { text = text.slice(0, maxChars - 1) + "\\u2026"; }
        var bounds = sub.getBounds ? sub.getBounds() : L.latLngBounds([sub.getLatLng()]);
        // The marker is made the first time it is shown: thousands of plots cost no DOM
        // until someone zooms in on them.
        labels[L.stamp(sub)] = {bounds: bounds, text: text, marker: null};
    }
    function untrack(sub) {
        var id = L.stamp(sub), l = labels[id];
        if (!l) { return; }
        if (l.marker) { group.removeLayer(l.marker); }
        delete labels[id];
    }
    layer.eachLayer(track);
    layer.on("layeradd", function (e) { track(e.layer); });
    layer.on("layerremove", function (e) { untrack(e.layer); });
    function sync() {
        if (!map) { return; }
        var z = map.getZoom(), view = map.getBounds().pad(0.25);
        for (var id in labels) {
            var l = labels[id], show = false;
            if (z >= minZoom && view.intersects(l.bounds)) {
                var sw = map.project(l.bounds.getSouthWest(), z);
                var ne = map.project(l.bounds.getNorthEast(), z);
                show = z >= alwaysZoom || (ne.x - sw.x) >= fitPx;
            }
            if (show && !l.marker) {
                l.marker = landmapLabel(l.bounds.getCenter(), l.text, css, "landmap-plot-label");
            }
            if (l.marker && show !== group.hasLayer(l.marker)) {
                if (show) { group.addLayer(l.marker); } else { group.removeLayer(l.marker); }
            }
        }
    }
    layer.on("add", function () {
        map = layer._map;
        group.addTo(map);
        map.on("zoomend moveend", sync);
        sync();
    });
    layer.on("remove", function () {
        if (map) { map.off("zoomend moveend", sync); }
        group.remove();
        map = null;
    });
    return sync;
}
""")


class PlaceLabels(MacroElement):
    """The place names of ``data/places.csv``, each shown between its min and max zoom."""

    _template = Template(
        compact_js(
            """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.marker_js }}
            var places = {{ this.places_js }};
            var group = L.layerGroup(), map = null;
            var labels = places.map(function (p) {
                return {min: p[3], max: p[4],
                        marker: landmapLabel([p[1], p[2]], p[0], {{ this.css_js }},
                                             "landmap-place-label")};
            });
            function sync() {
                var z = map.getZoom();
                labels.forEach(function (l) {
                    var show = z >= l.min && z <= l.max;
                    if (show !== group.hasLayer(l.marker)) {
                        if (show) { group.addLayer(l.marker); }
                        else { group.removeLayer(l.marker); }
                    }
                });
            }
            group.on("add", function () { map = group._map; map.on("zoomend", sync); sync(); });
            group.on("remove", function () { if (map) { map.off("zoomend", sync); } });
            return group;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
        )
    )

    def __init__(self, places: tuple[Place, ...], lang: str) -> None:
        super().__init__()
        self._name = "PlaceLabels"
        self.marker_js = LABEL_MARKER_JS
        self.places_js = _script_safe(places_json(places, lang))
        self.css_js = _script_safe(f'"{PLACE_LABEL_CSS}"')


def place_group(places: tuple[Place, ...], name: str, lang: str) -> folium.FeatureGroup | None:
    """The place-name layer (in the layer control, so it can be switched off), or None."""
    if not places:
        return None
    group = folium.FeatureGroup(name=name, control=True)
    PlaceLabels(places, lang).add_to(group)
    return group


def _script_safe(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
