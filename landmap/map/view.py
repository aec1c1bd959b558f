"""Filtered frames → the map: a light base map plus feature groups of compact GeoJSON.

Why not ``folium.GeoJson``: it embeds every column of the frame, full-precision coordinates and a
per-feature bbox, emits a style ``switch`` that grows with the feature count, and its
GeoJsonTooltip/GeoJsonPopup put values into ``innerHTML`` unescaped (security.md §2.1 X2).
Here each feature carries only ``id``, ``n`` (name), ``s`` (status code), ``u`` (subdistrict: an
index into ``SUBDISTRICT_ORDER``) and, once deadlines are judged, ``d`` (deadline state);
coordinates are rounded to ~0.1 m; colours and labels are looked up in small per-layer tables;
and tooltips are built with ``textContent``, so a name is always shown as text, never parsed as
HTML.

No Streamlit here: the UI hands the groups to ``st_folium(feature_group_to_add=...)``, which swaps
them inside the existing map, so filtering never resets the user's zoom
(streamlit-folium.md §1.3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from landmap.i18n import t
from landmap.layers import (
    LAYER_BY_ID,
    SUBDISTRICTS,
    UNKNOWN_STATUS_STYLE,
    GeometryKind,
    LayerSpec,
    StatusSpec,
)
from landmap.map.colours import blend
from landmap.map.compactjs import compact_js
from landmap.map.geoencode import DECODER_JS, EncodedGeometries, encode_geometries
from landmap.map.labels import (
    LABEL_ALWAYS_ZOOM,
    LABEL_FIT_PX,
    LABEL_MARKER_JS,
    LABEL_MAX_CHARS,
    LABEL_MIN_ZOOM,
    PLOT_LABEL_CSS,
    PLOT_LABELS_JS,
    place_group,
)
from landmap.map.offline import OfflineFullscreen, OfflineMap, OfflineMeasureControl
from landmap.map.places import Place
from landmap.progress.deadlines import DeadlineState

DISTRICT_CENTER = (26.612, 101.560)
# Without tiles Leaflet shows a dull grey; a paper tone reads better in meetings and print. The
# fills are half transparent, so this is also what their colours are seen against.
MAP_BACKGROUND = "#f3f1ec"

# The payload sends a subdistrict as its index here (one digit, not 5 CJK characters); a name
# the registry does not know is sent as it is.
SUBDISTRICT_ORDER: tuple[str, ...] = tuple(SUBDISTRICTS)
_SUBDISTRICT_INDEX = {name: i for i, name in enumerate(SUBDISTRICT_ORDER)}

SELECTION_STYLE = {"color": "#ff1744", "weight": 5, "opacity": 1.0, "fill": False}
BOUNDARY_STYLE = {
    "color": "#37474f",
    "weight": 2,
    "opacity": 0.8,
    "dashArray": "8 6",
    "fill": False,
}


# One per process: the sessions and audiences of a server draw the same shapes.
ENCODED = EncodedGeometries()


def feature_strings(frame: gpd.GeoDataFrame) -> pd.Series:
    """Each drawable feature as compact JSON text, indexed by feature id.

    ``{"id": …, "n": name, "s": status code, "g": encoded geometry}`` (see ``geoencode``), plus
    ``"u"``: the subdistrict (index into ``SUBDISTRICT_ORDER``, or the name if unknown), when
    the feature has one, and ``"d"``: the deadline state, when the frame has
    ``deadline_state`` (``deadlines``).
    Computed once per layer and data version; a filter change then only joins a subset.
    Features without geometry are left out (they stay in the table and the notice).
    """
    if frame.empty:
        return pd.Series([], dtype=object)
    geoms = frame.geometry.to_numpy()
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not drawable.any():
        return pd.Series([], dtype=object)
    shown = frame[drawable]
    # Plain lists: a text column read with Arrow iterates value by value ~8x slower.
    states = (
        shown["deadline_state"].astype(str).tolist()
        if "deadline_state" in shown.columns
        else [None] * len(shown)
    )
    places = (
        [_subdistrict_code(v) for v in shown["subdistrict"].tolist()]
        if "subdistrict" in shown.columns
        else [None] * len(shown)
    )
    texts = [
        _feature_head(fid, name, status, place, state) + ',"g":' + encoded + "}"
        for fid, name, status, place, state, encoded in zip(
            shown["id"].astype(str).tolist(),
            shown["name"].astype(str).tolist(),
            shown["status"].astype(str).tolist(),
            places,
            states,
            ENCODED.encode(geoms[drawable]),
            strict=True,
        )
    ]
    return pd.Series(texts, index=shown.index, dtype=object)


def _json_string(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False)`` of a text, without making an encoder per call
    (a new JSONEncoder for every feature was 0.4 s at 100,000 plots); a missing value (None,
    NaN) is the empty text, never JSON's invalid ``NaN``."""
    return _encode_basestring(value if isinstance(value, str) else "")


