"""The shareable link: URL query parameters ↔ what the user sees (pure).

``layers`` comma list of layer ids (absent = all, empty = none), ``status`` comma list of status
codes, ``plot`` a feature id, plus ``subdistrict``, ``q`` (search), ``lang``, ``basemap``,
``colour`` (``status`` or ``deadline``), ``deadline`` (``overdue``/``due_soon`` filter) and
``view`` (``map``, ``dashboard``, ``data``) and ``short`` (the comparison shortlist: up to 4
feature ids, in the order they were added); the plot criteria ``area`` (亩, ``10-50``, ``10-``
or ``-50``), ``holder`` (权属单位 names), ``use`` (planned-use codes) and ``industry`` (招商方向).
Unknown values are dropped rather than failing: a link typed by hand still opens the map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from landmap.i18n import DEFAULT_LANGUAGE, LANGUAGES
from landmap.layers import LAYERS, PLANNED_USES, SUBDISTRICTS, LayerSpec, all_status_codes
from landmap.map.basemaps import BASEMAPS
from landmap.query import FeatureFilter

ALL_LAYER_IDS = tuple(layer.id for layer in LAYERS)
VIEWS = ("map", "dashboard", "data", "present")
COLOUR_MODES = ("status", "deadline")
DEADLINE_FILTERS = ("overdue", "due_soon")
MAX_SHORTLIST = 4  # plots compared side by side (what site-selection portals settle on)
MAX_VALUES = 20  # names per value filter (holder, industry) read from a link
MAX_AREA_MU = 1_000_000.0  # far beyond any plot: a larger bound is a typo, dropped


@dataclass(frozen=True)
class ViewState:
    filter: FeatureFilter = field(default_factory=FeatureFilter)
    plot: str | None = None
    lang: str = DEFAULT_LANGUAGE
    basemap: str = "none"
    view: str = "map"
    colour: str = "status"
    shortlist: tuple[str, ...] = ()


def _first(params: Mapping[str, str | Sequence[str]], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[-1] if len(value) else None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_query(
    params: Mapping[str, str | Sequence[str]], layers: Sequence[LayerSpec] = LAYERS
) -> ViewState:
    layer_ids = tuple(layer.id for layer in layers)
    raw_layers = _first(params, "layers")
    if raw_layers is None:
        shown = layer_ids
    else:
        wanted = set(_split(raw_layers))
        shown = tuple(lid for lid in layer_ids if lid in wanted)
    codes = set(all_status_codes(layers))
    statuses = frozenset(c for c in _split(_first(params, "status") or "") if c in codes)
    subdistricts = frozenset(
        s for s in _split(_first(params, "subdistrict") or "") if s in SUBDISTRICTS
    )
    text = (_first(params, "q") or "").strip()[:100]
    plot = (_first(params, "plot") or "").strip() or None
    lang = _first(params, "lang")
    basemap = _first(params, "basemap")
    view = _first(params, "view")
    colour = _first(params, "colour")
    deadlines = frozenset(
        d for d in _split(_first(params, "deadline") or "") if d in DEADLINE_FILTERS
    )
    shortlist = tuple(dict.fromkeys(s[:200] for s in _split(_first(params, "short") or "")))
    area_min, area_max = parse_area(_first(params, "area") or "")
    uses = frozenset(u for u in _split(_first(params, "use") or "") if u in PLANNED_USES)
    return ViewState(
        filter=FeatureFilter(
            shown,
            statuses,
            subdistricts,
            text,
            deadlines,
            area_min=area_min,
            area_max=area_max,
            holders=_names(_first(params, "holder")),
            planned_uses=uses,
            industries=_names(_first(params, "industry")),
        ),
        shortlist=shortlist[:MAX_SHORTLIST],
        plot=plot[:200] if plot else None,
        lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE,
        basemap=basemap if basemap in BASEMAPS else "none",
        view=view if view in VIEWS else "map",
        colour=colour if colour in COLOUR_MODES else "status",
    )


def _names(text: str | None) -> frozenset[str]:
    """Free-text values (holder, industry) from a link: matched exactly, so only capped."""
    return frozenset(name[:100] for name in _split(text or "")[:MAX_VALUES])


def _bound(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value <= MAX_AREA_MU else None  # NaN fails both comparisons


def parse_area(text: str) -> tuple[float | None, float | None]:
    """``"10-50"`` → (10, 50); ``"10-"``/``"-50"`` leave one end open; a bad end is dropped,
    and a range given backwards is put the right way round."""
    low_text, sep, high_text = text.strip().partition("-")
    if not sep:
        return None, None
    low, high = _bound(low_text.strip()), _bound(high_text.strip())
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def format_area(low: float | None, high: float | None) -> str:
    def text(value: float | None) -> str:
        # Never an exponent ("1e-05" would read as a range).
        return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")

    return f"{text(low)}-{text(high)}"


def to_query(state: ViewState, layers: Sequence[LayerSpec] = LAYERS) -> dict[str, str]:
    """The parameters for ``state``; defaults are left out so a plain link stays short."""
    layer_ids = tuple(layer.id for layer in layers)
    flt = state.filter
    params: dict[str, str] = {}
    if tuple(flt.layers) != layer_ids:
        params["layers"] = ",".join(lid for lid in layer_ids if lid in flt.layers)
    if flt.statuses:
        order = all_status_codes(layers)
        params["status"] = ",".join(c for c in order if c in flt.statuses)
    if flt.subdistricts:
        params["subdistrict"] = ",".join(s for s in SUBDISTRICTS if s in flt.subdistricts)
    if flt.text.strip():
        params["q"] = flt.text.strip()
    if state.plot:
        params["plot"] = state.plot
    if state.lang != DEFAULT_LANGUAGE:
        params["lang"] = state.lang
    if state.basemap != "none":
        params["basemap"] = state.basemap
    if state.view != "map":
        params["view"] = state.view
    if state.colour != "status":
        params["colour"] = state.colour
    if flt.deadlines:
        params["deadline"] = ",".join(d for d in DEADLINE_FILTERS if d in flt.deadlines)
    if state.shortlist:
        params["short"] = ",".join(state.shortlist)
    if flt.has_area:
        params["area"] = format_area(flt.area_min, flt.area_max)
    if flt.holders:
        params["holder"] = ",".join(sorted(flt.holders))
    if flt.planned_uses:
        params["use"] = ",".join(c for c in PLANNED_USES if c in flt.planned_uses)
    if flt.industries:
        params["industry"] = ",".join(sorted(flt.industries))
    return params
