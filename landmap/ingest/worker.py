"""The child process that parses one upload: ``python -m landmap.ingest.worker <workdir>``.

``sandbox.read_geodata`` starts it under rlimits in a private temp directory holding
``request.json`` and the upload under a name *we* chose. It writes one Arrow IPC file per layer
(attributes as columns, geometry as WKB, facts in the schema metadata) and ``result.json`` with
the problems as codes and values. Nothing is pickled: a child compromised by a hostile file must
not be able to run code in the parent (security.md §2.2 I7), and the parent renders messages from
its own catalogue (``MESSAGES``), never from text the child wrote.

Order matters: the GDAL hardening (``harden_gdal``) runs before pyogrio is imported, because
drivers are registered at import (security.md §3.2). Everything GDAL opens has first been
checked here with plain Python: the content is sniffed, zips are checked entry by entry and
extracted under our own names, KML is refused if it declares a DOCTYPE.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import struct
import subprocess
import sys
import traceback
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from landmap.ingest.limits import MIB, Limits
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem

# -- Messages --------------------------------------------------------------------------------
# One catalogue for the child and the parent: the child reports codes and values only.

MESSAGES: dict[str, tuple[str, str]] = {
    "empty_file": (
        "文件是空的（0 字节），没有可读取的内容。请重新导出后再上传。",
        "The file is empty (0 bytes); there is nothing to read. Please export it again.",
    ),
    "too_large": (
        "文件有 {size_mb} MB，超过了上传上限 {limit_mb} MB。请只导出需要的图层，或分批上传。",
        "The file is {size_mb} MB, over the upload limit of {limit_mb} MB. Please export only "
        "the layers you need, or split the file.",
    ),
    "unsupported_type": (
        "不支持“{ext}”类型的文件。可以上传：GeoPackage（.gpkg）、GeoJSON（.geojson/.json）、"
        "压缩成 .zip 的 Shapefile、KML（.kml）或 KMZ（.kmz）。",
        "Files of type “{ext}” are not supported. You can upload GeoPackage (.gpkg), GeoJSON "
        "(.geojson/.json), a Shapefile packed into a .zip, KML (.kml) or KMZ (.kmz).",
    ),
    "shapefile_not_zipped": (
        "Shapefile 由多个文件组成，单独的“{ext}”文件无法读取。请把同名的 .shp、.shx、.dbf"
        "（以及 .prj、.cpg）一起压缩成一个 .zip 再上传。",
        "A Shapefile is several files; a lone “{ext}” file cannot be read. Please put the .shp, "
        ".shx and .dbf (and .prj, .cpg) of the same name into one .zip and upload that.",
    ),
    "content_mismatch": (
        "文件名是“{ext}”，但内容是{actual_zh}，不是{expected_zh}。请确认选对了文件，"
        "或在 GIS 软件中重新导出。",
        "The file is named “{ext}”, but its content is {actual_en}, not {expected_en}. Please "
        "check that you chose the right file, or export it again from your GIS software.",
    ),
    "kml_doctype": (
        "这个 KML 文件含有 DOCTYPE（实体声明），可能被用来读取服务器上的文件，出于安全原因不予"
        "读取。从 Google Earth 或奥维互动地图正常导出的 KML 没有这一部分，请重新导出。",
        "This KML file contains a DOCTYPE (entity declarations), which can be used to read files "
        "on the server, so it is refused for safety. KML exported normally from Google Earth or "
        "Ovi Maps has none; please export it again.",
    ),
    "crs_link": (
        "GeoJSON 文件的坐标系（crs）写成了网址或文件链接，可能被用来访问服务器上的文件或网络，"
        "出于安全原因不予读取。请在 GIS 软件中重新导出（坐标系写成 EPSG 代码，例如 EPSG:4490）。",
        "The GeoJSON file gives its coordinate system (crs) as a web or file link, which could "
        "be used to reach files on the server or the network, so it is refused for safety. "
        "Please export it again from your GIS software, with the coordinate system as an EPSG "
        "code (for example EPSG:4490).",
    ),
    "driver_refused": (
        "文件被识别为“{driver}”格式，不是 {expected}；这种格式可能引用服务器上的其他文件或"
        "网址，出于安全原因不予读取。",
        "The file was recognised as the “{driver}” format, not {expected}; such a format can "
        "point at other files or web addresses, so it is refused for safety.",
    ),
    "not_readable": (
        "无法读取这个 {format} 文件，文件可能已损坏或不完整。请在 GIS 软件中打开检查，"
        "重新导出后再上传。",
        "This {format} file cannot be read; it may be damaged or incomplete. Please open it "
        "in your GIS software, export it again and re-upload.",
    ),
    "zip_corrupt": (
        "压缩包已损坏或不完整（可能没有上传完整），无法打开。请重新压缩后再上传。",
        "The zip is damaged or incomplete (perhaps the upload was cut off) and cannot be "
        "opened. Please zip the files again and re-upload.",
    ),
    "zip_encrypted": (
        "压缩包设置了密码，无法读取。请去掉密码后重新压缩。",
        "The zip is password-protected and cannot be read. Please zip it again without a password.",
    ),
    "zip_unsafe_path": (
        "压缩包里的“{name}”路径不安全（绝对路径、盘符或“..”），整个压缩包不予读取。",
        "The zip contains “{name}”, whose path is unsafe (absolute, a drive letter or “..”), "
        "so the whole zip is refused.",
    ),
    "zip_symlink": (
        "压缩包里的“{name}”是一个链接（symlink），整个压缩包不予读取。",
        "The zip contains “{name}”, which is a link (symlink), so the whole zip is refused.",
    ),
    "zip_duplicate": (
        "压缩包里有两个同名文件“{name}”，无法确定用哪一个。",
        "The zip contains two files named “{name}”; it is unclear which one to use.",
    ),
    "zip_too_many_entries": (
        "压缩包里有 {count} 个文件，超过上限 {limit} 个。",
        "The zip holds {count} files, more than the limit of {limit}.",
    ),
    "zip_too_big": (
        "压缩包解压后会超过 {limit_mb} MB 的上限，不予读取（可能是“压缩炸弹”）。",
        "Unpacked, the zip would exceed the limit of {limit_mb} MB, so it is refused (it may be "
        "a “zip bomb”).",
    ),
    "zip_ratio": (
        "压缩包的压缩比异常（约 {ratio}:1，上限 {limit}:1），可能是“压缩炸弹”，不予读取。",
        "The zip is compressed unusually tightly (about {ratio}:1, the limit is {limit}:1); it "
        "may be a “zip bomb”, so it is refused.",
    ),
    "zip_no_shp": (
        "压缩包里没有 .shp 文件（图形），无法读取。请把同名的 .shp、.shx、.dbf 一起压缩。"
        "如果这是 KMZ 文件，请把扩展名改回 .kmz。",
        "The zip has no .shp file (the shapes), so nothing can be read. Please zip the .shp, "
        ".shx and .dbf of the same name together. If this is a KMZ file, rename it to .kmz.",
    ),
    "zip_many_shp": (
        "压缩包里有 {count} 个 .shp 文件：{names}。请每个 .zip 只放一个图层，分别上传。",
        "The zip holds {count} .shp files: {names}. Please put one layer in each .zip and "
        "upload them one by one.",
    ),
    "zip_no_shx": (
        "压缩包里没有 .shx 文件（图形索引，应为“{stem}.shx”），无法读取图形。",
        "The zip has no .shx file (the shape index, expected “{stem}.shx”), so the shapes "
        "cannot be read.",
    ),
    "zip_no_dbf": (
        "压缩包里没有 .dbf 文件（属性表，应为“{stem}.dbf”），无法读取名称和状态。",
        "The zip has no .dbf file (the attribute table, expected “{stem}.dbf”), so names and "
        "statuses cannot be read.",
    ),
    "no_prj": (
        "压缩包里没有 .prj 文件（坐标系说明），导入时需要确认坐标系。",
        "The zip has no .prj file (the coordinate system), so the coordinate system must be "
        "confirmed during import.",
    ),
    "kmz_no_kml": (
        "KMZ 压缩包里没有 .kml 文件，无法读取。",
        "The KMZ holds no .kml file, so nothing can be read.",
    ),
    "kmz_many_kml": (
        "KMZ 压缩包里有多个 .kml 文件（{names}）却没有 doc.kml，无法确定读哪一个。",
        "The KMZ holds several .kml files ({names}) but no doc.kml; it is unclear which to read.",
    ),
    "encoding_unknown": (
        "不认识文字编码“{encoding}”。常用的是 UTF-8 和 GBK（GB18030）。",
        "The text encoding “{encoding}” is not known. Common ones are UTF-8 and GBK (GB18030).",
    ),
    "encoding_failed": (
        "按指定的文字编码“{encoding}”无法读取文件里的文字，请换一种编码（例如 GBK 或 UTF-8）。",
        "The text cannot be read with the chosen encoding “{encoding}”; please try another "
        "(for example GBK or UTF-8).",
    ),
    "text_not_readable": (
        "文件里的文字既不是 UTF-8 也不是 GBK 编码，无法读取。请导出为 UTF-8 后再上传。",
        "The text in the file is neither UTF-8 nor GBK, so it cannot be read. Please export it "
        "as UTF-8 and upload it again.",
    ),
    "encoding_guessed": (
        "文件没有说明文字编码，已按 {encoding}（GBK）读取。请核对中文名称是否正确；"
        "如有乱码，可指定编码后重新导入。",
        "The file does not say which text encoding it uses; it was read as {encoding} (GBK). "
        "Please check that Chinese names look right; if not, import again with a chosen "
        "encoding.",
    ),
    "encoding_mismatch": (
        "文件声明的文字编码是“{declared}”，但内容与之不符，已改按 {encoding} 读取。"
        "请核对中文名称是否正确。",
        "The file says its text encoding is “{declared}”, but the content does not match; it "
        "was read as {encoding} instead. Please check that Chinese names look right.",
    ),
    "mojibake": (
        "图层“{layer}”有 {count} 个要素的文字看起来是乱码（例如“{sample}”），可能导出时用错了"
        "文字编码。请核对，或指定编码后重新导入。",
        "In layer “{layer}”, the text of {count} features looks garbled (for example "
        "“{sample}”); the file was probably exported with the wrong text encoding. Please "
        "check, or import again with a chosen encoding.",
    ),
    "too_many_features": (
        "图层“{layer}”有 {count} 个要素，超过上限 {limit} 个。请分批导出后再导入。",
        "Layer “{layer}” has {count} features, more than the limit of {limit}. Please export "
        "it in smaller parts.",
    ),
    "too_many_layers": (
        "文件有 {count} 个图层，只读取了前 {limit} 个。",
        "The file has {count} layers; only the first {limit} were read.",
    ),
    "table_skipped": (
        "“{layer}”是没有图形的表格，已跳过。",
        "“{layer}” is a table without shapes and was skipped.",
    ),
    "layer_empty": (
        "图层“{layer}”是空的（没有要素），已跳过。",
        "Layer “{layer}” is empty (no features) and was skipped.",
    ),
    "layer_unreadable": (
        "图层“{layer}”无法读取，已跳过；文件可能有部分损坏。",
        "Layer “{layer}” cannot be read and was skipped; part of the file may be damaged.",
    ),
    "no_features": (
        "文件里没有读到任何要素（图形）。请检查是否导出了正确的图层。",
        "No features (shapes) were found in the file. Please check that the right layer was "
        "exported.",
    ),
    "invalid_geometry": (
        "图层“{layer}”有 {count} 个要素的图形无法识别（例如多边形没有闭合），已按“无图形”读入，"
        "请在 GIS 软件中修正（所列数字为行号，从 1 开始）。",
        "In layer “{layer}”, the shapes of {count} features cannot be understood (for example "
        "an unclosed polygon); they were read without a shape. Please fix them in your GIS "
        "software (the numbers listed are row numbers, from 1).",
    ),
    "mixed_geometry": (
        "图层“{layer}”里混有不同种类的图形：{types_zh}。一个图层通常只放一种（点、线或面），"
        "请核对。",
        "Layer “{layer}” mixes different kinds of shapes: {types_en}. A layer usually holds one "
        "kind (points, lines or areas); please check.",
    ),
    "timeout": (
        "文件过大或结构异常，读取超时（{seconds} 秒），已停止。",
        "The file is too large or malformed: reading took longer than {seconds} s and was stopped.",
    ),
    "cpu_limit": (
        "文件过大或结构异常，读取用掉的计算时间超过 {seconds} 秒，已停止。",
        "The file is too large or malformed: reading used more than {seconds} s of computing "
        "time and was stopped.",
    ),
    "memory": (
        "文件过大或结构异常，读取需要的内存超过上限（{limit_mb} MB），已停止。",
        "The file is too large or malformed: reading needed more memory than the limit "
        "({limit_mb} MB) and was stopped.",
    ),
    "output_too_large": (
        "文件过大，读取出的数据超过了大小上限，已停止。",
        "The file is too large: the data read from it exceeded the size limit, so reading "
        "was stopped.",
    ),
    "crashed": (
        "读取这个文件时程序异常退出，文件可能已损坏。请在 GIS 软件中打开检查，重新导出后再上传。",
        "The reader stopped unexpectedly on this file; it may be damaged. Please open it in "
        "your GIS software, export it again and re-upload.",
    ),
    "internal_error": (
        "读取文件时出现意外错误，已停止。请把文件交给系统管理员检查。",
        "An unexpected error stopped the reading. Please give the file to the system "
        "administrator to check.",
    ),
}

WARNING_CODES = frozenset(
    {
        "no_prj",
        "encoding_guessed",
        "encoding_mismatch",
        "mojibake",
        "too_many_layers",
        "table_skipped",
        "layer_empty",
        "layer_unreadable",
        "invalid_geometry",
        "mixed_geometry",
    }
)


def make_problem(
    code: str, *, feature_ids: tuple[str, ...] | list[str] = (), **values: object
) -> ImportProblem:
    """The catalogue's problem for ``code``; unknown codes become ``internal_error``."""
    if code not in MESSAGES:
        code, values, feature_ids = "internal_error", {}, ()
    zh, en = MESSAGES[code]
    severity = Severity.WARNING if code in WARNING_CODES else Severity.ERROR
    return problem(code, zh, en, severity=severity, feature_ids=feature_ids, **values)