_encode_basestring = json.encoder.encode_basestring  # what json.dumps uses for ensure_ascii=False


def _feature_head(fid: str, name: str, status: str, place: int | str | None, state: object) -> str:
    """The feature's facts as a JSON object (``json.dumps``' spacing), without the closing brace."""
    head = f'{{"id": {_json_string(fid)}, "n": {_json_string(name)}, "s": {_json_string(status)}'
    if place is not None:
        head += f', "u": {place if isinstance(place, int) else _json_string(place)}'
    if isinstance(state, str) and state:
        head += f', "d": {_json_string(state)}'
    return head


def _subdistrict_code(value: object) -> int | str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if not text:
        return None
    return _SUBDISTRICT_INDEX.get(text, text)


def subdistrict_labels(lang: str) -> list[str]:
    """The tooltip text of each index in ``SUBDISTRICT_ORDER``."""
    return [SUBDISTRICTS[name].get(lang) for name in SUBDISTRICT_ORDER]


def feature_collection(strings: Sequence[str] | pd.Series) -> str:
    """The JSON array of encoded features that ``VectorLayer`` decodes in the browser."""
    return "[" + ",".join(strings) + "]"


def script_safe_json(text: str) -> str:
    """JSON that cannot end the <script> it sits in (``</script>``, ``<!--``) nor a JS line.

    The replacements only ever hit characters inside JSON strings, where the escapes are valid.
    """
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _js(value: object) -> str:
    return script_safe_json(json.dumps(value, ensure_ascii=False))


def deadline_styles(spec: LayerSpec) -> dict[str, dict]:
    """The Leaflet path style of each deadline state in one layer (map coloured by deadline)."""
    return {
        state.value: status_style(spec, StatusSpec(state.value, state.label, state.color))
        for state in DeadlineState
    }


def deadline_labels(lang: str) -> dict[str, str]:
    """Tooltip text per deadline state; features without a milestone say nothing about it."""
    return {s.value: s.label.get(lang) for s in DeadlineState if s is not DeadlineState.NONE}


def status_style(spec: LayerSpec, status: StatusSpec) -> dict[str, object]:
    """The Leaflet path style of one status in one layer."""
    if spec.geometry is GeometryKind.LINE:
        style: dict[str, object] = {
            "color": status.outline or status.color,
            "weight": 4,
            "opacity": 0.95,
        }
    else:
        style = {
            "color": status.outline or status.color,
            "weight": 2.5 if status.outline else 1.5,
            "opacity": 0.95,
            "fillColor": status.color,
            "fillOpacity": 0.55,
        }
    if status.dashed:
        style["dashArray"] = "6 4"
    return style


def drawn_colour(style: Mapping[str, object]) -> str:
    """The colour a path of ``style`` is seen in on the bare map: its fill (polygons) or its
    stroke (lines) at its opacity over ``MAP_BACKGROUND``."""
    if "fillColor" in style:
        return blend(str(style["fillColor"]), float(style["fillOpacity"]), MAP_BACKGROUND)
    return blend(str(style["color"]), float(style["opacity"]), MAP_BACKGROUND)


