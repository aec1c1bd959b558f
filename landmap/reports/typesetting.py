"""Text on printed pages: the vendored CJK font, line breaking, dates, and saving PDFs (pure).

Shared by the map picture (``mapprint``), the 督办 brief (``brief``) and the plot brochure
(``promotion.brochure``), so each prints Chinese the same way on every host.

Thread safety: Streamlit serves every session from its own thread, so nothing here touches
pyplot's global figure manager; fonts are given to every text object, not through
``rcParams``. The one setting that only exists as an rcParam (``pdf.fonttype``) is set in an
``rc_context`` under ``render_lock``, because two overlapping ``rc_context`` blocks in two
threads restore each other's values.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from landmap.clock import SHANGHAI

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "LandmapSansSC-Regular.ttf"
FONT_FAMILY = "Landmap Sans SC"
# A character missing from the vendored subset (it holds GB2312 and our own labels) is drawn
# from a full Noto Sans CJK SC if the host has one; DejaVu Sans (shipped with matplotlib) is last.
_FALLBACK_FAMILIES = ("Noto Sans CJK SC", "DejaVu Sans")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

render_lock = threading.Lock()
_font_lock = threading.Lock()


@cache
def _families() -> tuple[str, ...]:
    """The font family list, without fallbacks the host lacks (each would log a warning)."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    return (FONT_FAMILY, *(f for f in _FALLBACK_FAMILIES if f in known))


def ensure_font_registered() -> None:
    with _font_lock:
        known = {f.name for f in font_manager.fontManager.ttflist}
        if FONT_FAMILY not in known:
            font_manager.fontManager.addfont(str(FONT_PATH))


@cache
def vendored_charmap() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(FONT_PATH)).get_charmap())


def covered_by_vendored_font(strings: Iterable[str]) -> bool:
    charmap = vendored_charmap()
    return all(ord(c) in charmap for s in strings for c in s if not c.isspace())


def strings_of(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def font(size: float) -> FontProperties:
    return FontProperties(family=list(_families()), size=size)


def draw_text(target: Figure | Axes, x: float, y: float, s: str, *, size: float, **kwargs) -> Text:
    """A text drawn exactly as given: no mathtext (``$``), no TeX, in the vendored font."""
    return target.text(x, y, s, fontproperties=font(size), parse_math=False, usetex=False, **kwargs)


def display_width_em(s: str) -> float:
    """Approximate width in em: CJK and fullwidth characters 1, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56 for c in s)


def em_capacity(width_mm: float, size_pt: float) -> float:
    """How many em of text at ``size_pt`` fit in ``width_mm``."""
    return width_mm / (size_pt * 25.4 / 72)


def ellipsize(s: str, max_em: float, *, cut: bool = False) -> str:
    """``s`` on one line of at most ``max_em``, ending in "…" when shortened (or ``cut``)."""
    s = " ".join(s.split())
    if not cut and display_width_em(s) <= max_em:
        return s
    out = ""
    for c in s:
        if display_width_em(out + c) > max_em - 1:
            break
        out += c
    return out + "…"


# A line may break between any two Chinese characters, but not inside a Latin word or number.
_WRAP_TOKENS = re.compile(r"\s+|[^\s\u2e80-\uffef]+|.")


def wrap(s: str, max_em: float, max_lines: int) -> list[str]:
    """Break ``s`` into at most ``max_lines`` lines of at most ``max_em``; "…" if cut short."""
    lines: list[str] = []
    current = ""
    for token in _WRAP_TOKENS.findall(" ".join(s.split())):
        candidate = current + token
        if display_width_em(candidate) <= max_em or not current.strip():
            current = candidate
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], ellipsize(rest, max_em, cut=True)]
    return [ellipsize(line, max_em) for line in lines]


def china_time(now: datetime | None) -> datetime:
    """``now`` in China time; a naive ``now`` is taken as China time already."""
    if now is None:
        return datetime.now(SHANGHAI)
    if now.tzinfo is None:
        return now.replace(tzinfo=SHANGHAI)
    return now.astimezone(SHANGHAI)


def pdf_timestamp(when: datetime | None = None) -> datetime:
    """``when`` (default: now) as matplotlib should write it into a PDF's /CreationDate: in UTC.

    matplotlib (3.11) writes a zone's offset with the sign of ``time.timezone`` (seconds *west*
    of UTC), so Beijing time came out as ``-08'00'`` and viewers showed the date 16 hours late.
    In UTC it writes ``Z``, which every viewer turns back into the reader's own time.
    """
    return china_time(when).astimezone(UTC)


def format_date(when: datetime, lang: str) -> str:
    """2026年11月24日 or 24 Nov 2026 (month names fixed, not from the host's locale)."""
    if lang == "en":
        return f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year}"
    return f"{when.year}年{when.month}月{when.day}日"


def save_pdf(figures: Sequence[Figure], *, title: str, when: datetime | None = None) -> bytes:
    """``figures`` as the pages of one PDF, text as real text (searchable, copyable).

    Type 42 embeds the vendored TrueType font itself: crisp at any zoom, and the text can be
    searched and copied. matplotlib writes any font as TrueType (FontFile2), though, so when a
    character comes from a host CFF font (Noto Sans CJK's .ttc) Type 3 is the safe choice: it
    turns each glyph into drawing commands, readable by every PDF viewer.
    """
    covered = all(covered_by_vendored_font(strings_of(f)) for f in figures)
    metadata = {"Title": title, "Creator": "landmap", "CreationDate": pdf_timestamp(when)}
    out = io.BytesIO()
    settings = mpl.rc_context({"pdf.fonttype": 42 if covered else 3})
    with render_lock, settings, PdfPages(out, metadata=metadata) as pdf:
        for figure in figures:
            pdf.savefig(figure)
    return out.getvalue()
