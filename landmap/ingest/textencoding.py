"""Which text encoding an upload's text is in, and converting it to UTF-8 for GDAL.

Chinese GIS tools still write GBK (GB18030) as often as UTF-8, and often do not say which
(domain-china.md §1.4): a shapefile's encoding is chosen from its .cpg, the DBF's language
driver id and the bytes themselves; GeoJSON and KML are re-encoded as UTF-8; text that looks
like mojibake is reported by row.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import struct
from dataclasses import dataclass

from landmap.ingest.messages import make_problem, reject
from landmap.ingest.problems import ImportProblem, ImportRejected, place_label

# -- Text encodings (domain-china.md §1.4) ---------------------------------------------------

# GB18030 is a superset of GBK/CP936/GB2312, so every GBK-family name reads as GB18030.
GB18030 = "GB18030"
_GBK_NAMES = {"936", "cp936", "gbk", "gb2312", "gb18030", "euccn", "euc_cn", "ms936", "54936"}
_UTF8_NAMES = {"utf8", "utf-8", "utf_8", "65001"}
# DBF language driver id (byte 29) -> code page. 0x4D is what ArcGIS writes for ANSI 936.
LDID_CODEPAGES = {
    0x01: "CP437",
    0x02: "CP850",
    0x03: "CP1252",
    0x57: "CP1252",
    0x58: "CP1252",
    0x59: "CP1252",
    0x4D: GB18030,
    0x7A: GB18030,
    0x4E: "CP949",
    0x4F: "CP950",
    0x13: "CP932",
    0x7B: "CP932",
    0x64: "CP852",
    0x65: "CP866",
    0xC8: "CP1250",
    0xC9: "CP1251",
}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# GBK bytes read with a Western code page (domain-china.md §1.4: Ã Â ¸ Ê Ð Æ): every Chinese
# character is two high bytes, so a word becomes a run of 4+ accented letters or symbols in a
# row ("¸ñÀïÆº"). Real French, Czech or German text has accents one at a time ("Frédéric",
# "Hněvošický"), so a single accent, or two, is no sign of a wrong encoding.
_MOJIBAKE_CHARS = "\u0080-\u024f\u02c6\u02dc\u2013-\u203a\u20ac\u2122\ufffd"
_MOJIBAKE = re.compile(f"[{_MOJIBAKE_CHARS}]{{4,}}")


def looks_mojibake(text: str) -> bool:
    """A run of accented letters (or U+FFFD) and no Chinese: Chinese text decoded wrongly."""
    return bool(_MOJIBAKE.search(text)) and not _CJK.search(text)


def normalise_encoding(name: str) -> str | None:
    """A code-page name as written in .cpg files or by users -> a name GDAL and Python share."""
    cleaned = name.strip().strip("\x00").lower()
    for prefix in ("ansi ", "ansi_", "windows-", "windows_", "cp", "ms"):
        if cleaned.startswith(prefix) and cleaned[len(prefix) :].isdigit():
            cleaned = cleaned[len(prefix) :]
    if cleaned in _GBK_NAMES or cleaned.replace("-", "") in _GBK_NAMES:
        return GB18030
    if cleaned in _UTF8_NAMES:
        return "UTF-8"
    candidate = f"cp{cleaned}" if cleaned.isdigit() else cleaned
    try:
        python_name = codecs.lookup(candidate).name
    except LookupError:
        return None
    if python_name in {"gbk", "gb2312", "gb18030"}:
        return GB18030
    if python_name == "utf-8":
        return "UTF-8"
    return python_name.upper().replace("_", "-")


def _is_utf8(data: bytes) -> bool:
    try:
        # final=False: a sample cut in the middle of a character is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class EncodingChoice:
    encoding: str
    problems: tuple[ImportProblem, ...] = ()
    overridden: bool = False


def dbf_text_sample(dbf: bytes) -> tuple[int, bytes]:
    """(LDID byte, field names + record bytes) of a DBF; all of it is text in dBase III."""
    if len(dbf) < 32:
        return 0, b""
    header_len = struct.unpack_from("<H", dbf, 8)[0]
    names = b"".join(
        dbf[pos : pos + 11].split(b"\x00")[0] + b" "
        for pos in range(32, min(header_len, len(dbf)) - 31, 32)
        if dbf[pos] != 0x0D
    )
    return dbf[29], names + dbf[header_len:]


def choose_dbf_encoding(cpg: bytes | None, dbf_sample: bytes, ldid: int) -> EncodingChoice:
    """Which encoding a shapefile's DBF text is in: .cpg, then LDID, then UTF-8, then GB18030."""
    declared_name = cpg.removeprefix(b"\xef\xbb\xbf").decode("latin-1").strip() if cpg else ""
    declared = normalise_encoding(declared_name) if declared_name else None
    if declared is None and ldid in LDID_CODEPAGES:
        declared = declared_name = LDID_CODEPAGES[ldid]
    if dbf_sample.isascii():
        return EncodingChoice(declared or "UTF-8")
    if declared is not None:
        return _check_declared(declared, declared_name, dbf_sample)
    if _is_utf8(dbf_sample) and not looks_mojibake(dbf_sample.decode("utf-8", "ignore")):
        return EncodingChoice("UTF-8")
    return EncodingChoice(GB18030, (make_problem("encoding_guessed", encoding=GB18030),))


