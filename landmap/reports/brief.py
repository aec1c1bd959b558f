"""The 督办 brief: one A4 page of late and stale work by responsible unit, as PDF (pure).

``plan_brief`` decides what the page says (which units, which lines, what was left off for
room); ``render_brief_pdf`` draws it with matplotlib in the vendored CJK font, the way the map
picture does (``mapprint``). ``make_brief`` does both from the frames, the history and the
milestones, for the dashboard's download and ``python -m landmap brief``.

The page holds a fixed number of lines. Overdue lines come first, then due-soon lines, then
stale features that are not late; within each kind the units take turns, so no unit's list
crowds out another's. What does not fit is counted per unit ("另有 N 项未列出").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D, Transform

from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.progress.deadlines import (
    DEFAULT_DUE_SOON_DAYS,
    DeadlineState,
    Milestone,
    overdue_and_due_soon,
)
from landmap.progress.followup import (
    last_updates,
    silence_text,
    stale_features,
    units_behind,
    with_contacts,
)
from landmap.reports.typesetting import (
    ellipsize,
    ensure_font_registered,
    font,
    format_date,
    save_pdf,
    wrap,
)

# The font machinery is the map picture's: the same vendored font, fallbacks and lock.

PAGE_MM = (210.0, 297.0)  # A4 portrait
# Rows of _ROW_MM that fit between the tallest header (two lines of scope, two of thresholds)
# and the footer; a unit's heading counts as _HEADING_ROWS rows.
MAX_LINES = 51

_MARGIN = 12.0
_ROW_MM = 4.3
_HEADING_ROWS = 2  # a unit's heading band takes two rows' height
_TITLE_PT, _BODY_PT, _SMALL_PT = 15.0, 7.6, 6.6
_KIND_COLOURS = {
    "overdue": DeadlineState.OVERDUE.color,
    "due_soon": "#b26a00",  # the amber of the map, darkened to read as text on white
    "stale": "#546e7a",
}
# Columns: (key, width in mm), adding up to the page's width inside the margins. English words
# are longer than their Chinese: wider situation and layer columns, a slightly smaller type.
_COLUMNS = {
    "zh": (
        ("situation", 20.0),
        ("name", 52.0),
        ("layer", 14.0),
        ("target", 41.0),
        ("status", 22.0),
        ("last_update", 19.0),
        ("contact", 18.0),
    ),
    "en": (
        ("situation", 27.0),
        ("name", 38.0),
        ("layer", 19.0),
        ("target", 42.0),
        ("status", 26.0),
        ("last_update", 18.0),
        ("contact", 16.0),
    ),
}
_ROW_PT = {"zh": _BODY_PT, "en": 6.8}


@dataclass(frozen=True)
class BriefLine:
    kind: str  # "overdue", "due_soon" or "stale"
    situation: str  # 逾期 157 天 / 9 周未更新
    name: str
    layer: str
    target: str  # target status and due day; "" for a stale line
    status: str
    last_update: str
    contact: str


@dataclass(frozen=True)
class BriefUnit:
    unit: str
    overdue: int
    due_soon: int
    stale: int
    contacts: tuple[str, ...]
    lines: tuple[BriefLine, ...]
    not_listed: int  # lines of this unit left off for room


@dataclass(frozen=True)
class Brief:
    lang: str
    today: date
    scope: str  # the filter sentence
    thresholds: str  # "闲置地 8 周、…"
    overdue: int
    due_soon: int
    stale: int
    units: tuple[BriefUnit, ...]
    units_not_listed: int = 0
    data_note: str = ""
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS


def plan_brief(
    late: pd.DataFrame,
    stale: pd.DataFrame,
    today: date,
    lang: str,
    *,
    scope: str = "",
    weeks: Mapping[str, int] | None = None,
    data_note: str = "",
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
    max_lines: int = MAX_LINES,
) -> Brief:
    """What the page says. ``late`` is ``followup.with_contacts`` of the late list, ``stale``
    is ``followup.stale_features``; ``weeks`` the stale thresholds per layer (for the legend)."""
    units = units_behind(late, stale)
    candidates = _candidate_lines(late, stale, lang)
    chosen = _share_room(candidates, list(units["unit"]), max_lines)
    planned = [
        BriefUnit(
            unit=row.unit or t("dash.no_unit", lang),
            overdue=int(row.overdue),
            due_soon=int(row.due_soon),
            stale=int(row.stale),
            contacts=tuple(row.contacts),
            lines=tuple(chosen[row.unit]),
            not_listed=len(candidates.get(row.unit, ())) - len(chosen[row.unit]),
        )
        for row in units.itertuples(index=False)
        if row.unit in chosen
    ]
    worst = late.sort_values("days_left").drop_duplicates(["layer_id", "feature_id"])
    thresholds = t("brief.list_sep", lang).join(
        t("brief.threshold", lang, layer=LAYER_BY_ID[lid].short_name.get(lang), weeks=n)
        for lid, n in (weeks or {}).items()
        if lid in LAYER_BY_ID
    )
    return Brief(
        lang=lang,
        today=today,
        scope=scope,
        thresholds=thresholds,
        overdue=int((worst["state"] == DeadlineState.OVERDUE.value).sum()),
        due_soon=int((worst["state"] == DeadlineState.DUE_SOON.value).sum()),
        stale=len(stale),
        units=tuple(planned),
        units_not_listed=len(units) - len(planned),
        data_note=data_note,
        due_soon_days=due_soon_days,
    )


def _candidate_lines(
    late: pd.DataFrame, stale: pd.DataFrame, lang: str
) -> dict[str, list[BriefLine]]:
    """Every line the page could hold, per unit: late lines in the late list's order (most
    overdue first), then stale features that are not late (longest silence first per layer)."""
    lines: dict[str, list[BriefLine]] = {}
    for row in late.itertuples(index=False):
        kind = "overdue" if row.state == DeadlineState.OVERDUE.value else "due_soon"
        lines.setdefault(_unit_key(row.responsible_unit), []).append(
            BriefLine(
                kind=kind,
                situation=row.lateness,
                name=row.name or row.feature_id,
                layer=LAYER_BY_ID[row.layer_id].short_name.get(lang),
                target=t("brief.target", lang, target=row.target_label, due=row.due_date),
                status=row.status_label,
                last_update=row.last_update or t("brief.never", lang),
                contact=row.contact,
            )
        )
    late_keys = set(zip(late["layer_id"], late["feature_id"], strict=True))
    for row in stale.itertuples(index=False):
        if (row.layer_id, row.feature_id) in late_keys:
            continue  # already listed as late, with its last update
        lines.setdefault(_unit_key(row.responsible_unit), []).append(
            BriefLine(
                kind="stale",
                situation=silence_text(None if pd.isna(row.days_since) else row.days_since, lang),
                name=row.name,
                layer=row.layer,
                target="",
                status=row.status_label,
                last_update=row.last_update or t("brief.never", lang),
                contact=row.contact,
            )
        )
    return lines


def _share_room(
    candidates: Mapping[str, list[BriefLine]], order: list[str], max_lines: int
) -> dict[str, list[BriefLine]]:
    """The lines of each listed unit (units in ``order``, as many as have room for a heading).

    Overdue lines first, then due soon, then stale; within a kind the units take turns, one
    line each, so the first unit cannot fill the page alone.
    """
    shown: list[str] = []
    budget = max_lines
    for unit in order:
        if budget < _HEADING_ROWS + 2:
            break
        shown.append(unit)
        budget -= _HEADING_ROWS + 1  # its heading and, perhaps, its "N more not listed" line
    if len(shown) < len(order):
        budget -= 1  # the line that says how many units are not listed
    chosen: dict[str, list[BriefLine]] = {unit: [] for unit in shown}
    for kind in ("overdue", "due_soon", "stale"):
        queues = {u: [ln for ln in candidates.get(u, ()) if ln.kind == kind] for u in shown}
        while budget > 0 and any(queues.values()):
            for unit in shown:
                if budget > 0 and queues[unit]:
                    chosen[unit].append(queues[unit].pop(0))
                    budget -= 1
    return chosen


def make_brief(
    frames: Mapping[str, gpd.GeoDataFrame],
    history: pd.DataFrame,
    milestones: Sequence[Milestone],
    today: date,
    weeks: Mapping[str, int],
    lang: str,
    *,
    scope: str = "",
    data_note: str = "",
    now: datetime | None = None,
) -> bytes:
    """The brief as PDF bytes, for the shown ``frames`` (the dashboard's filter)."""
    updates = last_updates(frames, history)
    late = overdue_and_due_soon(frames, milestones, today, lang)
    late = with_contacts(late, frames, updates, lang)
    stale = stale_features(frames, updates, today, weeks, lang)
    shown_weeks = {layer_id: weeks[layer_id] for layer_id in frames if layer_id in weeks}
    brief = plan_brief(
        late, stale, today, lang, scope=scope, weeks=shown_weeks, data_note=data_note
    )
    return render_brief_pdf(brief, now=now)


# --- drawing -------------------------------------------------------------------------------------


def render_brief_pdf(brief: Brief, now: datetime | None = None) -> bytes:
    """One A4 portrait page; text is real text (searchable, copyable) in the vendored font."""
    return save_pdf([build_brief_figure(brief)], title=t("brief.title", brief.lang), when=now)


def build_brief_figure(brief: Brief) -> Figure:
    ensure_font_registered()
    lang = brief.lang
    fig = Figure(figsize=(PAGE_MM[0] / 25.4, PAGE_MM[1] / 25.4))
    page = Affine2D().scale(1 / PAGE_MM[0], 1 / PAGE_MM[1]) + fig.transFigure
    left, right = _MARGIN, PAGE_MM[0] - _MARGIN
    width = right - left
    y = PAGE_MM[1] - _MARGIN

    _put(fig, page, left, y, t("brief.title", lang), _TITLE_PT, color="#212121", va="top")
    day = datetime.combine(brief.today, datetime.min.time())
    as_of = t("brief.as_of", lang, date=format_date(day, lang))
    _put(fig, page, right, y - 1.0, as_of, _BODY_PT, color="#455a64", ha="right", va="top")
    y -= 9.0
    if brief.scope.strip():
        for line in wrap(t("brief.scope", lang, scope=brief.scope), _em(width, _BODY_PT), 2):
            _put(fig, page, left, y, line, _BODY_PT, color="#37474f", va="top")
            y -= 4.0
    y -= 1.5
    totals = [
        (t("brief.total_overdue", lang, count=brief.overdue), _KIND_COLOURS["overdue"]),
        (
            t("brief.total_due_soon", lang, count=brief.due_soon, days=brief.due_soon_days),
            _KIND_COLOURS["due_soon"],
        ),
        (t("brief.total_stale", lang, count=brief.stale), _KIND_COLOURS["stale"]),
        (t("brief.total_units", lang, count=len(brief.units) + brief.units_not_listed), "#37474f"),
    ]
    cell = width / len(totals)
    for n, (text, colour) in enumerate(totals):
        x = left + n * cell
        fig.add_artist(
            Rectangle(
                (x, y - 8.0),
                cell - 2.0,
                8.0,
                transform=page,
                facecolor="#f5f5f5",
                edgecolor=colour,
                linewidth=0.8,
            )
        )
        _put(
            fig,
            page,
            x + 2.0,
            y - 4.0,
            ellipsize(text, _em(cell - 5.0, 9.0)),
            9.0,
            color=colour,
            va="center",
        )
    y -= 11.0
    if brief.thresholds:
        line = t("brief.thresholds", lang, thresholds=brief.thresholds)
        for part in wrap(line, _em(width, _SMALL_PT), 2):
            _put(fig, page, left, y, part, _SMALL_PT, color="#546e7a", va="top")
            y -= 3.3
        y -= 1.2

    if not brief.units:
        _put(fig, page, left, y - 4.0, t("brief.nothing", lang), 10.0, color="#2e7d32", va="top")
    else:
        y = _draw_column_header(fig, page, left, width, y, lang)
        for n, unit in enumerate(brief.units, 1):
            y = _draw_unit(fig, page, left, width, y, n, unit, lang)
        if brief.units_not_listed:
            text = t("brief.units_not_listed", lang, count=brief.units_not_listed)
            _put(fig, page, left, y - 1.0, text, _BODY_PT, color="#546e7a", va="top")

    footer = t("brief.footer", lang)
    if brief.data_note:
        footer = f"{footer}  {brief.data_note}"
    for n, line in enumerate(wrap(footer, _em(width, _SMALL_PT), 2)):
        _put(fig, page, left, _MARGIN - 2.0 + 3.2 * (1 - n), line, _SMALL_PT, color="#78909c")
    return fig


def _draw_column_header(
    fig: Figure, page: Transform, left: float, width: float, y: float, lang: str
) -> float:
    fig.add_artist(
        Rectangle(
            (left, y - _ROW_MM),
            width,
            _ROW_MM,
            transform=page,
            facecolor="#eceff1",
            edgecolor="none",
        )
    )
    x = left + 1.0
    for key, mm in _COLUMNS.get(lang, _COLUMNS["zh"]):
        _put(
            fig,
            page,
            x,
            y - _ROW_MM / 2,
            t(f"brief.col_{key}", lang),
            _SMALL_PT,
            color="#37474f",
            va="center",
        )
        x += mm
    return y - _ROW_MM - 0.8


def _draw_unit(
    fig: Figure,
    page: Transform,
    left: float,
    width: float,
    y: float,
    number: int,
    unit: BriefUnit,
    lang: str,
) -> float:
    # The heading, with the space around it, takes exactly _HEADING_ROWS rows (as planned).
    band = _HEADING_ROWS * _ROW_MM - 2.0
    fig.add_artist(
        Rectangle(
            (left, y - band),
            width,
            band,
            transform=page,
            facecolor="#fff3e0" if unit.overdue else "#f5f5f5",
            edgecolor="none",
        )
    )
    counts = t(
        "brief.unit_counts", lang, overdue=unit.overdue, due_soon=unit.due_soon, stale=unit.stale
    )
    contacts = _contacts_text(unit.contacts, lang)
    head = f"{number}. {unit.unit}"
    head_room = _em(width * 0.62, 8.6)
    _put(
        fig,
        page,
        left + 1.5,
        y - band / 2,
        ellipsize(head, head_room),
        8.6,
        color="#212121",
        va="center",
    )
    _put(
        fig,
        page,
        left + width * 0.62,
        y - band / 2 + 1.4,
        counts,
        _SMALL_PT,
        color="#37474f",
        va="center",
    )
    if contacts:
        _put(
            fig,
            page,
            left + width * 0.62,
            y - band / 2 - 1.6,
            ellipsize(contacts, _em(width * 0.38 - 2, _SMALL_PT)),
            _SMALL_PT,
            color="#37474f",
            va="center",
        )
    y -= band + 1.0
    for line in unit.lines:
        x = left + 1.0
        values = {
            "situation": line.situation,
            "name": line.name,
            "layer": line.layer,
            "target": line.target,
            "status": line.status,
            "last_update": line.last_update,
            "contact": line.contact,
        }
        for key, mm in _COLUMNS.get(lang, _COLUMNS["zh"]):
            colour = _KIND_COLOURS[line.kind] if key == "situation" else "#212121"
            _put(
                fig,
                page,
                x,
                y - _ROW_MM / 2,
                ellipsize(values[key], _em(mm - 1.5, _ROW_PT.get(lang, _BODY_PT))),
                _ROW_PT.get(lang, _BODY_PT),
                color=colour,
                va="center",
            )
            x += mm
        y -= _ROW_MM
    if unit.not_listed:
        text = t("brief.not_listed", lang, count=unit.not_listed)
        _put(fig, page, left + 1.0, y - _ROW_MM / 2, text, _SMALL_PT, color="#546e7a", va="center")
        y -= _ROW_MM
    return y - 1.0


def _contacts_text(contacts: Sequence[str], lang: str) -> str:
    if not contacts:
        return ""
    shown = t("brief.list_sep", lang).join(contacts[:4])
    if len(contacts) > 4:
        return t("brief.contacts_more", lang, names=shown, count=len(contacts))
    return t("brief.contacts", lang, names=shown)


def _put(fig: Figure, page: Transform, x: float, y: float, s: str, size: float, **kwargs) -> None:
    fig.text(
        x,
        y,
        s,
        fontproperties=font(size),
        parse_math=False,
        usetex=False,
        transform=page,
        **kwargs,
    )


def _em(width_mm: float, size_pt: float) -> float:
    return width_mm / (size_pt * 25.4 / 72)


def _unit_key(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()
