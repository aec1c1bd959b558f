"""Photo uploads: good ones are re-encoded without EXIF, hostile ones refused with a clear
message and the store left byte for byte as it was. Who sees which photo, and photos in
backups and restores, are in the contract suite (tests/store/test_store_writes.py)."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from landmap.access import Audience
from landmap.photos import PhotoInfo, PhotoLimits, PhotoRejected, save_upload, visible_photos
from landmap.photos.checks import sniff
from landmap.store import FeatureNotFound, GpkgStore
from tests.conftest import SAMPLE_GPKG

PLOT = "XQ-XZ-001"
GPS = {1: "N", 2: (26.0, 35.0, 10.0), 3: "E", 4: (101.0, 35.0, 5.0)}


@pytest.fixture
def store(tmp_path) -> GpkgStore:
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return GpkgStore(path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def jpeg_with_gps(size=(1200, 800), orientation: int = 6) -> bytes:
    """A phone photo: EXIF with a GPS position and an orientation (rotate 90° to view)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker秘密QZX8"
    exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size=(640, 480), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 40, 128) if mode == "RGBA" else 90).save(out, "PNG")
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A real, valid 1-bit PNG of width × height pixels that is only a few kB on disk."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def html_in_png() -> bytes:
    """A PNG whose text chunk is a web page: a browser sniffing it may run the script."""
    good = png_bytes(mode="L")
    page = b"Comment\x00<html><body><script>alert(document.cookie)</script></body></html>"
    return good[:33] + png_chunk(b"tEXt", page) + good[33:]


def jpeg_plus_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", "<p>hello</p>")
    return jpeg_with_gps() + archive.getvalue()


def zip_inside_jpeg_comment() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "x")
    body = archive.getvalue()
    image = jpeg_with_gps()
    comment = b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body
    return image[:2] + comment + image[2:]


def test_a_phone_jpeg_is_stored_upright_and_without_exif_or_gps(store):
    data = jpeg_with_gps()
    info = save_upload(
        store, "idle_land", PLOT, data, caption="现场 东侧", public=True, user="editor"
    )
    assert (info.width, info.height) == (800, 1200)  # orientation 6 applied before EXIF went
    stored = store.photo_bytes(info.photo_id, audience=Audience.STAFF)
    assert stored is not None and stored.startswith(b"\xff\xd8\xff")
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (800, 1200)
    assert not image.getexif()  # no EXIF at all, hence no GPS
    assert b"Exif" not in stored and "PhoneMaker秘密QZX8".encode() not in stored
    thumb = Image.open(
        io.BytesIO(store.photo_bytes(info.photo_id, audience=Audience.STAFF, thumbnail=True))
    )
    assert max(thumb.size) == 480 and thumb.format == "JPEG"
    [listed] = store.photos(PLOT, audience=Audience.PUBLIC)
    assert listed == info and listed.caption == "现场 东侧"


def test_a_png_render_with_transparency_becomes_a_jpeg(store):
    info = save_upload(
        store, "idle_land", PLOT, png_bytes(), caption="效果图", public=False, user="editor"
    )
    image = Image.open(io.BytesIO(store.photo_bytes(info.photo_id, audience=Audience.STAFF)))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (640, 480)


def test_a_large_photo_is_kept_at_a_screen_size(store):
    limits = PhotoLimits(max_edge=1000, thumb_edge=200)
    data = jpeg_with_gps(size=(3000, 2000), orientation=1)
    info = save_upload(
        store, "idle_land", PLOT, data, caption="", public=True, user="e", limits=limits
    )
    assert (info.width, info.height) == (1000, 667)
    thumb = store.photo_bytes(info.photo_id, audience=Audience.PUBLIC, thumbnail=True)
    assert max(Image.open(io.BytesIO(thumb)).size) == 200


def test_a_phone_picture_with_a_second_embedded_jpeg_is_accepted():
    # MPO stereo pictures and Ultra HDR gain maps append whole JPEGs after the first.
    data = jpeg_with_gps() + jpeg_with_gps(size=(100, 100), orientation=1)
    assert sniff(data).kind == "jpeg"


