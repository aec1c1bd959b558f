"""Reading a PDF as its reader would: the text on the page and the date in its properties."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest

# poppler-utils (scripts/run-tests.sh installs it): the same text extraction viewers use.
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) missing")

_PDF_DATE = re.compile(rb"/CreationDate \(D:(\d{14})(Z|([+-])(\d{2})'(\d{2})'?)?\)")


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text of the PDF as ``pdftotext`` reads it (``-layout`` keeps a table's rows)."""
    args = [PDFTOTEXT or "pdftotext", *(["-layout"] if layout else []), "-", "-"]
    done = subprocess.run(args, input=pdf, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def creation_date(pdf: bytes) -> datetime:
    """The /CreationDate of the PDF's info dictionary, as an aware datetime (PDF 1.7 §7.9.4)."""
    found = _PDF_DATE.search(pdf)
    assert found, "no /CreationDate in the PDF"
    stamp, zone, sign, hours, minutes = found.groups()
    moment = datetime.strptime(stamp.decode(), "%Y%m%d%H%M%S")
    if zone is None or zone == b"Z":
        return moment.replace(tzinfo=UTC)
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return moment.replace(tzinfo=timezone(offset if sign == b"+" else -offset))
