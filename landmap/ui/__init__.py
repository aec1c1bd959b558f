"""Streamlit only: pages, widgets, URL ↔ state, the st_folium wrapper. Nothing imports this."""