HOSTILE = {
    "not_image": (b"name,area\n\xe5\x9c\xb0\xe5\x9d\x97,12\n", "not_image", "不是 JPEG 或 PNG"),
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "svg",
        "SVG",
    ),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "gif", "GIF"),
    "jpeg_plus_zip": (jpeg_plus_zip(), "polyglot", "夹带了其他内容"),
    "zip_in_jpeg_comment": (zip_inside_jpeg_comment(), "polyglot", "夹带了其他内容"),
    "html_in_png": (html_in_png(), "polyglot", "夹带了其他内容"),
    "html_after_png": (png_bytes() + b"<html><script>x</script>", "polyglot", "夹带了其他内容"),
    "bomb_20000px": (png_bomb(), "too_many_pixels", "20000×20000"),
    "truncated_jpeg": (jpeg_with_gps()[:3000], "damaged", "已损坏"),
    "empty": (b"", "empty", "空的"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_upload_is_refused_and_the_store_unchanged(store, case):
    data, code, words = HOSTILE[case]
    before = digest(store.path)
    with pytest.raises(PhotoRejected) as refused:
        save_upload(store, "idle_land", PLOT, data, caption="x", public=True, user="e")
    assert refused.value.code == code
    assert words in refused.value.text("zh")
    assert refused.value.text("en") and refused.value.text("en") != refused.value.text("zh")
    assert digest(store.path) == before
    assert store.photos(audience=Audience.STAFF) == []


def test_a_30_mb_upload_is_refused_before_anything_is_read(store):
    before = digest(store.path)
    data = jpeg_with_gps() + b"\x00" * (30 * 1024 * 1024)
    with pytest.raises(PhotoRejected) as refused:
        save_upload(store, "idle_land", PLOT, data, caption="", public=True, user="e")
    assert refused.value.code == "too_large"
    assert "15.0 MB" in refused.value.text("zh") and "30.0" in refused.value.text("en")
    assert digest(store.path) == before


def test_a_bomb_within_the_file_size_is_refused_from_its_header_in_milliseconds():
    data = png_bomb()
    assert len(data) < 200_000
    assert sniff(data).pixels == 400_000_000


def test_the_pixel_limit_is_a_setting(store):
    with pytest.raises(PhotoRejected) as refused:
        save_upload(
            store,
            "idle_land",
            PLOT,
            png_bytes((1200, 1000)),
            caption="",
            public=True,
            user="e",
            limits=PhotoLimits(max_pixels=1_000_000),
        )
    assert refused.value.code == "too_many_pixels"
    assert "1200×1000" in refused.value.text("en")


def test_a_child_that_runs_out_of_time_is_killed_and_nothing_stored(store):
    before = digest(store.path)
    with pytest.raises(PhotoRejected) as refused:
        save_upload(
            store,
            "idle_land",
            PLOT,
            jpeg_with_gps(),
            caption="",
            public=True,
            user="e",
            limits=PhotoLimits(wall_seconds=0.01),
        )
    assert refused.value.code == "failed"
    assert digest(store.path) == before


def test_a_photo_of_a_missing_feature_is_not_stored(store):
    before = digest(store.path)
    with pytest.raises(FeatureNotFound):
        save_upload(store, "idle_land", "NO-SUCH", png_bytes(), caption="", public=True, user="e")
    with pytest.raises(FeatureNotFound):
        save_upload(store, "no_layer", PLOT, png_bytes(), caption="", public=True, user="e")
    assert digest(store.path) == before


def test_visible_photos_is_an_allowlist_of_public_ones():
    def photo(n: int, public: bool) -> PhotoInfo:
        return PhotoInfo(f"{n:032x}", "idle_land", PLOT, str(n), public, 1, 1, "e", "")

    photos = [photo(1, True), photo(2, False), photo(3, True)]
    assert [p.caption for p in visible_photos(photos, Audience.PUBLIC)] == ["1", "3"]
    assert visible_photos(photos, Audience.STAFF) == photos
