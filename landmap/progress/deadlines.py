"""Work-plan deadlines: which feature should reach which stage by when, and how each stands.

A milestone says "this feature should reach ``target_status`` by the end of ``due``", the way a
work plan puts it (力争11月底前挂牌). The district keeps Beijing time, so "today" and "the end of
the due date" are calendar days in Asia/Shanghai whatever zone the server runs in: a plot due on
30 November is overdue from 00:00 on 1 December in Panzhihua (16:00 UTC on the 30th).

Milestones live in the store's ``landmap_milestones`` table (one row per layer, feature id and
target status). Everything here except ``read_milestones``/``load_milestones`` is pure, so the
map, the dashboard and ``python -m landmap overdue`` judge deadlines the same way.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import geopandas as gpd
import pandas as pd

from landmap.clock import SHANGHAI
from landmap.layers import LAYER_BY_ID, Label, LayerSpec
from landmap.store.base import FeatureStore, TableMissingError
from landmap.store.gpkg_sql import MILESTONES_TABLE

# The one status outside a layer's stage order (layers.py lists it last): a paused feature has
# not reached any later stage, whatever stage it was paused in.
ON_HOLD = "on_hold"
DEFAULT_DUE_SOON_DAYS = 30
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Milestone:
    """``feature_id`` of ``layer_id`` should reach ``target_status`` by the end of ``due``."""

    layer_id: str
    feature_id: str
    target_status: str
    due: date


# --- deadline states: one registry of labels and colours --------------------------------------


class DeadlineState(StrEnum):
    """How a feature stands against its milestones. Members are listed worst first."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    MET = "met"
    NONE = "none"

    @property
    def label(self) -> Label:
        return DEADLINE_STYLES[self].label

    @property
    def color(self) -> str:
        return DEADLINE_STYLES[self].color

    @property
    def severity(self) -> int:
        """0 for the worst state (overdue), rising to ``none``."""
        return _SEVERITY[self]


@dataclass(frozen=True)
class DeadlineStyle:
    label: Label
    color: str


DEADLINE_STYLES: dict[DeadlineState, DeadlineStyle] = {
    DeadlineState.OVERDUE: DeadlineStyle(Label("已逾期", "Overdue"), "#d32f2f"),
    DeadlineState.DUE_SOON: DeadlineStyle(Label("即将到期", "Due soon"), "#ffa000"),
    DeadlineState.ON_TRACK: DeadlineStyle(Label("按计划推进", "On track"), "#5c7f9e"),
    DeadlineState.MET: DeadlineStyle(Label("已达成", "Met"), "#43a047"),
    DeadlineState.NONE: DeadlineStyle(Label("无节点要求", "No deadline"), "#d6d6d6"),
}
_SEVERITY = {state: rank for rank, state in enumerate(DeadlineState)}


# --- reading the milestone table ---------------------------------------------------------------


class SkipReason(StrEnum):
    UNKNOWN_LAYER = "unknown_layer"
    UNKNOWN_STATUS = "unknown_status"
    BAD_DATE = "bad_date"
    NO_FEATURE_ID = "no_feature_id"
    DUPLICATE = "duplicate"


SKIP_REASON_LABELS: dict[SkipReason, Label] = {
    SkipReason.UNKNOWN_LAYER: Label("图层未知", "unknown layer"),
    SkipReason.UNKNOWN_STATUS: Label("目标状态不属于该图层", "target status not of that layer"),
    SkipReason.BAD_DATE: Label("日期无法识别（应为YYYY-MM-DD）", "date not YYYY-MM-DD"),
    SkipReason.NO_FEATURE_ID: Label("缺少要素编号", "no feature id"),
    SkipReason.DUPLICATE: Label("同一节点重复，只取第一条", "repeats an earlier row, ignored"),
}


@dataclass(frozen=True)
class SkippedMilestone:
    """A row of the milestone table that could not be used, and why (for the user)."""

    row: int  # 1-based position in the table as read
    layer_id: str
    feature_id: str
    target_status: str
    due_text: str
    reason: SkipReason

    def message(self, lang: str) -> str:
        what = f"{self.layer_id}/{self.feature_id} → {self.target_status} @ {self.due_text}"
        return f"#{self.row} {what}: {SKIP_REASON_LABELS[self.reason].get(lang)}"


@dataclass(frozen=True)
class MilestoneReading:
    milestones: tuple[Milestone, ...]
    skipped: tuple[SkippedMilestone, ...] = ()


