"""The map's legend: what the colours on the map mean, drawn on the map as a Leaflet control.

Only what the map draws is listed — the statuses (or deadline states) of the features that pass
the filter, each with how many features show it — so the legend shrinks with the filter and
never lists a status nobody can see. It is a control inside the map, not a block under it, so
it stays in view in full screen.

The legend travels with the data (``st_folium(feature_group_to_add=...)``): a group holding
only a ``LegendControl`` adds the control when Leaflet adds the group and removes it when the
next rerun swaps the groups, so the base map (and the user's zoom) never changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from landmap.i18n import t
from landmap.layers import (
    LAYER_BY_ID,
    UNKNOWN_STATUS_LABEL,
    UNKNOWN_STATUS_STYLE,
    GeometryKind,
    LayerSpec,
)
from landmap.map.view import deadline_styles, drawn_colour, script_safe_json, status_style
from landmap.progress.deadlines import DeadlineState

# The legend's own colours: dark text on an opaque white box, whatever lies under it.
# tests/unit/test_maplegend.py checks both texts reach WCAG AA (4.5:1) on this background.
LEGEND_BACKGROUND = "#ffffff"
LEGEND_TEXT = "#212121"
LEGEND_COUNT_TEXT = "#545454"
# A long legend must not hide the plots: on a map of usual size it keeps to the lower half of
# the right edge (one column, scrolling), so the middle — where a selected plot is shown —
# stays clear. On a wide map (full screen) more than ONE_COLUMN_MAX entries take two columns.
ONE_COLUMN_MAX = 12
WIDE_MAP_PX = 900


@dataclass(frozen=True)
class Swatch:
    """How one entry looks on the map: a filled square for areas, a stroke for lines."""

    fill: str  # the colour as seen on the map (half-transparent fills already blended)
    stroke: str
    stroke_width: float
    dashed: bool
    line: bool


@dataclass(frozen=True)
class LegendEntry:
    label: str
    count: int
    swatch: Swatch


@dataclass(frozen=True)
class LegendSection:
    """One block of the legend; ``layer`` is the layer-control name of the group it explains
    (empty when it explains several), so hiding that layer hides its block."""

    title: str
    layer: str
    entries: tuple[LegendEntry, ...]


@dataclass(frozen=True)
class Legend:
    title: str
    sections: tuple[LegendSection, ...]

    @property
    def entry_count(self) -> int:
        return sum(len(s.entries) for s in self.sections)


def swatch(style: Mapping[str, object], geometry: GeometryKind) -> Swatch:
    """The legend's picture of a Leaflet path style (``map.view.status_style``)."""
    weight = style.get("weight", 1.5)
    return Swatch(
        fill=drawn_colour(style),
        stroke=str(style["color"]),
        stroke_width=float(weight) if isinstance(weight, int | float) else 1.5,
        dashed="dashArray" in style,
        line=geometry is GeometryKind.LINE,
    )


