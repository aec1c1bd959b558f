"""A feature's timeline from the history table, and how to go back to an earlier state (pure).

History rows are one per changed field; rows of one save share a ``change_id``. Going back is
itself a change (recorded like any other), never a deletion of history: the values are set to
what they were just before the chosen save.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from landmap.edits import FieldChange


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