def layer_style_tables(
    spec: LayerSpec, codes_present: Sequence[str], lang: str
) -> tuple[dict[str, dict], dict[str, str], dict[str, object]]:
    """Styles and labels by status code, plus the grey style for codes the layer does not know."""
    styles = {s.code: status_style(spec, s) for s in spec.statuses}
    labels = {s.code: s.label.get(lang) for s in spec.statuses}
    for code in codes_present:
        if code not in labels:
            labels[code] = spec.status_label(code, lang)
    return styles, labels, status_style(spec, UNKNOWN_STATUS_STYLE)


# The Leaflet options of a data layer's L.geoJson: style and marker by a lookup table, and a
# tooltip built with textContent only (a name is data, never markup). Shared by VectorLayer
# and the large-mode ViewportLayer (viewport/layer.py), so both draw a plot the same way.
# ``c``: {styles, labels, fallback, layerName, interactive, styleKey, deadlineLabels,
# subdistricts}.
FEATURE_OPTIONS_JS = compact_js("""
function landmapFeatureOptions(c) {
    function styleOf(feature) {
        return c.styles[feature.properties[c.styleKey]] || c.fallback;
    }
    return {
        interactive: c.interactive,
        style: styleOf,
        pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, Object.assign({radius: 7}, styleOf(feature)));
        },
        onEachFeature: function (feature, sublayer) {
            if (!c.interactive) { return; }
            var box = document.createElement("div");
            var title = document.createElement("strong");
            title.textContent = feature.properties.n;
            var status = document.createElement("div");
            var code = feature.properties.s;
            status.textContent = c.layerName + " · " + (c.labels[code] || code);
            box.appendChild(title);
            box.appendChild(status);
            var u = feature.properties.u;
            var place = typeof u === "number" ? c.subdistricts[u] : u;
            if (place) {
                var where = document.createElement("div");
                where.textContent = place;
                box.appendChild(where);
            }
            var deadline = c.deadlineLabels[feature.properties.d];
            if (deadline) {
                var line = document.createElement("div");
                line.textContent = deadline;
                box.appendChild(line);
            }
            sublayer.bindTooltip(box, {sticky: true, direction: "top"});
        }
    };
}
""")


class _RawScript(Element):
    """Script text that is already rendered: added as it is, never compiled as a template.

    branca wraps each element's rendered script in a new Jinja template; with megabytes of data
    that costs most of the render time, and encoded text may contain "{{" that Jinja would
    choke on.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


class VectorLayer(MacroElement):
    """A GeoJSON layer drawn from pre-serialised text, styled and labelled by lookup tables."""

    _template = Template(
        compact_js(
            """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.decoder_js }}
            {{ this.options_js }}
            var styles = {{ this.styles_js }};
            var labels = {{ this.labels_js }};
            var fallback = {{ this.fallback_js }};
            var layerName = {{ this.layer_name_js }};
            var interactive = {{ this.interactive_js }};
            var styleKey = {{ this.style_key_js }};
            var deadlineLabels = {{ this.deadline_labels_js }};
            var subdistricts = {{ this.subdistricts_js }};
            var layer = L.geoJson(null, landmapFeatureOptions({
                styles: styles, labels: labels, fallback: fallback, layerName: layerName,
                interactive: interactive, styleKey: styleKey,
                deadlineLabels: deadlineLabels, subdistricts: subdistricts
            }));
            layer.addData(landmapFeatures({{ this.data_js }}));
            {% if this.labels_on %}
            {{ this.label_js }}
            landmapPlotLabels(layer, {{ this.label_args }});
            {% endif %}
            return layer;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
        )
    )

    def __init__(
        self,
        collection_json: str,
        *,
        styles: Mapping[str, Mapping[str, object]] | None = None,
        labels: Mapping[str, str] | None = None,
        fallback: Mapping[str, object] | None = None,
        layer_name: str = "",
        interactive: bool = True,
        style_key: str = "s",
        deadline_labels: Mapping[str, str] | None = None,
        subdistricts: Sequence[str] | None = None,
        plot_labels: bool = False,
    ) -> None:
        super().__init__()
        self._name = "VectorLayer"
        self.data_js = script_safe_json(collection_json)
        self.decoder_js = DECODER_JS
        self.options_js = FEATURE_OPTIONS_JS
        self.styles_js = _js(dict(styles or {}))
        self.labels_js = _js(dict(labels or {}))
        self.fallback_js = _js(dict(fallback or {}))
        self.layer_name_js = _js(layer_name)
        self.interactive_js = "true" if interactive else "false"
        # "s": colour by status; "d": colour by deadline state.
        self.style_key_js = _js(style_key)
        self.deadline_labels_js = _js(dict(deadline_labels or {}))
        self.subdistricts_js = _js(list(subdistricts or []))
        # Names on the plots from a zoom where they fit (map/labels.py), decided in the browser.
        self.labels_on = plot_labels
        self.label_js = LABEL_MARKER_JS + PLOT_LABELS_JS
        numbers = (LABEL_MIN_ZOOM, LABEL_FIT_PX, LABEL_ALWAYS_ZOOM, LABEL_MAX_CHARS)
        self.label_args = ", ".join([*map(str, numbers), _js(PLOT_LABEL_CSS)])

    def render(self, **kwargs: object) -> None:
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_RawScript(script), name=self.get_name())


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomleft"})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


