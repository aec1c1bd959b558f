"""The Excel 台账 round trip: export a ledger, read an edited one back as status updates.

``layout`` (the columns both directions follow), ``writer`` (``ledger_workbook``), ``reader``
(the upload's cells, safely), ``diff`` (``read_ledger``: edits and problems), ``apply``
(``apply_ledger``), ``report`` (the same lines for the CLI and the UI), ``command`` (the CLI).
"""

from landmap.ledger.apply import apply_ledger
from landmap.ledger.command import run_ledger_export, run_ledger_import
from landmap.ledger.diff import LedgerChange, LedgerDiff, LedgerProblem, read_ledger
from landmap.ledger.report import ledger_import_report
from landmap.ledger.writer import ledger_workbook

__all__ = [
    "LedgerChange",
    "LedgerDiff",
    "LedgerProblem",
    "apply_ledger",
    "ledger_import_report",
    "ledger_workbook",
    "read_ledger",
    "run_ledger_export",
    "run_ledger_import",
]
