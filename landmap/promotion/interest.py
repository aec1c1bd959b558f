"""Expressions of interest (意向登记) from investors: checked and cleaned here (pure).

A visitor of the public view leaves a name, an organisation, a phone number or an e-mail
address (at least one), a message and the plots they are interested in. Everything is kept as
plain text: control characters and anything shaped like an HTML tag are removed, lengths are
capped, and the plots must be plots the public view shows. The leads are for staff only; the
UI never shows them, or how many a plot has, to the public.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from landmap.layers import LAYERS

MAX_NAME = 50
MAX_ORGANISATION = 100
MAX_PHONE = 30
MAX_EMAIL = 120
MAX_MESSAGE = 1000
MAX_PLOTS = 10
# Layers whose plots are offered to investors (the registry's ``offered_statuses``): land,
# not the road projects or compounds shown as context. Which plots of them the public sees is
# the public view's business (``access.public_row_mask``); the form takes only those.
INTEREST_LAYERS = tuple(layer.id for layer in LAYERS if layer.offered_statuses)

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{4,28}[0-9]")
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class InterestDraft:
    """What the form holds, as typed (untrusted)."""

    name: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    message: str = ""
    plot_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class InterestLead:
    """A checked, cleaned expression of interest, ready to store."""

    name: str
    organisation: str
    phone: str
    email: str
    message: str
    plot_ids: tuple[str, ...]


@dataclass(frozen=True)
class InterestProblem:
    """Why the form was not accepted: the field (for the UI) and a message key."""

    field: str
    code: str  # the locale key under [interest], e.g. "err_contact"
    limit: int = 0


def plain_text(value: object, *, multiline: bool = False) -> str:
    """``value`` as plain text: NFC, no control characters, no HTML tags, spaces tidied."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _TAG.sub("", text)
    lines = [
        " ".join("".join(ch for ch in line if ch.isprintable() or ch == "\t").split())
        for line in text.splitlines()
    ]
    if not multiline:
        return " ".join(line for line in lines if line)
    return "\n".join(lines).strip()


def check_interest(
    draft: InterestDraft, public_plots: Mapping[str, str] | Iterable[str]
) -> InterestLead | list[InterestProblem]:
    """The cleaned lead, or every problem with the form. ``public_plots``: the plot ids the
    public view shows (only those can be asked about)."""
    allowed = set(public_plots)
    lead = InterestLead(
        name=plain_text(draft.name),
        organisation=plain_text(draft.organisation),
        phone=plain_text(draft.phone),
        email=plain_text(draft.email).lower(),
        message=plain_text(draft.message, multiline=True),
        plot_ids=tuple(dict.fromkeys(str(p) for p in draft.plot_ids)),
    )
    problems: list[InterestProblem] = []
    if not lead.name:
        problems.append(InterestProblem("name", "err_name"))
    for field, limit in (
        ("name", MAX_NAME),
        ("organisation", MAX_ORGANISATION),
        ("phone", MAX_PHONE),
        ("email", MAX_EMAIL),
        ("message", MAX_MESSAGE),
    ):
        if len(getattr(lead, field)) > limit:
            problems.append(InterestProblem(field, "err_too_long", limit))
    if not lead.phone and not lead.email:
        problems.append(InterestProblem("contact", "err_contact"))
    if lead.phone and len(lead.phone) <= MAX_PHONE and not _PHONE.fullmatch(lead.phone):
        problems.append(InterestProblem("phone", "err_phone"))
    if lead.email and len(lead.email) <= MAX_EMAIL and not _EMAIL.fullmatch(lead.email):
        problems.append(InterestProblem("email", "err_email"))
    if not lead.plot_ids:
        problems.append(InterestProblem("plot_ids", "err_no_plot"))
    elif len(lead.plot_ids) > MAX_PLOTS:
        problems.append(InterestProblem("plot_ids", "err_too_many_plots", MAX_PLOTS))
    elif any(p not in allowed for p in lead.plot_ids):
        problems.append(InterestProblem("plot_ids", "err_unknown_plot"))
    return problems or lead


def interest_counts(plot_id_lists: Iterable[Iterable[str]]) -> dict[str, int]:
    """How many leads name each plot (staff only)."""
    counts: dict[str, int] = {}
    for plot_ids in plot_id_lists:
        for plot_id in set(plot_ids):
            counts[plot_id] = counts.get(plot_id, 0) + 1
    return counts
