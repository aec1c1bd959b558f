"""Coordinates as they arrive: Amap/Baidu offsets, bare numbers, .prj files, wrong places."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from landmap.ingest.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_prj_against_values,
    convert_geometries,
    crs_from_prj,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    guess_crs,
    outside_district,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from landmap.ingest.problems import Severity
from tests.conftest import BOUNDARY

GEOD = Geod(ellps="WGS84")
TO_METRIC = Transformer.from_crs(4326, 4543, always_xy=True)
# The sample point of domain-china.md §1.1 and §2.3, near the 金沙水电站 dam.
SAMPLE_LON, SAMPLE_LAT = 101.60, 26.60
ONE_CM_DEG = 1e-7


@cache
def district() -> shapely.Geometry:
    import geopandas as gpd

    return gpd.read_file(BOUNDARY).geometry.iloc[0]


def points_inside(count: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Random WGS84 lon/lat inside the district outline, the same every run."""
    outline = district()
    minx, miny, maxx, maxy = outline.bounds
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(minx, maxx, 20 * count), rng.uniform(miny, maxy, 20 * count)
    inside = shapely.contains_xy(outline, lon, lat)
    return lon[inside][:count], lat[inside][:count]


def shift_m(lon: float, lat: float, to_lon: float, to_lat: float) -> tuple[float, float]:
    """Distance (m) and bearing (degrees from north) from one point to another."""
    bearing, _, distance = GEOD.inv(lon, lat, to_lon, to_lat)
    return distance, bearing % 360


# --- GCJ-02 / BD-09 ---------------------------------------------------------------------------


def test_gcj02_shift_at_xiqu_is_about_437_m_toward_sse():
    distance, bearing = shift_m(SAMPLE_LON, SAMPLE_LAT, *wgs84_to_gcj02(SAMPLE_LON, SAMPLE_LAT))
    assert 430 <= distance <= 440  # measured 437.1 m
    assert 155 <= bearing <= 167  # measured 161.4°


def test_bd09_shift_at_xiqu_is_about_820_to_850_m():
    distance, _ = shift_m(SAMPLE_LON, SAMPLE_LAT, *wgs84_to_bd09(SAMPLE_LON, SAMPLE_LAT))
    assert 820 <= distance <= 850  # measured 823.4 m


def test_round_trips_at_panzhihua_stay_within_a_centimetre():
    lon, lat = np.meshgrid(np.linspace(101.1, 102.2, 40), np.linspace(26.1, 27.3, 40))
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.abs(back_lon - lon).max() < ONE_CM_DEG
    assert np.abs(back_lat - lat).max() < ONE_CM_DEG
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert np.abs(back_lon - lon).max() < ONE_CM_DEG
    assert np.abs(back_lat - lat).max() < ONE_CM_DEG


def test_inverses_reproduce_the_input_through_the_forward_formula():
    # The one-step inverse everyone copies is up to ~0.8 m off here; the iteration is not.
    lon, lat = 101.63, 26.60
    assert np.allclose(wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), (lon, lat), rtol=0, atol=1e-11)
    assert np.allclose(gcj02_to_bd09(*bd09_to_gcj02(lon, lat)), (lon, lat), rtol=0, atol=1e-11)


def test_published_vectors_of_the_standard_formula():
    # hujiulong/gcoord's unit tests (test/unit/crs/*.spec.ts), point (123, 45).
    assert np.allclose(wgs84_to_gcj02(123, 45), (123.00607541, 45.00197815), atol=1e-8)
    assert np.allclose(wgs84_to_bd09(123, 45), (123.0124491, 45.0083293), atol=1e-7)
    assert np.allclose(gcj02_to_bd09(123, 45), (123.00636499, 45.00636899), atol=1e-8)
    # gcoord inverts in one step, so its inverse values are only close (its own test: 5e-6).
    assert np.allclose(gcj02_to_wgs84(123, 45), (122.99395597, 44.99804071), atol=5e-6)
    assert np.allclose(bd09_to_gcj02(123, 45), (122.99363304, 44.99365430), atol=5e-6)
    assert np.allclose(bd09_to_wgs84(123, 45), (122.98762210, 44.99171540), atol=5e-6)


def test_gcj02_leaves_points_outside_china_alone():
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert gcj02_to_wgs84(2.3522, 48.8566) == (2.3522, 48.8566)