def reject(code: str, **values: object) -> ImportRejected:
    return ImportRejected(make_problem(code, **values))


# RLIMIT_AS shows up as these inside GEOS/GDAL exceptions or a failed shared-library load.
MEMORY_SIGNS = (
    "memoryerror",
    "bad_alloc",
    "failed to map segment",
    "cannot allocate memory",
    "out of memory",
    "memory allocation",
)


def is_out_of_memory(exc: BaseException | str) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or any(sign in text for sign in MEMORY_SIGNS)


# -- Formats and content sniffing (security.md §2.2 I16, §4.2 item 26) -----------------------

# Upload extension -> the kind of file we expect; nothing else is accepted.
EXTENSION_KINDS: dict[str, str] = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".zip": "shapezip",
    ".kml": "kml",
    ".kmz": "kmz",
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix"})

# Kind -> (content the bytes must show, display format name, GDAL drivers allowed to open it).
KIND_CONTENT = {"gpkg": "sqlite", "geojson": "json", "shapezip": "zip", "kml": "kml", "kmz": "zip"}
KIND_FORMAT = {
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON",
    "shapezip": "Shapefile",
    "kml": "KML",
    "kmz": "KMZ",
}
KIND_DRIVERS: dict[str, frozenset[str]] = {
    "gpkg": frozenset({"GPKG"}),
    "geojson": frozenset({"GeoJSON"}),
    "shapezip": frozenset({"ESRI Shapefile"}),
    "kml": frozenset({"KML", "LIBKML"}),
    "kmz": frozenset({"KML", "LIBKML"}),
}
# Drivers GDAL may keep (security.md §3.2); MEM is used internally by other drivers.
ALLOWED_DRIVERS = frozenset({"GPKG", "GeoJSON", "ESRI Shapefile", "KML", "LIBKML", "MEM"})

