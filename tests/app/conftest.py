from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

APP = str(REPO_ROOT / "streamlit_app.py")


@pytest.fixture(autouse=True)
def fresh_sign_in_counts():
    """Failed sign-ins are counted for the whole server process: start each test at zero."""
    from landmap.ui.auth import sign_in_throttle

    sign_in_throttle.clear()
    yield
    sign_in_throttle.clear()


@pytest.fixture
def make_app(monkeypatch):
    """An AppTest of the real entry script, optionally on another data file.

    Nobody is signed in, so the app shows its public view; ``staff=True`` turns on the
    deployment setting that shows the internal view without sign-in (an open intranet).
    """

    def factory(data_path=None, query=None, staff=False) -> AppTest:
        if data_path is not None:
            monkeypatch.setenv("LANDMAP_DATA", str(data_path))
        else:
            monkeypatch.delenv("LANDMAP_DATA", raising=False)
        monkeypatch.delenv("TIANDITU_KEY", raising=False)
        if staff:
            monkeypatch.setenv("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", "1")
        else:
            monkeypatch.delenv("LANDMAP_INTERNAL_WITHOUT_SIGN_IN", raising=False)
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at.run()

    return factory
