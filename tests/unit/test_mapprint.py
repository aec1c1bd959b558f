"""The static map picture: real PNG and PDF bytes, Chinese that renders, colours that match."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pytest
import shapely
from matplotlib import font_manager
from matplotlib.colors import to_rgb
from matplotlib.image import imread
from matplotlib.text import Text

from landmap.clock import SHANGHAI
from landmap.dataset import load_dataset, normalise_layer
from landmap.layers import LAYER_BY_ID
from landmap.query import FeatureFilter, filter_features
from landmap.reports import mapprint
from landmap.reports.mapprint import FONT_PATH, build_map_figure, render_map_picture
from landmap.reports.typesetting import vendored_charmap
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, ORIGIN_4543, REPO_ROOT, SAMPLE_GPKG, layer_frame, square_4543
from tests.pdf_reading import creation_date

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# Where the map sits on the page (mm from the left), to look at map pixels and not the legend.
MAP_RIGHT_MM = mapprint._MAP_BOX[0] + mapprint._MAP_BOX[2]


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_GPKG), BOUNDARY)


def frames_of(**rows_by_layer: list[dict]):
    """App frames (as filter_features returns them) built from rows in EPSG:4543."""
    out = {}
    for layer_id, rows in rows_by_layer.items():
        spec = LAYER_BY_ID[layer_id]
        out[layer_id], _ = normalise_layer(layer_frame(spec, rows), spec, "test")
    return out


def plot(fid: str, status: str, dx: float = 0.0, side: float = 400.0, name: str = "大水井地块"):
    return {"id": fid, "name": name, "status": status, "geometry": square_4543(dx, 0, side)}


def road(fid: str, status: str, name: str = "金竹路后段"):
    x, y = ORIGIN_4543
    line = shapely.LineString([(x, y - 300), (x + 1500, y - 300)])
    return {"id": fid, "name": name, "status": status, "geometry": line}


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def render(frames, fmt="png", lang="zh", **kwargs) -> bytes:
    kwargs.setdefault("title", "西区土地与项目一张图")
    kwargs.setdefault("data_note", "数据来源：示意数据")
    kwargs.setdefault("now", NOW)
    return render_map_picture(frames, fmt=fmt, lang=lang, **kwargs)


def map_pixels(png: bytes, dpi: int) -> np.ndarray:
    """RGB pixels of the map box's column range (legend excluded), 0–255."""
    image = imread(io.BytesIO(png))
    right = int(MAP_RIGHT_MM / 25.4 * dpi) - 2
    return np.round(image[:, :right, :3] * 255)


def pixels_near(pixels: np.ndarray, rgb: tuple[float, float, float], tol: float = 3.0) -> int:
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tol).sum())


def on_white(colour: str, alpha: float) -> tuple[float, ...]:
    return tuple(255 * (alpha * c + (1 - alpha)) for c in to_rgb(colour))


def test_png_of_the_sample_is_an_a4_landscape_page(sample):
    png = render(sample.frames, boundary=sample.boundary)
    assert png.startswith(PNG_SIGNATURE)
    height, width, _ = imread(io.BytesIO(png)).shape
    # A4 landscape at 150 dpi: 297 × 210 mm is 1754 × 1240 px (within a pixel of rounding).
    assert abs(width - 297 / 25.4 * 150) <= 1
    assert abs(height - 210 / 25.4 * 150) <= 1


def test_pdf_embeds_the_vendored_font_as_truetype(sample):
    pdf = render(sample.frames, fmt="pdf", boundary=sample.boundary)
    assert pdf.startswith(b"%PDF")
    assert b"LandmapSansSC-Regular" in pdf
    # Type 42: the font itself, not glyph drawings, so the text can be searched and copied.
    assert b"/FontFile2" in pdf
    assert b"/Type3" not in pdf


@pytest.mark.filterwarnings("error")
def test_chinese_text_renders_with_no_missing_glyph(sample):
    shown = filter_features(sample.frames, FeatureFilter())
    # Every status label of the sample in the legend, and Chinese in the title and note.
    render(shown, boundary=sample.boundary, dpi=40)
    # Few enough features for their Chinese names to be written on the map.
    few = {k: f.head(2) for k, f in shown.items()}
    render(few, fmt="pdf", title="格里坪镇·河门口街道（示意）")


def test_every_registry_locale_and_sample_character_is_in_the_vendored_font(sample):
    charmap = vendored_charmap()
    sources = [REPO_ROOT / "landmap" / "layers.py", *(REPO_ROOT / "landmap" / "locales").glob("*")]
    text = "".join(p.read_text("utf-8") for p in sources)
    for frame in sample.frames.values():
        for column in ("name", "subdistrict", "community", "address", "responsible_unit"):
            text += "".join(frame[column].dropna().astype(str))
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in charmap})
    assert not missing, f"run scripts/make_font_subset.py to add {''.join(missing)}"


