"""Zip archives (shapefile .zip, KMZ): every entry checked before anything is unpacked.

Hostile zips climb out of the directory (``../``, absolute paths, symlinks), repeat a name,
hide behind a password, or unpack to far more than they weigh (zip bombs). Every check that
needs no decompression runs first (``check_zip``); then entries are copied under names we
chose, counting the bytes really written (security.md §4.2 items 14, 21, 22).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from landmap.ingest.limits import MIB, Limits
from landmap.ingest.messages import format_mb, format_number, reject
from landmap.ingest.problems import ImportRejected
from landmap.ingest.textencoding import GB18030

# -- Zip archives (security.md §4.2 items 14, 21, 22) ----------------------------------------

# Below this many unpacked bytes a high ratio cannot hurt: a DBF padded with spaces compresses
# better than 100:1 and is still a legitimate file.
RATIO_CHECK_FLOOR = 8 * MIB
_COPY_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_S_IFLNK = 0o120000


@dataclass(frozen=True)
class Member:
    """One usable zip entry: its ZipInfo and its name as the user's software wrote it."""

    info: zipfile.ZipInfo
    name: str

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath(self.name)


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise reject("zip_corrupt") from None


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry name; re-decoded as GBK if a Chinese Windows zip tool wrote it (no UTF-8 flag)."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode(GB18030)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _is_ignored(name: str) -> bool:
    """macOS resource forks and dot files ride along in zips made on a Mac."""
    parts = [p for p in name.split("/") if p]
    return not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    raw = info.filename
    parts = re.split(r"[/\\]", raw)
    if raw.startswith(("/", "\\")) or _DRIVE.match(raw) or ".." in parts or "\x00" in raw:
        raise reject("zip_unsafe_path", name=name)
    if info.create_system == 3 and (info.external_attr >> 16) & 0o170000 == _S_IFLNK:
        raise reject("zip_symlink", name=name)
    if info.flag_bits & 0x1:
        raise reject("zip_encrypted")


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> list[Member]:
    """Every check that needs no decompression; returns the entries worth looking at."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise reject("zip_too_many_entries", count=len(infos), limit=limits.max_zip_entries)
    members: dict[str, Member] = {}
    for info in infos:
        name = entry_name(info)
        _check_entry(info, name)  # ignored entries too: "__MACOSX/../../x" is still hostile
        if info.is_dir() or _is_ignored(name):
            continue
        key = name.casefold()
        if key in members:
            raise reject("zip_duplicate", name=name)
        members[key] = Member(info, name)
    _check_sizes(infos, limits)
    return list(members.values())


def _check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > limits.max_unzipped_bytes:
        raise reject("zip_too_big", limit_mb=format_mb(limits.max_unzipped_bytes))
    ratio = unpacked / max(packed, 1)
    if unpacked > RATIO_CHECK_FLOOR and ratio > limits.max_zip_ratio:
        raise reject("zip_ratio", ratio=round(ratio), limit=format_number(limits.max_zip_ratio))


@dataclass
class ByteBudget:
    """Bytes still allowed out of the zip; counts what is really written, not what is declared."""

    left: int
    limit: int

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise reject("zip_too_big", limit_mb=format_mb(self.limit))


def extract(zf: zipfile.ZipFile, member: Member, dest: Path, budget: ByteBudget) -> None:
    """Copy one entry to ``dest`` (a name we chose), never trusting its declared size."""
    try:
        with zf.open(member.info) as src, dest.open("xb") as out:
            while chunk := src.read(_COPY_CHUNK):
                budget.spend(len(chunk))
                out.write(chunk)
    except ImportRejected:
        raise
    except RuntimeError:  # zipfile's "password required"
        raise reject("zip_encrypted") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        raise reject("zip_corrupt") from None


def read_small(zf: zipfile.ZipFile, member: Member, cap: int) -> bytes:
    """A sidecar file (.prj, .cpg), at most ``cap`` bytes of it."""
    try:
        with zf.open(member.info) as src:
            return src.read(cap)
    except RuntimeError:
        raise reject("zip_encrypted") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError):
        raise reject("zip_corrupt") from None
