"""Applying a checked ledger: every edit with its history, in one transaction, or nothing."""

from __future__ import annotations

import re

from landmap.ledger.diff import LedgerDiff
from landmap.store.base import AppliedEdits, TrackingStore

LEDGER_SOURCE = "ledger"
_MAX_FILE_NAME = 120


def apply_ledger(store: TrackingStore, diff: LedgerDiff, user: str, file_name: str) -> AppliedEdits:
    """Write ``diff.edits`` as ``user``, noted "台账导入 <file>" with source "ledger".

    All or nothing: raises EditConflict when a feature changed since the ledger was read
    (read it again and show the new list), StoreConflict when the store stays busy.
    """
    return store.apply_edits(
        diff.edits, user=user, note=f"台账导入 {display_file_name(file_name)}", source=LEDGER_SOURCE
    )


def display_file_name(file_name: str) -> str:
    """The uploaded file's base name as it may appear in the history: printable, not too long."""
    base = re.split(r"[/\\]", file_name)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:_MAX_FILE_NAME] or "ledger.xlsx"
