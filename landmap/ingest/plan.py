"""An import from start to finish: read → coordinates → fields → checks → (confirm) → write.

``prepare_import`` reads and checks a file and returns an ``ImportPlan``: what was found, what
was guessed, every problem, and the features ready to write. Nothing is written until
``commit_import`` is called with that plan, and then as one atomic change with a backup.
The app and the command line both use these two functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap import geo
from landmap.ingest import coords, idgen, mapping, sandbox
from landmap.ingest.limits import Limits
from landmap.ingest.problems import (
    ImportProblem,
    ImportRejected,
    Severity,
    place_label,
    problem,
)
from landmap.ingest.validate import ImportMode, feature_labels, validate_features
from landmap.layers import LayerSpec, get_layer
from landmap.store.base import Backup, StoreError, TableMissingError, WritableStore

TABULAR_SUFFIXES = {".csv", ".xlsx"}
SOURCE_COORDS = ("wgs84", "gcj02", "bd09")


@dataclass(frozen=True)
class ImportOptions:
    layer_id: str
    mode: ImportMode = ImportMode.ADD
    crs: int | None = None  # the user's choice (EPSG); overrides what the file says
    source_coords: str = "wgs84"  # gcj02 for 高德/腾讯 picks, bd09 for 百度
    encoding: str | None = None  # override the detected text encoding
    # Corrections on top of the suggested mapping: source column → field ("" or "-" = unused).
    field_mapping: Mapping[str, str] | None = None
    status_mapping: Mapping[str, str] | None = None  # source value → status code, as corrected
    sheet: str | None = None  # Excel sheet
    source_layer: str | None = None  # which layer of a multi-layer file
    # The status of features whose status is blank (or has no column), chosen by the user;
    # never applied unasked.
    default_status: str | None = None


@dataclass(frozen=True)
class ImportPlan:
    filename: str
    layer_id: str
    mode: ImportMode
    format: str
    features_read: int
    crs_epsg: int | None
    crs_source: str  # "file", "user", "guess" or "none"
    crs_guesses: tuple[coords.CrsGuess, ...]
    source_coords: str
    encoding: str | None
    field_mapping: dict[str, str]
    unmapped_columns: tuple[str, ...]
    status_mapping: dict[str, str]
    problems: tuple[ImportProblem, ...]
    features: gpd.GeoDataFrame = field(repr=False)
    store_version: str = ""
    # (how the file names the feature, the id made for it): add mode, features without an id.
    generated_ids: tuple[tuple[str, str], ...] = ()
    default_status: str | None = None

    @property
    def errors(self) -> tuple[ImportProblem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def can_commit(self) -> bool:
        return not self.errors and not self.features.empty

    def summary_lines(self, lang: str) -> list[str]:
        """The report as plain lines (the CLI prints them; the app shows the same facts)."""
        en = lang == "en"
        crs = f"EPSG:{self.crs_epsg}" if self.crs_epsg else ("unknown" if en else "未知")
        how = {
            "file": ("from the file", "文件自带"),
            "user": ("chosen by you", "人工指定"),
            "guess": ("guessed from the numbers, please confirm", "按坐标数值推测，请确认"),
            "none": ("none", "无"),
        }[self.crs_source][0 if en else 1]
        mapped = ", ".join(f"{k}→{v}" for k, v in self.field_mapping.items())
        lines = [
            f"{'File' if en else '文件'}: {self.filename} ({self.format})",
            f"{'Layer' if en else '图层'}: {get_layer(self.layer_id).name.get(lang)} "
            f"({self.layer_id}), {'mode' if en else '方式'}: {self.mode.value}",
            f"{'Features read' if en else '读取要素'}: {self.features_read}",
            f"{'Coordinate system' if en else '坐标系'}: {crs} ({how}); "
            f"{'source coordinates' if en else '坐标来源'}: {self.source_coords}",
            f"{'Text encoding' if en else '文字编码'}: {self.encoding or '—'}",
            f"{'Fields' if en else '字段对照'}: {mapped or '—'}",
        ]
        if self.unmapped_columns:
            lines.append(
                f"{'Columns not used' if en else '未使用的列'}: {', '.join(self.unmapped_columns)}"
            )
        if self.status_mapping:
            pairs = ", ".join(f"{k}→{v}" for k, v in self.status_mapping.items() if k != v)
            if pairs:
                lines.append(f"{'Statuses' if en else '状态对照'}: {pairs}")
        if self.generated_ids:
            first, last = self.generated_ids[0][1], self.generated_ids[-1][1]
            span = first if first == last else f"{first} … {last}"
            lines.append(f"{'New ids' if en else '新编号'}: {len(self.generated_ids)} ({span})")
        if self.default_status:
            label = get_layer(self.layer_id).status_label(self.default_status, lang)
            lines.append(
                f"{'Default status' if en else '默认状态'}: {self.default_status} ({label})"
            )
        for item in self.problems:
            tag = ("ERROR" if en else "错误") if item.is_error else ("WARNING" if en else "提示")
            lines.append(f"[{tag}] {item.text(lang)}")
        verdict = (
            ("Ready to import." if en else "可以导入。")
            if self.can_commit
            else (
                "Not imported: fix the errors above first."
                if en
                else "不能导入：请先处理上述错误。"
            )
        )
        lines.append(verdict)
        return lines


def prepare_import(
    data: bytes,
    filename: str,
    options: ImportOptions,
    store: WritableStore,
    district: shapely.Geometry | None,
    limits: Limits | None = None,
) -> ImportPlan:
    """Read and check ``data``; raises ImportRejected when the file cannot be read at all."""
    limits = limits or Limits()
    layer = get_layer(options.layer_id)
    if options.source_coords not in SOURCE_COORDS:
        raise ValueError(f"source_coords must be one of {SOURCE_COORDS}")
    problems: list[ImportProblem] = []
    frame, fmt, encoding, prj_text, read_problems = _read(data, filename, options, limits)
    problems += read_problems
    features_read = len(frame)

    frame, epsg, crs_source, guesses, crs_problems = _resolve_crs(frame, options, prj_text)
    problems += crs_problems
    if epsg is not None:
        frame = frame.to_crs(geo.DISPLAY_CRS)
        if options.source_coords != "wgs84":
            converted = coords.convert_geometries(frame.geometry.to_numpy(), options.source_coords)
            frame = frame.set_geometry(
                gpd.GeoSeries(converted, index=frame.index, crs=geo.DISPLAY_CRS)
            )
    else:
        frame = frame.set_geometry(
            gpd.GeoSeries([None] * len(frame), index=frame.index, crs=geo.DISPLAY_CRS)
        )

    columns = [c for c in frame.columns if c != frame.geometry.name]
    suggested = mapping.suggest_field_mapping(columns, layer)
    chosen = _corrected_mapping(suggested.mapping, options.field_mapping or {}, columns)
    frame, mapping_problems = mapping.apply_field_mapping(frame, chosen, layer)
    problems += mapping_problems
    unmapped = tuple(c for c in columns if c not in chosen)

    status_codes = _map_statuses(frame, layer, options.status_mapping)
    frame["status"] = frame["status"].map(lambda v: status_codes.get(_text(v), _text(v)))

    existing_ids, store_version, stored_status = _existing_ids(store, layer.id)
    labels = feature_labels(frame)  # before ids are made: how the file itself names them
    problems = _named_by_label(problems, labels)
    generated: tuple[tuple[str, str], ...] = ()
    if options.mode is ImportMode.ADD and len(frame):
        frame["id"], made = idgen.fill_missing_ids(frame["id"], layer.id, existing_ids)
        generated = tuple((str(labels.iloc[pos]), new) for pos, new in made)
        if generated:
            problems.append(_ids_generated_problem(generated))
    if options.mode is ImportMode.UPDATE and "status" not in chosen.values():
        # Updating other fields by id: the stored statuses stay, so they are what is checked.
        frame["status"] = frame["id"].map(lambda i: stored_status.get(_text(i), ""))
    else:
        problems += _apply_default_status(frame, layer, options.default_status, labels)
    frame, check_problems = validate_features(
        frame,
        layer,
        mode=options.mode,
        existing_ids=existing_ids,
        district=district,
        labels=labels,
    )
    if any(p.code == "crs_unknown" for p in crs_problems):
        # The shapes were set aside for want of a coordinate system, which is already the
        # error; "these features have no shape" would send the clerk looking for the wrong fix.
        check_problems = [p for p in check_problems if p.code != "geometry_empty"]
    problems += check_problems
    return ImportPlan(
        filename=PurePath(filename).name,
        layer_id=layer.id,
        mode=options.mode,
        format=fmt,
        features_read=features_read,
        crs_epsg=epsg,
        crs_source=crs_source,
        crs_guesses=tuple(guesses),
        source_coords=options.source_coords,
        encoding=encoding,
        field_mapping=chosen,
        unmapped_columns=unmapped,
        status_mapping=status_codes,
        problems=tuple(problems),
        features=frame,
        store_version=store_version,
        generated_ids=generated,
        default_status=options.default_status,
    )


def commit_import(plan: ImportPlan, store: WritableStore, *, user: str, note: str = "") -> Backup:
    """Write the plan as one atomic change (refused if it has errors or the store moved on)."""
    if not plan.can_commit:
        raise ImportRejected(
            problem(
                "plan_has_errors",
                "导入报告中仍有错误，未写入任何数据。",
                "The import report still has errors; nothing was written.",
            )
        )
    layer = get_layer(plan.layer_id)
    incoming = _registry_frame(plan.features, layer)
    try:
        # Columns the registry does not know are kept: an import must not lose stored data.
        current = _registry_frame(
            store.read_table(layer.id).to_crs(geo.DISPLAY_CRS), layer, keep_extra=True
        )
    except TableMissingError:
        current = incoming.iloc[0:0]
    except StoreError as exc:
        if exc.detail != "file not found":
            raise
        current = incoming.iloc[0:0]
    if plan.mode is ImportMode.REPLACE:
        result = incoming
    elif plan.mode is ImportMode.ADD:
        result = pd.concat([current, incoming], ignore_index=True)
    else:
        result = _updated(current, incoming, plan.field_mapping)
    result = gpd.GeoDataFrame(
        _stored_types(result, current), geometry="geometry", crs=geo.DISPLAY_CRS
    )
    return store.write_layer(
        layer.id,
        result,
        expected_version=plan.store_version,
        action=f"import:{plan.mode.value}",
        user=user,
        note=note or f"{plan.filename}: {len(incoming)} features",
    )


# --- steps -------------------------------------------------------------------------------


def _read(
    data: bytes, filename: str, options: ImportOptions, limits: Limits
) -> tuple[gpd.GeoDataFrame, str, str | None, str | None, list[ImportProblem]]:
    suffix = PurePath(filename).suffix.lower()
    if suffix in TABULAR_SUFFIXES:
        read = sandbox.read_table(
            data, filename, encoding=options.encoding, sheet=options.sheet, limits=limits
        )
        return read.frame, suffix.lstrip("."), read.encoding, None, list(read.problems)
    result = sandbox.read_geodata(data, filename, encoding=options.encoding, limits=limits)
    layers = result.layers
    if not layers:
        raise ImportRejected(problem("no_layers", "文件中没有图层。", "The file has no layers."))
    chosen = _pick_layer(layers, options)
    return chosen.frame, chosen.format, chosen.encoding, chosen.prj_text, list(chosen.problems)


def _pick_layer(layers: list, options: ImportOptions):
    names = [layer.name for layer in layers]
    wanted = options.source_layer or (options.layer_id if options.layer_id in names else None)
    if wanted is None and len(layers) == 1:
        return layers[0]
    for layer in layers:
        if layer.name == wanted:
            return layer
    raise ImportRejected(
        problem(
            "choose_layer",
            "文件中有多个图层：{names}。请指定要导入的图层（命令行：--source-layer 图层名）。",
            "The file has several layers: {names}. Say which one to import (command line: "
            "--source-layer NAME).",
            names=", ".join(names),
        )
    )


def _resolve_crs(
    frame: gpd.GeoDataFrame, options: ImportOptions, prj_text: str | None
) -> tuple[gpd.GeoDataFrame, int | None, str, list[coords.CrsGuess], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    present = frame.geometry.notna() & ~frame.geometry.is_empty
    bounds = tuple(frame.geometry[present].total_bounds) if present.any() else None
    guesses = coords.guess_crs(bounds) if bounds is not None else []
    if prj_text:
        _epsg, prj_problems = coords.crs_from_prj(prj_text)
        problems += prj_problems
    if options.crs is not None:
        return (
            frame.set_crs(options.crs, allow_override=True),
            options.crs,
            "user",
            guesses,
            problems,
        )
    if frame.crs is not None:
        epsg = frame.crs.to_epsg()
        if epsg is not None and bounds is not None:
            mismatch = coords.check_prj_against_values(epsg, bounds)
            if mismatch is not None:
                problems.append(mismatch)
        if epsg is not None:
            problems += _legacy_warning(epsg)
            return frame, epsg, "file", guesses, problems
        return frame, None, "file", guesses, problems
    if not guesses:
        if bounds is None:
            return frame, None, "none", guesses, problems
        problems.append(
            problem(
                "crs_unknown",
                "文件没有坐标系信息，坐标数值（范围 {bounds}）"
                "也不像攀枝花常用的任何坐标系。请指定坐标系。",
                "The file has no coordinate system, and its numbers (range {bounds}) fit none used "
                "at Panzhihua. Please choose the coordinate system.",
                bounds=", ".join(f"{v:.3f}" for v in bounds),
            )
        )
        return frame, None, "none", guesses, problems
    best = guesses[0]
    if best.swapped:
        frame = frame.set_geometry(
            gpd.GeoSeries(
                shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1]),
                index=frame.index,
            )
        )
    problems.append(
        problem(
            "crs_guessed",
            "文件没有坐标系信息，按坐标数值推测为：{label}。请确认或另选。",
            "The file has no coordinate system; from its numbers it looks like: {label}. Please "
            "confirm or choose another.",
            severity=Severity.WARNING,
            label=f"{best.label.zh} / {best.label.en}",
        )
    )
    problems += _legacy_warning(best.epsg)
    return frame.set_crs(best.epsg), best.epsg, "guess", guesses, problems


_LEGACY_EPSG = {2379, 2358, 2342, 2331, 4610, 2431, 2410, 21457, 21417, 4214}


def _legacy_warning(epsg: int) -> list[ImportProblem]:
    if epsg not in _LEGACY_EPSG:
        return []
    return [
        problem(
            "legacy_datum",
            "坐标系为西安80或北京54（EPSG:{epsg}）：转换到 CGCS2000 没有官方参数，"
            "位置精度未知（可能偏差数十米）。",
            "The coordinate system is Xian 1980 or Beijing 1954 (EPSG:{epsg}): there are no "
            "official parameters to CGCS2000 here, so location accuracy is unknown "
            "(possibly tens of metres).",
            severity=Severity.WARNING,
            epsg=epsg,
        )
    ]


def _corrected_mapping(
    suggested: Mapping[str, str], corrections: Mapping[str, str], columns: list[str]
) -> dict[str, str]:
    """The suggestion with the user's corrections applied; one source per field."""
    chosen = dict(suggested)
    for source, target in corrections.items():
        if source not in columns:
            continue
        chosen.pop(source, None)
        if target in ("", "-"):
            continue
        for other in [s for s, t in chosen.items() if t == target]:
            del chosen[other]
        chosen[source] = target
    return chosen


