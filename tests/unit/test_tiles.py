"""The offline basemap's tile reader and route: only tiles of the configured file, read-only."""

from __future__ import annotations

import hashlib

import pytest
from starlette.routing import Match

from landmap.map.basemaps import basemap_group
from landmap.tiles.mbtiles import MBTiles, TileAddress, TileFileError, image_type
from landmap.tiles.pmtiles import PMTiles, tile_id
from landmap.tiles.route import tile_response, tile_routes, tile_url_template
from landmap.tiles.source import TILES_ENV, file_version, open_tiles
from tests.tile_files import tile_of, tiles_around, write_mbtiles, write_pmtiles

LAT, LON = 26.6, 101.6


@pytest.fixture
def mbtiles(tmp_path):
    x, y = tile_of(LAT, LON, 14)
    path = write_mbtiles(
        tmp_path / "xiqu.mbtiles",
        [(14, x, y), (13, x // 2, y // 2)],
        {"minzoom": "13", "maxzoom": "14", "bounds": "101.5,26.5,101.7,26.7"},
    )
    return path, (14, x, y)


def test_reads_a_tile_by_its_xyz_address(mbtiles):
    path, (z, x, y) = mbtiles
    reader = MBTiles(path)
    blob = reader.tile(TileAddress(z, x, y))
    assert blob is not None and image_type(blob) == "image/png"
    assert reader.tile(TileAddress(z, x + 1, y)) is None  # not in the file
    assert reader.metadata()["maxzoom"] == "14"


def test_the_file_is_never_changed_by_reading(mbtiles):
    path, (z, x, y) = mbtiles
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    reader = MBTiles(path)
    reader.tile(TileAddress(z, x, y))
    reader.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["xiqu.mbtiles"]  # no journal


@pytest.mark.parametrize(
    "content", [b"", b"not sqlite at all", b"SQLite format 3\x00" + b"\x00" * 90]
)
def test_a_bad_file_is_refused_clearly(tmp_path, content):
    path = tmp_path / "bad.mbtiles"
    path.write_bytes(content)
    with pytest.raises(TileFileError):
        MBTiles(path)


def test_a_missing_file_is_refused_clearly(tmp_path):
    with pytest.raises(TileFileError):
        MBTiles(tmp_path / "nowhere.mbtiles")
    with pytest.raises(TileFileError):
        open_tiles(tmp_path / "nowhere.mbtiles")


@pytest.mark.parametrize(
    "parts",
    [
        ("..", "1", "1"),
        ("../../etc", "1", "1"),
        ("14", "..%2F..", "1"),
        ("14", "1", "passwd"),
        ("-1", "0", "0"),
        ("14", "1e3", "0"),
        ("14", "٣", "0"),  # a non-ASCII digit
        ("14", "16384", "0"),  # beyond the zoom's last column
        ("25", "0", "0"),
        ("14", "1" * 40, "0"),
        ("14", "1", "1.png"),
    ],
)
def test_only_in_range_decimal_numbers_are_tile_addresses(parts):
    with pytest.raises(ValueError):
        TileAddress.parse(*parts)


def test_the_route_serves_a_tile_and_404s_what_the_file_lacks(mbtiles, monkeypatch):
    path, (z, x, y) = mbtiles
    monkeypatch.setenv(TILES_ENV, str(path))
    version = file_version(path)
    ok = tile_response(version, str(z), str(x), str(y))
    assert ok.status_code == 200 and ok.media_type == "image/png"
    assert ok.body.startswith(b"\x89PNG")
    assert "immutable" in ok.headers["cache-control"]
    assert tile_response(version, str(z), str(x + 1), str(y)).status_code == 404
    assert tile_response(version, "..", str(x), str(y)).status_code == 404
    assert tile_response(version, str(z), "../../etc", "passwd").status_code == 404
    assert tile_response("0ld", str(z), str(x), str(y)).status_code == 404  # replaced file


def test_the_route_answers_404_without_a_file_and_503_for_a_broken_one(tmp_path, monkeypatch):
    monkeypatch.delenv(TILES_ENV, raising=False)
    assert tile_response("v", "1", "0", "0").status_code == 404
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"garbage")
    monkeypatch.setenv(TILES_ENV, str(broken))
    response = tile_response(file_version(broken), "1", "0", "0")
    assert response.status_code == 503
    assert str(broken) not in response.body.decode()  # no path in the answer


def test_the_route_path_has_only_a_version_and_three_segments():
    (route,) = tile_routes("")
    assert (
        route.matches({"type": "http", "path": "/landmap-tiles/v1/3/2/1", "method": "GET"})[0]
        is Match.FULL
    )
    traversal = {"type": "http", "path": "/landmap-tiles/v1/3/../../x", "method": "GET"}
    assert route.matches(traversal)[0] is Match.NONE
    (behind_proxy,) = tile_routes("/landmap/")
    assert behind_proxy.path == "/landmap/landmap-tiles/{version}/{z}/{x}/{y}"
    # Relative to the map iframe, like the vendored scripts: works under any base path.
    assert tile_url_template("abc") == "../../landmap-tiles/abc/{z}/{x}/{y}"


def _render(group) -> str:
    import folium

    fmap = folium.Map(tiles=None)
    group.add_to(fmap)
    return fmap.get_root().render()


def test_the_offline_basemap_uses_the_apps_route_and_the_files_zooms(mbtiles):
    path, _ = mbtiles
    html = _render(basemap_group("offline", None, "zh", path))
    assert f"../../landmap-tiles/{file_version(path)}/{{z}}/{{x}}/{{y}}" in html
    assert '"maxNativeZoom": 14' in html and '"minNativeZoom": 13' in html
    assert '"bounds": [[26.5, 101.5], [26.7, 101.7]]' in html
    assert "http" not in html.split("L.tileLayer(", 1)[1].split(",", 1)[0]


def test_a_basemap_that_cannot_load_says_so(tmp_path):
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"garbage")
    assert "离线底图文件无法打开" in _render(basemap_group("offline", None, "zh", broken))
    assert "not configured" in _render(basemap_group("offline", None, "en", None))
    osm = _render(basemap_group("osm", None, "zh"))
    assert "底图无法加载" in osm and 'layer.on("tileerror"' in osm


