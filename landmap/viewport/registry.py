"""The per-process registry of large-mode map views (pure: no Streamlit, no HTTP).

Why: at city scale (issue #12) sending every filtered feature to the browser costs tens of MB
and tens of seconds. In *large mode* the Streamlit run registers a **view** here instead: for
each shown layer, the compact feature strings the map would have sent (``map.view.
feature_strings`` of the audience's own frames, subset to the filtered ids), their bounding
boxes, an STRtree over them, each feature's Web-Mercator position (for aggregates), its style
key (status code, or deadline state when the map is coloured by deadline) and its 亩. The
browser then asks ``viewport.route`` for the tiles of what it shows, by the view's token.

The token is ``secrets.token_urlsafe``: unguessable, and only a handle to what that audience's
run already put in the view. A public session's view is built from public strings, so nothing
internal can be fetched with it (access/audience.py). The same key (data version, audience,
filter, colour, lang) gets the same token back, so reruns that do not change the filter do not
rebuild the view and the browser keeps its loaded tiles.

Bounded: at most ``MAX_VIEWS`` views holding ``MAX_VIEW_FEATURES`` features together, least
recently used (registered or fetched from) first out, and a view unused for ``VIEW_TTL_S`` is
dropped. A view holds references to the cached strings (not copies) plus its arrays, boxes and
tree: ~48 MB at 100,000 features (RSS measured).

One process: the registry lives in the memory of the Streamlit server process that ran the
page. Behind a load balancer with several processes, sessions must be sticky (the same browser
always reaches the same process), which Streamlit's websocket needs anyway.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

# More shown features than this (all layers together) and the map switches to large mode:
# below it, the page sends the features with the map exactly as before. 2,000 compact
# polygons are ~0.4 MB and draw in well under a second (streamlit-folium.md §5).
LARGE_MODE_THRESHOLD = 2_000
MAX_VIEWS = 64
# And at most this many features in all views together: a view costs ~0.5 kB a feature
# (measured: 48 MB of RSS for 100,000 plots, most of it the boxes and tree in GEOS), so
# 1.5 million features are ~0.75 GB, beside the ~0.6 GB of a 100,000-plot app.
MAX_VIEW_FEATURES = 1_500_000
VIEW_TTL_S = 12 * 3600.0


@dataclass(frozen=True)
class ViewLayer:
    """One shown layer of a view; all arrays are in the same order."""

    layer_id: str
    strings: np.ndarray  # object: each feature's compact JSON text
    bounds: np.ndarray  # float (n, 4): minx, miny, maxx, maxy in degrees
    tree: shapely.STRtree  # over the bounding boxes
    mercator: np.ndarray  # float (n, 2): box centre as Web-Mercator fractions (0..1, y down)
    keys: np.ndarray  # object: the style key (status code or deadline state)
    area_mu: np.ndarray  # float: 亩, 0 where not a polygon

    def _features(self) -> int:
        return sum(view.feature_count for _, view, _ in self._views.values())

    def __len__(self) -> int:
        return len(self.strings)


@dataclass(frozen=True)
class View:
    """What one audience's filtered map shows, ready to be cut into tiles."""

    layers: tuple[ViewLayer, ...]
    colour: str
    lang: str
    # The tile zoom from which every tile is answered with features (``dense_zoom``).
    feature_zoom: int = 0

    @property
    def feature_count(self) -> int:
        return sum(len(layer) for layer in self.layers)


