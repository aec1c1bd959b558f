"""Investor mode as a promotion officer uses it, in a real Chromium with nobody signed in:
a shortlist from a link, the comparison, the brochure download, the presentation stepped with
the keyboard."""

from __future__ import annotations

import pytest

from landmap.i18n import t
from tests.browser.conftest import download, start_server
from tests.browser.test_map_in_browser import open_map
from tests.pdf_reading import pdf_text

pytestmark = pytest.mark.browser

SHORTLIST = ["XQ-XZ-004", "XQ-XZ-015", "XQ-PG-001"]


@pytest.fixture(scope="module")
def public_app(tmp_path_factory):
    yield from start_server(tmp_path_factory, None)  # the sample, public view


def test_a_shortlist_link_compares_presents_and_prints(public_app, browser, tmp_path):
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(90_000)
    page = context.new_page()
    open_map(page, f"{public_app.url}/?short={','.join(SHORTLIST)}")
    page.get_by_role("tab", name="比选（3）").click()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("亩均起始价").first.wait_for()
    for fid in SHORTLIST:
        assert main.get_by_text(fid, exact=True).count() >= 1

    brochure = download(page, t("brochure.download_shortlist", "zh"))
    text = pdf_text(brochure.path().read_bytes())
    assert "招商地块比选" in text and "川煤集团存量土地（1号）" in text

    page.get_by_role("button", name=t("present.start", "zh")).click()
    page.get_by_text("1 / 3").wait_for()
    # The full-window style arrives with the presentation's own rerun: wait for it.
    page.locator('section[data-testid="stSidebar"]').wait_for(state="hidden")
    page.keyboard.press("ArrowRight")
    page.get_by_text("2 / 3").wait_for()
    main.get_by_text("川煤集团存量土地（1号）").first.wait_for()  # the second plot is shown
    page.keyboard.press("ArrowLeft")
    page.get_by_text("1 / 3").wait_for()
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="比选（3）").wait_for()
    page.wait_for_url(lambda url: "view=present" not in url)  # the link follows
    context.close()