# PMTiles: the same tiles through Hilbert-ordered directories (root only, or leaves).


@pytest.mark.parametrize("leaf_every", [None, 3])
@pytest.mark.parametrize("gzip_directories", [True, False])
def test_pmtiles_tiles_are_found_by_xyz(tmp_path, leaf_every, gzip_directories):
    wanted = list(tiles_around(LAT, LON, range(12, 15), radius=1))
    path = write_pmtiles(
        tmp_path / "xiqu.pmtiles",
        wanted,
        gzip_directories=gzip_directories,
        leaf_every=leaf_every,
    )
    reader = PMTiles(path)
    for z, x, y in wanted:
        blob = reader.tile(TileAddress(z, x, y))
        assert blob is not None and image_type(blob) == "image/png"
    z, x, y = wanted[0]
    assert reader.tile(TileAddress(z, x + 5, y)) is None
    assert reader.tile(TileAddress(3, 0, 0)) is None
    meta = reader.metadata()
    assert (meta["minzoom"], meta["maxzoom"], meta["attribution"]) == ("12", "14", "PM 测试")


def test_pmtiles_ids_follow_the_spec():
    # The spec's examples: z0 is 0, z1 goes (0,0) (0,1) (1,1) (1,0), z2 starts at 5.
    ids = [tile_id(*t) for t in [(0, 0, 0), (1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 1, 0), (2, 0, 0)]]
    assert ids == [0, 1, 2, 3, 4, 5]
    for z in range(6):
        first = ((1 << (2 * z)) - 1) // 3
        every = {tile_id(z, x, y) for x in range(2**z) for y in range(2**z)}
        assert every == set(range(first, first + 4**z))


def test_a_pmtiles_file_is_served_like_an_mbtiles_file(tmp_path, monkeypatch):
    wanted = list(tiles_around(LAT, LON, [14], radius=0))
    path = write_pmtiles(tmp_path / "xiqu.pmtiles", wanted)
    monkeypatch.setenv(TILES_ENV, str(path))
    z, x, y = wanted[0]
    response = tile_response(file_version(path), str(z), str(x), str(y))
    assert response.status_code == 200 and response.media_type == "image/png"
    assert open_tiles(path).attribution == "PM 测试"


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:60],  # truncated header
        lambda b: b"PMTiles\x02" + b[8:],  # version 2
        lambda b: b[:127] + b"\xff" * 40 + b[167:],  # a garbled root directory
        lambda b: b[:99] + b"\x01" + b[100:],  # vector tiles (MVT): not a basemap here
        lambda b: b[:300],  # the tile data cut off
    ],
)
def test_a_damaged_pmtiles_file_is_refused_or_serves_nothing(tmp_path, damage):
    wanted = list(tiles_around(LAT, LON, [14], radius=1))
    good = write_pmtiles(tmp_path / "good.pmtiles", wanted).read_bytes()
    path = tmp_path / "bad.pmtiles"
    path.write_bytes(damage(good))
    z, x, y = wanted[0]
    try:
        reader = PMTiles(path)
        blob = reader.tile(TileAddress(z, x, y))
    except TileFileError:
        return
    assert blob is None or image_type(blob) is None or len(blob) < 1000
