"""The plot brochure: one A4 page per offered plot, for an investor to take away (pure).

Audience: public. It is built from the public frames and the plot's selling facts only
(``promotion.facts``), so no internal field can appear. Each page has the plot highlighted on
a map with a locator inset of the district, its facts in the chosen language or both, the
utilities checklist, the road projects serving it, a QR code that opens the plot's public
link, the promotion office's contact and the date the data is as of. A shortlist brochure
starts with the comparison table. Text is real text in the vendored CJK font (searchable).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import segno
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D

from landmap.access import Audience
from landmap.geo import METRIC_CRS
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.map.colours import readable_text_colour
from landmap.promotion.compare import compare
from landmap.promotion.facts import SellingFacts
from landmap.reports.mapprint import (
    boundary_to_metric,
    draw_boundary,
    draw_features,
    in_view,
    to_metric,
)
from landmap.reports.typesetting import (
    display_width_em,
    ensure_font_registered,
    font,
    format_date,
    render_lock,
    save_pdf,
    wrap,
)
from landmap.store.base import PhotoStore

PAGE_MM = (210.0, 297.0)  # A4 portrait
_MARGIN = 12.0
_MAP_BOX = (_MARGIN, 187.0, 118.0, 68.0)  # x, y (from the bottom), width, height in mm
_QR_MM = 38.0
_HIGHLIGHT = "#d50000"
LANGS = ("zh", "en", "both")


@dataclass(frozen=True)
class BrochurePlot:
    """One plot of a brochure: its facts in each language it is printed in, and its shape."""

    facts: Mapping[str, SellingFacts]  # lang → facts ("zh" and/or "en")
    geometry: shapely.Geometry  # EPSG:4326, as the frames hold it
    link: str
    photos: Sequence[tuple[bytes, str]] = ()  # (JPEG, caption) of public photos, at most 2


def plot_link(base_url: str, feature_id: str, lang: str) -> str:
    """The public link that opens ``feature_id`` in the app (what the QR code holds)."""
    query = {"plot": feature_id}
    if lang == "en":
        query["lang"] = "en"
    return f"{base_url.rstrip('/')}/?{urlencode(query)}"


def render_brochure_pdf(
    plots: Sequence[BrochurePlot],
    *,
    lang: str,
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
    as_of: datetime,
    is_sample: bool = False,
) -> bytes:
    """The brochure of ``plots`` as PDF bytes: a comparison page first when there are several.

    ``frames`` are the public frames (the neighbours drawn around each plot), ``lang`` one of
    ``LANGS``; ``as_of`` is printed as the date the data is as of.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown brochure language {lang!r}; use zh, en or both")
    if not plots:
        raise ValueError("a brochure needs at least one plot")
    ensure_font_registered()
    figures = []
    if len(plots) > 1:
        figures.append(_comparison_page(plots, lang, as_of, is_sample))
    figures += [_plot_page(p, lang, frames, boundary, as_of, is_sample) for p in plots]
    title = _title(plots[0], lang) if len(plots) == 1 else t("brochure.shortlist_title", "zh")
    return save_pdf(figures, title=title, when=as_of)


def _langs(lang: str) -> tuple[str, ...]:
    return ("zh", "en") if lang == "both" else (lang,)


def _title(plot: BrochurePlot, lang: str) -> str:
    return plot.facts[_langs(lang)[0]].title(_langs(lang)[0])