CONTENT_NAMES: dict[str, tuple[str, str]] = {
    "sqlite": ("SQLite 数据库（GeoPackage）", "an SQLite database (GeoPackage)"),
    "zip": ("ZIP 压缩包", "a ZIP archive"),
    "json": ("JSON 文本（GeoJSON）", "JSON text (GeoJSON)"),
    "kml": ("KML 文本", "KML text"),
    "xml": ("其他 XML 文件（不是 KML）", "some other XML file (not KML)"),
    "xml_dtd": ("带 DOCTYPE 的 XML 文件", "an XML file with a DOCTYPE"),
    "html": ("网页（HTML）", "a web page (HTML)"),
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "gif": ("GIF 图片", "a GIF image"),
    "pdf": ("PDF 文档", "a PDF document"),
    "gzip": ("gzip 压缩文件", "a gzip archive"),
    "rar": ("RAR 压缩包", "a RAR archive"),
    "7z": ("7z 压缩包", "a 7z archive"),
    "ole": ("Office 文档（Word/Excel）", "an Office document (Word/Excel)"),
    "unknown": ("无法识别的内容", "unrecognised content"),
}
_BINARY_MAGIC = (
    (b"SQLite format 3\x00", "sqlite"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xd0\xcf\x11\xe0", "ole"),
)
SNIFF_BYTES = 64 * 1024
_XML_DECL = re.compile(r"<\?xml[^>]*\?>")
_XML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_KML_ROOT = re.compile(r"<([\w.-]+:)?kml[\s>/]")


def sniff(head: bytes) -> str:
    """What the first bytes of a file are, whatever its name says."""
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            return kind
    # latin-1 never fails; only the ASCII structure matters here (GBK XML sniffs the same).
    text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip().lower()
    if text.startswith("{"):
        return "json"
    if text.startswith("<"):
        return _sniff_xml(text)
    return "unknown"


def _sniff_xml(text: str) -> str:
    prolog = _XML_COMMENT.sub("", _XML_DECL.sub("", text, count=1)).lstrip()
    if prolog.startswith(("<!doctype html", "<html")):
        return "html"
    if prolog.startswith("<!doctype") or "<!entity" in prolog:
        return "xml_dtd"
    return "kml" if _KML_ROOT.match(prolog) else "xml"


def check_content(head: bytes, kind: str, ext: str) -> None:
    """Refuse a file whose bytes are not what its extension claims (a PNG named .geojson)."""
    actual, expected = sniff(head), KIND_CONTENT[kind]
    if actual == expected:
        return
    if expected == "kml" and actual == "xml_dtd":
        raise reject("kml_doctype")
    actual_zh, actual_en = CONTENT_NAMES[actual]
    expected_zh, expected_en = CONTENT_NAMES[expected]
    # "内容是 PNG 图片": a space where Chinese meets Latin letters.
    actual_zh, expected_zh = (f" {z}" if z[0].isascii() else z for z in (actual_zh, expected_zh))
    raise reject(
        "content_mismatch",
        ext=ext,
        actual_zh=actual_zh,
        actual_en=actual_en,
        expected_zh=expected_zh,
        expected_en=expected_en,
    )


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
# GBK bytes read as Latin-1/CP1252 show up as these letters (domain-china.md §1.4: Ã Â ¸ Ê Ð Æ).
_MOJIBAKE = re.compile(r"[\u00c0-\u00ff\ufffd]")


def looks_mojibake(text: str) -> bool:
    """Latin accented letters (or U+FFFD) but no Chinese: Chinese text decoded wrongly."""
    return len(_MOJIBAKE.findall(text)) >= 2 and not _CJK.search(text)


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
        encoding = _known_encoding(override)
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


def _known_encoding(name: str) -> str:
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


# -- GeoJSON "crs" members ------------------------------------------------------------------

# GDAL fetches a legacy GeoJSON crs of type "link"/"url" over HTTP, or from a file:// path,
# even with every driver but ours skipped (seen with GDAL 3.12.4): only names and EPSG codes
# are accepted.
_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')
_CRS_OBJECT_MAX = 64 * 1024
_OGC_CRS_URL = re.compile(r"^https?://www\.opengis\.net/def/crs/[\w./-]+$")


def check_geojson_crs(data: bytes) -> None:
    """Refuse a GeoJSON whose ``crs`` members point anywhere (security.md §2.2 I4)."""
    for match in _CRS_MEMBER.finditer(data):
        text = _json_object_at(data, match.end() - 1)
        try:
            crs = json.loads(text) if text is not None else None
        except ValueError:
            crs = None
        if not _is_named_crs(crs):
            raise reject("crs_link")


def _is_named_crs(crs: object) -> bool:
    if not isinstance(crs, dict) or not isinstance(crs.get("properties"), dict):
        return False
    kind, props = str(crs.get("type", "")).lower(), crs["properties"]
    if kind == "epsg":
        return isinstance(props.get("code"), int | str) and str(props["code"]).isdigit()
    name = props.get("name")
    if kind != "name" or not isinstance(name, str):
        return False
    return "://" not in name or bool(_OGC_CRS_URL.match(name))


def _json_object_at(data: bytes, start: int) -> bytes | None:
    """The JSON object starting at ``data[start] == "{"``, or None if it is not small."""
    depth, in_string, escaped = 0, False, False
    end = min(len(data), start + _CRS_OBJECT_MAX)
    for i in range(start, end):
        ch = data[i]
        if escaped:
            escaped = False
        elif in_string:
            escaped = ch == 0x5C  # backslash
            in_string = ch != 0x22  # closing quote
        elif ch == 0x22:
            in_string = True
        elif ch == 0x7B:
            depth += 1
        elif ch == 0x7D:
            depth -= 1
            if depth == 0:
                return data[start : i + 1]
    return None


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


# -- Preparing what GDAL will open -----------------------------------------------------------


@dataclass
class Source:
    """The file GDAL opens (named by us), and what we learned before it did."""

    path: Path
    kind: str
    encoding: str  # what the text was read as (RawLayer.encoding)
    gdal_encoding: str | None = None  # passed to pyogrio for shapefiles only
    encoding_overridden: bool = False  # the user chose it: never second-guessed
    layer_name: str | None = None  # display name for single-layer formats
    prj_text: str | None = None
    problems: list[ImportProblem] = field(default_factory=list)


def prepare(upload: Path, kind: str, request: dict, limits: Limits) -> Source:
    ext = str(request["ext"])
    with upload.open("rb") as f:
        check_content(f.read(SNIFF_BYTES), kind, ext)
    if kind == "gpkg":
        return Source(upload, kind, "UTF-8")  # SQLite text is always UTF-8
    override = request.get("encoding") or None
    work = upload.parent / "src"
    work.mkdir()
    if kind in ("geojson", "kml"):
        return _prepare_text(upload.read_bytes(), kind, work, override, request)
    with open_zip(upload) as zf:
        members = check_zip(zf, limits)
        budget = ByteBudget(limits.max_unzipped_bytes, limits.max_unzipped_bytes)
        if kind == "kmz":
            return _prepare_kmz(zf, members, work, override, budget)
        return _prepare_shapefile(zf, members, work, override, budget)


def _prepare_text(data: bytes, kind: str, work: Path, override: str | None, request: dict):
    utf8, encoding, problems = to_utf8(data, override, kind)
    if kind == "geojson":
        check_geojson_crs(utf8)
    target = work / ("source.kml" if kind == "kml" else "source.geojson")
    target.write_bytes(utf8)
    name = request.get("display_name") if kind == "geojson" else None
    return Source(target, kind, encoding, layer_name=name, problems=problems)


def _prepare_kmz(zf, members: list[Member], work: Path, override, budget) -> Source:
    kmls = [m for m in members if m.path.suffix.lower() == ".kml"]
    docs = [m for m in kmls if m.name.lower() == "doc.kml"]
    if not kmls:
        raise reject("kmz_no_kml")
    if not docs and len(kmls) > 1:
        raise reject("kmz_many_kml", names="、".join(sorted(m.name for m in kmls)))
    raw = work / "doc.raw"
    chosen = (docs or kmls)[0]
    extract(zf, chosen, raw, budget)
    with raw.open("rb") as f:
        check_content(f.read(SNIFF_BYTES), "kml", chosen.name)
    source = _prepare_text(raw.read_bytes(), "kml", work, override, {})
    raw.unlink()
    source.kind = "kmz"
    return source


def _prepare_shapefile(zf, members: list[Member], work: Path, override, budget) -> Source:
    shp = _single_shp(members)
    stem = shp.path.with_suffix("")
    by_suffix = {m.path.suffix.lower(): m for m in members if _same_stem(m.path, stem)}
    for part, code in ((".shx", "zip_no_shx"), (".dbf", "zip_no_dbf")):
        if part not in by_suffix:
            raise reject(code, stem=stem.name)
    # Our own names: the entry names never become paths (security.md §2.2 I4, §4.2 item 21).
    for part in (".shp", ".shx", ".dbf", ".prj"):
        if part in by_suffix:
            extract(zf, by_suffix[part], work / f"layer{part}", budget)
    problems: list[ImportProblem] = []
    prj_text = None
    if ".prj" in by_suffix:
        prj_text = (work / "layer.prj").read_bytes()[:65536].decode("utf-8", "replace").strip()
    else:
        problems.append(make_problem("no_prj"))
    choice = _shapefile_encoding(zf, by_suffix, work / "layer.dbf", override)
    return Source(
        work / "layer.shp",
        "shapezip",
        choice.encoding,
        gdal_encoding=choice.encoding,
        encoding_overridden=choice.overridden,
        layer_name=stem.name,
        prj_text=prj_text,
        problems=[*problems, *choice.problems],
    )


def _same_stem(path: PurePosixPath, stem: PurePosixPath) -> bool:
    """Sidecars may differ in case from the .shp (PLOTS.DBF next to plots.shp)."""
    return str(path.with_suffix("")).casefold() == str(stem).casefold()


def _single_shp(members: list[Member]) -> Member:
    shps = [m for m in members if m.path.suffix.lower() == ".shp"]
    if not shps:
        raise reject("zip_no_shp")
    if len(shps) > 1:
        names = "、".join(sorted(m.name for m in shps))
        raise reject("zip_many_shp", count=len(shps), names=names)
    return shps[0]


_DBF_SAMPLE_BYTES = 8 * MIB


def _shapefile_encoding(zf, by_suffix: dict, dbf_path: Path, override) -> EncodingChoice:
    if override:
        return EncodingChoice(_known_encoding(override), overridden=True)
    cpg = read_small(zf, by_suffix[".cpg"], 256) if ".cpg" in by_suffix else None
    with dbf_path.open("rb") as f:
        ldid, sample = dbf_text_sample(f.read(_DBF_SAMPLE_BYTES))
    return choose_dbf_encoding(cpg, sample, ldid)


# -- GDAL ------------------------------------------------------------------------------------

LIST_DRIVERS_CODE = "import json, pyogrio; print(json.dumps(sorted(pyogrio.list_drivers())))"


def list_vector_drivers(python: str = sys.executable) -> list[str]:
    """Every vector driver this GDAL build registers, asked of a throw-away process.

    Registering drivers is what makes GDAL dangerous; listing them in another process leaves
    this one clean, so ``GDAL_SKIP`` can still take effect here (security.md §3.2).
    """
    out = subprocess.run(
        [python, "-c", LIST_DRIVERS_CODE],
        capture_output=True,
        check=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in ("GDAL_SKIP", "OGR_SKIP")},
    )
    return [str(d) for d in json.loads(out.stdout)]


