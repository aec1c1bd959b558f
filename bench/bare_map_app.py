"""The floor of a first page load: one Streamlit page with nothing but ``st_folium`` of a folium
map holding one triangle (no sidebar, no title, no data read).

``bench/bench_firstload.py --script bench/bare_map_app.py`` measures it the same way as the app:
what no Streamlit + streamlit-folium page can go below on this machine (README, City scale).

    streamlit run bench/bare_map_app.py
"""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

st.set_page_config(page_title="bare map", layout="wide")
fmap = folium.Map(location=[26.58, 101.62], zoom_start=12, tiles=None)
folium.Polygon([[26.58, 101.62], [26.59, 101.62], [26.59, 101.63]], fill=True).add_to(fmap)
st_folium(fmap, height=620, use_container_width=True)