class _Page:
    """Text and shapes placed in millimetres from the bottom left of an A4 portrait page."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=(PAGE_MM[0] / 25.4, PAGE_MM[1] / 25.4))
        self.transform = Affine2D().scale(1 / PAGE_MM[0], 1 / PAGE_MM[1]) + self.fig.transFigure

    def text(self, x: float, y: float, s: str, size: float, **kwargs) -> None:
        self.fig.text(
            x,
            y,
            s,
            fontproperties=font(size),
            parse_math=False,
            usetex=False,
            transform=self.transform,
            **kwargs,
        )

    def rect(self, x: float, y: float, w: float, h: float, **kwargs) -> None:
        self.fig.patches.append(
            Rectangle((x, y), w, h, transform=self.transform, figure=self.fig, **kwargs)
        )

    def axes(self, x: float, y: float, w: float, h: float):
        return self.fig.add_axes((x / PAGE_MM[0], y / PAGE_MM[1], w / PAGE_MM[0], h / PAGE_MM[1]))


def _header(page: _Page, lines: Sequence[str], kicker: str) -> float:
    """The title block; returns the y below it."""
    top = PAGE_MM[1] - _MARGIN
    page.text(_MARGIN, top, kicker, 8.5, color="#546e7a", va="top")
    y = top - 6.0
    for n, line in enumerate(lines):
        size = 17.0 if n == 0 else 11.0
        for part in wrap(line, _em(PAGE_MM[0] - 2 * _MARGIN, size), 2):
            page.text(_MARGIN, y, part, size, va="top", color="#212121" if n == 0 else "#37474f")
            y -= size * 0.45
        y -= 1.5
    return y


def _footer(page: _Page, lang: str, as_of: datetime, is_sample: bool) -> None:
    parts = [
        " · ".join(
            t("brochure.as_of", code, date=format_date(as_of, code)) for code in _langs(lang)
        )
    ]
    if is_sample:
        parts.append(" · ".join(t("brochure.sample", code) for code in _langs(lang)))
    page.text(_MARGIN, 8.0, "    ".join(parts), 7.0, color="#607d8b", va="bottom")


def _plot_page(
    plot: BrochurePlot,
    lang: str,
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
    as_of: datetime,
    is_sample: bool,
) -> Figure:
    page = _Page()
    langs = _langs(lang)
    first = plot.facts[langs[0]]
    titles = [plot.facts[code].title(code) for code in langs]
    kicker = " · ".join(t("brochure.kicker", code) for code in langs)
    y = _header(page, list(dict.fromkeys(titles)), kicker)
    status = " / ".join(dict.fromkeys(plot.facts[code].status for code in langs))
    spec = LAYER_BY_ID[first.layer_id]
    colour = _status_colour(spec, first)
    pill_w = 4.0 + display_width_em(status) * 9.5 * 25.4 / 72
    page.rect(_MARGIN, y - 6.5, pill_w, 6.5, color=colour, linewidth=0)
    page.text(_MARGIN + 2.0, y - 3.25, status, 9.5, va="center", color=readable_text_colour(colour))
    page.text(PAGE_MM[0] - _MARGIN, y - 3.25, first.feature_id, 9.0, va="center", ha="right",
              color="#546e7a")  # fmt: skip

    _draw_plot_map(page, plot, frames, boundary)
    if plot.photos:
        _draw_qr(page, plot.link, langs, size=28.0)
        _draw_photos(page, plot.photos)
    else:
        _draw_qr(page, plot.link, langs)
    _draw_facts(page, plot, langs, top=_MAP_BOX[1] - 6.0)
    _footer(page, lang, as_of, is_sample)
    return page.fig


def _status_colour(spec, facts: SellingFacts) -> str:
    for status in spec.statuses:
        if status.label.get("zh") == facts.status or status.label.get("en") == facts.status:
            return status.color
    return "#90a4ae"


def _draw_plot_map(
    page: _Page,
    plot: BrochurePlot,
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
) -> None:
    x, y, w, h = _MAP_BOX
    locator = 30.0
    draw_plot_map(
        page.axes(x, y, w, h),
        page.axes(x + w - locator - 1.5, y + 1.5, locator, locator),
        plot.geometry,
        frames,
        boundary,
        aspect=w / h,
    )


def draw_plot_map(
    ax: Axes,
    locator_ax: Axes | None,
    geometry: shapely.Geometry,
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
    *,
    aspect: float,
) -> None:
    """The plot outlined in red among its neighbours (``frames``, public), in EPSG:4543; and,
    in ``locator_ax``, the district with the plot's place marked."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#37474f")
        spine.set_linewidth(0.8)
    shape = gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    minx, miny, maxx, maxy = shape.bounds
    size = max(maxx - minx, maxy - miny, 250.0) * 1.8  # the plot and its surroundings
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = (size * aspect / 2, size / 2) if aspect >= 1 else (size / 2, size / aspect / 2)
    extent = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor("#f5f3ef")
    width_mm = ax.get_position().width * ax.figure.get_figwidth() * 25.4
    draw_features(ax, in_view(to_metric(frames), extent, None), (extent[2] - extent[0]) / width_mm)
    outline = np.asarray(shapely.get_coordinates(shape.boundary))
    ax.plot(outline[:, 0], outline[:, 1], color=_HIGHLIGHT, linewidth=2.4, zorder=10)
    if locator_ax is not None:
        _draw_locator(locator_ax, shape, boundary)


