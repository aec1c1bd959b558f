"""The catalogue of import problems: a code and its values in, a zh/en ``ImportProblem`` out.

The child process (``worker``) reports problems as codes and values only; the parent
(``sandbox``) rebuilds every message from this catalogue, never from text the child wrote
(security.md §2.2 I7).
"""

from __future__ import annotations

from landmap.ingest.limits import MIB
from landmap.ingest.problems import ImportProblem, ImportRejected, Severity, problem
from landmap.layers import Label

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
        "不支持“{ext}”类型的文件。可以上传：GeoPackage（.gpkg）、GeoJSON/Esri JSON/TopoJSON"
        "（.geojson/.json）、"
        "压缩成 .zip 的 Shapefile、KML（.kml）或 KMZ（.kmz）。",
        "Files of type “{ext}” are not supported. You can upload GeoPackage (.gpkg), GeoJSON, "
        "Esri JSON or TopoJSON (.geojson/.json), a Shapefile packed into a .zip, KML (.kml) or "
        "KMZ (.kmz).",
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
        "压缩包里没有 .shp 文件（图形），无法读取。压缩包里是：{names}。Shapefile 需要同名的 .shp、"
        ".shx、.dbf 一起压缩。",
        "The zip has no .shp file (the shapes), so nothing can be read. It holds: {names}. A "
        "Shapefile needs the .shp, .shx and .dbf of the same name zipped together.",
    ),
    "zip_is_kmz": (
        "压缩包里没有 Shapefile，而是 KML：{names}。这多半是改了扩展名的 KMZ 文件：请把扩展名改回"
        " .kmz 再上传。",
        "The zip holds no Shapefile but KML: {names}. It is most likely a KMZ file renamed: "
        "please rename it back to .kmz and upload it.",
    ),
    "zip_images_only": (
        "压缩包里只有影像（{names}），没有点、线、面数据，无法作为地块导入。",
        "The zip holds only imagery ({names}), no points, lines or areas, so there is nothing "
        "to import as features.",
    ),
    "zip_no_shp_but": (
        "压缩包里没有 Shapefile（.shp 文件），而是：{names}。请解压后直接上传其中的“{direct}”。",
        "The zip holds no Shapefile (.shp file) but: {names}. Please unzip it and upload "
        "“{direct}” itself.",
    ),
    "zip_empty": (
        "压缩包是空的，里面没有任何文件。",
        "The zip is empty: it holds no files.",
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
    "kml_no_placemarks": (
        "这个 KML/KMZ 文件里没有地标（Placemark，即点、线、面），{holds_zh}，没有可导入的内容。"
        "请在 Google Earth 或奥维互动地图中导出含有地块或路线的文件夹。",
        "This KML/KMZ file has no placemarks (points, lines or areas), {holds_en}; there is "
        "nothing to import. Please export a folder holding the plots or routes from Google "
        "Earth or Ovi Maps.",
    ),
    "json_invalid": (
        "文件不是完整有效的 JSON 文本（第 {line} 行附近有错，可能被截断或手工改坏了），无法读取。"
        "请重新导出。",
        "The file is not valid JSON text (there is an error near line {line}; it may be cut "
        "off or edited by hand), so it cannot be read. Please export it again.",
    ),
    "json_not_geodata": (
        "文件是 JSON 数据，但不是地理数据（不是 GeoJSON、Esri JSON 或 TopoJSON，没有要素和图形），"
        "无法导入。请确认选对了文件。",
        "The file is JSON data, but not geodata (not GeoJSON, Esri JSON or TopoJSON: it has no "
        "features or shapes), so it cannot be imported. Please check that you chose the right "
        "file.",
    ),
    "geojson_malformed": (
        "文件是 {format}，但结构不符合规范（例如缺少 features 列表，或坐标写法有误），无法读取。"
        "请在 GIS 软件中重新导出。",
        "The file is {format}, but its structure does not follow the standard (for example no "
        "features list, or coordinates written wrongly), so it cannot be read. Please export it "
        "again from your GIS software.",
    ),
    "gpkg_raster_only": (
        "这个 GeoPackage 只含影像或栅格数据（瓦片），没有点、线、面图层，无法作为地块导入。",
        "This GeoPackage holds only imagery or raster data (tiles), no point, line or polygon "
        "layer, so there is nothing to import as features.",
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
        "请在 GIS 软件中修正。",
        "In layer “{layer}”, the shapes of {count} features cannot be understood (for example "
        "an unclosed polygon); they were read without a shape. Please fix them in your GIS "
        "software.",
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


# Refusals that cannot say what is wrong with the file: they carry a reference to the log.
LAST_RESORT_CODES = frozenset({"internal_error", "crashed"})


def with_reference(p: ImportProblem, reference: str) -> ImportProblem:
    """``p`` with the log reference the administrator searches for."""
    zh = p.message.zh + "（参考编号：{reference}，系统管理员可在日志中按此查找。）"
    en = p.message.en + " (Reference: {reference}; the administrator finds it in the log.)"
    return ImportProblem(
        p.code,
        Label(zh, en),
        p.severity,
        p.feature_ids,
        (*p.values, ("reference", reference)),
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


# -- Numbers in messages ---------------------------------------------------------------------


def format_mb(n: float) -> str:
    """Bytes as MB for messages: 52428800 -> "50"."""
    return format_number(round(n / MIB, 1))


def format_number(x: float) -> str:
    return f"{x:g}"
