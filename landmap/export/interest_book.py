"""The staff's Excel list of investors' expressions of interest (formula-safe, staff only).

Every text cell is stored as text (``workbook.write_table`` → ``sanitise.write_text``): a name
typed as ``=HYPERLINK(...)`` by a visitor shows as typed and is never evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook

from landmap.export.workbook import sheet_title, workbook_bytes, write_table
from landmap.i18n import t

FIELDS = ("name", "organisation", "phone", "email", "message")


def plot_label(plot_id: str, plot_names: Mapping[str, str]) -> str:
    name = plot_names.get(plot_id)
    return f"{name}（{plot_id}）" if name else plot_id


def interest_rows(
    leads: pd.DataFrame, plot_names: Mapping[str, str], lang: str
) -> tuple[list[str], list[list[object]]]:
    """Headers and rows of the list, as the staff page and the workbook show it."""
    headers = [
        t("interest.col_time", lang),
        *(t(f"interest.field_{f}", lang) for f in FIELDS),
        t("interest.col_plots", lang),
    ]
    rows = [
        [
            str(lead["submitted_at"]).replace("T", " ")[:19],
            *(str(lead[f] or "") for f in FIELDS),
            "; ".join(plot_label(p, plot_names) for p in lead["plot_ids"]),
        ]
        for _, lead in leads.iterrows()
    ]
    return headers, rows


def interest_workbook(leads: pd.DataFrame, plot_names: Mapping[str, str], lang: str) -> bytes:
    """An .xlsx of ``leads`` (newest first, as given)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(t("interest.sheet", lang), ())
    headers, rows = interest_rows(leads, plot_names, lang)
    write_table(sheet, headers, rows)
    return workbook_bytes(workbook)
