"""Large mode's view registry, tile answers and route (issue #12): no Streamlit, no browser."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landmap.access import Audience, project_frames
from landmap.dataset import load_dataset
from landmap.map.view import feature_strings
from landmap.store import GpkgStore
from landmap.viewport import LARGE_MODE_THRESHOLD, ViewRegistry, build_view, is_large
from landmap.viewport.route import AnswerCache, opening_answers, view_response
from landmap.viewport.tiles import (
    FEATURE_LIMIT,
    FEATURE_ZOOM,
    OPENING_MAX_BYTES,
    OPENING_MAX_TILES,
    aggregate_cells,
    extent_tiles,
    opening_tiles,
    tile_bounds,
    tile_json,
    valid_tile,
    view_extent,
)
from tests.conftest import INTERNAL_PLOT, SAMPLE_GPKG, seed_internal_values
from tests.synthetic_plots import SECRET_HOLDER, write_synthetic_gpkg

PLOTS = 3_000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = write_synthetic_gpkg(tmp_path_factory.mktemp("grid") / "grid.gpkg", PLOTS)
    return load_dataset(GpkgStore(path))


def _view(frames, colour="status"):
    strings = {lid: feature_strings(frame) for lid, frame in frames.items()}
    return build_view(strings, frames, colour=colour)


def _tiles_over(frames, z):
    boxes = [f.total_bounds for f in frames.values() if not f.empty]
    west, south, east, north = np.array(boxes).T
    n = 1 << z

    def tx(lon):
        return int((lon + 180) / 360 * n)

    def ty(lat):
        r = math.radians(lat)
        return int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)

    for x in range(tx(west.min()), tx(east.max()) + 1):
        for y in range(ty(north.max()), ty(south.min()) + 1):
            yield x, y


def _box_frame(boxes: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    ids = [f"B-{i}" for i in range(len(boxes))]
    return gpd.GeoDataFrame(
        {"id": ids, "name": ids, "status": ["ready"] * len(boxes), "area_mu": [1.0] * len(boxes)},
        geometry=[shapely.box(*b) for b in boxes],
        index=ids,
        crs="EPSG:4326",
    )


# --- the registry ---------------------------------------------------------------------------


def test_same_key_reuses_token_and_does_not_rebuild(synthetic):
    registry = ViewRegistry()
    builds = []

    def build():
        builds.append(1)
        return _view(synthetic.frames)

    first = registry.register(("v1", "public", "all"), build)
    again = registry.register(("v1", "public", "all"), build)
    other = registry.register(("v1", "public", "ready only"), build)
    assert first == again != other
    assert len(builds) == 2
    assert len(first) >= 20  # unguessable, not a counter
    assert registry.get(first).feature_count == sum(len(f) for f in synthetic.frames.values())
    assert registry.get("not-a-token") is None


def test_least_recently_used_view_goes_first():
    registry = ViewRegistry(max_views=2)
    empty = build_view({}, {})
    a = registry.register("a", lambda: empty)
    b = registry.register("b", lambda: empty)
    assert registry.get(a) is empty  # a is now more recent than b
    c = registry.register("c", lambda: empty)
    assert registry.get(b) is None
    assert registry.get(a) is empty and registry.get(c) is empty
    assert len(registry) == 2
    # b's key is free again: registering it gives a new token
    assert registry.register("b", lambda: empty) != b


def test_views_are_also_bounded_by_their_features(synthetic):
    size = sum(len(f) for f in synthetic.frames.values())
    registry = ViewRegistry(max_features=2 * size + 1)
    a = registry.register("a", lambda: _view(synthetic.frames))
    b = registry.register("b", lambda: _view(synthetic.frames))
    c = registry.register("c", lambda: _view(synthetic.frames))
    assert registry.get(a) is None and registry.get(b) and registry.get(c)
    # one view larger than the whole budget is still kept (the page needs it)
    small = ViewRegistry(max_features=10)
    big = small.register("big", lambda: _view(synthetic.frames))
    assert small.get(big) is not None


def test_unused_views_expire():
    now = [0.0]
    registry = ViewRegistry(ttl_s=100, clock=lambda: now[0])
    empty = build_view({}, {})
    token = registry.register("k", lambda: empty)
    now[0] = 90
    assert registry.get(token) is empty  # used: its clock restarts
    now[0] = 180
    assert registry.get(token) is empty
    now[0] = 281
    assert registry.get(token) is None


def test_large_mode_threshold():
    assert not is_large(LARGE_MODE_THRESHOLD)
    assert is_large(LARGE_MODE_THRESHOLD + 1)
    assert is_large([LARGE_MODE_THRESHOLD, 1])


def test_public_view_serves_nothing_internal(tmp_path):
    copy = shutil.copy(SAMPLE_GPKG, tmp_path / "sample.gpkg")
    secrets = seed_internal_values(Path(copy))
    frames = project_frames(load_dataset(GpkgStore(copy)).frames, Audience.PUBLIC)
    view = _view(frames)
    staff = load_dataset(GpkgStore(copy)).frames
    hidden = set(staff["idle_land"].index) - set(frames["idle_land"].index)
    assert hidden, "the sample has idle plots the public does not see"
    bodies = [tile_json(view, 12, x, y) for x, y in _tiles_over(frames, 12)]
    bodies += [tile_json(view, 16, x, y) for x, y in _tiles_over(frames, 16)]
    served = "".join(bodies)
    assert INTERNAL_PLOT in served  # now ready: offered, so shown, but only its public fields
    for secret in secrets:
        assert secret not in served
    for feature_id in hidden:
        assert f'"{feature_id}"' not in served


def test_synthetic_public_view_has_no_internal_contact(synthetic):
    public = project_frames(synthetic.frames, Audience.PUBLIC)
    view = _view(public)
    assert 0 < view.feature_count < PLOTS
    body = "".join(tile_json(view, 16, x, y) for x, y in _tiles_over(public, 16))
    assert SECRET_HOLDER not in body
    assert '"contact"' not in body


# --- tiles ------------------------------------------------------------------------------------


def test_tile_bounds_and_validity():
    assert tile_bounds(0, 0, 0)[0] == -180 and tile_bounds(0, 0, 0)[2] == 180
    west, south, east, north = tile_bounds(1, 1, 0)
    assert (west, east) == (0, 180) and south == pytest.approx(0, abs=1e-9) and north > 85
    assert valid_tile(3, 7, 7) and not valid_tile(3, 8, 0) and not valid_tile(23, 0, 0)


def test_dense_tile_gives_aggregates_and_the_feature_zoom_gives_features(synthetic):
    view = _view(synthetic.frames)
    z = 11
    answers = [json.loads(tile_json(view, z, x, y)) for x, y in _tiles_over(synthetic.frames, z)]
    assert any("a" in a for a in answers)
    cells = [cell for a in answers for cell in a.get("a", [])]
    for _lat, _lng, parts in cells:
        counts = [p[2] for p in parts]
        assert counts == sorted(counts, reverse=True)  # dominant first
        for layer_index, key, count, mu in parts:
            assert count > 0 and mu >= 0
            assert view.layers[layer_index].layer_id in synthetic.frames
            assert key in set(view.layers[layer_index].keys)
    fine = [
        json.loads(tile_json(view, FEATURE_ZOOM, x, y))
        for x, y in _tiles_over(synthetic.frames, FEATURE_ZOOM)
    ]
    assert all("f" in a for a in fine)
    ids = {f["id"] for a in fine for layer in a["f"] for f in layer}
    assert ids == {fid for frame in synthetic.frames.values() for fid in frame.index}


def test_every_tile_of_a_zoom_answers_alike_and_features_come_from_the_feature_zoom(synthetic):
    view = _view(synthetic.frames)
    assert 0 < view.feature_zoom <= FEATURE_ZOOM
    for z in (view.feature_zoom - 1, view.feature_zoom):
        kinds = {
            next(iter(json.loads(tile_json(view, z, x, y))))
            for x, y in _tiles_over(synthetic.frames, z)
        }
        assert kinds == ({"a"} if z < view.feature_zoom else {"f"})
    # at the feature zoom no tile carries more than the limit (boxes counted by centre)
    z = view.feature_zoom
    sizes = [
        sum(len(layer) for layer in json.loads(tile_json(view, z, x, y))["f"])
        for x, y in _tiles_over(synthetic.frames, z)
    ]
    assert max(sizes) <= FEATURE_LIMIT * 1.2  # plus the plots across tile edges


def test_a_sparse_tile_below_the_feature_zoom_gives_features():
    view = _view({"idle_land": _box_frame([(101.6, 26.6, 101.601, 26.601)])})
    answer = json.loads(tile_json(view, 8, *_tile_of(101.6005, 26.6005, 8)))
    assert [f["id"] for f in answer["f"][0]] == ["B-0"]
    assert FEATURE_LIMIT >= 1


def _tile_of(lon, lat, z):
    n = 1 << z
    r = math.radians(lat)
    return (
        int((lon + 180) / 360 * n),
        int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n),
    )


def test_features_across_a_tile_edge_are_in_both_tiles_and_only_there():
    z = 15
    x, y = _tile_of(101.6, 26.6, z)
    west, south, east, north = tile_bounds(z, x, y)
    mid_lat = (south + north) / 2
    eps = (east - west) / 100
    frame = _box_frame(
        [
            (east - eps, mid_lat, east + eps, mid_lat + eps),  # across the east edge
            (east + eps, mid_lat, east + 2 * eps, mid_lat + eps),  # wholly east of it
            (west + eps, mid_lat, west + 2 * eps, mid_lat + eps),  # wholly inside
        ]
    )
    view = _view({"idle_land": frame})

    def ids(tx):
        return {f["id"] for f in json.loads(tile_json(view, z, tx, y))["f"][0]}

    assert ids(x) == {"B-0", "B-2"}
    assert ids(x + 1) == {"B-0", "B-1"}
    assert ids(x + 2) == set()


@pytest.mark.parametrize("z", [8, 11, 13])
def test_aggregates_over_a_zoom_add_up_to_the_filter_totals(synthetic, z):
    view = _view(synthetic.frames)
    count = 0
    mu = 0.0
    entries = 0
    for x, y in _tiles_over(synthetic.frames, z):
        for _, _, parts in aggregate_cells(view, z, x, y):
            for _, _, n, area in parts:
                count += n
                mu += area
                entries += 1
    frames = synthetic.frames.values()
    assert count == sum(len(f) for f in frames)
    total_mu = sum(float(f["area_mu"].fillna(0).sum()) for f in frames)
    assert mu == pytest.approx(total_mu, abs=0.05 * entries + 1e-6)


def test_deadline_colour_aggregates_by_deadline_state(synthetic):
    frames = {lid: f.assign(deadline_state="overdue") for lid, f in synthetic.frames.items()}
    view = _view(frames, colour="deadline")
    keys = {
        p[1]
        for x, y in _tiles_over(frames, 9)
        for c in aggregate_cells(view, 9, x, y)
        for p in c[2]
    }
    assert keys == {"overdue"}


# --- route ------------------------------------------------------------------------------------


def test_route_answers_json_for_a_registered_view(synthetic):
    registry = ViewRegistry()
    token = registry.register("k", lambda: _view(synthetic.frames))
    x, y = next(iter(_tiles_over(synthetic.frames, 16)))
    response = view_response(token, "16", str(x), str(y), registry, AnswerCache())
    assert response.status_code == 200
    assert response.media_type == "application/json"
    assert response.headers["cache-control"].startswith("private")
    assert "f" in json.loads(response.body)
    response = view_response(
        token, "9", *map(str, _tile_of(101.64, 26.62, 9)), registry, AnswerCache()
    )
    assert "a" in json.loads(response.body)


@pytest.mark.parametrize(
    "z, x, y",
    [
        ("16", "-1", "0"),
        ("3", "8", "0"),
        ("23", "0", "0"),
        ("1e3", "0", "0"),
        ("x", "0", "0"),
        ("16", "0", "99999999"),
    ],
)
def test_route_404s_on_numbers_that_are_not_a_tile(synthetic, z, x, y):
    registry = ViewRegistry()
    token = registry.register("k", lambda: _view(synthetic.frames))
    response = view_response(token, z, x, y, registry, AnswerCache())
    assert response.status_code == 404 and response.body == b""


@pytest.mark.parametrize("token", ["unknown-token-000000000", "short", "../../etc/passwd", ""])
def test_route_404s_on_unknown_tokens(token):
    response = view_response(token, "10", "1", "1", ViewRegistry(), AnswerCache())
    assert response.status_code == 404 and response.body == b""


def test_answer_cache_is_bounded_in_bytes():
    cache = AnswerCache(size=100, max_bytes=10)
    cache.put(("t", 1, 0, 0), b"12345")
    cache.put(("t", 1, 0, 1), b"12345")
    assert cache.get(("t", 1, 0, 0)) == b"12345"  # now the most recent
    cache.put(("t", 1, 1, 0), b"123")
    assert cache.get(("t", 1, 0, 1)) is None
    assert cache.get(("t", 1, 0, 0)) == b"12345" and cache.get(("t", 1, 1, 0)) == b"123"


def test_route_caches_answers_per_tile(synthetic, monkeypatch):
    registry = ViewRegistry()
    token = registry.register("k", lambda: _view(synthetic.frames))
    cache = AnswerCache(size=1)
    calls = []
    import landmap.viewport.route as route

    real = route.tile_json
    monkeypatch.setattr(route, "tile_json", lambda *a: calls.append(a) or real(*a))
    for _ in range(3):
        view_response(token, "10", "803", "440", registry, cache)
    assert len(calls) == 1
    view_response(token, "10", "803", "441", registry, cache)  # evicts the first (size 1)
    view_response(token, "10", "803", "440", registry, cache)
    assert len(calls) == 3


# --- the opening view sent with the page ----------------------------------------------------


def test_opening_tiles_are_the_routes_answers_over_the_extent(synthetic):
    registry, answers = ViewRegistry(), AnswerCache()
    token = registry.register("k", lambda: _view(synthetic.frames))
    view = registry.get(token)
    opening = opening_answers(token, view, answers)
    assert opening
    assert sum(len(text) for text in opening.values()) <= OPENING_MAX_BYTES
    zooms = sorted({int(key.split("/")[0]) for key in opening})
    extent = view_extent(view)
    for z in zooms:  # every zoom whole: the tiles the extent touches, and only those
        keys = {key for key in opening if key.startswith(f"{z}/")}
        assert keys == {f"{z}/{x}/{y}" for x, y in extent_tiles(extent, z)}
        assert len(keys) <= OPENING_MAX_TILES
    assert len(extent_tiles(extent, zooms[0] - 1)) == 1  # from the last one-tile zoom on
    for key, text in opening.items():
        z, x, y = key.split("/")
        assert view_response(token, z, x, y, registry, answers).body.decode() == text
    # the extent holds every feature box
    for frame in synthetic.frames.values():
        if not frame.empty:
            west, south, east, north = frame.total_bounds
            assert extent[0] <= west and extent[1] <= south
            assert extent[2] >= east and extent[3] >= north


def test_opening_tiles_stop_at_the_byte_budget(synthetic):
    view = _view(synthetic.frames)
    whole = opening_tiles(view, lambda z, x, y: tile_json(view, z, x, y))
    small = opening_tiles(view, lambda z, x, y: tile_json(view, z, x, y), max_bytes=2_000)
    assert len(small) < len(whole)
    assert sum(len(text) for text in small.values()) <= 2_000


def test_public_opening_tiles_carry_nothing_internal(synthetic):
    public = project_frames(synthetic.frames, Audience.PUBLIC)
    view = _view(public)
    sent = "".join(opening_tiles(view, lambda z, x, y: tile_json(view, z, x, y)).values())
    assert sent
    assert SECRET_HOLDER not in sent
    assert '"contact"' not in sent
    offered = set(public["idle_land"]["status"].unique())
    for answer in map(
        json.loads, opening_tiles(view, lambda z, x, y: tile_json(view, z, x, y)).values()
    ):
        for _, _, parts in answer.get("a", []):
            assert all(p[1] in offered for p in parts if p[0] == 0)
