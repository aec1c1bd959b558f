"""In Chromium: a visitor sends an expression of interest and a signed-in staff member sees it;
the visitor's websocket frames never carry anyone's lead, a plot's count or an internal photo.
An editor uploads a photo through the real file picker and it is stored without its GPS."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from landmap.access import Audience
from landmap.accounts import Role, accounts_path, add_account
from landmap.photos import save_upload
from landmap.promotion.interest import InterestDraft, check_interest
from landmap.store import GpkgStore
from tests.browser.conftest import start_server, wait_until_idle
from tests.browser.test_audiences_in_browser import leaked, record_frames, sign_in
from tests.browser.test_map_in_browser import open_map
from tests.conftest import SAMPLE_GPKG

pytestmark = pytest.mark.browser

PLOT = "XQ-XZ-004"  # offered (招商推介中): in the public view
EARLIER_NAME = "早先投资人秘密QZX9"
EARLIER_PHONE = "13700001111"
VISITOR_NAME = "浏览器访客QZY1"
VISITOR_EMAIL = "visitor-qzy1@example.com"
PUBLIC_CAPTION = "公开照片QZY2"
INTERNAL_CAPTION = "内部照片秘密QZY3"
PASSWORD = "browser-interest-password"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("interest") / "xiqu.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    store = GpkgStore(path)
    earlier = check_interest(
        InterestDraft(name=EARLIER_NAME, phone=EARLIER_PHONE, plot_ids=(PLOT,)), {PLOT}
    )
    store.add_interest(earlier, lang="zh")
    for caption, public in ((PUBLIC_CAPTION, True), (INTERNAL_CAPTION, False)):
        save_upload(store, "idle_land", PLOT, jpeg(), caption=caption, public=public, user="ed")
    add_account(accounts_path(), "interest_staff", Role.VIEWER, PASSWORD)
    add_account(accounts_path(), "photo_editor", Role.EDITOR, PASSWORD)
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory, live):
    yield from start_server(tmp_path_factory, live)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    context.set_default_timeout(90_000)  # child processes on a busy 2-core machine
    yield context
    context.close()


def test_a_visitors_interest_reaches_staff_only(app, context, browser, live):
    page = context.new_page()
    frames = record_frames(page)
    open_map(page, f"{app.url}/?plot={PLOT}")
    page.get_by_text("基本信息").wait_for()
    page.get_by_text(PUBLIC_CAPTION).wait_for()  # the public photo is shown

    wait_until_idle(page)  # a rerun redraws an expander opened during it closed
    page.get_by_text("有意向？登记联系方式").click()
    page.get_by_label("姓名（必填）").fill(VISITOR_NAME)
    page.get_by_label("电子邮箱").fill(VISITOR_EMAIL)
    page.get_by_label("留言（最多 1000 字）").fill("<script>alert(1)</script>想了解供地条件")
    page.get_by_role("button", name="提交意向").click()
    page.get_by_text("已收到您的意向登记").wait_for()
    assert "隐私说明" in page.content()

    leads = GpkgStore(live).interest_leads()
    assert list(leads["name"]) == [VISITOR_NAME, EARLIER_NAME]
    assert leads.iloc[0]["message"] == "alert(1)想了解供地条件"

    # Nothing of anyone's lead, no count and no internal photo reached the visitor's browser.
    secrets = [EARLIER_NAME, EARLIER_PHONE, INTERNAL_CAPTION, "意向登记：", "投资意向登记"]
    assert not leaked(secrets, frames), "a lead, a count or an internal photo reached a visitor"
    assert PUBLIC_CAPTION.encode() in b"".join(frames)  # the search above can succeed

    # A signed-in staff member, in a browser of their own, sees both leads and the count.
    staff_context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    staff_context.set_default_timeout(90_000)
    try:
        staff = staff_context.new_page()
        staff_frames = record_frames(staff)
        open_map(staff, f"{app.url}/?plot={PLOT}")
        sign_in(staff, "interest_staff", PASSWORD)
        staff.get_by_text("已登录：interest_staff").wait_for()
        staff.get_by_text("意向登记：2 条").wait_for()
        staff.get_by_text(INTERNAL_CAPTION).wait_for()  # staff see internal photos
        staff.locator('[data-testid="stSidebar"]').get_by_text("进度看板").click()
        staff.get_by_text("投资意向登记").wait_for()
        staff.get_by_role("button", name="导出 Excel").wait_for()
        # The list is a canvas grid: its cells are read from what the server sent.
        sent = b"".join(staff_frames)
        assert VISITOR_NAME.encode() in sent and VISITOR_EMAIL.encode() in sent
        assert EARLIER_NAME.encode() in sent
    finally:
        staff_context.close()


def test_an_editor_uploads_a_photo_without_its_gps(app, context, live, tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (26.0, 35.0, 10.0), 3: "E", 4: (101.0, 35.0, 5.0)})
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (900, 600), (120, 80, 40)).save(photo, "JPEG", exif=exif.tobytes())
    page = context.new_page()
    open_map(page, f"{app.url}/?plot=XQ-XZ-002")
    sign_in(page, "photo_editor", PASSWORD)
    page.get_by_text("已登录：photo_editor").wait_for()
    wait_until_idle(page)  # a rerun redraws an expander opened during it closed
    page.get_by_text("上传照片").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
    page.get_by_label("说明（可选，最多 200 字）").fill("编辑上传QZY4")
    page.get_by_role("button", name="上传", exact=True).click()
    page.get_by_text("照片已保存").wait_for()
    page.get_by_text("编辑上传QZY4").wait_for()
    page.get_by_text("内部", exact=True).first.wait_for()  # not ticked public: internal

    store = GpkgStore(live)
    [info] = [p for p in store.photos("XQ-XZ-002", audience=Audience.STAFF) if p.caption]
    assert info.caption == "编辑上传QZY4" and not info.public
    stored = store.photo_bytes(info.photo_id, audience=Audience.STAFF)
    assert stored is not None and b"Exif" not in stored