def _map_statuses(
    frame: gpd.GeoDataFrame, layer: LayerSpec, corrections: Mapping[str, str] | None
) -> dict[str, str]:
    values = sorted({_text(v) for v in frame["status"]} - {""})
    found = mapping.map_status_values(values, layer)
    codes = dict(found.codes)
    for raw, code in (corrections or {}).items():
        if code in layer.status_codes:
            codes[raw] = code
    return codes


def _named_by_label(problems: list[ImportProblem], labels: pd.Series) -> list[ImportProblem]:
    """The reader's "第 N 个要素" replaced by the feature's id or name, now that they are known."""
    by_place = {place_label(n, "feature"): str(label) for n, label in enumerate(labels, start=1)}
    return [
        dataclasses.replace(p, feature_ids=tuple(by_place.get(i, i) for i in p.feature_ids))
        if any(i in by_place for i in p.feature_ids)
        else p
        for p in problems
    ]


def _ids_generated_problem(generated: tuple[tuple[str, str], ...]) -> ImportProblem:
    return problem(
        "ids_generated",
        "{count} 个要素没有编号，已按本图层的编号规则生成新编号（文件中的名称 → 新编号）。",
        "{count} feature(s) had no id; new ids were made in the layer's pattern (as named in "
        "the file → new id).",
        severity=Severity.WARNING,
        feature_ids=[f"{label} → {new}" for label, new in generated],
        count=len(generated),
    )


