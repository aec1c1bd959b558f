"""What a 督办 (follow-up) meeting asks: who is late, by how much, and what has gone quiet.

Pure functions over the (filtered) layer frames, the history and the late list of
``deadlines.overdue_and_due_soon``; the dashboard and the printed brief (``brief.py``) share
them, so both say the same thing. Dates are calendar days in Asia/Shanghai.

A feature's *last update* is the later of its ``updated_at`` field (what an import or a ledger
says) and its newest history row (any field, any source): either means someone looked at it.
A feature is *stale* when that day is at least N weeks before today, N set per layer (a road
under construction should move every month; a plot on the market may rest for two) through
``LANDMAP_STALE_WEEKS``. A feature never updated at all is stale too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime

import geopandas as gpd
import pandas as pd

from landmap.clock import SHANGHAI
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.progress.deadlines import DeadlineState

STALE_WEEKS_ENV = "LANDMAP_STALE_WEEKS"
# Weeks without any update before a feature is listed as stale. Works (roads, compounds) report
# monthly to the district; land disposal and shantytown plots move in steps of months.
DEFAULT_STALE_WEEKS: dict[str, int] = {
    "idle_land": 8,
    "shantytown": 8,
    "renovation": 4,
    "roads": 4,
}
MAX_STALE_WEEKS = 104

STALE_COLUMNS = (
    "layer_id",
    "layer",
    "feature_id",
    "name",
    "responsible_unit",
    "contact",
    "status_label",
    "last_update",
    "days_since",
    "threshold_weeks",
)
LATE_EXTRA_COLUMNS = ("contact", "last_update", "lateness")
UNIT_COLUMNS = ("unit", "overdue", "due_soon", "stale", "contacts")


# --- settings ----------------------------------------------------------------------------------


def parse_stale_weeks(
    text: str, defaults: Mapping[str, int] = DEFAULT_STALE_WEEKS
) -> dict[str, int]:
    """Weeks per layer from ``"6"`` (every layer), ``"roads=2,idle_land=12"`` or both
    (``"6,roads=2"``); layers not named keep ``defaults``. Raises ValueError, naming the
    part, for an unknown layer or a number outside 1–104."""
    weeks = dict(defaults)
    everywhere: int | None = None
    named: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        layer_id, _, value = part.rpartition("=")
        layer_id = layer_id.strip()
        if layer_id and layer_id not in LAYER_BY_ID:
            raise ValueError(f"{STALE_WEEKS_ENV}: unknown layer {layer_id!r} in {part!r}")
        try:
            number = int(value.strip())
        except ValueError:
            raise ValueError(f"{STALE_WEEKS_ENV}: {part!r} is not a number of weeks") from None
        if not 1 <= number <= MAX_STALE_WEEKS:
            raise ValueError(f"{STALE_WEEKS_ENV}: {part!r} must be 1–{MAX_STALE_WEEKS} weeks")
        if layer_id:
            named[layer_id] = number
        else:
            everywhere = number
    if everywhere is not None:
        weeks = dict.fromkeys(weeks, everywhere)
    weeks.update(named)
    return weeks


def stale_weeks_setting(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """The weeks per layer from ``LANDMAP_STALE_WEEKS`` (defaults when unset); may raise
    ValueError like ``parse_stale_weeks``."""
    env = os.environ if environ is None else environ
    return parse_stale_weeks(env.get(STALE_WEEKS_ENV, ""))


# --- last updates and stale features -------------------------------------------------------------


def last_updates(
    frames: Mapping[str, gpd.GeoDataFrame], history: pd.DataFrame
) -> dict[tuple[str, str], date | None]:
    """(layer id, feature id) -> the day of the feature's last update, None if never."""
    from_history: dict[tuple[str, str], date] = {}
    if not history.empty and {"layer", "feature_id", "changed_at"} <= set(history.columns):
        days = history["changed_at"].map(shanghai_day)
        keys = zip(history["layer"].astype(str), history["feature_id"].astype(str), strict=True)
        for key, day in zip(keys, days, strict=True):
            if day is not None and (key not in from_history or day > from_history[key]):
                from_history[key] = day
    result: dict[tuple[str, str], date | None] = {}
    for layer_id, frame in frames.items():
        stamped = frame["updated_at"] if "updated_at" in frame.columns else [None] * len(frame)
        for feature_id, stamp in zip(frame["id"].astype(str), stamped, strict=True):
            key = (layer_id, feature_id)
            candidates = [d for d in (shanghai_day(stamp), from_history.get(key)) if d]
            result[key] = max(candidates) if candidates else None
    return result


