"""Per-feature checks of an import, before anything is written (pure).

The input is the file's features already in WGS84 with the layer's columns (after reading,
coordinate conversion and field/status mapping). Every problem names the features it concerns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap import geo
from landmap.geomcheck import check_geometries
from landmap.ingest.problems import ImportProblem, Severity, place_label, problem
from landmap.layers import GeometryKind, LayerSpec

# Plots and compounds outside this range are almost always a unit or CRS mistake.
PLAUSIBLE_AREA_M2 = (20.0, 5_000_000.0)  # 0.03 亩 … 7 500 亩
# Most features outside the district means the coordinates are read in the wrong system.
MOSTLY_OUTSIDE_SHARE = 0.5
DISTRICT_TOLERANCE_M = 500.0


class ImportMode(StrEnum):
    ADD = "add"  # new features only: an id already stored is an error
    UPDATE = "update"  # change stored features by id: an unknown id is an error
    REPLACE = "replace"  # the file becomes the whole layer


def validate_features(
    features: gpd.GeoDataFrame,
    layer: LayerSpec,
    *,
    mode: ImportMode,
    existing_ids: Iterable[str] = (),
    district: shapely.Geometry | None = None,
    labels: pd.Series | None = None,
) -> tuple[gpd.GeoDataFrame, list[ImportProblem]]:
    """The features with repaired shapes, and every problem found (errors block the write).

    Problems name features by ``labels`` (default ``feature_labels``): what a clerk can find
    in the file, never a blank.
    """
    problems: list[ImportProblem] = []
    frame = features.copy()
    if frame.empty:
        problems.append(problem("no_features", "文件中没有任何要素。", "The file has no features."))
        return frame, problems
    frame[_LABEL] = (labels if labels is not None else feature_labels(frame)).to_numpy()
    problems += _check_ids(frame, mode, set(existing_ids))
    problems += _check_statuses(frame, layer)
    frame, geometry_problems = _check_shapes(frame, layer)
    problems += geometry_problems
    if district is not None:
        problems += _check_location(frame, district)
    if layer.geometry is GeometryKind.POLYGON:
        problems += _check_areas(frame)
    return frame.drop(columns=[_LABEL]), problems


_LABEL = "__feature_label__"  # a working column, dropped before the frame is returned


def feature_labels(frame: pd.DataFrame) -> pd.Series:
    """Each feature's name for a clerk: its id, else its name, else 第 N 行 / 第 N 个要素.

    Table rows (CSV, Excel) keep the row number a spreadsheet shows (index "source_row").
    """
    table = frame.index.name == "source_row"
    texts = [
        _plain(fid) or _plain(name) for fid, name in zip(frame["id"], frame["name"], strict=True)
    ]
    repeated = {t for t, n in Counter(texts).items() if n > 1 and t}
    labels = []
    for position, (row, text) in enumerate(zip(frame.index, texts, strict=True), start=1):
        number, kind = (row, "row") if table else (position, "feature")
        # A name (or id) several features share is no way to find one: "0（第 2 个要素）".
        if text in repeated:
            labels.append(text + place_label(number, kind, aside=True))
        else:
            labels.append(text or place_label(number, kind))
    return pd.Series(labels, index=frame.index, dtype=object)


def _plain(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()[:100]


def _ids(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> list[str]:
    return [str(v) for v in frame.loc[np.asarray(mask), _LABEL]]


def _check_ids(
    frame: gpd.GeoDataFrame, mode: ImportMode, existing: set[str]
) -> list[ImportProblem]:
    found: list[ImportProblem] = []
    ids = frame["id"].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
    frame["id"] = ids
    blank = ids == ""
    if blank.any():
        found.append(
            problem(
                "id_missing",
                "有 {count} 个要素没有编号。编号用于链接、更新和台账，请补全。",
                "{count} feature(s) have no id. Ids link, update and ledger features; please "
                "fill them in.",
                feature_ids=_ids(frame, blank),
                count=int(blank.sum()),
            )
        )
    duplicated = ids.duplicated(keep=False) & ~blank
    if duplicated.any():
        found.append(
            problem(
                "id_duplicate",
                "文件中编号重复。",
                "Ids repeat within the file.",
                feature_ids=sorted(set(ids[duplicated])),
            )
        )
    present = ids[~blank]
    if mode is ImportMode.ADD and existing:
        clash = present[present.isin(existing)]
        if len(clash):
            found.append(
                problem(
                    "id_exists",
                    "“新增”模式下，这些编号已在图层中存在（如需修改请选“按编号更新”）。",
                    "In add mode these ids already exist in the layer "
                    "(choose update to change them).",
                    feature_ids=sorted(set(clash)),
                )
            )
    if mode is ImportMode.UPDATE:
        unknown = present[~present.isin(existing)]
        if len(unknown):
            found.append(
                problem(
                    "id_unknown",
                    "“按编号更新”模式下，这些编号在图层中不存在。",
                    "In update mode these ids do not exist in the layer.",
                    feature_ids=sorted(set(unknown)),
                )
            )
    return found


def _check_statuses(frame: gpd.GeoDataFrame, layer: LayerSpec) -> list[ImportProblem]:
    status = frame["status"].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
    found = []
    blank = status == ""
    if blank.any():
        found.append(
            problem(
                "status_missing",
                "有 {count} 个要素没有状态。请在字段对照中指定状态列，或选择一个默认状态"
                "（命令行：--default-status 代码）。",
                "{count} feature(s) have no status. Map the status column, or choose a default "
                "status (command line: --default-status CODE).",
                feature_ids=_ids(frame, blank),
                count=int(blank.sum()),
            )
        )
    unknown = ~blank & ~status.isin(layer.status_codes)
    if unknown.any():
        found.append(
            problem(
                "status_unknown",
                "状态值无法识别：{values_zh}。请在状态对照中指定，或改为规定的状态。",
                "Status values not recognised: {values_en}. Map them in the status step or use "
                "the listed statuses.",
                feature_ids=_ids(frame, unknown),
                values_zh="、".join(f"“{v}”" for v in sorted(set(status[unknown]))),
                values_en=", ".join(f"“{v}”" for v in sorted(set(status[unknown]))),
            )
        )
    return found


def _check_shapes(
    frame: gpd.GeoDataFrame, layer: LayerSpec
) -> tuple[gpd.GeoDataFrame, list[ImportProblem]]:
    check = check_geometries(frame.geometry.to_numpy(), layer.geometry)
    found: list[ImportProblem] = []
    missing = check.empty & ~check.unrepairable
    if missing.any():
        found.append(
            problem(
                "geometry_empty",
                "这些要素没有图形（或坐标无效）。",
                "These features have no shape (or invalid coordinates).",
                feature_ids=_ids(frame, missing),
            )
        )
    if check.unrepairable.any():
        found.append(
            problem(
                "geometry_unrepairable",
                "这些要素的图形无效且无法自动修复。",
                "These features have invalid shapes that cannot be repaired automatically.",
                feature_ids=_ids(frame, check.unrepairable),
            )
        )
    if check.repaired.any():
        found.append(
            problem(
                "geometry_repaired",
                "这些要素的图形无效（如自相交），将自动修复后导入，请核对。",
                "These features have invalid shapes (e.g. self-intersections); they will be "
                "repaired on import. Please check them.",
                severity=Severity.WARNING,
                feature_ids=_ids(frame, check.repaired),
            )
        )
    if check.wrong_type.any():
        found.append(
            problem(
                "geometry_wrong_type",
                "图形类型与图层不符（该图层需要{kind_zh}）。",
                "Geometry type does not fit the layer (it needs {kind_en}).",
                feature_ids=_ids(frame, check.wrong_type),
                kind_zh={"polygon": "面", "line": "线", "point": "点"}[layer.geometry.value],
                kind_en={"polygon": "polygons", "line": "lines", "point": "points"}[
                    layer.geometry.value
                ],
            )
        )
    repaired = frame.set_geometry(gpd.GeoSeries(check.geoms, index=frame.index, crs=frame.crs))
    return repaired, found


def _check_location(frame: gpd.GeoDataFrame, district: shapely.Geometry) -> list[ImportProblem]:
    drawable = frame.geometry.notna().to_numpy()
    if not drawable.any():
        return []
    metric = gpd.GeoSeries([district], crs=geo.DISPLAY_CRS).to_crs(geo.METRIC_CRS)
    zone = metric.buffer(DISTRICT_TOLERANCE_M).iloc[0]
    shapes = frame.geometry[drawable].to_crs(geo.METRIC_CRS)
    outside = np.zeros(len(frame), dtype=bool)
    outside[np.flatnonzero(drawable)] = ~shapes.intersects(zone).to_numpy()
    if not outside.any():
        return []
    mostly = outside.sum() >= MOSTLY_OUTSIDE_SHARE * drawable.sum()
    return [
        problem(
            "outside_district",
            "这些要素落在西区范围之外。"
            + ("大部分要素都在区外，通常是坐标系选错了：请核对坐标系。" if mostly else ""),
            "These features lie outside Xiqu district."
            + (" " if mostly else "")
            + (
                "Most features are outside, which usually means the wrong coordinate system: "
                "please check it."
                if mostly
                else ""
            ),
            severity=Severity.ERROR if mostly else Severity.WARNING,
            feature_ids=_ids(frame, outside),
        )
    ]


def _check_areas(frame: gpd.GeoDataFrame) -> list[ImportProblem]:
    drawable = frame.geometry.notna().to_numpy()
    if not drawable.any():
        return []
    area = np.full(len(frame), np.nan)
    area[drawable] = frame.geometry[drawable].to_crs(geo.METRIC_CRS).area.to_numpy()
    low, high = PLAUSIBLE_AREA_M2
    odd = drawable & ((area < low) | (area > high))
    if not odd.any():
        return []
    return [
        problem(
            "area_implausible",
            "这些地块面积异常（小于 {low} m² 或大于 {high_mu} 亩），可能是单位或坐标系有误。",
            "These plots have an implausible area (under {low} m² or over {high_mu} mu); the unit "
            "or the coordinate system may be wrong.",
            severity=Severity.WARNING,
            feature_ids=_ids(frame, odd),
            low=f"{low:g}",
            high_mu=f"{high / geo.SQUARE_METRES_PER_MU:,.0f}",
        )
    ]