def _drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The features the map draws (``feature_strings`` leaves out missing and empty shapes)."""
    if frame.empty:
        return frame
    geoms = frame.geometry.to_numpy()
    return frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def status_legend(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> Legend:
    """Per shown layer, its drawn statuses in the registry's order, with counts; codes the
    layer does not know are one "unknown status" entry."""
    sections = []
    for layer_id, frame in frames.items():
        spec = LAYER_BY_ID[layer_id]
        drawn = _drawable(frame)
        if drawn.empty:
            continue
        counts = drawn["status"].map(lambda c: c if isinstance(c, str) else "").value_counts()
        entries = [
            LegendEntry(
                status.label.get(lang),
                int(counts[status.code]),
                swatch(status_style(spec, status), spec.geometry),
            )
            for status in spec.statuses
            if status.code in counts
        ]
        unknown = int(counts[~counts.index.isin(spec.status_codes)].sum())
        if unknown:
            entries.append(
                LegendEntry(
                    UNKNOWN_STATUS_LABEL.get(lang),
                    unknown,
                    swatch(status_style(spec, UNKNOWN_STATUS_STYLE), spec.geometry),
                )
            )
        # The short name (as in the tooltips) keeps the box narrow; the full one is the group's.
        sections.append(
            LegendSection(spec.short_name.get(lang), spec.name.get(lang), tuple(entries))
        )
    return Legend(t("legend.title", lang), tuple(sections))


def deadline_legend(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> Legend:
    """The drawn deadline states, worst first, with counts over all shown layers."""
    counts: dict[DeadlineState, int] = {}
    shown: list[LayerSpec] = []
    for layer_id, frame in frames.items():
        drawn = _drawable(frame)
        if drawn.empty:
            continue
        shown.append(LAYER_BY_ID[layer_id])
        states = (
            drawn["deadline_state"]
            if "deadline_state" in drawn.columns
            else pd.Series(DeadlineState.NONE.value, index=drawn.index)
        )
        for state, count in states.value_counts().items():
            key = DeadlineState(state)
            counts[key] = counts.get(key, 0) + int(count)
    # Areas and lines share the deadline colours; picture them as areas unless only lines show.
    spec = next((s for s in shown if s.geometry is not GeometryKind.LINE), None)
    spec = spec or (shown[0] if shown else LAYER_BY_ID["idle_land"])
    styles = deadline_styles(spec)
    entries = tuple(
        LegendEntry(state.label.get(lang), counts[state], swatch(styles[state], spec.geometry))
        for state in DeadlineState
        if state in counts
    )
    # One block: the legend's own title says what it is, so the block needs none.
    sections = (LegendSection("", "", entries),) if entries else ()
    return Legend(t("legend.deadline", lang), sections)


def map_legend(frames: Mapping[str, gpd.GeoDataFrame], lang: str, colour: str) -> Legend:
    """The legend of the map as ``colour`` (``status`` or ``deadline``) draws ``frames``."""
    if colour == "deadline":
        return deadline_legend(frames, lang)
    return status_legend(frames, lang)


class LegendControl(MacroElement):
    """A Leaflet control (bottom right) listing a ``Legend``; shown while its parent group is
    on the map. Every text is set with ``textContent``: labels are data, never markup."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = {{ this.legend_js }};
            var colours = {{ this.colours_js }};
            var group = {{ this._parent.get_name() }};
            if (!legend.sections.length) { return; }  // nothing drawn, nothing to explain
            function ensureCss() {
                if (document.getElementById("landmap-legend-css")) { return; }
                var css = document.createElement("style");
                css.id = "landmap-legend-css";
                css.textContent = [
                    ".landmap-legend{background:" + colours.background + ";color:" + colours.text
                        + ";font:12px/1.3 system-ui,sans-serif;padding:5px 8px;border-radius:4px;"
                        + "box-shadow:0 1px 4px rgba(0,0,0,.35);max-width:420px}",
                    ".landmap-legend button{all:unset;cursor:pointer;font-weight:600;"
                        + "display:block;width:100%}",
                    ".landmap-legend button:focus-visible{outline:2px solid #1565c0;"
                        + "outline-offset:2px}",
                    ".landmap-legend-body{overflow-y:auto;margin-top:4px}",
                    ".landmap-legend-body.two{column-count:2;column-gap:14px}",
                    ".landmap-legend-section{break-inside:avoid;margin-bottom:3px}",
                    ".landmap-legend-section>b{display:block;font-weight:600}",
                    ".landmap-legend-row{display:flex;align-items:center;gap:5px;"
                        + "white-space:nowrap}",
                    ".landmap-legend-count{color:" + colours.count + ";margin-left:auto;"
                        + "padding-left:8px;font-variant-numeric:tabular-nums}",
                    ".landmap-legend-swatch{flex:none;box-sizing:border-box;width:13px}"
                ].join("\\n");
                document.head.appendChild(css);
            }
            function swatchOf(look) {
                var box = document.createElement("span");
                box.className = "landmap-legend-swatch";
                var edge = (look.dashed ? "dashed " : "solid ") + look.stroke;
                if (look.line) {
                    box.style.height = "0";
                    box.style.borderTop = Math.max(3, look.stroke_width) + "px " + edge;
                } else {
                    box.style.height = "12px";
                    box.style.background = look.fill;
                    box.style.border = Math.min(2.5, look.stroke_width) + "px " + edge;
                }
                return box;
            }
            var Legend = L.Control.extend({
                options: {position: "bottomright"},
                onAdd: function (map) {
                    ensureCss();
                    var box = L.DomUtil.create("div", "landmap-legend leaflet-control");
                    var toggle = document.createElement("button");
                    toggle.type = "button";
                    var body = L.DomUtil.create("div", "landmap-legend-body", box);
                    box.insertBefore(toggle, body);
                    var blocks = {};
                    legend.sections.forEach(function (section) {
                        var block = L.DomUtil.create("div", "landmap-legend-section", body);
                        if (section.title) {
                            var title = document.createElement("b");
                            title.textContent = section.title;
                            block.appendChild(title);
                        }
                        section.entries.forEach(function (entry) {
                            var row = L.DomUtil.create("div", "landmap-legend-row", block);
                            row.appendChild(swatchOf(entry.swatch));
                            var label = document.createElement("span");
                            label.className = "landmap-legend-label";
                            label.textContent = entry.label;
                            row.appendChild(label);
                            var count = document.createElement("span");
                            count.className = "landmap-legend-count";
                            count.textContent = String(entry.count);
                            row.appendChild(count);
                        });
                        if (section.layer) { blocks[section.layer] = block; }
                    });
                    // Open or closed survives the swap of legends on each filter change.
                    function show(open) {
                        window.landmapLegendClosed = !open;
                        body.style.display = open ? "" : "none";
                        toggle.textContent = (open ? "▾ " : "▸ ") + legend.title;
                        toggle.setAttribute("aria-expanded", open ? "true" : "false");
                    }
                    toggle.addEventListener("click", function () {
                        show(body.style.display === "none");
                    });
                    show(!window.landmapLegendClosed);
                    // Never over the middle of the map: half its height (scrolling) unless the
                    // map is wide enough for two columns beside the plots.
                    this._fit = function () {
                        var size = map.getSize();
                        var wide = size.x >= legend.wide_map_px;
                        body.classList.toggle("two", wide && legend.two_columns);
                        var room = wide ? size.y - 120 : size.y / 2;
                        body.style.maxHeight = Math.max(80, Math.round(room)) + "px";
                    };
                    // A layer switched off in the layer control takes its block along.
                    this._toggleLayer = function (e) {
                        var block = blocks[e.name];
                        if (block) { block.style.display = e.type === "overlayadd" ? "" : "none"; }
                    };
                    this._fit();
                    map.on("resize", this._fit);
                    map.on("overlayadd overlayremove", this._toggleLayer);
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    return box;
                },
                onRemove: function (map) {
                    map.off("resize", this._fit);
                    map.off("overlayadd overlayremove", this._toggleLayer);
                }
            });
            var control = new Legend();
            group.on("add", function () { control.addTo(group._map); });
            group.on("remove", function () { control.remove(); });
            if (group._map) { control.addTo(group._map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend: Legend) -> None:
        super().__init__()
        self._name = "LegendControl"
        payload = asdict(legend)
        payload["two_columns"] = legend.entry_count > ONE_COLUMN_MAX
        payload["wide_map_px"] = WIDE_MAP_PX
        self.legend_js = script_safe_json(json.dumps(payload, ensure_ascii=False))
        self.colours_js = json.dumps(
            {"background": LEGEND_BACKGROUND, "text": LEGEND_TEXT, "count": LEGEND_COUNT_TEXT}
        )


def legend_group(legend: Legend) -> folium.FeatureGroup:
    """A group for ``feature_group_to_add`` that carries the legend control (not listed in the
    layer control: it has nothing to switch)."""
    group = folium.FeatureGroup(name=legend.title, control=False)
    LegendControl(legend).add_to(group)
    return group