def test_scalars_give_floats_and_arrays_keep_their_shape():
    lon, lat = wgs84_to_gcj02(SAMPLE_LON, SAMPLE_LAT)
    assert isinstance(lon, float) and isinstance(lat, float)
    grid_lon = np.full((2, 3), SAMPLE_LON)
    grid_lat = np.full((2, 3), SAMPLE_LAT)
    for convert in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = convert(grid_lon, grid_lat)
        assert out_lon.shape == out_lat.shape == (2, 3)
    nan_lon, _ = gcj02_to_wgs84(np.array([np.nan, SAMPLE_LON]), np.array([SAMPLE_LAT, SAMPLE_LAT]))
    assert np.isnan(nan_lon[0]) and np.isfinite(nan_lon[1])


def test_points_picked_from_amap_come_back_within_a_metre_of_the_truth():
    # A CSV of 20 points someone copied from Amap: the numbers are GCJ-02.
    lon, lat = points_inside(20)
    amap_lon, amap_lat = wgs84_to_gcj02(lon, lat)
    from_csv = shapely.points(amap_lon, amap_lat)
    converted = convert_geometries(from_csv, "gcj02")
    truth_m = shapely.points(np.column_stack(TO_METRIC.transform(lon, lat)))
    got_x, got_y = TO_METRIC.transform(shapely.get_x(converted), shapely.get_y(converted))
    errors = shapely.distance(truth_m, shapely.points(got_x, got_y))
    assert errors.max() < 1.0  # measured below 1e-6 m
    # Without the conversion they would be ~440 m off.
    raw_x, raw_y = TO_METRIC.transform(amap_lon, amap_lat)
    assert shapely.distance(truth_m, shapely.points(raw_x, raw_y)).min() > 400


def test_convert_geometries_handles_every_geometry_type_and_keeps_z():
    ring = [(101.60, 26.60), (101.61, 26.60), (101.61, 26.61), (101.60, 26.60)]
    geoms = np.array(
        [
            shapely.Polygon(ring),
            shapely.MultiPolygon([shapely.Polygon(ring)]),
            shapely.LineString(ring[:3]),
            shapely.Point(101.60, 26.60, 1169.0),
            shapely.Polygon(),
            None,
        ],
        dtype=object,
    )

    def to_gcj(xyz: np.ndarray) -> np.ndarray:
        out = xyz.copy()
        out[:, 0], out[:, 1] = wgs84_to_gcj02(xyz[:, 0], xyz[:, 1])
        return out

    gcj = shapely.transform(geoms, to_gcj, include_z=None)
    back = convert_geometries(gcj, "gcj02")
    assert [g.geom_type if g is not None else None for g in back] == [
        "Polygon",
        "MultiPolygon",
        "LineString",
        "Point",
        "Polygon",
        None,
    ]
    assert shapely.equals_exact(back[:3], geoms[:3], tolerance=ONE_CM_DEG).all()
    assert shapely.get_coordinates(back[3], include_z=True)[0, 2] == 1169.0
    assert back[4].is_empty


def test_convert_geometries_from_bd09_and_wgs84():
    lon, lat = points_inside(5)
    baidu = shapely.points(*wgs84_to_bd09(lon, lat))
    back = convert_geometries(baidu, "bd09")
    assert np.abs(shapely.get_x(back) - lon).max() < ONE_CM_DEG
    unchanged = convert_geometries(shapely.points(lon, lat), "wgs84")
    assert np.array_equal(shapely.get_x(unchanged), lon)
    with pytest.raises(ValueError, match="unknown coordinate offset"):
        convert_geometries(baidu, "mars")


# --- CRS guessing -----------------------------------------------------------------------------

PROJECTED_CGCS2000 = {
    4543: (2379, 2431),
    4522: (2358, 2410),
    4506: (2342, 21457),
    4495: (2331, 21417),
}


def raw_bounds(epsg: int, *, swapped: bool = False) -> tuple[float, float, float, float]:
    """The (minx, miny, maxx, maxy) a file of district points written in ``epsg`` would have."""
    lon, lat = points_inside(50)
    x, y = Transformer.from_crs(4490, epsg, always_xy=True).transform(lon, lat)
    if swapped:
        x, y = y, x
    return (float(x.min()), float(y.min()), float(x.max()), float(y.max()))


@pytest.mark.parametrize("swapped", [False, True], ids=["as-given", "swapped"])
@pytest.mark.parametrize("epsg", [4490, 4543, 4522, 4506, 4495])
def test_the_right_crs_comes_first(epsg, swapped):
    guesses = guess_crs(raw_bounds(epsg, swapped=swapped))
    best = guesses[0]
    assert (best.epsg, best.swapped, best.confidence) == (epsg, swapped, "high")
    assert not best.legacy_datum
    assert f"EPSG:{epsg}" in best.label.zh and f"EPSG:{epsg}" in best.label.en
    # The opposite axis order never fits equally well.
    assert all(g.confidence != "high" or g.swapped == swapped for g in guesses)


