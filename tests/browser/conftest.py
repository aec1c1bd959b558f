"""A real Streamlit server on a free local port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer, running

# The app's settings a test server must not inherit from the developer's shell (the
# GeoPackage unless a test names a database).
_UNSET = (
    "TIANDITU_KEY",
    "LANDMAP_INTERNAL_WITHOUT_SIGN_IN",
    "LANDMAP_DATA",
    "LANDMAP_DATABASE_URL",
)


class AppServer(StreamlitServer):
    """The app on ``data_path`` (None: the sample), plus ``extra_env``. Visitors get the public
    view unless the deployment says otherwise (README, Security): ``internal_view`` is that
    setting."""

    def __init__(
        self,
        data_path: Path | None,
        log_path: Path,
        internal_view: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = {}
        if internal_view:
            env["LANDMAP_INTERNAL_WITHOUT_SIGN_IN"] = "1"
        if data_path is not None:
            env["LANDMAP_DATA"] = str(data_path)
        env.update(extra_env or {})
        super().__init__("streamlit_app.py", log_path, unset=_UNSET, env=env)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report carries what the page showed and the end of its server's
    log: a flake seen once in CI can then be understood without running it again."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    for name, value in funcargs.items():
        if isinstance(value, StreamlitServer):
            try:
                lines = value.log_path.read_text("utf-8", errors="replace").splitlines()
            except OSError as exc:
                lines = [f"(no log: {exc})"]
            report.sections.append(
                (f"server log of {name} (last 60 lines)", "\n".join(lines[-60:]))
            )
    page = funcargs.get("page")
    if page is not None:
        try:
            shown = page.locator("body").inner_text(timeout=5_000)
        except Exception as exc:  # the page may be gone: the report must still be written
            shown = f"(page unreadable: {exc})"
        report.sections.append(("what the page showed", f"{page.url}\n{shown[:3000]}"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the README's test command installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def start_server(
    tmp_path_factory,
    data_path: Path | None,
    internal_view: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Iterator[AppServer]:
    log_path = tmp_path_factory.mktemp("logs") / "streamlit.log"
    server = AppServer(data_path, log_path, internal_view, extra_env)
    with running(server):
        yield server


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory) -> Iterator[AppServer]:
    """The whole sample as staff see it (every feature, deadlines): the deployment setting
    that shows the internal view without sign-in. The public view has tests of its own
    (test_audiences_in_browser.py)."""
    yield from start_server(tmp_path_factory, None, internal_view=True)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    page.requests = []
    context.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def wait_until_idle(page) -> None:
    """Until the script run has finished: Streamlit's running indicator is gone.

    Half a second first, for a rerun just requested to show its indicator. A popover or a
    dropdown opened during a run is closed again when the run redraws it."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=90_000)


def pick_option(page, opener, option_name: str, prepare=None) -> None:
    """Open a select box (``opener``) and click its option; a list a rerun closed under the
    click is opened again (after ``prepare()``, when given). The run is left to finish first:
    a rerun redraws an open list closed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.get_by_role("option", name=option_name).first
    for _attempt in range(3):
        if prepare is not None:
            prepare()
        wait_until_idle(page)
        opener.click()
        try:
            option.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        option.click()
        return
    raise AssertionError(f"the list never offered {option_name}")


def ensure_form_open(page) -> None:
    """Open the 更新进度 expander unless it is open already (clicking an open one closes it)."""
    wait_until_idle(page)
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="更新进度")
    details = expander.locator('[data-testid="stExpanderDetails"]')
    if details.get_attribute("inert") is not None:
        expander.get_by_text("更新进度").click()
    status_box(page).wait_for()


def status_box(page):
    return page.locator('[data-testid="stForm"]').get_by_role("combobox", name="状态", exact=True)


def choose_status(page, label: str) -> None:
    """Pick a status in the progress form, opening the form again if a rerun closed it."""
    pick_option(page, status_box(page), label, prepare=lambda: ensure_form_open(page))


SIGN_IN_OUTCOME = re.compile("账号或密码不正确|锁定|已登录")


def sign_in(page, name: str, password: str) -> str:
    """Sign in through the sidebar's popover; returns the sidebar's text once it shows the
    outcome (signed in, refused or locked out).

    A rerun landing during the typing (the map reports its first view once it has loaded)
    redraws the popover closed and empties the form, so an attempt whose outcome never shows
    is made again. An attempt the server received always shows its outcome (the message is
    kept in the session), so a repeated attempt is never counted twice by the lockout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    sidebar = page.locator('[data-testid="stSidebar"]')
    outcome = sidebar.get_by_text(SIGN_IN_OUTCOME).first
    name_box = page.get_by_label("账号")
    for _attempt in range(3):
        wait_until_idle(page)
        if not name_box.is_visible():
            page.get_by_text("工作人员登录").click()
        name_box.fill(name)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        try:
            outcome.wait_for(timeout=30_000)
        except PlaywrightTimeout:
            continue
        return sidebar.inner_text()
    raise AssertionError(f"signing in as {name} never showed an outcome")


def download(page, button_name: str):
    """Click a download button and return the download. The run is left to finish first, and
    a click that brought nothing is made again: a rerun landing under the click replaces the
    file behind the button, and the old address then answers with nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(3):
        wait_until_idle(page)
        try:
            with page.expect_download(timeout=30_000) as started:
                page.get_by_role("button", name=button_name).click()
        except PlaywrightTimeout:
            continue
        return started.value
    raise AssertionError(f"the button {button_name} never gave a download")