def _apply_default_status(
    frame: gpd.GeoDataFrame, layer: LayerSpec, default: str | None, labels: pd.Series
) -> list[ImportProblem]:
    """Blank statuses set to the user's ``default`` (in place), and said so; never unasked."""
    if not default:
        return []
    if default not in layer.status_codes:
        return [
            problem(
                "default_status_unknown",
                "默认状态“{status}”不是本图层的状态。可选：{codes}。",
                "The default status “{status}” is not one of this layer's. Choose from: {codes}.",
                status=default,
                codes=", ".join(layer.status_codes),
            )
        ]
    blank = frame["status"].map(_text) == ""
    if not blank.any():
        return []
    frame.loc[blank, "status"] = default
    return [
        problem(
            "status_defaulted",
            "{count} 个要素没有状态，按所选的默认状态“{status}”导入。",
            "{count} feature(s) had no status and take the chosen default status “{status}”.",
            severity=Severity.WARNING,
            feature_ids=list(labels[blank]),
            count=int(blank.sum()),
            status=default,
        )
    ]


def _existing_ids(store: WritableStore, layer_id: str) -> tuple[set[str], str, dict[str, str]]:
    """The stored ids, the store's version, and each stored feature's status."""
    version = store.version()
    try:
        table = store.read_table(layer_id)
    except (TableMissingError, StoreError):
        return set(), version, {}
    if "id" not in table.columns:
        return set(), version, {}
    statuses = table["status"] if "status" in table.columns else [None] * len(table)
    status = {_text(i): _text(s) for i, s in zip(table["id"], statuses, strict=True) if _text(i)}
    return set(status), version, status


