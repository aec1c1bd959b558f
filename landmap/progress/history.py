"""A feature's timeline from the history table, and how to go back to an earlier state (pure).

History rows are one per changed field; rows of one save share a ``change_id``. Going back is
itself a change (recorded like any other), never a deletion of history: the values are set to
what they were just before the chosen save.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from landmap.clock import SHANGHAI
from landmap.layers import LayerSpec
from landmap.progress.edits import FieldChange, current_values


@dataclass(frozen=True)
class TimelineEntry:
    change_id: str
    changed_at: str  # ISO 8601 with the Asia/Shanghai offset
    changed_by: str
    note: str
    source: str  # "app", "ledger", "restore", "cli", "sample"
    changes: tuple[FieldChange, ...]

    @property
    def when(self) -> str:
        """ "2026-11-24 20:15" — local time as written (the offset is always +08:00)."""
        return self.changed_at[:16].replace("T", " ")


def timeline(rows: pd.DataFrame) -> list[TimelineEntry]:
    """The saves of one feature, oldest first (``rows`` as ``GpkgStore.history`` gives them)."""
    if rows.empty:
        return []
    entries = []
    ordered = rows.sort_values("fid")
    for change_id, group in ordered.groupby("change_id", sort=False):
        first = group.iloc[0]
        entries.append(
            TimelineEntry(
                change_id=str(change_id),
                changed_at=str(first["changed_at"]),
                changed_by=str(first["changed_by"]),
                note=_text(first.get("note")) or "",
                source=_text(first.get("source")) or "",
                changes=tuple(
                    FieldChange(str(r["field"]), _text(r["old_value"]), _text(r["new_value"]))
                    for _, r in group.iterrows()
                ),
            )
        )
    return entries


def state_before(entries: Sequence[TimelineEntry], change_id: str) -> dict[str, str | None]:
    """Each field touched by the chosen save or a later one, as it was just before that save.

    The first change of a field at or after that point recorded its value then, in ``old``.
    """
    start = next(i for i, e in enumerate(entries) if e.change_id == change_id)
    values: dict[str, str | None] = {}
    for entry in entries[start:]:
        for change in entry.changes:
            values.setdefault(change.field, change.old)
    return values


def restore_changes(
    entries: Sequence[TimelineEntry], change_id: str, current: Mapping[str, str | None]
) -> tuple[FieldChange, ...]:
    """The changes that bring ``current`` back to the state before ``change_id``."""
    target = state_before(entries, change_id)
    return tuple(
        FieldChange(field, current.get(field), value)
        for field, value in target.items()
        if current.get(field) != value
    )


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def layer_value_changes(
    layer: LayerSpec, before: pd.DataFrame, after: pd.DataFrame
) -> list[tuple[str, FieldChange]]:
    """(feature id, change) for every tracked value a whole-layer write changes.

    An import or a restore replaces a layer at once; this is how its status changes still reach
    the history (and the dashboard's month-by-month counts). Only features whose id is in both
    versions, once each, are compared: added and removed features are in the backup note.
    """
    old_rows, new_rows = _unique_rows(before), _unique_rows(after)
    changes = []
    for feature_id in old_rows.keys() & new_rows.keys():
        old = current_values(layer, old_rows[feature_id])
        new = current_values(layer, new_rows[feature_id])
        changes.extend(
            (feature_id, FieldChange(field, old[field], new[field]))
            for field in old
            if old[field] != new[field]
        )
    return sorted(changes, key=lambda pair: pair[0])


def history_rows(
    layer_id: str,
    changes: Sequence[tuple[str, FieldChange]],
    *,
    user: str,
    note: str,
    source: str,
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """Rows for the history table (one save per feature), as the edit worker writes them."""
    stamp = (now or dt.datetime.now(SHANGHAI)).isoformat(timespec="seconds")
    change_ids: dict[str, str] = {}
    records = [
        {
            "change_id": change_ids.setdefault(feature_id, uuid.uuid4().hex),
            "layer": layer_id,
            "feature_id": feature_id,
            "field": change.field,
            "old_value": change.old,
            "new_value": change.new,
            "changed_by": user,
            "changed_at": stamp,
            "note": note,
            "source": source,
        }
        for feature_id, change in changes
    ]
    return pd.DataFrame(records, columns=list(records[0]) if records else None)


def _unique_rows(frame: pd.DataFrame) -> dict[str, dict]:
    if frame.empty or "id" not in frame.columns:
        return {}
    ids = frame["id"].map(_text)
    once = ids[~ids.duplicated(keep=False) & ids.notna()]
    return {str(fid): frame.loc[index].to_dict() for index, fid in once.items()}
