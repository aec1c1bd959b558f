"""Page layout that Streamlit has no parameter for: a compact header and a map sized by the
viewport (constant CSS, no data in it)."""

from __future__ import annotations

import streamlit as st

# Everything above the map on the first screen: Streamlit's top bar and padding, the title
# row and the one caption line. The map gets the rest of the window, never less than a
# usable minimum on a small screen.
MAP_TOP_ALLOWANCE_PX = 150
MAP_MIN_HEIGHT_PX = 420
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

# st_folium only takes a height in pixels, and changing it between reruns redraws the data
# groups. So the pixel height stays constant and the page's CSS sizes the iframe instead;
# the map inside follows (MAP_FRAME_CSS) and Leaflet resizes with its window.
_PAGE_CSS = f"""
<style>
div[data-testid="stMainBlockContainer"] {{
  padding: 3.4rem 1.5rem 2rem; max-width: 100%;
}}
header[data-testid="stHeader"] {{ background: transparent; }}
div[data-testid="stMainBlockContainer"] h1 {{
  font-size: 1.7rem; padding: 0; line-height: 1.25;
}}
.st-key-overview_late button {{ min-height: 0; padding: .15rem 0; text-align: left; }}
{MAP_IFRAME} {{
  height: max({MAP_MIN_HEIGHT_PX}px, calc(100vh - {MAP_TOP_ALLOWANCE_PX}px)) !important;
}}
</style>
"""

# Inside the map's own frame (it goes into the folium header, not the script, so the
# component's identity does not change): the map fills the frame, whatever its height.
MAP_FRAME_CSS = (
    "<style>html,body{height:100%;margin:0;overflow:hidden}#map_div{height:100vh!important}</style>"
)


def apply_page_css() -> None:
    """The compact header and the viewport-high map, for the map and dashboard pages."""
    st.html(_PAGE_CSS)
