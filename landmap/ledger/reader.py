"""Reading an uploaded 台账 workbook safely: every sheet's cells, with formulas flagged.

The upload is untrusted, so it is parsed in the import's sandboxed child process
(``sandbox.read_workbook_cells``), like every other upload: under memory, CPU, file-size and
wall-clock limits, answering with Arrow IPC and JSON, never pickle. There it gets the import's
.xlsx protections (``ingest.table_xlsx``): a size cap before anything is unpacked, caps on
entries and unpacked bytes (tighter for a ledger: ``sandbox.WORKBOOK_LIMITS``), any DTD refused
before a parser sees it, defusedxml under openpyxl, and read-only streaming. The workbook is
read with ``data_only=False`` on purpose: a formula is reported as a formula and never taken at
its cached result, whatever Excel computed.
"""

from __future__ import annotations

from landmap.ingest import sandbox
from landmap.ingest.table_xlsx import WorkbookCell, WorkbookRow, WorkbookSheet

# The ledger's names for what the sandbox reads: ``diff`` works on these.
LedgerCell = WorkbookCell
LedgerRow = WorkbookRow
LedgerSheet = WorkbookSheet


def read_ledger_cells(data: bytes) -> list[LedgerSheet]:
    """Every sheet of an uploaded .xlsx; raises ImportRejected (zh/en) when it is refused."""
    return sandbox.read_workbook_cells(data)