def hardening_env(all_drivers: list[str]) -> dict[str, str]:
    """Configuration that keeps GDAL to local files of the allowed formats (security.md §3.2)."""
    skip = ",".join(d for d in all_drivers if d not in ALLOWED_DRIVERS)
    return {
        # I1–I3: VRT, WFS, GDALG, CSV… are never registered, so no content can reach them.
        "GDAL_SKIP": skip,
        # I1/I4: /vsicurl/ refuses every URL; any HTTP that slips through gives up at once.
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".__none__",
        # Other HTTP GDAL makes (a GeoJSON "crs" link is fetched with CPLHTTPFetch, not
        # /vsicurl/) goes to a proxy on a closed local port, i.e. nowhere.
        "GDAL_HTTP_PROXY": "127.0.0.1:1",
        "GDAL_HTTPS_PROXY": "127.0.0.1:1",
        "GDAL_HTTP_TIMEOUT": "1",
        "GDAL_HTTP_CONNECTTIMEOUT": "1",
        "GDAL_HTTP_MAX_RETRY": "0",
        "PROJ_NETWORK": "OFF",
        # GPKG/SQLite: no SQL functions that open other datasets (gdal_get_pixel_value…).
        "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
        # GDAL's own security page: no plugins, no Python inside VRT.
        "GDAL_DRIVER_PATH": "disable",
        "GDAL_VRT_ENABLE_PYTHON": "NO",
        # LIBKML: never fetch styles or icons named in the file (§2.2 I5).
        "LIBKML_RESOLVE_STYLE": "NO",
        "LIBKML_EXTERNAL_STYLE": "NO",
        # No .aux.xml side files next to the upload.
        "GDAL_PAM_ENABLED": "NO",
    }


