"""The one crossing between Python and the Leaflet map: st_folium, with the legend on the map."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from branca.element import Element
from streamlit_folium import st_folium

from landmap.access import Audience
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.map.basemaps import basemap_group
from landmap.map.legend import legend_group, map_legend
from landmap.map.places import load_places
from landmap.map.view import base_map, build_feature_groups, feature_bounds, initial_bounds
from landmap.query import find_feature
from landmap.store.open import store_key
from landmap.ui import data, state
from landmap.ui.layout import MAP_FRAME_CSS
from landmap.viewport import REGISTRY, build_view, is_large
from landmap.viewport.layer import viewport_group
from landmap.viewport.route import opening_answers
from landmap.viewport.tiles import view_extent

MAP_KEY = "map"
# The component's own height, in pixels: constant, so the base map is never redrawn for it.
# What the reader sees is the viewport-based height the page CSS gives the frame (layout.py).
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
    # Everything drawn comes from this audience's frames: a link to a plot the public may
    # not see neither outlines it nor moves the map to it.
    frames = data.view_frames(settings, dataset, audience)
    selected = state.selected_id()
    found = find_feature(frames, selected)
    strings = data.layer_strings(settings, dataset, audience)
    codes_by_layer = {lid: tuple(f["status"].unique()) for lid, f in frames.items()}
    layers = build_feature_groups(
        strings,
        {layer_id: frame.index for layer_id, frame in shown.items()},
        lang,
        codes_by_layer=codes_by_layer,
        selected=(found[0], selected) if found else None,
        boundary_json=data.boundary_json(settings, dataset),
        basemap=basemap_group(basemap, settings.tianditu_key, lang, settings.tiles_path),
        colour=colour,
        places=load_places(),
        data_group=_large_group(
            settings, dataset, audience, shown, strings, codes_by_layer, lang, colour
        ),
    )
    # The legend rides with the data groups: it follows the filter without touching the base map.
    groups = [*layers.groups, legend_group(map_legend(shown, lang, colour))]
    # A fresh, data-free base map each run: its script never changes, so the map is not
    # remounted and keeps the user's zoom; data arrives through feature_group_to_add.
    fmap = base_map(lang, bounds=_opening_bounds(frames, dataset))
    fmap.get_root().header.add_child(Element(MAP_FRAME_CSS), name="landmap_frame_css")
    focus = st.session_state.get(state.FOCUS)
    st_folium(
        fmap,
        key=MAP_KEY,
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True),
        returned_objects=RETURNED_OBJECTS,
        on_change=_on_map_click,
        center=focus[0] if focus else None,
        zoom=focus[1] if focus else None,
    )
    return layers.feature_count


def _large_group(
    settings: Settings,
    dataset: Dataset,
    audience: Audience,
    shown: Mapping[str, gpd.GeoDataFrame],
    strings: Mapping[str, pd.Series],
    codes_by_layer: Mapping[str, tuple[str, ...]],
    lang: str,
    colour: str,
) -> folium.FeatureGroup | None:
    """In large mode (more shown features than ``LARGE_MODE_THRESHOLD``), the group that
    loads the features by view; None below it, where the map carries them as always.

    The view is registered under (data, day, audience, filter, colour, lang): a rerun that
    changes none of them (a click, a tab, a language toggle back) reuses the token, so the
    browser keeps what it loaded. The strings are the audience's own (``data.layer_strings``).
    """
    if not is_large([len(frame) for frame in shown.values()]):
        return None
    key = (
        store_key(settings),
        dataset.version,
        data.today(),
        audience.value,
        state.current_filter(),
        colour,
        lang,
    )
    token = REGISTRY.register(key, lambda: build_view(strings, shown, colour=colour, lang=lang))
    view = REGISTRY.get(token)
    # The opening view's tiles go with the map (the route's own answers, cached per token, so
    # every rerun sends the same text and the map keeps its layer), and its extent spares
    # requests for empty tiles.
    return viewport_group(
        token,
        list(shown),
        lang,
        codes_by_layer=codes_by_layer,
        colour=colour,
        opening=opening_answers(token, view) if view is not None else None,
        extent=view_extent(view) if view is not None else None,
    )


def _opening_bounds(
    frames: dict[str, gpd.GeoDataFrame], dataset: Dataset
) -> list[list[float]] | None:
    """Where the map opens, fixed for the whole session so the base map never changes.

    A shared link with ``plot=`` opens on that feature. This is done by the base map's own
    fitBounds, not by st_folium's ``center``/``zoom``: the first render happens while the
    component frame may still be hidden, and Leaflet's zoom animation then never finishes.
    """
    if state.INITIAL_BOUNDS not in st.session_state:
        found = find_feature(frames, state.selected_id())
        shape = found[1].geometry if found else None
        st.session_state[state.INITIAL_BOUNDS] = (
            feature_bounds(shape) if shape is not None else initial_bounds(frames, dataset.boundary)
        )
    return st.session_state[state.INITIAL_BOUNDS]


def _on_map_click() -> None:
    value = st.session_state.get(MAP_KEY) or {}
    drawing = value.get("last_active_drawing") or {}
    feature_id = (drawing.get("properties") or {}).get("id")
    if isinstance(feature_id, str) and feature_id:
        state.select(feature_id)
