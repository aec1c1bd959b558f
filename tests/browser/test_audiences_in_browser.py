"""Who sees what, checked where it could leak: every websocket frame and every download of an
unsigned visitor, the lockout across fresh browser contexts, and Markdown images in uploads."""

from __future__ import annotations

import io
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import pytest

from landmap.accounts import Role, accounts_path, add_account
from landmap.dataset import load_dataset
from landmap.export import ExportFormat
from landmap.i18n import t
from landmap.ledger import ledger_workbook
from landmap.store import GpkgStore
from tests.app_server import free_port
from tests.browser.conftest import download, start_server
from tests.browser.conftest import sign_in as browser_sign_in
from tests.browser.test_map_in_browser import open_map
from tests.conftest import INTERNAL_PLOT, SAMPLE_GPKG, seed_internal_values
from tests.unit.test_audience import pdf_text, readable_bytes

pytestmark = pytest.mark.browser

PASSWORD = "browser-audience-password"
# Texts that end a sign-in attempt: refused, locked, or signed in.


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("audience") / "xiqu.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    secrets = seed_internal_values(path)
    add_account(accounts_path(), "aud_viewer", Role.VIEWER, PASSWORD)
    add_account(accounts_path(), "aud_editor", Role.EDITOR, PASSWORD)
    add_account(accounts_path(), "aud_locked", Role.EDITOR, PASSWORD)
    return path, secrets


@pytest.fixture(scope="module")
def app(tmp_path_factory, seeded):
    yield from start_server(tmp_path_factory, seeded[0])


@pytest.fixture
def context(browser):
    context = browser.new_context(
        viewport={"width": 1500, "height": 1100}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(90_000)  # child processes on a busy 2-core machine
    yield context
    context.close()


def record_frames(page) -> list[bytes]:
    """Every websocket frame the page receives, as bytes (Playwright gives them inflated)."""
    frames: list[bytes] = []

    def keep(payload: bytes | str) -> None:
        frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def on_socket(socket):
        socket.on("framereceived", keep)

    page.on("websocket", on_socket)
    return frames


def leaked(secrets: list[str], blobs: list[bytes]) -> list[str]:
    return [s for s in secrets if any(s.encode("utf-8") in blob for blob in blobs)]


def sign_in(page, name, password=PASSWORD) -> str:
    return browser_sign_in(page, name, password)


def open_plot_and_every_tab(page, url):
    open_map(page, f"{url}/?plot={INTERNAL_PLOT}")
    page.get_by_text("基本信息").wait_for()
    # Only the open tab is drawn (and sent): each is opened and waited for in turn.
    page.get_by_role("tab", name="要素列表").click()
    page.get_by_text(t("table.hint", "zh")).wait_for()
    page.get_by_role("tab", name="导出与打印").click()
    page.get_by_role("button", name=t("export.fmt_csv", "zh")).wait_for()


def test_a_visitor_receives_no_internal_value_in_any_frame_or_download(app, context, seeded):
    _, secrets = seeded
    page = context.new_page()
    frames = record_frames(page)
    open_plot_and_every_tab(page, app.url)
    page.get_by_text("公开视图").first.wait_for()
    assert page.get_by_role("button", name=t("export.ledger", "zh")).count() == 0

    downloads: dict[str, bytes] = {}
    labels = [t(f"export.fmt_{fmt.value}", "zh") for fmt in ExportFormat]
    pictures = [t("export.picture_pdf", "zh"), t("export.picture_png", "zh")]
    for label in [*labels, *pictures, t("brochure.download", "zh")]:
        downloads[label] = download(page, label).path().read_bytes()
    assert len(downloads) == 9 and all(downloads.values())

    assert len(frames) > 5
    assert not leaked(secrets, frames), "an internal value was sent to a visitor's browser"
    files = [readable_bytes(data) for data in downloads.values()]
    files.append(pdf_text(downloads[t("export.picture_pdf", "zh")]).encode())
    files.append(pdf_text(downloads[t("brochure.download", "zh")]).encode())  # the brochure
    assert not leaked(secrets, files), "an internal value is in a visitor's download"
    assert "格里坪工业园区土地整理一期A-03地块".encode() in b"".join(files)  # the search works


def test_a_signed_in_viewer_receives_them_so_the_search_above_can_fail(app, context, seeded):
    _, secrets = seeded
    page = context.new_page()
    frames = record_frames(page)
    open_map(page, f"{app.url}/?plot={INTERNAL_PLOT}")
    sign_in(page, "aud_viewer")
    page.get_by_text("已登录：aud_viewer").wait_for()
    page.get_by_text("内部视图").first.wait_for()
    page.get_by_text("变更记录").first.wait_for()
    assert set(leaked(secrets, frames)) == set(secrets)


def test_the_lockout_is_not_reset_by_a_new_browser_context(app, browser):
    def attempt(password):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(90_000)  # a loaded machine; the lockout itself lasts a minute
        page.goto(app.url)
        page.get_by_text("公开视图").first.wait_for(timeout=60_000)  # the script has run
        text = sign_in(page, "aud_locked", password)
        context.close()
        return text

    for _ in range(5):
        assert "已登录" not in attempt("wrong-password-000")
    last = attempt(PASSWORD)  # the right password, from a brand-new context
    assert "已登录" not in last
    assert "锁定" in last and "北京时间" in last


class Probe:
    """A local HTTP listener that counts every request it gets (nothing may reach it)."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.markdown = f"![x](http://127.0.0.1:{self.port}/probe.png)"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def probe():
    listener = Probe()
    yield listener
    listener.close()


def hostile_geojson(path, value):
    ring = [[101.6200, 26.6200], [101.6212, 26.6200], [101.6212, 26.6210], [101.6200, 26.6210]]
    feature = {
        "type": "Feature",
        "properties": {"编号": "XQ-XZ-951", "名称": value, "状态": value},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return path


def hostile_ledger(path, live, value):
    store = GpkgStore(live)
    frames = load_dataset(store).frames
    workbook = openpyxl.load_workbook(
        io.BytesIO(ledger_workbook(frames, "zh", store.versions_by_layer(frames), filter_text=""))
    )
    sheet = workbook[workbook.sheetnames[0]]
    status_column = [c.value for c in sheet[1]].index("状态") + 1
    sheet.cell(row=2, column=status_column, value=value)
    workbook.save(path)
    return path


def test_a_markdown_image_in_an_import_or_a_ledger_fetches_nothing(
    app, context, seeded, probe, tmp_path
):
    page = context.new_page()
    open_map(page, app.url)
    sign_in(page, "aud_editor")
    page.get_by_text("已登录：aud_editor").wait_for()
    page.get_by_text("数据管理", exact=True).click()
    page.get_by_text("选择文件").first.wait_for()

    page.locator('input[type="file"]').first.set_input_files(
        str(hostile_geojson(tmp_path / "probe.geojson", probe.markdown))
    )
    page.get_by_role("button", name="检查文件").click()
    page.get_by_text("检查报告").wait_for()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(probe.markdown).first.wait_for()  # shown, as text

    page.get_by_role("tab", name="台账导入").click()
    uploader = page.locator('[data-testid="stFileUploader"]').filter(
        has_text=t("data.ledger_file", "zh")
    )
    uploader.locator('input[type="file"]').set_input_files(
        str(hostile_ledger(tmp_path / "ledger.xlsx", seeded[0], probe.markdown))
    )
    main.get_by_text(probe.markdown).nth(1).wait_for()  # the ledger's problem line, as text
    page.wait_for_timeout(1500)
    assert probe.hits == []
    assert main.locator(f'img[src*="127.0.0.1:{probe.port}"]').count() == 0
