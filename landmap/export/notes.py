"""What every export says about itself: the filter sentence, when, how many, for whom.

The same lines go into README.txt (zips), the 说明 sheet (Excel), the document description
(KML), top-level members (GeoJSON) and an ``export_info`` table (GeoPackage), so a file passed
on by e-mail still tells the reader what it holds and what it leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

from landmap.export.formats import Audience, ExportOptions
from landmap.layers import LAYER_BY_ID, Label

PRODUCT = Label("攀枝花市西区土地与项目一张图", "Xiqu District (Panzhihua) land and project map")
_AUDIENCE = {
    Audience.STAFF: Label(
        "内部使用：含联系人、存在问题等内部字段，请勿对外提供。",
        "For staff only: includes internal fields (contacts, open issues); do not pass on.",
    ),
    Audience.PUBLIC: Label("仅含可公开字段。", "Public fields only."),
}
CRS_WGS84 = Label("WGS84 经纬度（EPSG:4326）", "WGS84 longitude/latitude (EPSG:4326)")
CRS_CGCS2000 = Label("CGCS2000 经纬度（EPSG:4490）", "CGCS2000 longitude/latitude (EPSG:4490)")


def note_rows(
    frames: Mapping[str, gpd.GeoDataFrame], options: ExportOptions, crs: Label | None = None
) -> list[tuple[str, str]]:
    """(label, text) pairs in the export's language."""
    lang = options.lang
    en = lang == "en"
    counts = ("; " if en else "；").join(
        f"{LAYER_BY_ID[layer_id].short_name.get(lang)} {len(frame)}"
        for layer_id, frame in frames.items()
        if layer_id in LAYER_BY_ID
    )
    rows = [
        ("Source" if en else "来源", PRODUCT.get(lang)),
        ("Filter" if en else "筛选条件", options.filter_text or ("(all)" if en else "（全部）")),
        ("Exported at" if en else "导出时间", options.exported_at.strftime("%Y-%m-%d %H:%M UTC%z")),
        ("Features" if en else "要素数量", counts or ("none" if en else "无")),
        ("Fields" if en else "字段范围", _AUDIENCE[options.audience].get(lang)),
    ]
    if crs is not None:
        rows.append(("Coordinates" if en else "坐标系", crs.get(lang)))
    return rows


def readme_text(
    frames: Mapping[str, gpd.GeoDataFrame],
    options: ExportOptions,
    crs: Label | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """README.txt for a zip: the note rows, then format-specific lines; CRLF for Notepad."""
    sep = ": " if options.lang == "en" else "："
    lines = [f"{label}{sep}{text}" for label, text in note_rows(frames, options, crs)]
    if extra:
        lines += ["", *extra]
    return "\r\n".join(lines) + "\r\n"