def harden_gdal(all_drivers: list[str] | None = None) -> None:
    """Set the hardening environment; must run before pyogrio (or geopandas) is imported."""
    if "pyogrio" in sys.modules or "osgeo" in sys.modules:
        raise RuntimeError("GDAL was imported before it was hardened")
    os.environ.update(hardening_env(all_drivers or list_vector_drivers()))


def check_registered_drivers(pyogrio: Any) -> None:
    """Fail closed if a driver outside the allowlist is still registered (a stale skip list)."""
    extra = set(pyogrio.list_drivers()) - ALLOWED_DRIVERS
    if extra:
        raise RuntimeError(f"drivers left registered: {sorted(extra)}")


# -- Reading layers --------------------------------------------------------------------------

_GEOM_FAMILY = {
    0: "point",
    1: "line",
    2: "line",
    3: "polygon",
    4: "point",
    5: "line",
    6: "polygon",
    7: "collection",
}
_FAMILY_NAMES = {
    "point": ("点", "points"),
    "line": ("线", "lines"),
    "polygon": ("面", "areas (polygons)"),
    "collection": ("图形集合", "geometry collections"),
}


@dataclass
class LayerOut:
    """One layer read: its Arrow table (attributes + WKB ``geometry``) and its problems."""

    table: Any
    metadata: dict[str, str]
    problems: list[ImportProblem]