@dataclass(frozen=True)
class MapLayers:
    """What the map shows besides its base: one group per shown layer plus context groups."""

    groups: list[folium.FeatureGroup]
    feature_count: int


def build_feature_groups(
    strings_by_layer: Mapping[str, pd.Series],
    shown_ids: Mapping[str, Sequence[str] | pd.Index],
    lang: str,
    *,
    codes_by_layer: Mapping[str, Sequence[str]] | None = None,
    selected: tuple[str, str] | None = None,
    boundary_json: str | None = None,
    basemap: folium.FeatureGroup | None = None,
    colour: str = "status",
    places: Sequence[Place] = (),
    data_group: folium.FeatureGroup | None = None,
) -> MapLayers:
    """Feature groups for ``st_folium(feature_group_to_add=...)``.

    ``strings_by_layer`` are the cached ``feature_strings`` of whole layers; ``shown_ids`` the ids
    that pass the filter; ``selected`` is (layer id, feature id) of the highlighted feature.
    ``data_group``, in large mode, is drawn instead of one group per layer (it loads the shown
    features by view: viewport/layer.py); the count is then that of the shown ids.
    """
    groups: list[folium.FeatureGroup] = []
    if basemap is not None:
        groups.append(basemap)
    if boundary_json is not None:
        context = folium.FeatureGroup(name=t("map.boundary", lang), control=True)
        VectorLayer(boundary_json, fallback=BOUNDARY_STYLE, interactive=False).add_to(context)
        groups.append(context)
    if places:
        names = place_group(tuple(places), t("map.places", lang), lang)
        if names is not None:
            groups.append(names)
    count = 0
    if data_group is not None:
        groups.append(data_group)
        count = sum(len(ids) for ids in shown_ids.values())
    for layer_id, ids in ({} if data_group is not None else shown_ids).items():
        spec = LAYER_BY_ID[layer_id]
        strings = strings_by_layer.get(layer_id, pd.Series([], dtype=object))
        subset = strings[strings.index.isin(ids)] if len(strings) else strings
        count += len(subset)
        codes = (codes_by_layer or {}).get(layer_id, ())
        styles, labels, fallback = layer_style_tables(spec, codes, lang)
        by_deadline = colour == "deadline"
        if by_deadline:
            styles = deadline_styles(spec)
            fallback = styles[DeadlineState.NONE]
        group = folium.FeatureGroup(name=spec.name.get(lang))
        VectorLayer(
            feature_collection(subset.tolist()),
            styles=styles,
            labels=labels,
            fallback=fallback,
            layer_name=spec.short_name.get(lang),
            style_key="d" if by_deadline else "s",
            deadline_labels=deadline_labels(lang),
            subdistricts=subdistrict_labels(lang),
            plot_labels=spec.geometry is not GeometryKind.LINE,
        ).add_to(group)
        groups.append(group)
    if selected is not None:
        layer_id, feature_id = selected
        strings = strings_by_layer.get(layer_id)
        if strings is not None and feature_id in strings.index:
            highlight = folium.FeatureGroup(name=t("map.selected", lang), control=False)
            VectorLayer(
                feature_collection([strings[feature_id]]),
                fallback=SELECTION_STYLE,
                interactive=False,
            ).add_to(highlight)
            groups.append(highlight)
    return MapLayers(groups, count)


