"""A static map picture for reports: PNG or PDF of the shown features (pure, no Streamlit).

One A4 landscape page: title (and the filter sentence), the date in China time, the map drawn
in EPSG:4543 metres so the scale bar is true, the district outline, a legend of only the
layers and statuses shown, a scale bar, a north arrow and the caller's data note. No basemap
tiles: the picture is made offline, on the server.

Thread safety: Streamlit serves every session from its own thread, so nothing here touches
pyplot's global figure manager; each picture is its own ``Figure`` with an Agg or PDF canvas.
Fonts are given to every text object, not through ``rcParams``; the one setting that only
exists as an rcParam (``pdf.fonttype``) is set in an ``rc_context`` under a module lock, because
two overlapping ``rc_context`` blocks in two threads restore each other's values.

Chinese text uses the font vendored in ``landmap/fonts`` (a subset of Noto Sans CJK SC, see its
README), so a host without CJK fonts still prints 西区 and not boxes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.transforms import Affine2D, Transform

from landmap.geo import DISPLAY_CRS, METRIC_CRS
from landmap.layers import (
    LAYERS,
    UNKNOWN_STATUS_LABEL,
    UNKNOWN_STATUS_STYLE,
    GeometryKind,
    Label,
    LayerSpec,
    StatusSpec,
    get_layer,
)
from landmap.reports.typesetting import (
    FONT_FAMILY,
    FONT_PATH,
    china_time,
    display_width_em,
    draw_text,
    ellipsize,
    em_capacity,
    ensure_font_registered,
    format_date,
    pdf_timestamp,
    save_pdf,
    wrap,
)

__all__ = [
    "FONT_FAMILY",
    "FONT_PATH",
    "PAGE_SIZE_MM",
    "PictureFormat",
    "build_map_figure",
    "format_date",
    "pdf_timestamp",
    "render_map_picture",
]

PictureFormat = Literal["png", "pdf"]

PAGE_SIZE_MM = (297.0, 210.0)  # A4 landscape; the PNG has the same proportions
DEFAULT_DPI = 150  # 1753 × 1240 px: sharp on screen and in a Word report, ~0.3 MB


_TEXT = {
    "legend": Label("图例", "Legend"),
    "date": Label("制图日期：{date}", "Map date: {date}"),
    "no_features": Label("当前范围内没有要显示的要素", "No features to show in this view"),
    "north": Label("北", "N"),
    "count": Label("数量", "Count"),
}


# Page layout, in millimetres from the bottom-left corner of the page.
_MARGIN = 10.0
_TITLE_SIZE = 17.0
_MAP_BOX = (_MARGIN, 16.0, 200.0, 167.0)  # x, y, width, height
_LEGEND_X = _MAP_BOX[0] + _MAP_BOX[2] + 7.0
_LEGEND_RIGHT = PAGE_SIZE_MM[0] - _MARGIN
_BODY_SIZE = 9.0
_NOTE_SIZE = 7.5

# At most this many features get their name written beside them; more would be a thicket.
_MAX_NAME_LABELS = 12
# A polygon smaller than this on paper (mm) also gets a dot, so it does not vanish at
# district scale.
_MIN_VISIBLE_MM = 1.2
_POLYGON_ALPHA = 0.75
_ROAD_WIDTH_PT = 3.0
_ROAD_CASING_PT = 5.0
_BOUNDARY_COLOUR = "#546e7a"

# Roughly the district outline (EPSG:4543), for a picture with nothing to frame.
_XIQU_EXTENT_4543 = (445_500.0, 2_936_400.0, 466_300.0, 2_952_000.0)

# A view wider than this (lon/lat) is cut to it: far from its central meridian (102°E) the
# Gauss-Kruger projection of EPSG:4543 tears apart, and no picture of Xiqu needs more.
_VIEW_LIMIT = (99.0, 23.0, 105.0, 30.0)


@dataclass(frozen=True)
class _Style:
    """How one feature is drawn; also the key of its legend swatch."""

    face: str
    edge: str
    dashed: bool
    # Statuses with their own outline colour (暂缓, unknown) are pale; a road in one of them
    # gets that dark colour as its casing instead of white, or it would vanish.
    dark_casing: bool = False

    @property
    def casing(self) -> str:
        return self.edge if self.dark_casing else "white"


@dataclass
class _LegendGroup:
    header: str | None
    geometry: GeometryKind
    entries: list[tuple[str, _Style, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _Drawn:
    """The features of one layer in view, in EPSG:4543, and the style of each."""

    layer: LayerSpec
    frame: gpd.GeoDataFrame
    styles: list[_Style]


def render_map_picture(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    fmt: PictureFormat,
    lang: str,
    title: str,
    data_note: str,
    subtitle: str = "",
    bounds: tuple[float, float, float, float] | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    colours: Mapping[tuple[str, str], str] | None = None,
    legend_entries: Sequence[tuple[str, str]] | None = None,
    now: datetime | None = None,
    dpi: int = DEFAULT_DPI,
) -> bytes:
    """The map as PNG or PDF bytes, ready for a download button or a file.

    ``frames`` are the shown layers as ``query.filter_features`` returns them (EPSG:4326, with
    ``id``, ``name``, ``status``); ``bounds`` is the user's view (lon/lat minx, miny, maxx, maxy)
    or None to frame every shown feature. ``subtitle`` is meant for the filter sentence
    (``query.describe_filter``), ``data_note`` for the source line. See ``build_map_figure``
    for ``colours`` and ``legend_entries``. PNG is A4-shaped at ``dpi``.

    >>> png = render_map_picture({}, fmt="png", lang="en", title="Xiqu", data_note="Sample")
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    fig = build_map_figure(
        frames,
        lang=lang,
        title=title,
        data_note=data_note,
        subtitle=subtitle,
        bounds=bounds,
        boundary=boundary,
        colours=colours,
        legend_entries=legend_entries,
        now=now,
    )
    when = china_time(now)
    out = io.BytesIO()
    if fmt == "png":
        FigureCanvasAgg(fig)
        fig.savefig(out, format="png", dpi=dpi, metadata={"Title": title, "Software": "landmap"})
        return out.getvalue()
    if fmt != "pdf":
        raise ValueError(f"unknown picture format {fmt!r}; use 'png' or 'pdf'")
    return save_pdf([fig], title=title, when=when)