def _draw_locator(ax: Axes, shape: shapely.Geometry, boundary: gpd.GeoDataFrame | None) -> None:
    """A small map of the whole district with the plot's place marked."""
    metric = boundary_to_metric(boundary)
    if metric is None:
        ax.set_axis_off()
        return
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_color("#90a4ae")
    minx, miny, maxx, maxy = metric.total_bounds
    side = max(maxx - minx, maxy - miny) * 1.08
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2, cy + side / 2)
    ax.set_aspect("equal", adjustable="box")
    draw_boundary(ax, metric)
    point = shape.representative_point()
    ax.plot([point.x], [point.y], marker="o", markersize=5, color=_HIGHLIGHT, zorder=10)


def plot_map_png(
    geometry: shapely.Geometry,
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
    *,
    size_mm: tuple[float, float] = (160.0, 120.0),
    dpi: int = 110,
) -> bytes:
    """The brochure's map of one plot as a PNG (the presentation shows it full size)."""
    ensure_font_registered()
    fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4))
    ax = fig.add_axes((0, 0, 1, 1))
    side = 0.26 * size_mm[1] / size_mm[0]
    locator = fig.add_axes((1 - side - 0.01, 0.01 * size_mm[0] / size_mm[1], side, 0.26))
    draw_plot_map(ax, locator, geometry, frames, boundary, aspect=size_mm[0] / size_mm[1])
    out = io.BytesIO()
    FigureCanvasAgg(fig)
    with render_lock:
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _draw_qr(page: _Page, link: str, langs: Sequence[str], size: float = _QR_MM) -> None:
    """The QR code of the plot's public link, with a quiet zone, and the link in words."""
    matrix = np.array([list(row) for row in segno.make(link, error="m").matrix], dtype=float)
    matrix = np.pad(matrix, 4)  # the quiet zone readers need
    x = PAGE_MM[0] - _MARGIN - size
    y = _MAP_BOX[1] + _MAP_BOX[3] - size
    ax = page.axes(x, y, size, size)
    ax.imshow(1 - matrix, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    caption_y = y - 3.0
    for code in langs:
        page.text(x + size / 2, caption_y, t("brochure.scan", code), 8.0, ha="center", va="top")
        caption_y -= 4.0
    for part in wrap(link, _em(size + 14, 6.5), 3):
        page.text(x + size / 2, caption_y, part, 6.5, ha="center", va="top", color="#455a64")
        caption_y -= 3.0


def _draw_photos(page: _Page, photos: Sequence[tuple[bytes, str]]) -> None:
    """Up to two photos side by side under the QR code, each with its caption."""
    left = _MAP_BOX[0] + _MAP_BOX[2] + 6.0
    width = (PAGE_MM[0] - _MARGIN - left - 3.0) / 2
    height = 22.0
    for n, (jpeg, caption) in enumerate(photos[:2]):
        x = left + n * (width + 3.0)
        ax = page.axes(x, _MAP_BOX[1] + 3.5, width, height)
        ax.imshow(imread(io.BytesIO(jpeg), format="jpeg"))
        ax.set_axis_off()
        if caption:
            line = wrap(caption, _em(width, 6.5), 1)[0]
            page.text(x, _MAP_BOX[1] + 2.5, line, 6.5, va="top", color="#455a64")


def _draw_facts(page: _Page, plot: BrochurePlot, langs: Sequence[str], top: float) -> None:
    """The facts as label/value rows (Chinese above English in a bilingual brochure), then
    the utilities checklist and the road projects that serve the plot."""
    label_w = 46.0
    value_x = _MARGIN + label_w
    value_w = PAGE_MM[0] - _MARGIN - value_x
    y = top

    def row(labels: list[str], values: list[str], colour: str = "#212121") -> None:
        nonlocal y
        label_lines = [(line, 8.5 if n == 0 else 7.0) for n, line in enumerate(labels)]
        value_lines = []
        for n, value in enumerate(dict.fromkeys(values)):
            size = 9.0 if n == 0 else 8.0
            value_lines += [(line, size) for line in wrap(value, _em(value_w, size), 2)]
        for n, (line, size) in enumerate(label_lines):
            page.text(_MARGIN, y - n * 3.4, wrap(line, _em(label_w - 2, size), 1)[0], size,
                      va="top", color="#546e7a")  # fmt: skip
        for n, (line, size) in enumerate(value_lines):
            page.text(value_x, y - n * 3.7, line, size, va="top", color=colour)
        y -= max(3.4 * len(label_lines), 3.7 * len(value_lines)) + 1.3
        page.rect(_MARGIN, y + 0.6, PAGE_MM[0] - 2 * _MARGIN, 0.15, color="#e0e0e0", linewidth=0)

    first = plot.facts[langs[0]]
    for index in range(len(first.rows)):
        labels = list(dict.fromkeys(plot.facts[code].rows[index][1] for code in langs))
        row(labels, [plot.facts[code].rows[index][2] for code in langs])

    def joined(items: list[str], code: str) -> str:
        return ("、" if code == "zh" else ", ").join(items)

    ready = [joined(plot.facts[c].utilities_ready, c) for c in langs]
    row(
        [t("facts.utilities_ready", c) for c in langs],
        ["√ " + r if r else "—" for r in ready],  # √: in the vendored font (✓ is not)
        "#1b5e20",
    )
    if first.utilities_planned:
        row(
            [t("facts.utilities_planned", c) for c in langs],
            [joined(plot.facts[c].utilities_planned, c) for c in langs],
        )
    lines = []
    for road in first.serving_roads[:3]:
        when = road.planned_finish
        lines.append(
            t(
                "facts.road_line",
                langs[0],
                name=road.name,
                road_class=road.road_class,
                stage=road.stage,
                finish=t("facts.finish", langs[0], date=when[:7]) if when else "",
                metres=f"{road.distance_m:,.0f}",
            )
        )
    row(
        [t("facts.serving_roads", c) for c in langs],
        ["；".join(lines) or t("facts.no_roads", langs[0])],
    )


def _comparison_page(
    plots: Sequence[BrochurePlot], lang: str, as_of: datetime, is_sample: bool
) -> Figure:
    page = _Page()
    langs = _langs(lang)
    kicker = " · ".join(t("brochure.kicker", code) for code in langs)
    titles = list(dict.fromkeys(t("brochure.shortlist_title", code) for code in langs))
    y = _header(page, titles, kicker) - 4.0
    table = compare([p.facts[langs[0]] for p in plots], langs[0])
    columns = len(plots)
    label_w = 36.0
    col_w = (PAGE_MM[0] - 2 * _MARGIN - label_w) / columns
    for c, name in enumerate(table.columns):
        x = _MARGIN + label_w + c * col_w
        for n, line in enumerate(wrap(name, _em(col_w - 2, 9.0), 3)):
            page.text(x, y - n * 4.0, line, 9.0, va="top")
        page.text(x, y - 13.0, table.feature_ids[c], 7.5, va="top", color="#607d8b")
    y -= 18.0
    for r, (label, values) in enumerate(table.rows):
        heights = []
        page.text(_MARGIN, y, wrap(label, _em(label_w - 2, 8.0), 2)[0], 8.0, va="top",
                  color="#546e7a")  # fmt: skip
        for c, value in enumerate(values):
            x = _MARGIN + label_w + c * col_w
            best = table.is_best(r, c)
            lines = wrap(("★ " if best else "") + value, _em(col_w - 2, 8.5), 3)
            if best:
                page.rect(x - 1, y - 4.0 * len(lines) - 0.6, col_w - 1, 4.0 * len(lines) + 1.4,
                          color="#fff8e1", linewidth=0)  # fmt: skip
            for n, line in enumerate(lines):
                page.text(x, y - n * 4.0, line, 8.5, va="top")
            heights.append(len(lines))
        y -= 4.0 * max(heights) + 2.0
        page.rect(_MARGIN, y + 1.0, PAGE_MM[0] - 2 * _MARGIN, 0.15, color="#e0e0e0", linewidth=0)
    page.text(_MARGIN, y - 2.0, t("compare.best", langs[0]), 7.5, va="top", color="#607d8b")
    _footer(page, lang, as_of, is_sample)
    return page.fig


def _em(width_mm: float, size_pt: float) -> float:
    return width_mm / (size_pt * 25.4 / 72)


class PlotNotOffered(LookupError):
    """A brochure was asked for a plot the public may not see (or that does not exist)."""

    def __init__(self, feature_id: str) -> None:
        super().__init__(feature_id)
        self.feature_id = feature_id


def make_brochure(
    feature_ids: Sequence[str],
    public_frames: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: str,
    base_url: str,
    contact: str | None,
    boundary: gpd.GeoDataFrame | None,
    as_of: datetime,
    is_sample: bool = False,
    photos: Callable[[str], Sequence[tuple[bytes, str]]] | None = None,
) -> bytes:
    """The brochure PDF of ``feature_ids`` (one, or a shortlist) from the public frames.

    ``photos`` gives a plot's public photos as (JPEG, caption), e.g. ``public_photos(store)``.

    Raises ``PlotNotOffered`` for an id the public view does not hold: a brochure is public
    output, so it is built from public data only, whoever asks for it.
    """
    from landmap.promotion.facts import selling_facts
    from landmap.query import find_feature

    plots = []
    roads = public_frames.get("roads")
    for feature_id in feature_ids:
        found = find_feature(dict(public_frames), feature_id)
        if found is None or not LAYER_BY_ID[found[0]].offered_statuses:
            raise PlotNotOffered(feature_id)
        spec, row = LAYER_BY_ID[found[0]], found[1]
        facts = {code: selling_facts(spec, row, roads, code, contact) for code in _langs(lang)}
        link = plot_link(base_url, feature_id, "en" if lang == "en" else "zh")
        shown = tuple(photos(feature_id))[:2] if photos else ()
        plots.append(BrochurePlot(facts, row.geometry, link, shown))
    return render_brochure_pdf(
        plots, lang=lang, frames=public_frames, boundary=boundary, as_of=as_of, is_sample=is_sample
    )


def public_photos(store: PhotoStore) -> Callable[[str], list[tuple[bytes, str]]]:
    """A plot's public photos from ``store``, as (JPEG, caption): what a brochure may show."""

    def load(feature_id: str) -> list[tuple[bytes, str]]:
        found = []
        for info in store.photos(feature_id, audience=Audience.PUBLIC)[:2]:
            jpeg = store.photo_bytes(info.photo_id, audience=Audience.PUBLIC)
            if jpeg:
                found.append((jpeg, info.caption))
        return found

    return load