def parse_milestones(
    table: pd.DataFrame, layers: Mapping[str, LayerSpec] = LAYER_BY_ID
) -> MilestoneReading:
    """Milestones from the rows of ``landmap_milestones``; unusable rows are kept aside, named.

    A repeated (layer, feature, target status) keeps its first row: the table has a unique
    index on it, so a repeat only comes from a hand-edited or merged file.
    """
    milestones: list[Milestone] = []
    skipped: list[SkippedMilestone] = []
    seen: set[tuple[str, str, str]] = set()
    columns = ("layer", "feature_id", "target_status", "due_date")
    values = [table[c] if c in table.columns else [None] * len(table) for c in columns]
    for row, (layer_v, feature_v, target_v, due_v) in enumerate(zip(*values, strict=True), 1):
        layer_id, feature_id, target = _text(layer_v), _text(feature_v), _text(target_v)
        due = _parse_due(due_v)
        key = (layer_id, feature_id, target)
        layer = layers.get(layer_id)
        reason = None
        if layer is None:
            reason = SkipReason.UNKNOWN_LAYER
        elif not feature_id:
            reason = SkipReason.NO_FEATURE_ID
        elif target not in layer.status_codes:
            reason = SkipReason.UNKNOWN_STATUS
        elif due is None:
            reason = SkipReason.BAD_DATE
        elif key in seen:
            reason = SkipReason.DUPLICATE
        if reason is not None:
            skipped.append(
                SkippedMilestone(row, layer_id, feature_id, target, _text(due_v), reason)
            )
            continue
        seen.add(key)
        milestones.append(Milestone(layer_id, feature_id, target, due))
    return MilestoneReading(tuple(milestones), tuple(skipped))


def load_milestones(store: FeatureStore) -> MilestoneReading:
    """The store's milestones and the rows skipped; a store without the table has none.

    Any other store error (unreadable file) is raised: the caller already reports those.
    """
    try:
        table = store.read_table(MILESTONES_TABLE)
    except TableMissingError:
        return MilestoneReading(())
    return parse_milestones(table)


def read_milestones(store: FeatureStore) -> list[Milestone]:
    """The store's usable milestones (``load_milestones`` also says which rows were skipped)."""
    return list(load_milestones(store).milestones)


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _parse_due(value: object) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime):  # a DATE column read by GDAL; pd.Timestamp included
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


# --- judging -----------------------------------------------------------------------------------


def today_shanghai(now: datetime | None = None) -> date:
    """The calendar date in Asia/Shanghai at ``now`` (default: the current time).

    A naive ``now`` is refused: whether 23:30 is still "today" depends on the zone it was read in.
    """
    if now is None:
        return datetime.now(SHANGHAI).date()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("today_shanghai needs a timezone-aware datetime")
    return now.astimezone(SHANGHAI).date()


def status_reached(layer: LayerSpec, current: str, target: str) -> bool:
    """Whether a feature at ``current`` has reached ``target``: the same or a later stage.

    ``on_hold`` and codes outside the layer's vocabulary reach nothing, since nobody can tell
    which stage a paused or mistyped feature is at; only ``on_hold`` itself reaches ``on_hold``.
    """
    codes = layer.status_codes
    if current not in codes or target not in codes:
        return False
    if current == target:
        return True
    if ON_HOLD in (current, target):
        return False
    return codes.index(current) > codes.index(target)


