"""A real Streamlit server on a free local port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

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