def test_vendored_font_is_small_and_licensed():
    assert FONT_PATH.stat().st_size < 4_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_PATH.parent / "OFL.txt").read_text()


def test_status_colour_of_a_feature_is_in_the_map_pixels():
    frames = frames_of(
        idle_land=[plot("T-1", "reserved")], roads=[road("D-1", "under_construction")]
    )
    png = render(frames, dpi=80)
    pixels = map_pixels(png, 80)
    reserved = LAYER_BY_ID["idle_land"].status("reserved").color
    road_colour = LAYER_BY_ID["roads"].status("under_construction").color
    # Plots are filled at 75 % over white; roads are drawn opaque.
    assert pixels_near(pixels, on_white(reserved, mapprint._POLYGON_ALPHA)) > 200
    assert pixels_near(pixels, tuple(255 * c for c in to_rgb(road_colour))) > 50
    listed = LAYER_BY_ID["idle_land"].status("listed").color
    assert pixels_near(pixels, on_white(listed, mapprint._POLYGON_ALPHA)) == 0


def test_unknown_status_is_drawn_grey_and_listed_as_unknown():
    frames = frames_of(idle_land=[plot("T-1", "no_such_code")])
    fig = build_map_figure(frames, lang="zh", title="t", data_note="n", now=NOW)
    assert "未知状态" in texts(fig)
    pixels = map_pixels(render(frames, dpi=80), 80)
    grey = on_white(mapprint.UNKNOWN_STATUS_STYLE.color, mapprint._POLYGON_ALPHA)
    assert pixels_near(pixels, grey) > 200


def test_legend_lists_only_layers_and_statuses_in_view_in_the_chosen_language():
    frames = frames_of(
        idle_land=[plot("T-1", "reserved"), plot("T-2", "ready", dx=3000), plot("T-3", "listed")],
        roads=[],
    )
    fig = build_map_figure(frames, lang="en", title="t", data_note="n", now=NOW)
    shown = texts(fig)
    assert {"Legend", "Idle & inefficient land", "In land reserve", "Ready for supply"} <= set(
        shown
    )
    assert "Road projects" not in shown
    assert "Under construction" not in shown
    # A view that leaves out T-2 (3 km east) leaves its status out of the legend too.
    x, y = ORIGIN_4543
    west = shapely.box(x - 500, y - 500, x + 450, y + 900)
    lon_lat = tuple(gpd.GeoSeries([west], crs="EPSG:4543").to_crs("EPSG:4326").total_bounds)
    fig = build_map_figure(frames, lang="zh", title="t", data_note="n", bounds=lon_lat, now=NOW)
    shown = texts(fig)
    assert "已收储" in shown
    assert "挂牌公告中" in shown
    assert "具备供地条件（净地）" not in shown


def test_view_bounds_are_projected_to_metres_and_kept_square():
    frames = frames_of(idle_land=[plot("T-1", "reserved")])
    bounds = (101.60, 26.60, 101.62, 26.61)
    fig = build_map_figure(frames, lang="zh", title="t", data_note="n", bounds=bounds, now=NOW)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    box = gpd.GeoSeries([shapely.box(*bounds)], crs="EPSG:4326").to_crs("EPSG:4543")
    minx, miny, maxx, maxy = box.total_bounds
    assert x0 <= minx + 1 and maxx - 1 <= x1 and y0 <= miny + 1 and maxy - 1 <= y1
    _, _, map_w, map_h = mapprint._MAP_BOX
    assert (x1 - x0) / (y1 - y0) == pytest.approx(map_w / map_h)


@pytest.mark.parametrize(
    "bounds", [(-200.0, -80.0, 200.0, 80.0), (101.6, 26.6, 101.6, 26.6), (0.0, 0.0, 1.0, 1.0)]
)
def test_odd_views_still_make_a_map(bounds):
    # Zoomed out to the world, zoomed to a point, or somewhere else entirely.
    fig = build_map_figure({}, lang="zh", title="t", data_note="n", bounds=bounds, now=NOW)
    x0, x1 = fig.axes[0].get_xlim()
    assert np.isfinite([x0, x1]).all() and x1 - x0 >= 100


def test_colour_override_replaces_status_colours_and_legend():
    frames = frames_of(idle_land=[plot("T-1", "reserved"), plot("T-2", "ready", dx=600)])
    colours = {("idle_land", "T-1"): "#d32f2f"}
    entries = [("已逾期", "#d32f2f"), ("未到期", "#388e3c")]
    fig = build_map_figure(
        frames, lang="zh", title="t", data_note="n", colours=colours, legend_entries=entries
    )
    shown = texts(fig)
    assert "已逾期" in shown
    assert "未到期" not in shown  # no feature in that state
    assert "已收储" not in shown  # status legend replaced
    png = render(frames, dpi=80, colours=colours, legend_entries=entries)
    pixels = map_pixels(png, 80)
    assert pixels_near(pixels, on_white("#d32f2f", mapprint._POLYGON_ALPHA)) > 100
    reserved = LAYER_BY_ID["idle_land"].status("reserved").color
    assert pixels_near(pixels, on_white(reserved, mapprint._POLYGON_ALPHA)) == 0
    with pytest.raises(ValueError):
        build_map_figure(frames, lang="zh", title="t", data_note="n", colours=colours)