def boundary_collection(boundary: gpd.GeoDataFrame | None) -> str | None:
    """The district outline as an encoded feature list (context only: no id, no tooltip)."""
    if boundary is None or boundary.empty:
        return None
    geoms = boundary.geometry.to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    features = ['{"id":"","n":"","s":"","g":' + g + "}" for g in encode_geometries(geoms)]
    return feature_collection(features)


def base_map(lang: str, bounds: Sequence[Sequence[float]] | None = None) -> folium.Map:
    """The map without data: controls only, identical on every rerun (stable component id)."""
    fmap = OfflineMap(
        location=DISTRICT_CENTER,
        zoom_start=12,
        tiles=None,
        control_scale=False,  # folium's scale adds miles; ours is metric only
        min_zoom=8,
        zoom_snap=0.25,  # lets the first view fit the data snugly
        max_zoom=19,
    )
    OfflineFullscreen(
        position="topleft",
        title=t("map.fullscreen", lang),
        title_cancel=t("map.fullscreen_exit", lang),
    ).add_to(fmap)
    OfflineMeasureControl(lang=lang).add_to(fmap)
    MetricScale().add_to(fmap)
    fmap.get_root().header.add_child(
        Element(f"<style>.leaflet-container{{background:{MAP_BACKGROUND}}}</style>"),
        name="landmap_css",
    )
    if bounds is not None:
        fmap.fit_bounds(bounds)
    return fmap


def bounds_of(frame: gpd.GeoDataFrame | None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of a frame's drawable geometry, for fit_bounds."""
    if frame is None or frame.empty:
        return None
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(geoms[present])
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return None
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def initial_bounds(
    frames: Mapping[str, gpd.GeoDataFrame], boundary: gpd.GeoDataFrame | None
) -> list[list[float]] | None:
    """Where the map opens: all features (whatever the filter, so the view never jumps),
    or the district outline when there is no data."""
    boxes = [b for b in (bounds_of(f) for f in frames.values()) if b is not None]
    if not boxes:
        return bounds_of(boundary)
    south = min(b[0][0] for b in boxes)
    west = min(b[0][1] for b in boxes)
    north = max(b[1][0] for b in boxes)
    east = max(b[1][1] for b in boxes)
    return [[south, west], [north, east]]


def feature_bounds(geometry: shapely.Geometry, margin_m: float = 150.0) -> list[list[float]]:
    """Bounds around one feature with a margin, so the plot is seen with its surroundings."""
    minx, miny, maxx, maxy = geometry.bounds
    pad_lat = margin_m / 111_320.0
    pad_lng = pad_lat / max(np.cos(np.radians((miny + maxy) / 2)), 0.1)
    return [[miny - pad_lat, minx - pad_lng], [maxy + pad_lat, maxx + pad_lng]]


def focus_on(geometry: shapely.Geometry) -> tuple[dict[str, float], int]:
    """Center and zoom that show one feature (used when it is selected from the table or URL)."""
    minx, miny, maxx, maxy = geometry.bounds
    center = {"lat": (miny + maxy) / 2, "lng": (minx + maxx) / 2}
    span = max(maxx - minx, maxy - miny, 1e-4)
    zoom = int(np.clip(np.floor(np.log2(360 / span)) - 1, 12, 17))
    return center, zoom
