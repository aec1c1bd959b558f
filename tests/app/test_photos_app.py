"""Photos in the detail panel: a visitor sees the public ones only, staff all, marked; an
editor's upload is stored and shown to each audience as it may see it (on both stores)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from landmap.access import Audience
from landmap.photos import save_upload
from tests.app.test_app import all_text, plain
from tests.app.test_editing import accounts, sign_in  # noqa: F401  (autouse: the accounts)

PLOT = "XQ-XZ-004"  # offered (招商推介中): in the public view
PUBLIC_CAPTION, INTERNAL_CAPTION = "公开全景", "内部界桩秘密"


def jpeg(colour=(10, 140, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def live(sample_copy, place_data):
    """The sample with a public and an internal photo of PLOT, on either store."""
    placed = place_data(sample_copy)
    for caption, public in ((PUBLIC_CAPTION, True), (INTERNAL_CAPTION, False)):
        save_upload(
            placed.store, "idle_land", PLOT, jpeg(), caption=caption, public=public, user="ed"
        )
    return placed


def widget_keys(at) -> str:
    return " ".join(str(getattr(w, "key", "") or "") for w in at.button)


def test_a_visitor_sees_public_photos_only(make_app, live):
    at = make_app(**live.app_args, query={"plot": PLOT})
    assert not at.exception
    shown = plain(all_text(at))
    assert "现场照片" in shown and PUBLIC_CAPTION in shown
    assert INTERNAL_CAPTION not in shown
    assert len(at.get("image")) == 1
    (internal,) = [p for p in live.store.photos(PLOT, audience=Audience.STAFF) if not p.public]
    assert internal.photo_id not in widget_keys(at)  # not even a button that names it
    assert not [b for b in at.button if "上传" in str(b.label)]


def test_staff_see_every_photo_with_the_internal_one_marked(make_app, live):
    at = make_app(**live.app_args, query={"plot": PLOT, "lang": "en"}, staff=True)
    assert not at.exception
    shown = plain(all_text(at))
    assert "Site photos" in shown and PUBLIC_CAPTION in shown and INTERNAL_CAPTION in shown
    assert len(at.get("image")) == 2
    assert "badge[Internal]" in shown  # the internal photo is marked


def test_a_plot_without_photos_shows_no_heading_to_a_visitor(make_app, sample_copy):
    at = make_app(sample_copy, query={"plot": "XQ-XZ-006"})
    assert "现场照片" not in plain(all_text(at))


def upload(at, data: bytes, caption: str, *, public: bool):
    at.get("file_uploader")[0].set_value(("site.jpg", data, "image/jpeg"))
    at.text_input(key="photo_caption").input(caption)
    at.checkbox(key="photo_public").set_value(public)
    next(b for b in at.button if b.label == "上传").click().run()
    return at


def test_an_editors_upload_is_stored_and_the_public_sees_only_the_public_one(
    make_app, sample_copy, place_data
):
    placed = place_data(sample_copy)
    editor = sign_in(make_app(**placed.app_args, query={"plot": PLOT}), "zhang")
    assert "上传照片" in [e.label for e in editor.expander]
    upload(editor, jpeg((200, 30, 30)), "公开的现场远景", public=True)
    assert not editor.exception
    assert any("照片已保存" in s.value for s in editor.success)
    upload(editor, jpeg((30, 30, 200)), "内部的界桩近景", public=False)
    assert any("照片已保存" in s.value for s in editor.success)

    stored = placed.store.photos(PLOT, audience=Audience.STAFF)
    assert [(p.caption, p.public, p.uploaded_by) for p in stored] == [
        ("公开的现场远景", True, "zhang"),
        ("内部的界桩近景", False, "zhang"),
    ]
    shown = plain(all_text(editor))
    assert "公开的现场远景" in shown and "内部的界桩近景" in shown  # the editor sees both
    assert len(editor.get("image")) == 2

    visitor = make_app(**placed.app_args, query={"plot": PLOT})
    assert not visitor.exception
    shown = plain(all_text(visitor))
    assert "公开的现场远景" in shown and "内部的界桩近景" not in shown
    assert len(visitor.get("image")) == 1
    assert stored[1].photo_id not in widget_keys(visitor)


def test_an_editor_publishes_and_deletes_a_photo_and_the_public_follows(make_app, live, place_data):
    (public, internal) = live.store.photos(PLOT, audience=Audience.STAFF)
    editor = sign_in(make_app(**live.app_args, query={"plot": PLOT}), "zhang")
    editor.button(key=f"photo_flip_{internal.photo_id}").click().run()
    assert not editor.exception
    assert any("已更新照片的公开设置" in s.value for s in editor.success)
    assert [p.public for p in live.store.photos(PLOT, audience=Audience.STAFF)] == [True, True]
    visitor = make_app(**live.app_args, query={"plot": PLOT})
    assert INTERNAL_CAPTION in plain(all_text(visitor)) and len(visitor.get("image")) == 2

    editor.button(key=f"photo_delete_{public.photo_id}").click().run()
    assert any("照片已删除" in s.value for s in editor.success)
    assert [p.photo_id for p in live.store.photos(PLOT, audience=Audience.STAFF)] == [
        internal.photo_id
    ]
    visitor = make_app(**live.app_args, query={"plot": PLOT})
    shown = plain(all_text(visitor))
    assert PUBLIC_CAPTION not in shown and INTERNAL_CAPTION in shown
    assert len(visitor.get("image")) == 1