def stale_features(
    frames: Mapping[str, gpd.GeoDataFrame],
    updates: Mapping[tuple[str, str], date | None],
    today: date,
    weeks: Mapping[str, int],
    lang: str,
) -> pd.DataFrame:
    """Features of ``frames`` without any update for at least ``weeks[layer]`` weeks.

    ``updates`` comes from ``last_updates``. Columns: ``STALE_COLUMNS``; ``last_update`` is
    'YYYY-MM-DD' or '' (never), ``days_since`` is <NA> for never. Layers in registry order,
    within a layer the longest silence first (never updated first of all).
    """
    rows = []
    for layer_id, frame in frames.items():
        layer = LAYER_BY_ID[layer_id]
        limit = weeks.get(layer_id, DEFAULT_STALE_WEEKS.get(layer_id, 4))
        for _, row in frame.iterrows():
            feature_id = str(row["id"])
            last = updates.get((layer_id, feature_id))
            days = (today - last).days if last is not None else None
            if days is not None and days < limit * 7:
                continue
            rows.append(
                {
                    "layer_id": layer_id,
                    "layer": layer.short_name.get(lang),
                    "feature_id": feature_id,
                    "name": _text(row.get("name")) or feature_id,
                    "responsible_unit": _text(row.get("responsible_unit")),
                    "contact": _text(row.get("contact")),
                    "status_label": layer.status_label(_text(row.get("status")), lang),
                    "last_update": last.isoformat() if last is not None else "",
                    "days_since": days,
                    "threshold_weeks": limit,
                    "_order": list(LAYER_BY_ID).index(layer_id),
                    "_never": last is None,
                }
            )
    table = pd.DataFrame(rows, columns=[*STALE_COLUMNS, "_order", "_never"])
    table = table.sort_values(
        ["_order", "_never", "days_since", "feature_id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    table = table.drop(columns=["_order", "_never"]).reset_index(drop=True)
    table["days_since"] = table["days_since"].astype("Int64")
    table["threshold_weeks"] = table["threshold_weeks"].astype("int64")
    return table


# --- the late list, for people ------------------------------------------------------------------


def lateness_text(days_left: int, lang: str) -> str:
    """ "逾期 157 天" / "157 days overdue", "今天到期", "12 天后到期" for due minus today."""
    if days_left < -1:
        return t("late.overdue_days", lang, days=-days_left)
    if days_left == -1:
        return t("late.overdue_one_day", lang)
    if days_left == 0:
        return t("late.due_today", lang)
    if days_left == 1:
        return t("late.due_tomorrow", lang)
    return t("late.due_in_days", lang, days=days_left)


def silence_text(days_since: int | None, lang: str) -> str:
    """ "9 周未更新" / "not updated for 9 weeks"; "从未更新" / "never updated" for None."""
    if days_since is None or pd.isna(days_since):
        return t("late.never_updated", lang)
    weeks = int(days_since) // 7
    if weeks == 1:
        return t("late.silent_one_week", lang)
    return t("late.silent_weeks", lang, weeks=weeks)


def with_contacts(
    late: pd.DataFrame,
    frames: Mapping[str, gpd.GeoDataFrame],
    updates: Mapping[tuple[str, str], date | None],
    lang: str,
) -> pd.DataFrame:
    """The rows of ``overdue_and_due_soon`` with ``contact``, ``last_update`` ('YYYY-MM-DD' or
    '') and ``lateness`` (``lateness_text``) added, in the same order."""
    contacts = {
        (layer_id, str(fid)): _text(contact)
        for layer_id, frame in frames.items()
        if "contact" in frame.columns
        for fid, contact in zip(frame["id"], frame["contact"], strict=True)
    }
    keys = list(zip(late["layer_id"].astype(str), late["feature_id"].astype(str), strict=True))
    out = late.copy()
    out["contact"] = [contacts.get(k, "") for k in keys]
    out["last_update"] = [_iso(updates.get(k)) for k in keys]
    out["lateness"] = [lateness_text(int(d), lang) for d in late["days_left"]]
    return out


def units_behind(late: pd.DataFrame, stale: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per responsible unit with late (or, given ``stale``, stale) work, the most
    behind first.

    ``overdue``/``due_soon`` count features (a feature late on two milestones counts once, at
    its worst), ``stale`` counts stale features, ``contacts`` lists the contacts named on those
    features in order of appearance. A missing unit is ''. Ordered by overdue, due soon, stale
    (most first), then name, the missing unit after the named ones it ties with.
    """
    units: dict[str, dict] = {}

    def unit(name: str) -> dict:
        empty = {"overdue": set(), "due_soon": set(), "stale": set(), "contacts": []}
        return units.setdefault(name, {"unit": name, **empty})

    worst = late.sort_values("days_left").drop_duplicates(["layer_id", "feature_id"])
    for row in worst.itertuples(index=False):
        entry = unit(_text(row.responsible_unit))
        kind = "overdue" if row.state == DeadlineState.OVERDUE.value else "due_soon"
        entry[kind].add((row.layer_id, row.feature_id))
        _add_contact(entry, getattr(row, "contact", ""))
    for row in (stale if stale is not None else pd.DataFrame()).itertuples(index=False):
        entry = unit(_text(row.responsible_unit))
        entry["stale"].add((row.layer_id, row.feature_id))
        _add_contact(entry, row.contact)
    rows = [
        {
            **entry,
            "overdue": len(entry["overdue"]),
            "due_soon": len(entry["due_soon"]),
            "stale": len(entry["stale"]),
        }
        for entry in units.values()
    ]
    table = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    table["_nameless"] = table["unit"] == ""
    table = table.sort_values(
        ["overdue", "due_soon", "stale", "_nameless", "unit"],
        ascending=[False, False, False, True, True],
    )
    return table.drop(columns="_nameless").reset_index(drop=True)


# --- helpers ------------------------------------------------------------------------------------


def shanghai_day(value: object) -> date | None:
    """The Beijing calendar day of a timestamp or date (ISO text, datetime or date); a naive
    timestamp is taken as Beijing time already. None for a missing or unreadable value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(SHANGHAI).date()


def _add_contact(entry: dict, contact: object) -> None:
    name = _text(contact)
    if name and name not in entry["contacts"]:
        entry["contacts"].append(name)


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()
