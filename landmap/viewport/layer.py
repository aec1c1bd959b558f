"""The large-mode map layer: Leaflet loads the features (or aggregates) of what it shows.

``ViewportLayer`` is one ``FeatureGroup`` holding an ``L.geoJson`` per shown layer, created at
once and empty: st_folium binds its click handler on them when the group is added, and clicks
on plots added later bubble up to them, so ``last_active_drawing`` still carries the plot's
``properties.id`` and selection works as on the small map. On every ``moveend`` (and resize)
the layer works out the tiles covering the view, one zoom below the map's (512 px each), and
fetches those it lacks from ``viewport.route`` (URL relative to the iframe, as
``tiles.route.tile_url_template``). Two things spare requests: tiles beyond the view's extent
are never asked for (they hold nothing), and the answers of the opening view's tiles come with
the page (``tiles.opening_tiles``: the route's own answers, when they are small, at the zooms
the opening view may have), so the first features are drawn without waiting for a request.
Features are added once per id however many tiles carry them (a count of tiles per feature),
and when the loads of a view are done, tiles out of the view (beyond a margin of one tile) are
dropped with the features only they carried.

Aggregates (dense tiles at low zoom) are circle markers sized by count and coloured by the
dominant status, with the count on them and a tooltip listing count and 亩 per status (built
with ``textContent``). They are added to the map directly, not to the group, so a click on one
zooms in instead of rerunning the app with an empty selection.

Styles, tooltips and plot labels come from the same JS as ``map.view.VectorLayer``
(``FEATURE_OPTIONS_JS``, ``PLOT_LABELS_JS``). Progress for tests and the benchmark:
``data-landmap-pending`` (fetches in flight) and ``data-landmap-loaded`` (tiles loaded, fetched
or sent with the page, ever, across filter changes: a new layer carries the count on) on the
map's container element.

A filter change registers a new view (new token): st_folium swaps the feature group, the old
layer removes everything it drew, and the new one loads the current view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.map.compactjs import compact_js
from landmap.map.geoencode import DECODER_JS
from landmap.map.labels import (
    LABEL_ALWAYS_ZOOM,
    LABEL_FIT_PX,
    LABEL_MARKER_JS,
    LABEL_MAX_CHARS,
    LABEL_MIN_ZOOM,
    PLOT_LABEL_CSS,
    PLOT_LABELS_JS,
)
from landmap.map.view import (
    FEATURE_OPTIONS_JS,
    _js,
    _RawScript,
    deadline_labels,
    deadline_styles,
    layer_style_tables,
    script_safe_json,
    subdistrict_labels,
)
from landmap.viewport.route import ROUTE_NAME

CLUSTER_LABEL_CSS = (
    "position:absolute;transform:translate(-50%,-50%);white-space:nowrap;"
    "font:600 11px/1 sans-serif;color:#1a1a1a;text-shadow:0 0 2px #fff,0 0 2px #fff;"
    "pointer-events:none"
)

VIEWPORT_JS = compact_js("""
function landmapViewport(base, configs, labelArgs, text, opening, extent) {
    var root = L.featureGroup(), map = null;
    var tiles = {}, inflight = {}, wanted = {}, pending = 0, loaded = 0;
    var made = null;
    var syncs = [];
    var layers = configs.map(function (c) {
        var options = landmapFeatureOptions(c), each = options.onEachFeature;
        options.onEachFeature = function (feature, sub) { made = sub; each(feature, sub); };
        var g = L.geoJson(null, options);
        g.byId = {};
        root.addLayer(g);
        if (c.plotLabels) {
            syncs.push(landmapPlotLabels.apply(null, [g].concat(labelArgs)));
        }
        return g;
    });
    function mark() {
        if (!map) { return; }
        var el = map.getContainer();
        el.setAttribute("data-landmap-pending", String(pending));
        el.setAttribute("data-landmap-loaded", String(loaded));
    }
    function tileX(lng, n) {
        return Math.min(n - 1, Math.max(0, Math.floor((lng + 180) / 360 * n)));
    }
    function tileY(lat, n) {
        lat = Math.max(-85.05112878, Math.min(85.05112878, lat));
        var r = lat * Math.PI / 180;
        var f = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
        return Math.min(n - 1, Math.max(0, Math.floor(f * n)));
    }
    function range(pad) {
        var z = Math.max(0, Math.floor(map.getZoom()) - 1), n = Math.pow(2, z);
        var b = map.getBounds();
        return {z: z, x0: tileX(b.getWest(), n) - pad, x1: tileX(b.getEast(), n) + pad,
                y0: tileY(b.getNorth(), n) - pad, y1: tileY(b.getSouth(), n) + pad};
    }
    function refresh() {
        if (!map) { return; }
        var r = range(0), n = Math.pow(2, r.z);
        wanted = {};
        // Tiles beyond the view's extent hold nothing: not asked for.
        var x0 = extent ? Math.max(r.x0, tileX(extent[0], n)) : r.x0;
        var x1 = extent ? Math.min(r.x1, tileX(extent[2], n)) : r.x1;
        var y0 = extent ? Math.max(r.y0, tileY(extent[3], n)) : r.y0;
        var y1 = extent ? Math.min(r.y1, tileY(extent[1], n)) : r.y1;
        for (var x = x0; x <= x1; x++) {
            for (var y = y0; y <= y1; y++) {
                var key = r.z + "/" + x + "/" + y;
                wanted[key] = true;
                if (!tiles[key] && !inflight[key]) { load(key); }
            }
        }
        if (pending === 0) { prune(); }
        mark();
    }
    function load(key) {
        // Sent with the page (the opening view): drawn now, no request.
        if (opening[key]) {
            show(key, opening[key]);
            loaded += 1;
            syncs.forEach(function (sync) { sync(); });
            return;
        }
        inflight[key] = true;
        pending += 1;
        fetch(base + key, {credentials: "same-origin"}).then(function (response) {
            if (response.status === 404) { expired(); }
            return response.ok ? response.json() : null;
        }).then(function (answer) {
            // A tile the view has moved away from meanwhile is not drawn.
            if (answer && map && wanted[key] && !tiles[key]) { show(key, answer); }
        }).catch(function () { return null; }).then(function () {
            delete inflight[key];
            pending -= 1;
            loaded += 1;
            if (pending === 0) { prune(); }
            syncs.forEach(function (sync) { sync(); });
            mark();
        });
    }
    // The server no longer holds this view (restarted, or the view was evicted or expired):
    // say so once on the map; a reload registers it again.
    var notice = null;
    function expired() {
        if (notice || !map) { return; }
        notice = L.control({position: "topright"});
        notice.onAdd = function () {
            var box = L.DomUtil.create("div", "landmap-view-expired");
            box.textContent = text.expired;
            box.style.cssText = "background:#fff8e1;border:1px solid #f0b400;padding:4px 8px;" +
                "font:13px sans-serif;border-radius:4px;max-width:260px";
            return box;
        };
        notice.addTo(map);
    }
    function show(key, answer) {
        var entry = {features: [], markers: []};
        tiles[key] = entry;
        (answer.f || []).forEach(function (items, i) {
            var g = layers[i];
            if (!g) { return; }
            landmapFeatures(items).forEach(function (feature) {
                var id = feature.properties.id, known = g.byId[id];
                if (known) {
                    known.refs += 1;
                } else {
                    made = null;
                    g.addData(feature);
                    if (made) { g.byId[id] = {layer: made, refs: 1}; }
                }
                entry.features.push([i, id]);
            });
        });
        (answer.a || []).forEach(function (cell) {
            entry.markers.push.apply(entry.markers, cluster(cell));
        });
    }
    function cluster(cell) {
        var parts = cell[2], top = parts[0], c = configs[top[0]];
        var total = 0, mu = 0;
        parts.forEach(function (p) { total += p[2]; mu += p[3]; });
        var style = Object.assign({}, c.styles[top[1]] || c.fallback);
        var radius = Math.min(24, 6 + 3 * Math.log(total + 1) / Math.LN2 * 0.9);
        var marker = L.circleMarker([cell[0], cell[1]], Object.assign(style, {
            radius: radius, fillOpacity: 0.75, weight: 1.5, className: "landmap-cluster"
        }));
        var box = document.createElement("div");
        var head = document.createElement("strong");
        head.textContent = text.count.replace("{count}", total) + " \\u00b7 " +
            text.area.replace("{mu}", mu.toFixed(1));
        box.appendChild(head);
        parts.forEach(function (p) {
            var conf = configs[p[0]], line = document.createElement("div");
            var label = (conf.styleKey === "d" ? conf.deadlineLabels[p[1]] : conf.labels[p[1]]);
            line.textContent = conf.layerName + " \\u00b7 " + (label || p[1]) + ": " +
                text.count.replace("{count}", p[2]) + ", " + text.area.replace("{mu}", p[3]);
            box.appendChild(line);
        });
        var hint = document.createElement("div");
        hint.textContent = text.hint;
        hint.style.opacity = "0.7";
        box.appendChild(hint);
        marker.bindTooltip(box, {sticky: true, direction: "top"});
        marker.on("click", function () {
            map.setView(marker.getLatLng(), Math.min(map.getMaxZoom(), map.getZoom() + 2));
        });
        var label = landmapLabel([cell[0], cell[1]], String(total), text.css,
                                 "landmap-cluster-label");
        marker.addTo(map);
        label.addTo(map);
        return [marker, label];
    }
    function prune() {
        var keep = range(1);
        for (var key in tiles) {
            if (wanted[key]) { continue; }
            var p = key.split("/").map(Number);
            var near = p[0] === keep.z && p[1] >= keep.x0 && p[1] <= keep.x1 &&
                p[2] >= keep.y0 && p[2] <= keep.y1;
            if (!near) { drop(key); }
        }
    }
    function drop(key) {
        var entry = tiles[key];
        delete tiles[key];
        entry.features.forEach(function (f) {
            var g = layers[f[0]], known = g.byId[f[1]];
            if (!known) { return; }
            known.refs -= 1;
            if (known.refs <= 0) {
                g.removeLayer(known.layer);
                delete g.byId[f[1]];
            }
        });
        entry.markers.forEach(function (m) { if (map) { map.removeLayer(m); } });
    }
    root.on("add", function () {
        map = root._map;
        // Counted on the container, so the count keeps rising when a filter swaps layers.
        loaded = Number(map.getContainer().getAttribute("data-landmap-loaded") || 0);
        map.on("moveend resize", refresh);
        mark();
        refresh();
    });
    root.on("remove", function () {
        if (map) {
            map.off("moveend resize", refresh);
            Object.keys(tiles).forEach(drop);
        }
        if (notice) { notice.remove(); notice = null; }
        wanted = {};
        map = null;
    });
    return root;
}
""")


class ViewportLayer(MacroElement):
    """The large-mode data layer of one registered view (see the module docstring)."""

    _template = Template(
        compact_js(
            """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.scripts }}
            return landmapViewport({{ this.base_js }}, {{ this.configs_js }},
                                   [{{ this.label_args }}], {{ this.text_js }},
                                   {{ this.opening_js }}, {{ this.extent_js }});
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
        )
    )

    def __init__(
        self,
        token: str,
        configs: Sequence[Mapping[str, object]],
        lang: str,
        opening: Mapping[str, str] | None = None,
        extent: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        self._name = "ViewportLayer"
        self.scripts = "\n".join(
            [DECODER_JS, FEATURE_OPTIONS_JS, LABEL_MARKER_JS, PLOT_LABELS_JS, VIEWPORT_JS]
        )
        # Relative to the map iframe (<base>/component/streamlit_folium.st_folium/index.html).
        self.base_js = _js(f"../../{ROUTE_NAME}/{token}/")
        self.configs_js = _js([dict(c) for c in configs])
        # Answers are the route's JSON text: an object literal as they are, made script-safe.
        self.opening_js = (
            "{"
            + ",".join(
                f"{_js(key)}:{script_safe_json(text)}" for key, text in (opening or {}).items()
            )
            + "}"
        )
        self.extent_js = _js(list(extent) if extent is not None else None)
        numbers = (LABEL_MIN_ZOOM, LABEL_FIT_PX, LABEL_ALWAYS_ZOOM, LABEL_MAX_CHARS)
        self.label_args = ", ".join([*map(str, numbers), _js(PLOT_LABEL_CSS)])
        self.text_js = _js(
            {
                "count": t("map.cluster_count", lang),
                "area": t("map.cluster_area", lang),
                "hint": t("map.cluster_hint", lang),
                "expired": t("map.view_expired", lang),
                "css": CLUSTER_LABEL_CSS,
            }
        )

    def render(self, **kwargs: object) -> None:
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_RawScript(script), name=self.get_name())


