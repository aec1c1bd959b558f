"""Expressions of interest in the app: a visitor sends one and sees nothing of anyone's; staff
see the list, the plot's count and can export it (the main paths on both stores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from landmap.accounts import Role, accounts_path, add_account
from landmap.promotion.interest import InterestDraft, check_interest
from landmap.store import GpkgStore
from landmap.store.open import AnyStore
from tests.app.conftest import Placed
from tests.app.test_app import all_text, every_tab, plain
from tests.app.test_editing import sign_in

PLOT = "XQ-XZ-004"  # offered (招商推介中): in the public view
OTHER_VISITOR = "王先生秘密QZX7"
OTHER_PHONE = "13912345678"
PASSWORD = "interest-app-password"


def seed_lead(store: AnyStore) -> None:
    lead = check_interest(
        InterestDraft(name=OTHER_VISITOR, phone=OTHER_PHONE, message="想看地", plot_ids=(PLOT,)),
        {PLOT},
    )
    store.add_interest(lead, lang="zh")


@pytest.fixture
def live(sample_copy) -> Path:
    """The sample GeoPackage with another visitor's lead."""
    seed_lead(GpkgStore(sample_copy))
    return sample_copy


@pytest.fixture
def placed(sample_copy, place_data) -> Placed:
    """The same, on either store (``place_data``)."""
    placed = place_data(sample_copy)
    seed_lead(placed.store)
    return placed


@pytest.fixture(autouse=True)
def fresh_limiter():
    from landmap.ui.interest_panel import submission_limiter

    submission_limiter.clear()
    yield
    submission_limiter.clear()


def page_text(at) -> str:
    """What the page shows, in every tab under the map."""
    parts = []
    for page in every_tab(at):
        parts += [plain(all_text(page))]
        parts += [str(e.label) for e in page.expander]
        parts += [str(b.label) for b in page.get("download_button")]
        parts += [h.value for h in page.subheader]
    return "\n".join(parts)


def fill_interest(at, **values):
    for name, value in values.items():
        widget = at.text_area if name == "message" else at.text_input
        widget(key=f"interest_{name}__{PLOT}").input(value)
    next(b for b in at.button if b.label == "提交意向").click().run()
    return at


def test_a_visitor_sends_interest_and_sees_no_leads_or_counts(make_app, placed):
    at = make_app(**placed.app_args, query={"plot": PLOT})
    assert not at.exception
    shown = page_text(at)
    assert "有意向？登记联系方式" in shown
    assert "隐私说明" in shown
    assert OTHER_VISITOR not in shown and OTHER_PHONE not in shown
    assert "意向登记：" not in shown  # no count for the public
    assert at.multiselect(key=f"interest_plots__{PLOT}").value == [PLOT]

    fill_interest(at, name="李<b>四</b>", phone="028-1234 5678", message="=HYPERLINK(1)")
    assert not at.exception
    assert any("已收到您的意向登记" in s.value for s in at.success)
    shown = page_text(at)
    assert OTHER_VISITOR not in shown and "意向登记：" not in shown
    assert at.text_input(key=f"interest_name__{PLOT}").value == ""  # nothing stays on the page

    leads = placed.store.interest_leads()
    assert len(leads) == 2
    newest = leads.iloc[0]
    assert newest["name"] == "李四"  # the tag is gone, the text kept
    assert newest["phone"] == "028-1234 5678"
    assert newest["plot_ids"] == (PLOT,)
    assert newest["submitted_at"].endswith("+08:00")


def test_an_incomplete_form_is_refused_and_kept(make_app, live):
    at = make_app(live, query={"plot": PLOT})
    fill_interest(at, name="赵六")
    assert any("电话或电子邮箱" in e.value for e in at.error)
    assert at.text_input(key=f"interest_name__{PLOT}").value == "赵六"
    assert len(GpkgStore(live).interest_leads()) == 1


def test_a_visitor_is_limited_per_session(make_app, live):
    at = make_app(live, query={"plot": PLOT})
    for i in range(3):
        fill_interest(at, name=f"访客{i}", email=f"v{i}@example.com")
        assert any("已收到" in s.value for s in at.success)
    fill_interest(at, name="访客4", email="v4@example.com")
    assert any("提交过于频繁" in w.value for w in at.warning)
    assert len(GpkgStore(live).interest_leads()) == 4  # 1 seeded + 3


def test_staff_see_the_count_the_list_and_the_export(make_app, placed):
    at = make_app(**placed.app_args, query={"plot": PLOT}, staff=True)
    assert not at.exception
    shown = page_text(at)
    assert "意向登记：1 条" in shown
    assert "有意向？登记联系方式" not in shown  # the form is for visitors
    at = make_app(**placed.app_args, query={"view": "dashboard"}, staff=True)
    shown = page_text(at)
    assert "投资意向登记" in shown
    assert OTHER_VISITOR in shown and OTHER_PHONE in shown
    assert any(b.label == "导出 Excel" for b in at.get("download_button"))


def test_a_signed_in_viewer_sees_the_count_a_visitor_does_not(make_app, live):
    add_account(accounts_path(), "interest_viewer", Role.VIEWER, PASSWORD)
    at = make_app(live, query={"plot": PLOT})
    assert "意向登记：" not in page_text(at)
    sign_in(at, "interest_viewer", PASSWORD)
    assert not at.exception
    shown = page_text(at)
    assert "意向登记：1 条" in shown
    assert "有意向？登记联系方式" not in shown


def test_a_visitors_lead_reaches_the_staff_list_and_never_another_visitor(make_app, placed):
    visitor = make_app(**placed.app_args, query={"plot": PLOT})
    fill_interest(visitor, name="陈新访客QZX9", email="chen@example.com", message="想了解地价")
    assert any("已收到您的意向登记" in s.value for s in visitor.success)

    staff = make_app(**placed.app_args, query={"view": "dashboard"}, staff=True)
    assert not staff.exception
    (table,) = [df.value for df in staff.dataframe if "提交时间" in df.value.columns]
    assert len(table) == 2
    assert "陈新访客QZX9" in table.iloc[0].to_string()  # newest first
    assert "chen@example.com" in table.iloc[0].to_string()
    assert OTHER_VISITOR in table.iloc[1].to_string()
    plot = make_app(**placed.app_args, query={"plot": PLOT}, staff=True)
    assert "意向登记：2 条" in page_text(plot)

    another = make_app(**placed.app_args, query={"plot": PLOT})
    shown = page_text(another)
    assert "陈新访客QZX9" not in shown and "chen@example.com" not in shown
    assert OTHER_VISITOR not in shown and "意向登记：" not in shown
    another = make_app(**placed.app_args, query={"view": "dashboard"})  # a staff link
    shown = page_text(another)
    assert "投资意向登记" not in shown and "陈新访客QZX9" not in shown
