"""The HTTP route of large-mode map tiles: ``<base>/landmap-view/<token>/<z>/<x>/<y>``.

Mounted beside the basemap tile route (``tiles/route.py``) with ``st.App(routes=...)``. The
token names a view the page registered (``registry``); an unknown, evicted or expired token,
or numbers that are not a tile, get an empty 404: no error text, nothing about what exists.
A sync endpoint, so Starlette runs it in its thread pool and a slow tile never blocks the
websocket loop.

Answers are cached per (token, z, x, y): a view never changes under its token (a filter change
makes a new one), so the browser may keep them too (``Cache-Control: private``: they are one
audience's data, not for shared caches).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from landmap.viewport.registry import REGISTRY, View, ViewRegistry
from landmap.viewport.tiles import opening_tiles, tile_json, valid_tile

ROUTE_NAME = "landmap-view"
ANSWER_CACHE_SIZE = 2_048
# And at most this many bytes: a tile of plots is up to ~260 kB of JSON.
ANSWER_CACHE_BYTES = 128 * 1024 * 1024
CACHE_CONTROL = "private, max-age=3600"
_NUMBER = re.compile(r"[0-9]{1,7}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def view_url_template(token: str) -> str:
    """The URL of a view's tiles relative to the map iframe (as ``tile_url_template``):
    ``{z}/{x}/{y}`` are filled in by the browser."""
    return f"../../{ROUTE_NAME}/{token}/{{z}}/{{x}}/{{y}}"


class AnswerCache:
    """Tile answers by (token, z, x, y), least recently used out first, bounded in entries
    and bytes."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE, max_bytes: int = ANSWER_CACHE_BYTES) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()

    def get(self, key: tuple[str, int, int, int]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, int, int, int], body: bytes) -> None:
        with self._lock:
            previous = self._items.pop(key, None)
            self._bytes -= len(previous) if previous is not None else 0
            self._items[key] = body
            self._bytes += len(body)
            while len(self._items) > 1 and (
                len(self._items) > self._size or self._bytes > self._max_bytes
            ):
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)


ANSWERS = AnswerCache()


def answer_bytes(
    token: str, view: View, z: int, x: int, y: int, answers: AnswerCache = ANSWERS
) -> bytes:
    """The answer for tile (z, x, y) of ``view`` (registered as ``token``), from the cache or
    made and cached: the route serves it, and the page sends the opening view's with the map
    (``opening_answers``)."""
    key = (token, z, x, y)
    body = answers.get(key)
    if body is None:
        body = tile_json(view, z, x, y).encode("utf-8")
        answers.put(key, body)
    return body


def opening_answers(token: str, view: View, answers: AnswerCache = ANSWERS) -> dict[str, str]:
    """``tiles.opening_tiles`` of ``view`` with the route's (cached) answers for ``token``."""
    return opening_tiles(
        view, lambda z, x, y: answer_bytes(token, view, z, x, y, answers).decode("utf-8")
    )


def view_response(
    token: str,
    z: str,
    x: str,
    y: str,
    registry: ViewRegistry = REGISTRY,
    answers: AnswerCache = ANSWERS,
) -> Response:
    """One tile of a registered view as JSON, or an empty 404."""
    if not (_TOKEN.fullmatch(token) and all(_NUMBER.fullmatch(v) for v in (z, x, y))):
        return Response(status_code=404)
    zi, xi, yi = int(z), int(x), int(y)
    if not valid_tile(zi, xi, yi):
        return Response(status_code=404)
    view = registry.get(token)  # asked even on a cached answer: keeps the view alive
    if view is None:
        return Response(status_code=404)
    body = answer_bytes(token, view, zi, xi, yi, answers)
    return Response(
        body,
        media_type="application/json",
        headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )


def _endpoint(request: Request) -> Response:
    p = request.path_params
    return view_response(p["token"], p["z"], p["x"], p["y"])


def view_routes(base_url_path: str = "") -> list[Route]:
    """The route for ``st.App(routes=...)``; ``base_url_path`` is ``server.baseUrlPath``."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return [Route(f"{base}/{ROUTE_NAME}/{{token}}/{{z}}/{{x}}/{{y}}", _endpoint, methods=["GET"])]