def test_an_empty_selection_still_makes_a_picture_with_a_note(sample):
    empty = filter_features(sample.frames, FeatureFilter(text="没有这个地块"))
    assert render(empty, boundary=sample.boundary, dpi=40).startswith(PNG_SIGNATURE)
    fig = build_map_figure(empty, lang="en", title="t", data_note="n", now=NOW)
    assert "No features to show in this view" in texts(fig)
    assert build_map_figure({}, lang="zh", title="t", data_note="n", now=NOW) is not None


def test_names_and_titles_are_drawn_literally():
    odd = r"$\notacommand$ <b>粗</b>"
    frames = frames_of(idle_land=[plot("T-1", "reserved", name=odd)])
    fig = build_map_figure(frames, lang="zh", title=odd, data_note=odd, subtitle=odd, now=NOW)
    literal = [t for t in fig.findobj(Text) if t.get_text() == odd]
    assert len(literal) == 4  # title, subtitle, the plot's label and the data note
    assert all(not t.get_parse_math() and not t.get_usetex() for t in literal)
    # mathtext would raise on the unknown command; drawn literally, both formats render.
    assert render(frames, title=odd, data_note=odd, dpi=40).startswith(PNG_SIGNATURE)
    assert render(frames, fmt="pdf", title=odd, data_note=odd).startswith(b"%PDF")


def test_date_is_in_china_time_and_north_and_scale_bar_are_labelled(sample):
    evening_utc = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 01:00 on 24 Nov in China
    zh = texts(
        build_map_figure(sample.frames, lang="zh", title="t", data_note="n", now=evening_utc)
    )
    en = texts(
        build_map_figure(sample.frames, lang="en", title="t", data_note="n", now=evening_utc)
    )
    assert "制图日期：2026年11月24日" in zh
    assert "Map date: 24 Nov 2026" in en
    assert "北" in zh and "N" in en
    scale = [t for t in zh if re.fullmatch(r"[\d.]+ k?m", t)]
    assert len(scale) == 1
    value, unit = scale[0].split()
    metres = float(value) * (1000 if unit == "km" else 1)
    assert metres / 10 ** np.floor(np.log10(metres)) in (1, 2, 5)


def test_scale_bar_switches_to_metres_when_zoomed_in():
    frames = frames_of(idle_land=[plot("T-1", "reserved", side=100)])
    shown = texts(build_map_figure(frames, lang="en", title="t", data_note="n", now=NOW))
    assert any(re.fullmatch(r"\d+ m", t) for t in shown)


@pytest.mark.skipif(
    "Noto Sans CJK SC" not in {f.name for f in font_manager.fontManager.ttflist},
    reason="needs Debian's fonts-noto-cjk for the fallback",
)
@pytest.mark.filterwarnings("error")
def test_a_character_outside_the_subset_comes_from_the_host_font():
    rare = "堃"  # in GBK, not in GB2312
    assert ord(rare) not in vendored_charmap()
    frames = frames_of(idle_land=[plot("T-1", "reserved", name=f"{rare}苑地块")])
    assert render(frames, dpi=40).startswith(PNG_SIGNATURE)
    # matplotlib would write the host's CFF font as TrueType; glyph drawings are safe instead.
    assert b"/Type3" in render(frames, fmt="pdf")


def test_rendering_leaves_global_matplotlib_settings_alone_across_threads():
    before = {k: mpl.rcParams[k] for k in ("pdf.fonttype", "font.family", "text.parse_math")}
    frames = frames_of(idle_land=[plot("T-1", "reserved")], roads=[road("D-1", "on_hold")])
    errors: list[BaseException] = []

    def work(fmt: str) -> None:
        try:
            render(frames, fmt=fmt, dpi=40)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f,)) for f in ("png", "pdf", "png", "pdf")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert {k: mpl.rcParams[k] for k in before} == before


def test_pdf_creation_date_is_the_moment_it_was_made():
    # Made at 09:30 Beijing time: a viewer must show 09:30 in Beijing (01:30 UTC), not 16 hours
    # later, which is what a "-08'00'" offset (matplotlib's sign for a zone east of UTC) meant.
    made = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)
    pdf = render_map_picture({}, fmt="pdf", lang="zh", title="西区", data_note="", now=made)
    assert creation_date(pdf) == made
    assert creation_date(pdf).astimezone(UTC).hour == 1