def read_layers(source: Source, limits: Limits) -> tuple[list[LayerOut], list[ImportProblem]]:
    import pyogrio  # after harden_gdal(), see main()

    check_registered_drivers(pyogrio)
    # Problems about the file's layers (skipped, too many) belong to the file; problems about
    # its text (encoding, .prj) are in source.problems and repeated on every layer read.
    file_problems: list[ImportProblem] = []
    try:
        names = [str(n) for n in pyogrio.list_layers(source.path)[:, 0]]
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("list_layers", exc)
        raise _not_readable(source.kind) from exc
    if len(names) > limits.max_layers:
        file_problems.append(
            make_problem("too_many_layers", count=len(names), limit=limits.max_layers)
        )
        names = names[: limits.max_layers]
    layers: list[LayerOut] = []
    for name in names:
        out = _read_one(pyogrio, source, name, limits, file_problems)
        if out is not None:
            layers.append(out)
    if not layers:
        unreadable = any(p.code == "layer_unreadable" for p in file_problems)
        raise _not_readable(source.kind) if unreadable else reject("no_features")
    return layers, file_problems


def _diagnose(step: str, exc: BaseException) -> None:
    """For the server log (the parent logs the child's output); never shown to the user."""
    print(f"landmap worker: {step} failed: {type(exc).__name__}: {exc}"[:500], file=sys.stderr)


