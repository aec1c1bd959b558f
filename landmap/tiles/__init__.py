"""The offline basemap: tiles read from a file the district already has, served by the app."""