def milestone_state(
    layer: LayerSpec,
    current_status: str,
    milestone: Milestone,
    today: date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> DeadlineState:
    """Met once the target is reached; otherwise overdue after the due day, due soon within
    ``due_soon_days`` of it (the due day itself included), else on track."""
    if status_reached(layer, current_status, milestone.target_status):
        return DeadlineState.MET
    days_left = (milestone.due - today).days
    if days_left < 0:
        return DeadlineState.OVERDUE
    if days_left <= due_soon_days:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TRACK


@dataclass(frozen=True)
class FeatureDeadline:
    """A feature's worst milestone state and the milestone that decides it."""

    layer_id: str
    feature_id: str
    state: DeadlineState
    milestone: Milestone | None = None
    days_left: int | None = None  # due minus today for ``milestone``; negative when overdue

    @property
    def days_overdue(self) -> int | None:
        if self.state is DeadlineState.OVERDUE and self.days_left is not None:
            return -self.days_left
        return None


def feature_deadlines(
    frames: Mapping[str, gpd.GeoDataFrame],
    milestones: Iterable[Milestone],
    today: date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> list[FeatureDeadline]:
    """One result per feature of ``frames``, in frame order; no milestone gives ``none``.

    Among a feature's milestones the worst state wins (overdue > due soon > on track > met);
    within that state the earliest due date decides, so "days overdue" is the longest delay.
    Milestones of features not in ``frames`` (filtered out, or deleted) are ignored.
    """
    by_feature = _group_by_feature(milestones)
    return [
        result
        for layer_id, frame in frames.items()
        for result in _layer_deadlines(layer_id, frame, by_feature, today, due_soon_days)
    ]


def with_deadline_columns(
    frames: Mapping[str, gpd.GeoDataFrame],
    milestones: Iterable[Milestone],
    today: date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> dict[str, gpd.GeoDataFrame]:
    """Copies of ``frames`` with the deadline of each feature, for colouring and filtering.

    Added columns: ``deadline_state`` (a ``DeadlineState`` code), ``deadline_target`` (status
    code or None), ``deadline_due`` ('YYYY-MM-DD' or None), ``deadline_days_left`` (Int64,
    negative when overdue, <NA> without a milestone).
    """
    by_feature = _group_by_feature(milestones)
    result: dict[str, gpd.GeoDataFrame] = {}
    for layer_id, frame in frames.items():
        judged = _layer_deadlines(layer_id, frame, by_feature, today, due_soon_days)
        out = frame.copy()
        targets = [d.milestone.target_status if d.milestone else None for d in judged]
        dues = [d.milestone.due.isoformat() if d.milestone else None for d in judged]
        out["deadline_state"] = [d.state.value for d in judged]
        # object dtype keeps None: pandas' string dtype would make it NaN, which is not JSON.
        out["deadline_target"] = pd.Series(targets, index=out.index, dtype=object)
        out["deadline_due"] = pd.Series(dues, index=out.index, dtype=object)
        out["deadline_days_left"] = pd.array([d.days_left for d in judged], dtype="Int64")
        result[layer_id] = out
    return result


def keep_deadline_states(
    frames: Mapping[str, gpd.GeoDataFrame], states: Collection[DeadlineState | str]
) -> dict[str, gpd.GeoDataFrame]:
    """Only the features whose ``deadline_state`` is one of ``states`` (frames from
    ``with_deadline_columns``); an empty ``states`` keeps everything, like the other filters."""
    if not states:
        return dict(frames)
    wanted = {str(s) for s in states}
    return {
        layer_id: frame[frame["deadline_state"].isin(wanted)] for layer_id, frame in frames.items()
    }


def _group_by_feature(milestones: Iterable[Milestone]) -> dict[tuple[str, str], list[Milestone]]:
    grouped: dict[tuple[str, str], list[Milestone]] = {}
    for m in milestones:
        grouped.setdefault((m.layer_id, m.feature_id), []).append(m)
    return grouped


def _layer_deadlines(
    layer_id: str,
    frame: pd.DataFrame,
    by_feature: Mapping[tuple[str, str], Sequence[Milestone]],
    today: date,
    due_soon_days: int,
) -> list[FeatureDeadline]:
    layer = LAYER_BY_ID[layer_id]
    results = []
    # Plain lists: text columns read with Arrow iterate value by value several times slower.
    for feature_id, status in zip(frame["id"].tolist(), frame["status"].tolist(), strict=True):
        fid = _text(feature_id)
        own = by_feature.get((layer_id, fid), ())
        if not own:
            results.append(FeatureDeadline(layer_id, fid, DeadlineState.NONE))
            continue
        judged = [(milestone_state(layer, _text(status), m, today, due_soon_days), m) for m in own]
        state, decisive = min(
            judged, key=lambda sm: (sm[0].severity, sm[1].due, _stage(layer, sm[1]))
        )
        results.append(FeatureDeadline(layer_id, fid, state, decisive, (decisive.due - today).days))
    return results


def _stage(layer: LayerSpec, milestone: Milestone) -> int:
    codes = layer.status_codes
    return codes.index(milestone.target_status) if milestone.target_status in codes else len(codes)


# --- the "what is late" list (dashboard table and ``python -m landmap overdue``) ----------------

DEADLINE_ROW_COLUMNS = (
    "layer_id",
    "feature_id",
    "name",
    "layer",
    "responsible_unit",
    "status",
    "status_label",
    "target_status",
    "target_label",
    "due_date",
    "days_left",
    "state",
    "state_label",
)
_LATE = frozenset({DeadlineState.OVERDUE, DeadlineState.DUE_SOON})


def overdue_and_due_soon(
    frames: Mapping[str, gpd.GeoDataFrame],
    milestones: Iterable[Milestone],
    today: date,
    lang: str,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> pd.DataFrame:
    """Every milestone overdue or due within ``due_soon_days``, most overdue first.

    One row per milestone (a road late to start works and late to open appears twice: two
    promises broken), only for features in ``frames``, so the list follows the map's filter.
    Columns: ``DEADLINE_ROW_COLUMNS``; ``due_date`` is 'YYYY-MM-DD', ``days_left`` is due minus
    today (negative when overdue), labels are in ``lang``.
    """
    by_feature = _group_by_feature(milestones)
    rows = []
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        units = frame["responsible_unit"] if "responsible_unit" in frame.columns else None
        for pos, (feature_id, name, status) in enumerate(
            zip(frame["id"], frame["name"], frame["status"], strict=True)
        ):
            status = _text(status)
            for m in by_feature.get((layer_id, _text(feature_id)), ()):
                state = milestone_state(layer, status, m, today, due_soon_days)
                if state not in _LATE:
                    continue
                rows.append(
                    {
                        "layer_id": layer_id,
                        "feature_id": m.feature_id,
                        "name": _text(name),
                        "layer": layer.short_name.get(lang),
                        "responsible_unit": _text(units.iloc[pos]) if units is not None else "",
                        "status": status,
                        "status_label": layer.status_label(status, lang),
                        "target_status": m.target_status,
                        "target_label": layer.status_label(m.target_status, lang),
                        "due_date": m.due.isoformat(),
                        "days_left": (m.due - today).days,
                        "state": state.value,
                        "state_label": state.label.get(lang),
                        "_layer_order": list(LAYER_BY_ID).index(layer_id),
                    }
                )
    table = pd.DataFrame(rows, columns=[*DEADLINE_ROW_COLUMNS, "_layer_order"])
    table = table.sort_values(["days_left", "_layer_order", "feature_id", "due_date"])
    table = table.drop(columns="_layer_order").reset_index(drop=True)
    table["days_left"] = table["days_left"].astype(int)
    return table


# Texts of the command-line list. They are here, beside the rows they describe, until the
# locale files get a ``deadline`` section (suggested keys in the names).
_OVERDUE_DAYS = Label("逾期{days}天", "{days} days overdue")
_OVERDUE_ONE_DAY = Label("逾期1天", "1 day overdue")
_DUE_TODAY = Label("今天到期", "due today")
_DUE_IN_DAYS = Label("{days}天后到期", "due in {days} days")
_DUE_IN_ONE_DAY = Label("明天到期", "due tomorrow")
_LINE = Label(
    "【{when}】{name}（{layer}{unit}）：应于{due}前达到“{target}”，现为“{status}”",
    "[{when}] {name} ({layer}{unit}): to reach “{target}” by {due}; now “{status}”",
)
_HEADLINE = Label(
    "截至{today}：逾期{overdue}项，{days}天内到期{soon}项",
    "As of {today}: {overdue} overdue, {soon} due within {days} days",
)


def format_overdue_lines(rows: pd.DataFrame, lang: str) -> list[str]:
    """One printable line per row of ``overdue_and_due_soon``, in its order.

    Labels are made again from the codes in ``lang``, so the rows may come in either language.
    """
    lines = []
    sep = "，" if lang != "en" else ", "
    for row in rows.itertuples(index=False):
        layer = LAYER_BY_ID[row.layer_id]
        unit = f"{sep}{row.responsible_unit}" if row.responsible_unit else ""
        lines.append(
            _LINE.get(lang).format(
                when=_when(int(row.days_left), lang),
                name=row.name or row.feature_id,
                layer=layer.short_name.get(lang),
                unit=unit,
                due=row.due_date,
                target=layer.status_label(row.target_status, lang),
                status=layer.status_label(row.status, lang),
            )
        )
    return lines


def overdue_headline(rows: pd.DataFrame, today: date, lang: str, due_soon_days: int) -> str:
    """'As of …: n overdue, m due within d days' for the rows of ``overdue_and_due_soon``."""
    overdue = int((rows["state"] == DeadlineState.OVERDUE.value).sum())
    return _HEADLINE.get(lang).format(
        today=today.isoformat(), overdue=overdue, soon=len(rows) - overdue, days=due_soon_days
    )


def _when(days_left: int, lang: str) -> str:
    if days_left < -1:
        return _OVERDUE_DAYS.get(lang).format(days=-days_left)
    if days_left == -1:
        return _OVERDUE_ONE_DAY.get(lang)
    if days_left == 0:
        return _DUE_TODAY.get(lang)
    if days_left == 1:
        return _DUE_IN_ONE_DAY.get(lang)
    return _DUE_IN_DAYS.get(lang).format(days=days_left)