def _not_readable(kind: str) -> ImportRejected:
    return reject("not_readable", format=KIND_FORMAT[kind])


def _read_one(pyogrio, source: Source, name: str, limits: Limits, file_problems: list):
    display = source.layer_name or name
    try:
        info = pyogrio.read_info(source.path, layer=name, encoding=source.gdal_encoding)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("read_info", exc)
        file_problems.append(make_problem("layer_unreadable", layer=display))
        return None
    _check_driver(str(info.get("driver")), source.kind)
    if info.get("geometry_type") is None:
        file_problems.append(make_problem("table_skipped", layer=display))
        return None
    count = int(info.get("features") or 0)
    if count > limits.max_features:
        raise reject("too_many_features", layer=display, count=count, limit=limits.max_features)
    read = _read_table(pyogrio, source, name, limits)
    if read is None:
        file_problems.append(make_problem("layer_unreadable", layer=display))
        return None
    meta, table = read
    if table.num_rows > limits.max_features:
        raise reject(
            "too_many_features",
            layer=display,
            count=f"{limits.max_features}+",
            limit=limits.max_features,
        )
    if table.num_rows == 0:
        file_problems.append(make_problem("layer_empty", layer=display))
        return None
    return _layer_out(table, meta, info, source, display)


def _read_table(pyogrio, source: Source, name: str, limits: Limits):
    """(meta, Arrow table), re-read as GB18030 once if the chosen encoding proves wrong."""
    try:
        return _read_arrow(pyogrio, source.path, name, source.gdal_encoding, limits)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        _diagnose("read_arrow", exc)
        if not _is_text_error(exc) or source.gdal_encoding is None:
            return None
        if source.gdal_encoding == GB18030 or source.encoding_overridden:
            raise reject("encoding_failed", encoding=source.gdal_encoding) from exc
    # Our DBF sample said UTF-8, the rest of the file did not (domain-china.md §1.4).
    declared = source.gdal_encoding
    source.gdal_encoding = source.encoding = GB18030
    source.problems.append(make_problem("encoding_mismatch", declared=declared, encoding=GB18030))
    try:
        return _read_arrow(pyogrio, source.path, name, GB18030, limits)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise
        raise reject("text_not_readable") from exc


def _read_arrow(pyogrio, path: Path, name: str, encoding: str | None, limits: Limits):
    meta, table = pyogrio.read_arrow(
        path,
        layer=name,
        encoding=encoding,
        max_features=limits.max_features + 1,  # one more: the count may have been -1 (unknown)
    )
    table.schema.names  # noqa: B018 - field names are decoded here; bad bytes raise now
    table.validate(full=True)  # invalid UTF-8 in a string column is an error, not data
    return meta, table


def _is_text_error(exc: Exception) -> bool:
    return isinstance(exc, UnicodeError) or "UTF8" in str(exc).replace("-", "").upper()


def _check_driver(driver: str, kind: str) -> None:
    """A VRT (or anything else) that somehow opened is refused after the fact (§2.2 I1)."""
    allowed = KIND_DRIVERS[kind]
    if driver not in allowed or driver not in ALLOWED_DRIVERS:
        raise reject("driver_refused", driver=driver, expected=KIND_FORMAT[kind])


def _layer_out(table, meta: dict, info: dict, source: Source, display: str) -> LayerOut:
    import pyarrow as pa
    import shapely

    geom_name = meta.get("geometry_name") or "wkb_geometry"
    wkb, attrs = None, table
    if geom_name in table.column_names:
        wkb = table.column(geom_name).to_numpy(zero_copy_only=False)
        attrs = table.drop_columns([geom_name])
    problems = list(source.problems)
    geoms = _geometries(shapely, wkb, table.num_rows, display, problems)
    _mixed_types(shapely, geoms, display, problems)
    _mojibake_rows(attrs, display, problems)
    attrs = _plain_columns(pa, attrs)
    column = pa.array(shapely.to_wkb(geoms), type=pa.binary())
    out = attrs.append_column("geometry", column)
    metadata = {
        "layer": display,
        "format": KIND_FORMAT[source.kind],
        "driver": str(info.get("driver")),
        "encoding": source.encoding,
        "prj_text": source.prj_text or "",
        **_crs_metadata(meta.get("crs")),
    }
    return LayerOut(out, metadata, problems)


def _geometries(shapely, wkb, rows: int, layer: str, problems: list):
    """Shapely geometries, 2D; WKB that cannot be built becomes None and is reported by row."""
    import numpy as np

    if wkb is None:
        return np.full(rows, None, dtype=object)
    present = np.array([w is not None for w in wkb], dtype=bool)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")  # one bad ring must not fail the file
    broken = np.flatnonzero(present & shapely.is_missing(geoms))
    if broken.size:
        ids = [str(i + 1) for i in broken]
        problems.append(
            make_problem("invalid_geometry", feature_ids=ids, layer=layer, count=broken.size)
        )
    return shapely.force_2d(geoms)  # KML altitude 0 and 3D exports (security.md I12)