@pytest.mark.parametrize("epsg", sorted(PROJECTED_CGCS2000))
def test_legacy_twins_are_offered_after_cgcs2000(epsg):
    guesses = guess_crs(raw_bounds(epsg))
    codes = [g.epsg for g in guesses]
    xian80, beijing54 = PROJECTED_CGCS2000[epsg]
    assert codes.index(epsg) < codes.index(xian80) < codes.index(beijing54)
    high = [g for g in guesses if g.confidence == "high"]
    assert [g.epsg for g in high] == [epsg, xian80, beijing54]
    assert [g.legacy_datum for g in high] == [False, True, True]
    assert "位置精度未知" in high[1].reason.zh and "accuracy is unknown" in high[1].reason.en


def test_labels_name_the_crs_pyproj_knows_by_that_code():
    names = {"CGCS2000": "CGCS2000", "西安80": "Xian 1980", "北京54": "Beijing 1954"}
    for epsg in PROJECTED_CGCS2000:
        for guess in guess_crs(raw_bounds(epsg)):
            datum_zh = guess.label.zh.split(" / ")[0].split(" ")[0]
            pyproj_name = CRS.from_epsg(guess.epsg).name
            assert pyproj_name.startswith(names[datum_zh]), (guess.label, pyproj_name)
            assert guess.legacy_datum == (datum_zh != "CGCS2000")
            assert f"EPSG:{guess.epsg}" in guess.label.en


def test_six_degree_eastings_at_panzhihua_are_far_east_of_the_central_meridian():
    # 101.6°E is 2.6° east of CM 99°E: eastings ~760 000, which a 3° CM 102E reading rejects.
    minx, _, maxx, _ = raw_bounds(4506)
    assert 740_000 < minx < maxx < 780_000
    assert guess_crs(raw_bounds(4506))[0].epsg == 4506
    assert 4543 not in [g.epsg for g in guess_crs(raw_bounds(4506)) if g.confidence == "high"]


def test_numbers_that_fit_nothing_give_no_guess():
    assert guess_crs((0.0, 0.0, 10.0, 10.0)) == []  # a CAD drawing in local units
    assert guess_crs((1e9, 1e9, 2e9, 2e9)) == []
    assert guess_crs((np.nan, 0.0, 1.0, 1.0)) == []


def test_lonlat_elsewhere_in_china_is_only_a_weak_guess():
    chengdu = (104.0, 30.6, 104.1, 30.7)
    guesses = guess_crs(chengdu)
    assert [(g.epsg, g.confidence) for g in guesses] == [(4490, "low")]


# --- .prj files -------------------------------------------------------------------------------


def esri_wkt(epsg: int) -> str:
    return CRS.from_epsg(epsg).to_wkt("WKT1_ESRI")


def test_esri_prj_of_cgcs2000_gk_cm102e_is_4543():
    text = esri_wkt(4543)
    assert text.startswith('PROJCS["CGCS2000_3_Degree_GK_CM_102E"')  # as in domain doc §1.2
    assert crs_from_prj(text) == (4543, [])


def test_esri_prj_of_zone_34_is_4522():
    assert crs_from_prj(esri_wkt(4522)) == (4522, [])


def test_ogc_prj_forms_are_read_too():
    assert crs_from_prj(CRS.from_epsg(4543).to_wkt("WKT1_GDAL"))[0] == 4543
    assert crs_from_prj(CRS.from_epsg(4490).to_wkt("WKT2_2019"))[0] == 4490
    assert crs_from_prj("\ufeff" + esri_wkt(4490))[0] == 4490  # a BOM from a Windows tool


@pytest.mark.parametrize(("epsg", "datum"), [(2379, "西安80"), (2431, "北京54")])
def test_legacy_datum_prj_is_identified_with_a_warning(epsg, datum):
    code, found = crs_from_prj(esri_wkt(epsg))
    assert code == epsg
    assert [p.code for p in found] == ["legacy_datum"]
    warning = found[0]
    assert warning.severity is Severity.WARNING
    assert "位置精度未知" in warning.text("zh") and datum in warning.text("zh")
    assert "location accuracy unknown" in warning.text("en")
    assert "no real transformation to CGCS2000" in warning.text("en")


def test_garbage_prj_gives_none_and_a_warning():
    code, found = crs_from_prj("this is not a coordinate system")
    assert code is None
    assert [(p.code, p.severity) for p in found] == [("prj_unreadable", Severity.WARNING)]
    assert "无法读取" in found[0].text("zh") and "cannot be read" in found[0].text("en")


