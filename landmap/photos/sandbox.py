"""The parent side of a photo upload: cheap checks here, decoding in a child with limits.

Pillow decodes JPEG and PNG in C; a crafted file can exhaust memory or time, or worse. So, as
for geodata (``ingest.sandbox``), the decoding runs in ``landmap.photos.worker``, a separate
process in a private temp folder, with RLIMIT_AS/CPU/FSIZE, no core dumps, a minimal
environment and a wall clock after which its process group is killed. The size, the format and
the declared pixel count are checked here first with plain Python (``checks``), so most bad
uploads are refused without starting a process. What comes back is checked (size, JPEG magic)
and never decoded in this process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from landmap.photos import worker
from landmap.photos.checks import JPEG_MAGIC, check_pixels, sniff
from landmap.photos.messages import PhotoRejected, format_mb

log = logging.getLogger(__name__)
MIB = 1024 * 1024
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PhotoLimits:
    """Caps for one photo upload (sizes in bytes, times in seconds)."""

    # A 50-megapixel phone JPEG is 10–15 MB; a PNG render of a plan rarely more.
    max_upload_bytes: int = 15 * MIB
    # 40 MP decodes to 160 MB as RGBA: a decompression bomb is refused from its header first.
    max_pixels: int = 40_000_000
    # Stored size: the long edge of the kept photo and of its thumbnail, and the JPEG quality.
    max_edge: int = 2560
    thumb_edge: int = 480
    quality: int = 85
    child_memory_bytes: int = 1536 * MIB
    child_cpu_seconds: int = 30
    wall_seconds: float = 45.0

    def request(self) -> dict[str, int]:
        keys = ("max_pixels", "max_edge", "thumb_edge", "quality")
        return {k: v for k, v in asdict(self).items() if k in keys}


@dataclass(frozen=True)
class ProcessedPhoto:
    """A re-encoded photo: JPEG bytes with no metadata, its thumbnail, its size in pixels."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int


def process_photo(
    data: bytes,
    limits: PhotoLimits = PhotoLimits(),
) -> ProcessedPhoto:
    """Check and re-encode an uploaded JPEG or PNG; raises PhotoRejected (zh/en ``text``)."""
    if not data:
        raise PhotoRejected("empty")
    if len(data) > limits.max_upload_bytes:
        raise PhotoRejected(
            "too_large", size_mb=format_mb(len(data)), limit_mb=format_mb(limits.max_upload_bytes)
        )
    sniffed = sniff(data)
    check_pixels(sniffed.width, sniffed.height, limits.max_pixels)
    workdir = Path(tempfile.mkdtemp(prefix="landmap-photo-"))  # mode 0700, ours alone
    try:
        (workdir / "tmp").mkdir()
        (workdir / worker.UPLOAD_FILE).write_bytes(data)
        (workdir / worker.REQUEST_FILE).write_text(json.dumps(limits.request()), "utf-8")
        _run_child(workdir, limits)
        return _collect(workdir, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _collect(workdir: Path, limits: PhotoLimits) -> ProcessedPhoto:
    result_path = workdir / worker.RESULT_FILE
    if not result_path.is_file() or result_path.stat().st_size > 64 * 1024:
        raise PhotoRejected("failed")
    try:
        result = json.loads(result_path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise PhotoRejected("failed") from None
    if not isinstance(result, dict):
        raise PhotoRejected("failed")
    if result.get("status") == "rejected":
        values = result.get("values") if isinstance(result.get("values"), dict) else {}
        # Codes outside the catalogue become "failed"; values are short numbers, capped.
        clean = {str(k): str(v)[:20] for k, v in values.items() if str(k).isidentifier()}
        rejected = PhotoRejected(str(result.get("code")), **clean)
        try:
            rejected.text("zh"), rejected.text("en")
        except (KeyError, IndexError, ValueError):
            raise PhotoRejected("failed") from None
        raise rejected
    image = _read_jpeg(workdir / worker.PHOTO_FILE, limits.max_upload_bytes * 2)
    thumb = _read_jpeg(workdir / worker.THUMB_FILE, 4 * MIB)
    try:
        width, height = int(result["width"]), int(result["height"])
    except (KeyError, TypeError, ValueError):
        raise PhotoRejected("failed") from None
    if not (0 < width <= limits.max_edge and 0 < height <= limits.max_edge):
        raise PhotoRejected("failed")
    return ProcessedPhoto(image, thumb, width, height)


def _read_jpeg(path: Path, max_bytes: int) -> bytes:
    if not path.is_file() or path.stat().st_size > max_bytes:
        raise PhotoRejected("failed")
    data = path.read_bytes()
    if not data.startswith(JPEG_MAGIC):
        raise PhotoRejected("failed")
    return data


def _child_env(workdir: Path) -> dict[str, str]:
    """A minimal environment: no credentials or proxies leak from the server."""
    return {
        "PATH": os.defpath,
        "PYTHONPATH": str(PACKAGE_ROOT),
        "HOME": str(workdir),
        "TMPDIR": str(workdir / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
    }


def _preexec(limits: PhotoLimits) -> Callable[[], None]:
    cpu = max(1, int(limits.child_cpu_seconds))
    caps = {
        resource.RLIMIT_AS: (limits.child_memory_bytes,) * 2,
        resource.RLIMIT_CPU: (cpu, cpu + 2),
        # The re-encoded photo and thumbnail are the only files it writes.
        resource.RLIMIT_FSIZE: (limits.max_upload_bytes * 2 + 8 * MIB,) * 2,
        resource.RLIMIT_CORE: (0, 0),
    }

    # Between fork and exec: only setrlimit, nothing that takes a lock.
    def apply() -> None:
        for which, soft_hard in caps.items():
            resource.setrlimit(which, soft_hard)

    return apply


def _run_child(workdir: Path, limits: PhotoLimits) -> None:
    with (workdir / "child.log").open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-s", "-B", "-m", "landmap.photos.worker", str(workdir)],
            cwd=workdir,
            env=_child_env(workdir),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # its own process group, killed as a whole below
            preexec_fn=_preexec(limits),
            close_fds=True,
        )
        try:
            proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            # Killed before it is reaped, so its group id cannot have been reused yet.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log.warning("photo child timed out after %s s", limits.wall_seconds)
            raise PhotoRejected("failed") from None
    if proc.returncode != 0:
        tail = (workdir / "child.log").read_bytes()[-2000:].decode("utf-8", "replace")
        log.warning("photo child failed (exit %s): %s", proc.returncode, tail)
        raise PhotoRejected("failed")
