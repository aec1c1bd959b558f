"""The one crossing between Python and the Leaflet map: st_folium, plus the legend beside it."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from landmap.access import Audience
from landmap.basemaps import basemap_group
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.deadlines import DeadlineState
from landmap.escaping import html_text
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, UNKNOWN_STATUS_STYLE, GeometryKind
from landmap.mapview import base_map, build_feature_groups, feature_bounds, initial_bounds
from landmap.ui import data, state

MAP_KEY = "map"
MAP_HEIGHT = 620
# Only feature clicks rerun the app; panning and zooming stay in the browser.
RETURNED_OBJECTS = ["last_active_drawing", "last_object_clicked_count"]


def render_map(
    dataset: Dataset,
    settings: Settings,
    shown: Mapping[str, gpd.GeoDataFrame],
    lang: str,
    basemap: str,
    audience: Audience,
    colour: str = "status",
) -> int:
    """Draw the map (coloured by status or by deadline); returns how many features it draws.

    The payload comes from ``audience``'s frames: the public one has no deadline state."""
    selected = state.selected_id()
    found = dataset.feature(selected) if selected else None
    layers = build_feature_groups(
        data.layer_strings(settings, dataset, audience),
        {layer_id: frame.index for layer_id, frame in shown.items()},
        lang,
        codes_by_layer={lid: tuple(f["status"].unique()) for lid, f in dataset.frames.items()},
        selected=(found[0].id, selected) if found else None,
        boundary_json=data.boundary_json(settings, dataset),
        basemap=basemap_group(basemap, settings.tianditu_key),
        colour=colour,
    )
    # A fresh, data-free base map each run: its script never changes, so the map is not
    # remounted and keeps the user's zoom; data arrives through feature_group_to_add.
    fmap = base_map(lang, bounds=_opening_bounds(dataset))
    focus = st.session_state.get(state.FOCUS)
    st_folium(
        fmap,
        key=MAP_KEY,
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=layers.groups,
        layer_control=folium.LayerControl(collapsed=True),
        returned_objects=RETURNED_OBJECTS,
        on_change=_on_map_click,
        center=focus[0] if focus else None,
        zoom=focus[1] if focus else None,
    )
    return layers.feature_count


def _opening_bounds(dataset: Dataset) -> list[list[float]] | None:
    """Where the map opens, fixed for the whole session so the base map never changes.

    A shared link with ``plot=`` opens on that feature. This is done by the base map's own
    fitBounds, not by st_folium's ``center``/``zoom``: the first render happens while the
    component frame may still be hidden, and Leaflet's zoom animation then never finishes.
    """
    if state.INITIAL_BOUNDS not in st.session_state:
        selected = state.selected_id()
        found = dataset.feature(selected) if selected else None
        shape = found[1].geometry if found else None
        st.session_state[state.INITIAL_BOUNDS] = (
            feature_bounds(shape)
            if shape is not None
            else initial_bounds(dataset.frames, dataset.boundary)
        )
    return st.session_state[state.INITIAL_BOUNDS]


def _on_map_click() -> None:
    value = st.session_state.get(MAP_KEY) or {}
    drawing = value.get("last_active_drawing") or {}
    feature_id = (drawing.get("properties") or {}).get("id")
    if isinstance(feature_id, str) and feature_id:
        state.select(feature_id)


def render_legend(shown_layer_ids: list[str], lang: str, colour: str = "status") -> None:
    """Colour keys for the shown layers (our own labels, escaped all the same)."""
    if colour == "deadline":
        items = "".join(
            _swatch(s.color, None, False, GeometryKind.POLYGON, s.label.get(lang))
            for s in DeadlineState
        )
        caption = html_text(t("legend.deadline", lang))
        st.html(
            f'<div style="font-size:0.8rem;line-height:1.6"><b style="margin-right:6px">'
            f"{caption}</b>{items}</div>"
        )
        return
    rows = []
    for layer_id in shown_layer_ids:
        spec = LAYER_BY_ID[layer_id]
        items = [
            _swatch(s.color, s.outline, s.dashed, spec.geometry, s.label.get(lang))
            for s in spec.statuses
        ]
        items.append(
            _swatch(
                UNKNOWN_STATUS_STYLE.color,
                UNKNOWN_STATUS_STYLE.outline,
                True,
                spec.geometry,
                t("legend.unknown", lang),
            )
        )
        rows.append(
            f'<div style="margin:2px 0"><b style="margin-right:6px">'
            f"{html_text(spec.name.get(lang))}</b>{''.join(items)}</div>"
        )
    if rows:
        st.html(f'<div style="font-size:0.8rem;line-height:1.6">{"".join(rows)}</div>')


def _swatch(
    color: str, outline: str | None, dashed: bool, geometry: GeometryKind, label: str
) -> str:
    border = f"2px {'dashed' if dashed else 'solid'} {outline or color}"
    if geometry is GeometryKind.LINE:
        shape = f"display:inline-block;width:18px;height:0;border-top:4px solid {color};"
        if outline:
            shape = f"display:inline-block;width:18px;height:0;border-top:{border};"
    else:
        shape = (
            f"display:inline-block;width:12px;height:12px;background:{color};"
            f"border:{border};opacity:0.85;"
        )
    return (
        f'<span style="white-space:nowrap;margin-right:10px">'
        f'<span style="{shape}vertical-align:middle;margin-right:3px"></span>'
        f"{html_text(label)}</span>"
    )
