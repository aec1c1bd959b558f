"""The HTTP route that serves the offline basemap: ``<base>/landmap-tiles/<version>/z/x/y``.

Why a route (Streamlit 1.67 ``st.App(routes=...)``) rather than writing tiles into ``static/``:
a district's imagery is tens of thousands of tiles; unpacking them duplicates hundreds of MB and
goes stale when the file is replaced, while a route reads the one tile asked for from the file,
answers 404 for a tile the file lacks, and never touches the disk. Only tiles of the configured
file can be asked for: the path holds three numbers and a version, nothing else.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from landmap.tiles.mbtiles import TileAddress, TileFileError, image_type
from landmap.tiles.source import configured_path, open_tiles

ROUTE_NAME = "landmap-tiles"


def tile_url_template(version: str) -> str:
    """The Leaflet URL of the tiles, relative to the map iframe
    (``<base>/component/streamlit_folium.st_folium/index.html``): ``../../`` climbs back to
    ``<base>/`` whatever ``server.baseUrlPath`` is, as the vendored scripts do."""
    return f"../../{ROUTE_NAME}/{version}/{{z}}/{{x}}/{{y}}"


def tile_response(version: str, z: str, x: str, y: str) -> Response:
    """One tile of the configured file, or an empty 404/503 (never a path, never a traceback)."""
    path = configured_path()
    if path is None:
        return Response(status_code=404)
    try:
        address = TileAddress.parse(z, x, y)
    except ValueError:
        return Response(status_code=404)
    try:
        tiles = open_tiles(path)
        if tiles.version != version:
            return Response(status_code=404)  # an old URL: the file was replaced
        blob = tiles.reader.tile(address)
    except (TileFileError, OSError):
        return Response(status_code=503)
    mime = image_type(blob) if blob else None
    if blob is None or mime is None:
        return Response(status_code=404)
    return Response(
        blob,
        media_type=mime,
        # The version is in the URL, so a tile never changes under it.
        headers={"Cache-Control": "public, max-age=604800, immutable"},
    )


def _endpoint(request: Request) -> Response:
    params = request.path_params
    return tile_response(params["version"], params["z"], params["x"], params["y"])


def tile_routes(base_url_path: str = "") -> list[Route]:
    """The route for ``st.App(routes=...)``; ``base_url_path`` is ``server.baseUrlPath``."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    # A sync endpoint: Starlette runs it in its thread pool, so SQLite never blocks the loop.
    return [Route(f"{base}/{ROUTE_NAME}/{{version}}/{{z}}/{{x}}/{{y}}", _endpoint, methods=["GET"])]