def _registry_frame(
    frame: gpd.GeoDataFrame, layer: LayerSpec, *, keep_extra: bool = False
) -> gpd.GeoDataFrame:
    columns = ["id", "name", "status", *(f.key for f in layer.all_fields)]
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            out[column] = None
    extra = [c for c in out.columns if c not in columns and c != out.geometry.name]
    out = out[[*columns, *(extra if keep_extra else []), out.geometry.name]]
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def _stored_types(result: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """``result`` with each number column the layer already has kept a number column.

    The checked values of a number field come as Python numbers in an object column; written
    so, the column would turn into text: a GeoPackage keeps it as text from then on, and
    PostGIS must re-create the table for it, which only the owner may do, so the app's role
    would be refused every import (README, Running on PostGIS)."""
    out = result.copy()
    for column in current.columns:
        stored = current[column].dtype
        if column not in out.columns or out[column].dtype == stored:
            continue
        if pd.api.types.is_bool_dtype(stored) or not pd.api.types.is_numeric_dtype(stored):
            continue
        try:
            numbers = pd.to_numeric(out[column])
            if pd.api.types.is_integer_dtype(stored):
                numbers = numbers.astype("Int64")  # whole numbers, empty cells kept empty
        except (TypeError, ValueError):
            continue  # not (whole) numbers after all: written as they are, as before
        out[column] = numbers
    return out


def _updated(
    current: gpd.GeoDataFrame, incoming: gpd.GeoDataFrame, field_mapping: Mapping[str, str]
) -> gpd.GeoDataFrame:
    """Stored features changed by id: fields the file carries, and the shape; the rest kept."""
    carried = set(field_mapping.values()) | {"geometry"}
    result = current.set_index("id", drop=False)
    for _, row in incoming.iterrows():
        for column in carried:
            if column in result.columns:
                result.at[row["id"], column] = row[column]
    return result.reset_index(drop=True)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


__all__ = ["ImportOptions", "ImportPlan", "commit_import", "prepare_import"]