def _mixed_types(shapely, geoms, layer: str, problems: list) -> None:
    type_ids = shapely.get_type_id(geoms)
    families = sorted({_GEOM_FAMILY[t] for t in set(type_ids.tolist()) if t in _GEOM_FAMILY})
    if len(families) > 1:
        zh = "、".join(_FAMILY_NAMES[f][0] for f in families)
        en = ", ".join(_FAMILY_NAMES[f][1] for f in families)
        problems.append(make_problem("mixed_geometry", layer=layer, types_zh=zh, types_en=en))


# The same tests as looks_mojibake(), in RE2 syntax for pyarrow.compute (fast on 200 000 rows).
_MOJIBAKE_RE2 = r"[\x{00C0}-\x{00FF}\x{FFFD}]"
_CJK_RE2 = r"[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}]"


def _mojibake_rows(attrs, layer: str, problems: list) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    flagged, sample = np.zeros(attrs.num_rows, dtype=bool), ""
    for column in attrs.columns:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        many = pc.greater_equal(pc.count_substring_regex(column, _MOJIBAKE_RE2), 2)
        garbled = pc.and_(many, pc.invert(pc.match_substring_regex(column, _CJK_RE2)))
        garbled = garbled.fill_null(False).to_numpy(zero_copy_only=False)
        if garbled.any() and not sample:
            sample = column[int(garbled.argmax())].as_py()[:40]
        flagged |= garbled
    rows = np.flatnonzero(flagged)
    if rows.size:
        ids = [str(i + 1) for i in rows]
        problems.append(
            make_problem("mojibake", feature_ids=ids, layer=layer, count=rows.size, sample=sample)
        )


def _plain_columns(pa, attrs):
    """Plain Arrow types with no field metadata; a property called "geometry" is renamed."""
    fields, arrays = [], []
    for f, column in zip(attrs.schema, attrs.columns, strict=True):
        kind = f.type.storage_type if isinstance(f.type, pa.ExtensionType) else f.type
        chunks = [c.storage if isinstance(c, pa.ExtensionArray) else c for c in column.chunks]
        name = "geometry_attribute" if f.name == "geometry" else f.name
        fields.append(pa.field(name, kind))
        arrays.append(pa.chunked_array(chunks, type=kind))
    return pa.table(arrays, schema=pa.schema(fields))


def _crs_metadata(crs: str | None) -> dict[str, str]:
    """The CRS as GDAL gave it ("EPSG:4543" or WKT) in both text forms the parent can parse."""
    if not crs:
        return {"crs_wkt": "", "crs_projjson": ""}
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        return {"crs_wkt": crs if crs.lstrip()[:6].isupper() else "", "crs_projjson": ""}
    return {"crs_wkt": parsed.to_wkt(), "crs_projjson": parsed.to_json()}


# -- Output ----------------------------------------------------------------------------------

RESULT_FILE = "result.json"
REQUEST_FILE = "request.json"


def problem_json(p: ImportProblem) -> dict:
    return {
        "code": p.code,
        "severity": str(p.severity),
        "feature_ids": list(p.feature_ids),
        "values": dict(p.values),
    }


def write_layers(workdir: Path, layers: list[LayerOut]) -> list[dict]:
    import pyarrow as pa

    entries = []
    for i, layer in enumerate(layers):
        name = f"layer-{i:03d}.arrow"
        meta = {f"landmap.{k}".encode(): v.encode("utf-8") for k, v in layer.metadata.items()}
        table = layer.table.replace_schema_metadata(meta)
        with (
            pa.OSFile(str(workdir / name), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        entries.append({"file": name, "problems": [problem_json(p) for p in layer.problems]})
    return entries


def write_result(workdir: Path, result: dict) -> None:
    tmp = workdir / (RESULT_FILE + ".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    tmp.rename(workdir / RESULT_FILE)  # the parent never sees half a result


def run(workdir: Path, request: dict) -> dict:
    limits = Limits(**request["limits"])
    kind = EXTENSION_KINDS[request["ext"]]
    source = prepare(workdir / request["upload"], kind, request, limits)
    layers, file_problems = read_layers(source, limits)
    return {
        "status": "ok",
        "layers": write_layers(workdir, layers),
        "problems": [problem_json(p) for p in file_problems],
    }


def main(argv: list[str]) -> int:
    workdir = Path(argv[1])
    request = json.loads((workdir / REQUEST_FILE).read_text(encoding="utf-8"))
    harden_gdal(request.get("drivers"))
    try:
        result = run(workdir, request)
    except ImportRejected as exc:
        result = {"status": "rejected", "problem": problem_json(exc.problem)}
    except Exception as exc:
        traceback.print_exc()  # to the log file in the workdir; the parent logs its tail
        result = {"status": "rejected", "problem": problem_json(_unexpected(exc, request))}
    write_result(workdir, result)
    return 0


def _unexpected(exc: Exception, request: dict) -> ImportProblem:
    if is_out_of_memory(exc):
        return make_problem("memory", limit_mb=format_mb(request["limits"]["child_memory_bytes"]))
    return make_problem("internal_error")


def format_mb(n: float) -> str:
    """Bytes as MB for messages: 52428800 -> "50"."""
    return format_number(round(n / MIB, 1))


def format_number(x: float) -> str:
    return f"{x:g}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
