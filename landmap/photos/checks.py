"""What the uploaded bytes are, read with plain Python before any image library sees them.

Only JPEG and PNG are accepted, recognised by their content (never by the file name). The
structure is walked to the image's real end: anything after it (a zip appended to a JPEG, a
page after a PNG) makes the file a *polyglot*, one file that other programs read as something
else, and it is refused. So is a zip or HTML hidden inside the image's own segments or chunks.
The declared pixel size is read from the header here, so a decompression bomb (20000×20000
pixels in a few kB) is refused before anything is decoded.

Phones append further complete JPEGs after the first (MPO stereo pictures, Ultra HDR gain
maps): a run of complete JPEGs is accepted, since the re-encoding keeps the first one only.
"""

from __future__ import annotations

from dataclasses import dataclass

from landmap.photos.messages import PhotoRejected

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# What would make a browser, an unzip tool or a script host read the file as something else.
_HTML_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<iframe", b"<body", b"<?php")
_ZIP_LOCAL, _ZIP_END = b"PK\x03\x04", b"PK\x05\x06"


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "jpeg" or "png"
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def sniff(data: bytes) -> Sniffed:
    """The image's kind and declared size; raises PhotoRejected for anything else."""
    if not data:
        raise PhotoRejected("empty")
    if data.startswith(JPEG_MAGIC):
        end, width, height = _jpeg_walk(data, 0)
        _check_jpeg_tail(data, end)
        kind = "jpeg"
    elif data.startswith(PNG_MAGIC):
        end, width, height = _png_walk(data)
        _check_tail_is_padding(data, end)
        kind = "png"
    else:
        raise PhotoRejected(_other_kind(data))
    if _hides_other_content(data):
        raise PhotoRejected("polyglot")
    if width <= 0 or height <= 0:
        raise PhotoRejected("damaged")
    return Sniffed(kind, width, height)


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Refuse a picture of more than ``max_pixels``, from its header, before decoding."""
    if width * height > max_pixels:
        raise too_many_pixels(width, height, max_pixels)


def too_many_pixels(width: int, height: int, max_pixels: int) -> PhotoRejected:
    return PhotoRejected(
        "too_many_pixels",
        width=width,
        height=height,
        megapixels=f"{width * height / 1e6:.0f}",
        limit_mp=f"{max_pixels / 1e6:.0f}",
    )


def _other_kind(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith(b"gif8"):
        return "gif"
    if b"<svg" in head or (head.startswith(b"<?xml") and b"<svg" in data[:65536].lower()):
        return "svg"
    return "not_image"


def _hides_other_content(data: bytes) -> bool:
    lowered = data.lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        return True
    # Both zip signatures: one alone turns up by chance in compressed pixels now and then.
    return _ZIP_LOCAL in data and _ZIP_END in data


def _jpeg_walk(data: bytes, start: int) -> tuple[int, int, int]:
    """(end offset after EOI, width, height) of the JPEG starting at ``start``."""
    n = len(data)
    i = start + 2
    width = height = 0
    while True:
        if i >= n or data[i] != 0xFF:
            raise PhotoRejected("damaged")
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            raise PhotoRejected("damaged")
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image
            return i, width, height
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if i + 2 > n:
            raise PhotoRejected("damaged")
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2 or i + length > n:
            raise PhotoRejected("damaged")
        if marker in _SOF and not width and length >= 7:
            height = int.from_bytes(data[i + 3 : i + 5], "big")
            width = int.from_bytes(data[i + 5 : i + 7], "big")
        i += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            i = _skip_scan(data, i)


def _skip_scan(data: bytes, i: int) -> int:
    n = len(data)
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= n:
            raise PhotoRejected("damaged")
        following = data[j + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            i = j + 2
        elif following == 0xFF:  # fill byte
            i = j + 1
        else:
            return j


def _check_jpeg_tail(data: bytes, end: int) -> None:
    """After the first JPEG only further complete JPEGs (MPO, gain maps) or zero padding."""
    while end < len(data):
        rest = data[end:]
        if not rest.strip(b"\x00"):
            return
        if not rest.startswith(JPEG_MAGIC):
            raise PhotoRejected("polyglot")
        try:
            end, _, _ = _jpeg_walk(data, end)
        except PhotoRejected:
            raise PhotoRejected("polyglot") from None


def _png_walk(data: bytes) -> tuple[int, int, int]:
    n = len(data)
    i = len(PNG_MAGIC)
    width = height = 0
    first = True
    while i + 8 <= n:
        length = int.from_bytes(data[i : i + 4], "big")
        chunk_type = data[i + 4 : i + 8]
        if not chunk_type.isalpha() or i + 12 + length > n:
            raise PhotoRejected("damaged")
        if first:
            if chunk_type != b"IHDR" or length != 13:
                raise PhotoRejected("damaged")
            width = int.from_bytes(data[i + 8 : i + 12], "big")
            height = int.from_bytes(data[i + 12 : i + 16], "big")
            first = False
        i += 12 + length
        if chunk_type == b"IEND":
            return i, width, height
    raise PhotoRejected("damaged")


def _check_tail_is_padding(data: bytes, end: int) -> None:
    if data[end:].strip(b"\x00"):
        raise PhotoRejected("polyglot")
