"""The child process that decodes one uploaded photo: ``python -m landmap.photos.worker DIR``.

``sandbox.process_photo`` starts it under rlimits in a private folder holding ``request.json``
and ``upload.bin``. It checks the bytes again (``checks``), decodes them with Pillow limited to
the one expected format, turns the picture upright by its EXIF orientation, and writes a fresh
JPEG and a thumbnail without EXIF, GPS, XMP or ICC data. It answers in ``result.json`` with a
refusal code or the new size; the parent words every message itself.
"""

from __future__ import annotations

import io
import json
import sys
import traceback
from pathlib import Path

from landmap.photos.checks import check_pixels, sniff, too_many_pixels
from landmap.photos.messages import PhotoRejected

REQUEST_FILE = "request.json"
RESULT_FILE = "result.json"
UPLOAD_FILE = "upload.bin"
PHOTO_FILE = "photo.jpg"
THUMB_FILE = "thumb.jpg"
_PILLOW_FORMATS = {"jpeg": ["JPEG"], "png": ["PNG"]}


def encode(data: bytes, request: dict) -> tuple[bytes, bytes, int, int]:
    """(photo JPEG, thumbnail JPEG, width, height) of the upload, or PhotoRejected."""
    from PIL import Image, ImageOps

    max_pixels = int(request["max_pixels"])
    sniffed = sniff(data)
    check_pixels(sniffed.width, sniffed.height, max_pixels)
    # Pillow's own bomb guard as well, in case its reading of the header differs from ours.
    Image.MAX_IMAGE_PIXELS = max_pixels
    edge = int(request["max_edge"])
    try:
        with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[sniffed.kind]) as image:
            check_pixels(image.width, image.height, max_pixels)
            if sniffed.kind == "jpeg":
                image.draft("RGB", (edge, edge))  # decode at a reduced scale: less memory
            image.load()
            upright = ImageOps.exif_transpose(image)  # before the EXIF is dropped
            picture = _rgb(upright)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels(sniffed.width, sniffed.height, max_pixels) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # Pillow's ways of saying "broken"
        raise PhotoRejected("damaged") from None
    picture.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    photo = _jpeg(picture, int(request["quality"]))
    thumb_image = picture.copy()
    thumb_edge = int(request["thumb_edge"])
    thumb_image.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)
    return photo, _jpeg(thumb_image, int(request["quality"])), picture.width, picture.height


def _rgb(image):
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))  # transparent areas become white
        return white
    return image.convert("RGB")


def _jpeg(image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: the new file carries pixels only.
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def main(workdir: Path) -> int:
    request = json.loads((workdir / REQUEST_FILE).read_text("utf-8"))
    data = (workdir / UPLOAD_FILE).read_bytes()
    try:
        photo, thumb, width, height = encode(data, request)
    except PhotoRejected as exc:
        values = {k: str(v) for k, v in exc.values.items()}
        result = {"status": "rejected", "code": exc.code, "values": values}
    except MemoryError:
        result = {"status": "rejected", "code": "failed", "values": {}}
    except Exception:
        traceback.print_exc()  # kept in the child's log for the administrator
        result = {"status": "rejected", "code": "damaged", "values": {}}
    else:
        (workdir / PHOTO_FILE).write_bytes(photo)
        (workdir / THUMB_FILE).write_bytes(thumb)
        result = {"status": "ok", "width": width, "height": height}
    (workdir / RESULT_FILE).write_text(json.dumps(result), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
