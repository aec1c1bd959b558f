from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

APP = str(REPO_ROOT / "streamlit_app.py")


@pytest.fixture
def make_app(monkeypatch):
    """An AppTest of the real entry script, optionally on another data file."""

    def factory(data_path=None, query=None) -> AppTest:
        if data_path is not None:
            monkeypatch.setenv("LANDMAP_DATA", str(data_path))
        else:
            monkeypatch.delenv("LANDMAP_DATA", raising=False)
        monkeypatch.delenv("TIANDITU_KEY", raising=False)
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at.run()

    return factory