def mercator_fractions(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 2) Web-Mercator position as fractions of the world (x right, y down), the unit
    of slippy-map tiles: at zoom z, tile (x, y) holds fractions [x, x+1)·2⁻ᶻ × [y, y+1)·2⁻ᶻ."""
    lat = np.clip(np.asarray(lat, dtype=float), -85.05112878, 85.05112878)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0
    rad = np.radians(lat)
    y = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / np.pi) / 2.0
    return np.column_stack([x, y])


def build_view_layer(
    layer_id: str,
    strings: pd.Series,
    frame: pd.DataFrame,
    *,
    colour: str = "status",
) -> ViewLayer:
    """A layer of a view from the cached strings of the audience's layer and the filtered
    frame (index = feature id, as in ``map.view.feature_strings``). Features without geometry
    have no string and are left out, as on the small map."""
    # get_indexer, not isin: it reuses the hash table of the cached strings' index (built
    # once per data version), where isin hashed 100,000 ids again on every filter (0.6 s).
    # (Ids are unique within a layer: dataset.normalise_layer renames duplicates.)
    if len(strings) and strings.index.is_unique:
        positions = strings.index.get_indexer(frame.index)
    elif len(strings):
        first = ~strings.index.duplicated()
        positions = strings.index[first].get_indexer(frame.index)
        strings = strings[first]
    else:
        positions = np.full(len(frame), -1)
    present = positions >= 0
    rows = frame[present]
    geoms = rows.geometry.to_numpy()
    bounds = shapely.bounds(geoms).reshape(-1, 4) if len(geoms) else np.zeros((0, 4))
    boxes = shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
    centre_lon = (bounds[:, 0] + bounds[:, 2]) / 2
    centre_lat = (bounds[:, 1] + bounds[:, 3]) / 2
    key_column = "deadline_state" if colour == "deadline" and "deadline_state" in rows else "status"
    if colour == "deadline" and key_column == "status":
        keys = np.full(len(rows), "none", dtype=object)  # no deadlines here: the grey style
    else:
        keys = rows[key_column].astype(str).to_numpy(dtype=object)
    area = (
        pd.to_numeric(rows["area_mu"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if "area_mu" in rows
        else np.zeros(len(rows))
    )
    return ViewLayer(
        layer_id=layer_id,
        strings=strings.to_numpy(dtype=object)[positions[present]],
        bounds=bounds,
        tree=shapely.STRtree(boxes),
        mercator=mercator_fractions(centre_lon, centre_lat),
        keys=keys,
        area_mu=area,
    )


def build_view(
    strings_by_layer: Mapping[str, pd.Series],
    shown: Mapping[str, pd.DataFrame],
    *,
    colour: str = "status",
    lang: str = "zh",
) -> View:
    """A view of every shown layer (``shown``: the filtered frames of the audience)."""
    layers = tuple(
        build_view_layer(
            layer_id,
            strings_by_layer.get(layer_id, pd.Series([], dtype=object)),
            frame,
            colour=colour,
        )
        for layer_id, frame in shown.items()
    )
    return View(layers=layers, colour=colour, lang=lang, feature_zoom=dense_zoom(layers))


def dense_zoom(
    layers: Sequence[ViewLayer], limit: int | None = None, top: int | None = None
) -> int:
    """The lowest tile zoom at which no tile holds more than ``limit`` features (by the
    centre of their boxes), at most ``top``.

    Why one zoom for the whole view rather than a choice per tile: a map that shows plots in
    one half and aggregates in the other reads as two different maps. Below this zoom every
    tile is answered with aggregates, from it on with features.
    """
    from landmap.viewport.tiles import FEATURE_LIMIT, FEATURE_ZOOM

    limit = FEATURE_LIMIT if limit is None else limit
    top = FEATURE_ZOOM if top is None else top
    positions = [layer.mercator for layer in layers if len(layer)]
    if not positions:
        return 0
    world = np.concatenate(positions)
    for z in range(top + 1):
        cells = np.floor(world * (1 << z)).astype(np.int64)
        _, counts = np.unique(cells[:, 0] * (1 << z) + cells[:, 1], return_counts=True)
        if counts.max() <= limit:
            return z
    return top


class ViewRegistry:
    """Views by token, thread safe (the Streamlit script thread registers, Starlette's
    thread pool reads)."""

    def __init__(
        self,
        max_views: int = MAX_VIEWS,
        ttl_s: float = VIEW_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        max_features: int = MAX_VIEW_FEATURES,
    ) -> None:
        self._max = max_views
        self._max_features = max_features
        self._ttl = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        # token -> (key, view, last used)
        self._views: OrderedDict[str, tuple[Hashable, View, float]] = OrderedDict()
        self._tokens: dict[Hashable, str] = {}

    def register(self, key: Hashable, build: Callable[[], View]) -> str:
        """The token of the view for ``key``, built by ``build()`` only if not registered."""
        with self._lock:
            self._expire()
            token = self._tokens.get(key)
            if token is not None:
                _, view, _ = self._views[token]
                self._views[token] = (key, view, self._clock())
                self._views.move_to_end(token)
                return token
        view = build()  # outside the lock: a tile request never waits for a build
        with self._lock:
            token = self._tokens.get(key)
            if token is None:  # unless another run registered it meanwhile
                token = secrets.token_urlsafe(18)
                self._tokens[key] = token
            self._views[token] = (key, view, self._clock())
            self._views.move_to_end(token)
            # The view just registered stays, even alone over the feature budget.
            while len(self._views) > 1 and (
                len(self._views) > self._max or self._features() > self._max_features
            ):
                _, (old_key, _, _) = self._views.popitem(last=False)
                self._tokens.pop(old_key, None)
            return token

    def get(self, token: str) -> View | None:
        """The view of ``token``, or None (unknown, evicted or expired)."""
        with self._lock:
            self._expire()
            entry = self._views.get(token)
            if entry is None:
                return None
            key, view, _ = entry
            self._views[token] = (key, view, self._clock())
            self._views.move_to_end(token)
            return view

    def _features(self) -> int:
        return sum(view.feature_count for _, view, _ in self._views.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._views)

    def _expire(self) -> None:
        limit = self._clock() - self._ttl
        while self._views:
            token, (key, _, used) = next(iter(self._views.items()))
            if used >= limit:
                break
            del self._views[token]
            self._tokens.pop(key, None)


# The process's registry: the page registers here, viewport.route reads from here.
REGISTRY = ViewRegistry()


def is_large(counts: Sequence[int] | int, threshold: int = LARGE_MODE_THRESHOLD) -> bool:
    """Whether a map of this many shown features (a total or per-layer counts) is large."""
    total = counts if isinstance(counts, int) else sum(counts)
    return total > threshold