def layer_config(
    layer_id: str, codes: Sequence[str], lang: str, colour: str = "status"
) -> dict[str, object]:
    """What the browser needs to draw one layer: the same tables ``VectorLayer`` gets."""
    spec = LAYER_BY_ID[layer_id]
    styles, labels, fallback = layer_style_tables(spec, codes, lang)
    by_deadline = colour == "deadline"
    if by_deadline:
        styles = deadline_styles(spec)
        fallback = styles["none"]
    return {
        "styles": styles,
        "labels": labels,
        "fallback": fallback,
        "layerName": spec.short_name.get(lang),
        "interactive": True,
        "styleKey": "d" if by_deadline else "s",
        "deadlineLabels": deadline_labels(lang),
        "subdistricts": subdistrict_labels(lang),
        "plotLabels": spec.geometry is not GeometryKind.LINE,
    }


def viewport_group(
    token: str,
    layer_ids: Sequence[str],
    lang: str,
    *,
    codes_by_layer: Mapping[str, Sequence[str]] | None = None,
    colour: str = "status",
    opening: Mapping[str, str] | None = None,
    extent: Sequence[float] | None = None,
) -> folium.FeatureGroup:
    """The feature group st_folium adds in large mode, for the view ``token``; ``layer_ids``
    in the order of the view's layers (the tiles' answers list layers by position).

    ``opening``: tile answers sent with the page (``tiles.opening_tiles``), drawn without a
    request; ``extent``: (west, south, east, north) of the view's features, beyond which no
    tile is asked for (``tiles.view_extent``)."""
    configs = [
        layer_config(lid, (codes_by_layer or {}).get(lid, ()), lang, colour) for lid in layer_ids
    ]
    group = folium.FeatureGroup(name=t("map.large_layer", lang))
    ViewportLayer(token, configs, lang, opening=opening, extent=extent).add_to(group)
    return group