def _check_declared(declared: str, declared_name: str, sample: bytes) -> EncodingChoice:
    """Trust a declared encoding unless the bytes contradict it (a .cpg saying UTF-8 on GBK)."""
    utf8_chinese = _is_utf8(sample) and bool(_CJK.search(sample.decode("utf-8", "ignore")))
    if declared == "UTF-8":
        fits = _is_utf8(sample)
    elif declared == GB18030:
        fits = not utf8_chinese  # real GBK text is almost never also valid UTF-8
    else:
        # A Western code page turning the text into "Ã³Æ" means it is GBK (§1.4).
        fits = not looks_mojibake(sample.decode(declared, "replace"))
    if fits:
        return EncodingChoice(declared)
    actual = "UTF-8" if utf8_chinese else GB18030
    mismatch = make_problem("encoding_mismatch", declared=declared_name, encoding=actual)
    return EncodingChoice(actual, (mismatch,))


_XML_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")


def to_utf8(data: bytes, override: str | None, kind: str) -> tuple[bytes, str, list[ImportProblem]]:
    """GeoJSON/KML bytes as UTF-8 for GDAL, the encoding they were in, and any warning.

    GDAL reads GeoJSON as UTF-8 only, and its KML parser knows few encodings; Chinese tools
    still write GBK files, so those are converted here (domain-china.md §1.4).
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    if override:
        encoding = known_encoding(override)
        return _decode_as(data, encoding, override), encoding, []
    match = _XML_ENCODING.match(data) if kind == "kml" else None
    declared = match.group(2).decode("ascii") if match else None
    encoding = normalise_encoding(declared) if declared else None
    if encoding not in (None, "UTF-8", GB18030):
        with contextlib.suppress(ImportRejected):
            return _decode_as(data, encoding, declared), encoding, []
    if _is_utf8(data) and encoding != GB18030:
        return _rewrite_declaration(data), "UTF-8", []
    with contextlib.suppress(ImportRejected):
        gb = _decode_as(data, GB18030, GB18030)
        if encoding == GB18030:
            return gb, GB18030, []
        code = "encoding_mismatch" if declared else "encoding_guessed"
        return gb, GB18030, [make_problem(code, declared=declared, encoding=GB18030)]
    raise reject("text_not_readable")


def known_encoding(name: str) -> str:
    encoding = normalise_encoding(name)
    if encoding is None:
        raise reject("encoding_unknown", encoding=name)
    return encoding


def _decode_as(data: bytes, encoding: str, asked: str | None) -> bytes:
    """The text re-encoded as UTF-8, its XML declaration saying so."""
    try:
        return _rewrite_declaration(data.decode(encoding).encode("utf-8"))
    except UnicodeDecodeError:
        raise reject("encoding_failed", encoding=asked or encoding) from None


def _rewrite_declaration(data: bytes) -> bytes:
    return _XML_ENCODING.sub(rb"\g<1>UTF-8\g<3>", data, count=1)


# The same tests as looks_mojibake(), in RE2 syntax for pyarrow.compute (fast on 200 000 rows).
_MOJIBAKE_RE2 = r"[\x{0080}-\x{024F}\x{02C6}\x{02DC}\x{2013}-\x{203A}\x{20AC}\x{2122}\x{FFFD}]{4,}"
_CJK_RE2 = r"[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}]"


def mojibake_rows(attrs, layer: str, problems: list) -> None:
    """Report the rows of an Arrow table whose text looks like mojibake, by row number."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    flagged, sample = np.zeros(attrs.num_rows, dtype=bool), ""
    for column in attrs.columns:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        many = pc.match_substring_regex(column, _MOJIBAKE_RE2)
        garbled = pc.and_(many, pc.invert(pc.match_substring_regex(column, _CJK_RE2)))
        garbled = garbled.fill_null(False).to_numpy(zero_copy_only=False)
        if garbled.any() and not sample:
            sample = column[int(garbled.argmax())].as_py()[:40]
        flagged |= garbled
    rows = np.flatnonzero(flagged)
    if rows.size:
        ids = [place_label(i + 1, "feature") for i in rows]
        problems.append(
            make_problem("mojibake", feature_ids=ids, layer=layer, count=rows.size, sample=sample)
        )
