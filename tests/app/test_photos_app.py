"""Photos in the detail panel: a visitor sees the public ones only, staff all, marked."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from landmap.photos import save_upload
from landmap.store import GpkgStore
from tests.app.test_app import all_text, plain
from tests.conftest import SAMPLE_GPKG

PLOT = "XQ-XZ-004"  # offered (招商推介中): in the public view


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 140, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    store = GpkgStore(path)
    save_upload(store, "idle_land", PLOT, jpeg(), caption="公开全景", public=True, user="ed")
    save_upload(store, "idle_land", PLOT, jpeg(), caption="内部界桩秘密", public=False, user="ed")
    return path


def test_a_visitor_sees_public_photos_only(make_app, live):
    at = make_app(live, query={"plot": PLOT})
    assert not at.exception
    shown = plain(all_text(at))
    assert "现场照片" in shown and "公开全景" in shown
    assert "内部界桩秘密" not in shown
    assert len(at.get("image")) == 1
    assert not [b for b in at.button if "上传" in str(b.label)]


def test_staff_see_every_photo_with_the_internal_one_marked(make_app, live):
    at = make_app(live, query={"plot": PLOT, "lang": "en"}, staff=True)
    assert not at.exception
    shown = plain(all_text(at))
    assert "Site photos" in shown and "公开全景" in shown and "内部界桩秘密" in shown
    assert len(at.get("image")) == 2
    assert "badge[Internal]" in shown  # the internal photo is marked


def test_a_plot_without_photos_shows_no_heading_to_a_visitor(make_app, live):
    at = make_app(live, query={"plot": "XQ-XZ-006"})
    assert "现场照片" not in plain(all_text(at))
