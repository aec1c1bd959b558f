"""The map the browser draws: base map and layers, legend, labels, basemaps, offline Leaflet."""
