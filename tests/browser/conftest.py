"""A real Streamlit server on a free local port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
# Flags that keep a headless Chromium quiet on a machine with no internet (no background
# connections to Google services, no component updates).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    def __init__(
        self,
        data_path: Path | None,
        log_path: Path,
        internal_view: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        env.pop("TIANDITU_KEY", None)
        # Visitors get the public view unless the deployment says otherwise (README, Security).
        env.pop("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", None)
        if internal_view:
            env["LANDMAP_INTERNAL_WITHOUT_SIGN_IN"] = "1"
        if data_path is not None:
            env["LANDMAP_DATA"] = str(data_path)
        else:
            env.pop("LANDMAP_DATA", None)
        env.pop("LANDMAP_DATABASE_URL", None)  # the GeoPackage unless a test names a database
        env.update(extra_env or {})
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "streamlit_app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("streamlit did not become healthy")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


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
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


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
