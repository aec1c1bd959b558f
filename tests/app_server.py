"""A real Streamlit server on a free loopback port, and the headless Chromium that visits it.

Shared by the browser tests (``tests/browser/conftest.py``) and the end-to-end benchmark
(``bench/bench_city.py``), which run the same server the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
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


class StreamlitServer:
    """``streamlit run <script>`` from the repository root on a free loopback port, headless,
    its output in ``log_path``. The server's environment is this process's without the
    ``unset`` variables, plus ``env`` (and the repository on PYTHONPATH)."""

    ready_timeout_s: float = 60

    def __init__(
        self,
        script: str,
        log_path: Path,
        *,
        unset: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        server_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        for key in unset:
            server_env.pop(key, None)
        server_env.update(env or {})
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script,
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, env=server_env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self) -> None:
        """Wait until Streamlit's health check answers (``ready_timeout_s`` at most)."""
        deadline = time.monotonic() + self.ready_timeout_s
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
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


Server = TypeVar("Server", bound=StreamlitServer)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """The server once it answers; stopped afterwards, also when it never became ready."""
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