def build_map_figure(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: str,
    title: str,
    data_note: str,
    subtitle: str = "",
    bounds: tuple[float, float, float, float] | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    colours: Mapping[tuple[str, str], str] | None = None,
    legend_entries: Sequence[tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> Figure:
    """The page as a matplotlib ``Figure`` (for tests and for callers that add to it).

    Each feature is coloured by its layer's status colour (unknown codes grey and dashed, as on
    the web map). ``colours`` overrides that per (layer id, feature id), e.g. by deadline state;
    ``legend_entries`` (label, colour) then make the legend, and features missing from
    ``colours`` are drawn in the unknown-status grey. The legend lists only what is in view.
    Every text is drawn literally: ``$x$`` and ``<b>`` in a name stay as typed.
    """
    if (colours is None) != (legend_entries is None):
        raise ValueError("colours and legend_entries go together")
    ensure_font_registered()
    fig = Figure(figsize=(PAGE_SIZE_MM[0] / 25.4, PAGE_SIZE_MM[1] / 25.4))
    page = _page_transform(fig)

    map_x, map_y, map_w, map_h = _MAP_BOX
    ax = fig.add_axes(
        (
            map_x / PAGE_SIZE_MM[0],
            map_y / PAGE_SIZE_MM[1],
            map_w / PAGE_SIZE_MM[0],
            map_h / PAGE_SIZE_MM[1],
        )
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#37474f")

    metric = to_metric(frames)
    boundary_metric = boundary_to_metric(boundary)
    extent = _fit_extent(_view_extent(bounds, metric, boundary_metric), map_w / map_h)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    metres_per_mm = (extent[2] - extent[0]) / map_w

    drawn = in_view(metric, extent, colours)
    if boundary_metric is not None:
        draw_boundary(ax, boundary_metric)
    draw_features(ax, drawn, metres_per_mm)
    count = sum(len(d.frame) for d in drawn)
    if count == 0:
        draw_text(
            ax,
            0.5,
            0.5,
            _TEXT["no_features"].get(lang),
            size=12,
            color="#455a64",
            ha="center",
            va="center",
            transform=ax.transAxes,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "#b0bec5"},
        )
    elif count <= _MAX_NAME_LABELS:
        _draw_names(ax, drawn, extent)

    _draw_header(fig, page, lang, title, subtitle, china_time(now))
    if colours is not None and legend_entries is not None:
        groups = _override_legend(drawn, legend_entries)
    else:
        groups = _status_legend(drawn, lang)
    _draw_legend(fig, page, groups, lang)
    _draw_scale_bar(fig, page, metres_per_mm)
    _draw_north_arrow(fig, page, lang)
    _draw_data_note(fig, page, data_note)
    return fig


# --- fonts and text ------------------------------------------------------------------------


# --- geometry ------------------------------------------------------------------------------


def to_metric(frames: Mapping[str, gpd.GeoDataFrame]) -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
    """Registry order, drawable geometries only, in EPSG:4543."""
    order = {spec.id: n for n, spec in enumerate(LAYERS)}
    out = []
    for layer_id in sorted(frames, key=lambda k: order.get(k, len(order))):
        spec = get_layer(layer_id)
        frame = frames[layer_id]
        if frame.crs is None:
            frame = frame.set_crs(DISPLAY_CRS)
        geoms = frame.geometry.to_numpy()
        frame = frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        out.append((spec, frame.to_crs(METRIC_CRS)))
    return out


def boundary_to_metric(boundary: gpd.GeoDataFrame | None) -> gpd.GeoSeries | None:
    if boundary is None or boundary.empty:
        return None
    geoms = (
        boundary.geometry if boundary.crs is not None else boundary.set_crs(DISPLAY_CRS).geometry
    )
    return geoms.to_crs(METRIC_CRS)


def _view_extent(
    bounds: tuple[float, float, float, float] | None,
    metric: list[tuple[LayerSpec, gpd.GeoDataFrame]],
    boundary: gpd.GeoSeries | None,
) -> tuple[float, float, float, float]:
    if bounds is not None:
        lo_x, lo_y, hi_x, hi_y = _VIEW_LIMIT
        minx, miny = max(bounds[0], lo_x), max(bounds[1], lo_y)
        maxx, maxy = min(bounds[2], hi_x), min(bounds[3], hi_y)
        if minx <= maxx and miny <= maxy:
            # Project the whole edge, not just two corners: a lon/lat box is not a box in metres.
            xs, ys = np.linspace(minx, maxx, 50), np.linspace(miny, maxy, 50)
            edge_x = np.concatenate([xs, xs, np.full(50, minx), np.full(50, maxx)])
            edge_y = np.concatenate([np.full(50, miny), np.full(50, maxy), ys, ys])
            edge = gpd.GeoSeries(gpd.points_from_xy(edge_x, edge_y), crs=DISPLAY_CRS)
            metres = edge.to_crs(METRIC_CRS).total_bounds
            return _padded(tuple(metres), share=0.0, min_size=100.0)
    shown = [f for _, f in metric if not f.empty]
    if shown:
        minx, miny, maxx, maxy = np.array([f.total_bounds for f in shown]).T
        return _padded((minx.min(), miny.min(), maxx.max(), maxy.max()))
    if boundary is not None:
        return _padded(tuple(boundary.total_bounds))
    return _XIQU_EXTENT_4543


def _padded(extent: tuple[float, ...], share: float = 0.05, min_size: float = 600.0) -> tuple:
    """Room around the features, and at least ``min_size`` metres across (a single small plot,
    a view zoomed in to one building)."""
    minx, miny, maxx, maxy = (float(v) for v in extent)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w = max((maxx - minx) * (1 + 2 * share), min_size) / 2
    half_h = max((maxy - miny) * (1 + 2 * share), min_size) / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _fit_extent(extent: tuple[float, ...], aspect: float) -> tuple[float, float, float, float]:
    """Widen the extent so its width/height equals the map box's: metres stay square."""
    minx, miny, maxx, maxy = (float(v) for v in extent)
    width, height = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def in_view(
    metric: list[tuple[LayerSpec, gpd.GeoDataFrame]],
    extent: tuple[float, float, float, float],
    colours: Mapping[tuple[str, str], str] | None,
) -> list[_Drawn]:
    view = shapely.box(*extent)
    drawn = []
    for spec, frame in metric:
        visible = frame[shapely.intersects(frame.geometry.to_numpy(), view)]
        if colours is None:
            styles = [_status_style(spec, code) for code in visible["status"]]
        else:
            styles = [_override_style(colours.get((spec.id, str(fid)))) for fid in visible["id"]]
        drawn.append(_Drawn(spec, visible, styles))
    return drawn


# --- styles and drawing --------------------------------------------------------------------


def _darker(colour: str, keep: float = 0.6) -> str:
    r, g, b = to_rgb(colour)
    return to_hex((r * keep, g * keep, b * keep))


def _style_of(spec: StatusSpec) -> _Style:
    return _Style(
        spec.color, spec.outline or _darker(spec.color), spec.dashed, spec.outline is not None
    )


def _status_style(layer: LayerSpec, code: object) -> _Style:
    status = layer.status(str(code)) if isinstance(code, str) else None
    return _style_of(status or UNKNOWN_STATUS_STYLE)


def _override_style(colour: str | None) -> _Style:
    if colour is None:
        return _style_of(UNKNOWN_STATUS_STYLE)
    return _Style(to_hex(colour), _darker(colour), False)


def _polygon_path(geom: shapely.Geometry) -> MplPath:
    """A compound path with holes; exteriors counter-clockwise, holes clockwise (non-zero fill)."""
    paths = []
    oriented = shapely.orient_polygons(geom)
    for part in shapely.get_parts(oriented):
        if not isinstance(part, shapely.Polygon):
            continue
        for ring in (part.exterior, *part.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
            codes[0], codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            paths.append(MplPath(coords, codes))
    return MplPath.make_compound_path(*paths) if paths else MplPath(np.zeros((0, 2)))


def _line_parts(geom: shapely.Geometry) -> list[np.ndarray]:
    return [np.asarray(p.coords)[:, :2] for p in shapely.get_parts(geom) if not p.is_empty]


def draw_boundary(ax: Axes, boundary: gpd.GeoSeries) -> None:
    for geom in boundary:
        if geom is None or geom.is_empty:
            continue
        path = _polygon_path(geom)
        ax.add_patch(PathPatch(path, facecolor="#fafafa", edgecolor="none", zorder=0))
        ax.add_patch(
            PathPatch(
                path,
                facecolor="none",
                edgecolor=_BOUNDARY_COLOUR,
                linewidth=1.4,
                linestyle=(0, (6, 2, 1.5, 2)),
                zorder=1,
            )
        )


def draw_features(ax: Axes, drawn: list[_Drawn], metres_per_mm: float) -> None:
    polygons: list[tuple[float, MplPath, _Style]] = []
    dots: list[tuple[np.ndarray, _Style]] = []
    lines: list[tuple[np.ndarray, _Style]] = []
    for item in drawn:
        geoms = item.frame.geometry.to_numpy()
        for geom, style in zip(geoms, item.styles, strict=True):
            if item.layer.geometry is GeometryKind.LINE:
                lines.extend((part, style) for part in _line_parts(geom))
                continue
            if item.layer.geometry is GeometryKind.POINT:
                dots.append((np.asarray(shapely.get_coordinates(geom))[0], style))
                continue
            polygons.append((shapely.area(geom), _polygon_path(geom), style))
            minx, miny, maxx, maxy = shapely.bounds(geom)
            if max(maxx - minx, maxy - miny) < _MIN_VISIBLE_MM * metres_per_mm:
                point = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
                dots.append((point, style))
    # Largest first, so a small plot inside a large one stays visible.
    polygons.sort(key=lambda p: -p[0])
    if polygons:
        ax.add_collection(
            PatchCollection(
                [PathPatch(path) for _, path, _ in polygons],
                facecolors=[_with_alpha(s.face, _POLYGON_ALPHA) for _, _, s in polygons],
                edgecolors=[s.edge for _, _, s in polygons],
                linewidths=0.6,
                linestyles=[(0, (3, 2)) if s.dashed else "solid" for _, _, s in polygons],
                zorder=2,
            )
        )
    if dots:
        radius = 0.9 * metres_per_mm
        ax.add_collection(
            PatchCollection(
                [Circle(tuple(p), radius) for p, _ in dots],
                facecolors=[s.face for _, s in dots],
                edgecolors=[s.edge for _, s in dots],
                linewidths=0.6,
                zorder=3,
            )
        )
    if lines:
        segments = [part for part, _ in lines]
        # A casing under each road keeps its colour readable over plots and the outline.
        ax.add_collection(
            LineCollection(
                segments,
                colors=[s.casing for _, s in lines],
                linewidths=_ROAD_CASING_PT,
                capstyle="round",
                joinstyle="round",
                zorder=4,
            )
        )
        ax.add_collection(
            LineCollection(
                segments,
                colors=[s.face for _, s in lines],
                linewidths=_ROAD_WIDTH_PT,
                linestyles=[(0, (2, 1)) if s.dashed else "solid" for _, s in lines],
                capstyle="butt",
                zorder=5,
            )
        )


def _with_alpha(colour: str, alpha: float) -> tuple[float, float, float, float]:
    return (*to_rgb(colour), alpha)


def _draw_names(ax: Axes, drawn: list[_Drawn], extent: tuple[float, ...]) -> None:
    """Each name just above its feature; near a side of the map it runs inwards, not off."""
    halo = [withStroke(linewidth=2.2, foreground="white")]
    minx, _, maxx, _ = extent
    for item in drawn:
        for geom, name in zip(item.frame.geometry.to_numpy(), item.frame["name"], strict=True):
            if item.layer.geometry is GeometryKind.LINE:
                anchor = shapely.line_interpolate_point(geom, 0.5, normalized=True)
            else:
                anchor = shapely.point_on_surface(geom)
            x, y = shapely.get_coordinates(anchor)[0]
            label = ellipsize(str(name) if pd.notna(name) else "", 16)
            draw_text(
                ax,
                x,
                y,
                label,
                size=7.5,
                color="#212121",
                ha=_inward(x, minx, maxx),
                va="bottom",
                path_effects=halo,
                zorder=6,
                clip_on=True,
            )


def _inward(x: float, minx: float, maxx: float) -> str:
    share = (x - minx) / (maxx - minx)
    return "left" if share < 0.15 else "right" if share > 0.85 else "center"


# --- page furniture ------------------------------------------------------------------------


def _page_transform(fig: Figure) -> Transform:
    """Millimetres from the page's bottom-left corner to figure pixels."""
    return Affine2D().scale(1 / PAGE_SIZE_MM[0], 1 / PAGE_SIZE_MM[1]) + fig.transFigure


def _draw_header(
    fig: Figure, page: Transform, lang: str, title: str, subtitle: str, when: datetime
) -> None:
    top = PAGE_SIZE_MM[1] - _MARGIN
    width = PAGE_SIZE_MM[0] - 2 * _MARGIN
    date = _TEXT["date"].get(lang).format(date=format_date(when, lang))
    date_em = display_width_em(date) * _BODY_SIZE / _TITLE_SIZE
    title_room = em_capacity(width, _TITLE_SIZE) - date_em - 2
    draw_text(
        fig,
        _MARGIN,
        top,
        ellipsize(title, title_room),
        size=_TITLE_SIZE,
        color="#212121",
        va="top",
        transform=page,
    )
    draw_text(
        fig,
        PAGE_SIZE_MM[0] - _MARGIN,
        top - 1.0,
        date,
        size=_BODY_SIZE,
        color="#455a64",
        ha="right",
        va="top",
        transform=page,
    )
    if subtitle.strip():
        lines = wrap(subtitle, em_capacity(width, _BODY_SIZE), max_lines=2)
        y = top - 9.0
        for line in lines:
            draw_text(
                fig, _MARGIN, y, line, size=_BODY_SIZE, color="#37474f", va="top", transform=page
            )
            y -= 4.6


def _status_legend(drawn: list[_Drawn], lang: str) -> list[_LegendGroup]:
    """Per shown layer, its shown statuses in registry order; unknown codes as one entry."""
    groups = []
    for item in drawn:
        if item.frame.empty:
            continue
        codes = item.frame["status"].map(lambda c: c if isinstance(c, str) else "")
        counts = codes.value_counts()
        group = _LegendGroup(item.layer.name.get(lang), item.layer.geometry)
        for status in item.layer.statuses:
            if status.code in counts:
                group.entries.append(
                    (status.label.get(lang), _style_of(status), int(counts[status.code]))
                )
        unknown = int(counts[~counts.index.isin(item.layer.status_codes)].sum())
        if unknown:
            group.entries.append(
                (UNKNOWN_STATUS_LABEL.get(lang), _style_of(UNKNOWN_STATUS_STYLE), unknown)
            )
        groups.append(group)
    return groups


def _override_legend(drawn: list[_Drawn], entries: Sequence[tuple[str, str]]) -> list[_LegendGroup]:
    """The caller's entries whose colour is used by a feature in view, with their counts."""
    used: dict[str, int] = {}
    kinds = {item.layer.geometry for item in drawn if not item.frame.empty}
    for item in drawn:
        for style in item.styles:
            used[style.face] = used.get(style.face, 0) + 1
    only_lines = kinds == {GeometryKind.LINE}
    group = _LegendGroup(None, GeometryKind.LINE if only_lines else GeometryKind.POLYGON)
    for label, colour in entries:
        face = to_hex(colour)
        if face in used:
            group.entries.append((label, _override_style(colour), used[face]))
    return [group] if group.entries else []


def _draw_legend(fig: Figure, page: Transform, groups: list[_LegendGroup], lang: str) -> None:
    top = _MAP_BOX[1] + _MAP_BOX[3]
    bottom = _MAP_BOX[1]
    draw_text(
        fig,
        _LEGEND_X,
        top,
        _TEXT["legend"].get(lang),
        size=11,
        color="#212121",
        va="top",
        transform=page,
    )
    if groups:
        draw_text(
            fig,
            _LEGEND_RIGHT,
            top - 1.0,
            _TEXT["count"].get(lang),
            size=7.5,
            color="#546e7a",
            ha="right",
            va="top",
            transform=page,
        )
    rows = sum(len(g.entries) + (g.header is not None) for g in groups)
    if rows == 0:
        draw_text(
            fig,
            _LEGEND_X,
            top - 8.0,
            "—",
            size=_BODY_SIZE,
            color="#455a64",
            va="top",
            transform=page,
        )
        return
    # Group gaps count as a third of a row. Shrink rows (down to a readable 6 pt) to fit all.
    gaps = max(len(groups) - 1, 0) / 3
    available = top - 8.0 - bottom
    row = min(5.0, available / (rows + gaps))
    size = max(min(_BODY_SIZE, row * 72 / 25.4 * 0.62), 6.0)
    width = _LEGEND_RIGHT - _LEGEND_X
    count_w = 8.0
    y = top - 8.0
    for g_index, group in enumerate(groups):
        if g_index:
            y -= row / 3
        if group.header is not None:
            header = ellipsize(group.header, em_capacity(width, size + 0.5))
            draw_text(
                fig,
                _LEGEND_X,
                y - row / 2,
                header,
                size=size + 0.5,
                color="#212121",
                va="center",
                transform=page,
            )
            y -= row
        for label, style, count in group.entries:
            if y - row < bottom - 0.01:
                return  # only with hundreds of unknown codes; the map still shows them
            _swatch(fig, page, _LEGEND_X + 1.0, y - row / 2, style, group.geometry, row)
            text = ellipsize(label, em_capacity(width - 9.0 - count_w, size))
            draw_text(
                fig,
                _LEGEND_X + 9.0,
                y - row / 2,
                text,
                size=size,
                color="#263238",
                va="center",
                transform=page,
            )
            draw_text(
                fig,
                _LEGEND_RIGHT,
                y - row / 2,
                str(count),
                size=size,
                color="#546e7a",
                ha="right",
                va="center",
                transform=page,
            )
            y -= row


def _swatch(
    fig: Figure,
    page: Transform,
    x: float,
    y_mid: float,
    style: _Style,
    kind: GeometryKind,
    row: float,
) -> None:
    height = min(row * 0.62, 3.2)
    if kind is GeometryKind.LINE:
        for colour, width, dashes in (
            (style.casing, _ROAD_CASING_PT * 0.8, "solid"),
            (style.face, _ROAD_WIDTH_PT * 0.8, (0, (2, 1)) if style.dashed else "solid"),
        ):
            line = Line2D(
                [x, x + 6.0],
                [y_mid, y_mid],
                color=colour,
                linewidth=width,
                linestyle=dashes,
                transform=page,
                solid_capstyle="butt",
            )
            fig.add_artist(line)
        return
    fig.add_artist(
        Rectangle(
            (x, y_mid - height / 2),
            6.0,
            height,
            transform=page,
            facecolor=_with_alpha(style.face, _POLYGON_ALPHA),
            edgecolor=style.edge,
            linewidth=0.6,
            linestyle=(0, (3, 2)) if style.dashed else "solid",
        )
    )


def _nice_length(max_metres: float) -> float:
    """The longest 1-2-5 length (100 m, 200 m, 500 m, 1 km, …) not above ``max_metres``."""
    exponent = math.floor(math.log10(max(max_metres, 1.0)))
    best = 1.0
    for e in (exponent - 1, exponent):
        for m in (1, 2, 5):
            if m * 10**e <= max_metres:
                best = max(best, m * 10.0**e)
    return best


def _length_text(metres: float, unit: str) -> str:
    value = metres / 1000 if unit == "km" else metres
    return f"{value:g}"


def _draw_scale_bar(fig: Figure, page: Transform, metres_per_mm: float) -> None:
    """Bottom left inside the map: two halves, black and white, labelled in m or km."""
    length = _nice_length(40.0 * metres_per_mm)
    bar_mm = length / metres_per_mm
    unit = "km" if length >= 1000 else "m"
    x0 = _MAP_BOX[0] + 5.0
    y0 = _MAP_BOX[1] + 5.0
    fig.add_artist(
        Rectangle(
            (x0 - 3.0, y0 - 2.5),
            bar_mm + 14.0,
            11.0,
            transform=page,
            facecolor=(1, 1, 1, 0.85),
            edgecolor="none",
        )
    )
    half = bar_mm / 2
    for n, colour in enumerate(("#212121", "white")):
        fig.add_artist(
            Rectangle(
                (x0 + n * half, y0),
                half,
                1.6,
                transform=page,
                facecolor=colour,
                edgecolor="#212121",
                linewidth=0.6,
            )
        )
    for offset, metres in ((0.0, 0.0), (half, length / 2), (bar_mm, length)):
        text = _length_text(metres, unit)
        if metres == length:
            text += f" {unit}"
        draw_text(
            fig,
            x0 + offset,
            y0 + 2.6,
            text,
            size=7.5,
            color="#212121",
            ha="left" if metres == length else "center",
            va="bottom",
            transform=page,
        )


def _draw_north_arrow(fig: Figure, page: Transform, lang: str) -> None:
    """Top right inside the map. EPSG:4543's grid north is within 0.2° of true north at Xiqu
    (meridian convergence at 101.6°E, 26.6°N), so the arrow points straight up."""
    cx = _MAP_BOX[0] + _MAP_BOX[2] - 10.0
    top = _MAP_BOX[1] + _MAP_BOX[3] - 5.0
    tip, base, notch, half_w = top - 6.0, top - 18.0, top - 15.0, 3.6
    fig.add_artist(
        Rectangle(
            (cx - 6.0, base - 2.0),
            12.0,
            top - base + 2.0 + 1.0,
            transform=page,
            facecolor=(1, 1, 1, 0.85),
            edgecolor="none",
        )
    )
    left = Polygon(
        [(cx, tip), (cx - half_w, base), (cx, notch)],
        closed=True,
        transform=page,
        facecolor="#212121",
        edgecolor="#212121",
        linewidth=0.6,
    )
    right = Polygon(
        [(cx, tip), (cx + half_w, base), (cx, notch)],
        closed=True,
        transform=page,
        facecolor="white",
        edgecolor="#212121",
        linewidth=0.6,
    )
    fig.add_artist(left)
    fig.add_artist(right)
    draw_text(
        fig,
        cx,
        tip + 0.8,
        _TEXT["north"].get(lang),
        size=10,
        color="#212121",
        ha="center",
        va="bottom",
        transform=page,
    )


def _draw_data_note(fig: Figure, page: Transform, note: str) -> None:
    """Up to two lines under the map, so a long source statement is not cut short."""
    lines = wrap(note, em_capacity(PAGE_SIZE_MM[0] - 2 * _MARGIN, _NOTE_SIZE), max_lines=2)
    y = 9.0 if len(lines) > 1 else 7.5
    for line in lines:
        draw_text(
            fig, _MARGIN, y, line, size=_NOTE_SIZE, color="#455a64", va="baseline", transform=page
        )
        y -= 3.6