MAPGIS_PRJ = (
    'PROJCS["Gauss_Kruger",GEOGCS["GCS_Krasovsky_1940",DATUM["D_Krasovsky_1940",'
    'SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",102.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def test_gauss_kruger_prj_without_a_datum_is_not_trusted():
    # pyproj would match it to Beijing 1954 at low confidence; the ellipsoid is often wrong.
    code, found = crs_from_prj(MAPGIS_PRJ)
    assert code is None
    assert [(p.code, p.severity) for p in found] == [("prj_no_datum", Severity.WARNING)]
    assert "中央经线 102°" in found[0].text("zh")
    assert "no datum" in found[0].text("en")


def test_prj_with_a_custom_central_meridian_is_unidentified():
    local = esri_wkt(4543).replace('"Central_Meridian",102.0', '"Central_Meridian",101.5')
    code, found = crs_from_prj(local)
    assert code is None
    assert [p.code for p in found] == ["prj_unidentified"]


# --- .prj against the numbers -----------------------------------------------------------------


def test_prj_agreeing_with_the_values_is_silent():
    for epsg in (4490, 4543, 4522, 4506, 4495, 2379):
        assert check_prj_against_values(epsg, raw_bounds(epsg)) is None


@pytest.mark.parametrize(("declared", "actual"), [(4543, 4522), (4522, 4543)])
def test_zone_prefix_mismatch_names_the_right_code(declared, actual):
    found = check_prj_against_values(declared, raw_bounds(actual))
    assert found is not None and found.severity is Severity.WARNING
    assert found.code == "prj_values_mismatch"
    assert dict(found.values)["likely_epsg"] == str(actual)
    assert f"EPSG:{actual}" in found.text("zh") and "带号前缀" in found.text("zh")
    assert "zone-number prefix" in found.text("en")


def test_swapped_axes_against_the_prj_are_reported():
    found = check_prj_against_values(4543, raw_bounds(4543, swapped=True))
    assert found is not None and dict(found.values)["likely_epsg"] == "4543"
    assert "swapped" in found.text("en")


def test_degrees_under_a_metric_prj_are_reported():
    found = check_prj_against_values(4543, raw_bounds(4490))
    assert found is not None and dict(found.values)["likely_epsg"] == "4490"


def test_values_that_are_nowhere_near_are_reported_without_a_guess():
    found = check_prj_against_values(4543, (0.0, 0.0, 5000.0, 5000.0))
    assert found is not None and found.code == "prj_values_elsewhere"
    assert "likely_epsg" not in dict(found.values)
    assert "Panzhihua" in found.text("en")


# --- outside the district ---------------------------------------------------------------------


def river_edge_points() -> tuple[shapely.Point, ...]:
    """Points 600 m south of the district's river edge, 400 m south and 100 m inside (WGS84)."""
    outline_m = shapely.transform(
        district(), lambda xy: np.column_stack(TO_METRIC.transform(xy[:, 0], xy[:, 1]))
    )
    x, _ = TO_METRIC.transform(101.55, 26.60)  # between 格里坪 and 金沙湖, where the edge runs E–W
    meridian = shapely.LineString([(x, 2_900_000), (x, 3_000_000)])
    south_edge = shapely.get_coordinates(meridian.intersection(outline_m))[:, 1].min()
    to_wgs84 = Transformer.from_crs(4543, 4326, always_xy=True)
    offsets = (-600.0, -400.0, 100.0)
    points = [shapely.Point(to_wgs84.transform(x, south_edge + dy)) for dy in offsets]
    distances = [outline_m.distance(shapely.Point(x, south_edge + dy)) for dy in offsets]
    assert distances[0] > 550 and 300 < distances[1] < 450 and distances[2] == 0
    return tuple(points)


def test_outside_district_flags_600_m_beyond_the_river_but_not_100_m_inside():
    far, near, inside = river_edge_points()
    flags = outside_district(np.array([far, near, inside]), district())
    assert flags.tolist() == [True, False, False]


def test_outside_district_tolerance_and_odd_geometries():
    _, near, _ = river_edge_points()
    assert outside_district(np.array([near]), district(), tolerance_m=200).tolist() == [True]
    kunming = shapely.Point(102.71, 25.04)
    road_into_dongqu = shapely.LineString([(101.64, 26.60), (101.70, 26.58)])
    geoms = np.array([kunming, road_into_dongqu, shapely.Point(), None], dtype=object)
    assert outside_district(geoms, district()).tolist() == [True, False, False, False]
