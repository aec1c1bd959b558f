"""Load every layer from a store, check it, and say what is wrong — without dropping anything.

``normalise_layer`` turns a table as stored into the frame the app works with:
- columns of the registry (missing ones added empty), ids as strings, dates as ISO text;
- ``status_known`` False for codes outside the layer's vocabulary (drawn grey);
- geometry repaired where it can be, empty where it cannot (kept in the table, not drawn);
- ``area_m2``/``area_mu``/``length_km`` computed in EPSG:4543;
- display CRS EPSG:4326.
Every decision that touches a feature becomes a ``DataIssue`` naming the file, table and ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap import geo
from landmap.geomfacts import REMEMBERED
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, LAYERS, FieldKind, LayerSpec
from landmap.store.base import FeatureStore, StoreError, TableMissingError

CORE_COLUMNS = ("id", "name", "status")
# Listing every id of a 10 000-feature problem helps nobody; the count is always given.
MAX_IDS_IN_MESSAGE = 20


class IssueKind(StrEnum):
    FILE_MISSING = "file_missing"
    FILE_UNREADABLE = "file_unreadable"
    TABLE_MISSING = "table_missing"
    TABLE_UNREADABLE = "table_unreadable"
    CRS_MISSING_ASSUMED = "crs_missing_assumed"
    CRS_MISSING_UNKNOWN = "crs_missing_unknown"
    COLUMN_MISSING = "column_missing"
    ID_MISSING = "id_missing"
    ID_DUPLICATE = "id_duplicate"
    STATUS_UNKNOWN = "status_unknown"
    GEOMETRY_REPAIRED = "geometry_repaired"
    GEOMETRY_EMPTY = "geometry_empty"
    GEOMETRY_WRONG_TYPE = "geometry_wrong_type"
    BOUNDARY_UNREADABLE = "boundary_unreadable"


# Errors mean something could not be shown at all; warnings mean it is shown, with a caveat.
_ERRORS = {
    IssueKind.FILE_MISSING,
    IssueKind.FILE_UNREADABLE,
    IssueKind.TABLE_MISSING,
    IssueKind.TABLE_UNREADABLE,
    IssueKind.CRS_MISSING_UNKNOWN,
    IssueKind.GEOMETRY_EMPTY,
}


@dataclass(frozen=True)
class DataIssue:
    """One problem found in the data, for the data-quality notice (and later the importer)."""

    kind: IssueKind
    source: str
    layer_id: str | None = None
    feature_ids: tuple[str, ...] = ()
    detail: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind in _ERRORS

    def message(self, lang: str) -> str:
        layer = LAYER_BY_ID.get(self.layer_id or "")
        ids = self.feature_ids[:MAX_IDS_IN_MESSAGE]
        more = len(self.feature_ids) - len(ids)
        id_text = "、".join(ids) if lang != "en" else ", ".join(ids)
        if more > 0:
            id_text += t("issue.more_ids", lang, count=more)
        return t(
            f"issue.{self.kind.value}",
            lang,
            source=self.source,
            table=self.layer_id or "",
            layer=layer.name.get(lang) if layer else (self.layer_id or ""),
            count=len(self.feature_ids),
            ids=id_text,
            detail=self.detail,
        )


@dataclass(frozen=True)
class Dataset:
    frames: dict[str, gpd.GeoDataFrame]
    issues: tuple[DataIssue, ...] = ()
    boundary: gpd.GeoDataFrame | None = None
    version: str = ""
    layer_specs: tuple[LayerSpec, ...] = field(default=LAYERS)

    def feature(self, feature_id: str) -> tuple[LayerSpec, pd.Series] | None:
        """The layer and row of a feature id, looked up in the authoritative frames."""
        for spec in self.layer_specs:
            frame = self.frames.get(spec.id)
            if frame is not None and feature_id in frame.index:
                return spec, frame.loc[feature_id]
        return None


def load_dataset(
    store: FeatureStore, boundary_path: Path | None = None, layers: Sequence[LayerSpec] = LAYERS
) -> Dataset:
    """Read every layer of ``store``; a layer that fails is reported and the rest still load."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    issues: list[DataIssue] = []
    for spec in layers:
        try:
            raw = store.read_table(spec.id)
        except TableMissingError as exc:
            issues.append(DataIssue(IssueKind.TABLE_MISSING, exc.source, spec.id))
            frames[spec.id] = empty_layer_frame(spec)
            continue
        except StoreError as exc:
            missing = exc.detail == "file not found"
            kind = IssueKind.FILE_MISSING if missing else IssueKind.FILE_UNREADABLE
            if not any(i.kind is kind for i in issues):
                issues.append(DataIssue(kind, exc.source, detail=_short(exc.detail)))
            frames[spec.id] = empty_layer_frame(spec)
            continue
        frame, layer_issues = normalise_layer(raw, spec, store.source_name)
        frames[spec.id] = frame
        issues.extend(layer_issues)
    boundary = None
    if boundary_path is not None:
        boundary, boundary_issue = load_boundary(boundary_path)
        if boundary_issue:
            issues.append(boundary_issue)
    return Dataset(frames, tuple(issues), boundary, store.version(), tuple(layers))


def load_boundary(path: Path) -> tuple[gpd.GeoDataFrame | None, DataIssue | None]:
    """The district outline for the context layer, in the display CRS."""
    try:
        outline = gpd.read_file(path, engine="pyogrio")
        if outline.crs is None:
            outline = outline.set_crs(geo.DISPLAY_CRS)
        return outline.to_crs(geo.DISPLAY_CRS)[["geometry"]], None
    except Exception as exc:  # a context layer must never take the map down
        return None, DataIssue(IssueKind.BOUNDARY_UNREADABLE, Path(path).name, detail=_short(exc))


def empty_layer_frame(spec: LayerSpec) -> gpd.GeoDataFrame:
    columns = _output_columns(spec)
    frame = gpd.GeoDataFrame(
        {c: pd.Series(dtype="object") for c in columns}, geometry=[], crs=geo.DISPLAY_CRS
    )
    frame["status_known"] = pd.Series(dtype=bool)
    for c in ("area_m2", "area_mu", "length_km"):
        frame[c] = pd.Series(dtype=float)
    return frame.set_index("id", drop=False).rename_axis(None)


def normalise_layer(
    raw: gpd.GeoDataFrame, spec: LayerSpec, source: str
) -> tuple[gpd.GeoDataFrame, list[DataIssue]]:
    """The table as the app uses it, plus every problem found on the way (pure)."""
    issues: list[DataIssue] = []
    frame = gpd.GeoDataFrame(raw.copy())
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")

    ids = _normalise_ids(frame, spec, source, issues)
    frame["id"] = ids

    missing_columns = [c for c in _output_columns(spec) if c not in frame.columns]
    if {"name", "status"} & set(missing_columns):
        issues.append(
            DataIssue(
                IssueKind.COLUMN_MISSING,
                source,
                spec.id,
                detail=", ".join(c for c in ("name", "status") if c in missing_columns),
            )
        )
    for column in missing_columns:
        frame[column] = None
    frame = frame[[*_output_columns(spec), "geometry"]]

    frame["name"] = frame["name"].map(_text_or_empty)
    frame["status"] = frame["status"].map(_text_or_empty).str.strip()
    for fspec in spec.all_fields:
        if fspec.kind is FieldKind.DATE:
            frame[fspec.key] = _iso_dates(frame[fspec.key])

    known = frame["status"].isin(spec.status_codes)
    frame["status_known"] = known
    if not known.all():
        unknown = frame.loc[~known]
        codes = sorted({c if c else "∅" for c in unknown["status"]})
        issues.append(
            DataIssue(
                IssueKind.STATUS_UNKNOWN,
                source,
                spec.id,
                tuple(unknown["id"]),
                detail=", ".join(codes),
            )
        )

    frame = _ensure_crs(frame, spec, source, issues)
    frame = _clean_geometries(frame, spec, source, issues)
    frame = frame.set_index("id", drop=False).rename_axis(None)
    return frame, issues


def _output_columns(spec: LayerSpec) -> list[str]:
    return [*CORE_COLUMNS, *(f.key for f in spec.all_fields)]


def _normalise_ids(
    frame: gpd.GeoDataFrame, spec: LayerSpec, source: str, issues: list[DataIssue]
) -> pd.Series:
    """String ids, unique within the layer; placeholders for missing ones, reported."""
    if "id" in frame.columns:
        ids = frame["id"].map(_id_text)
    else:
        ids = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    blank = ids == ""
    if blank.any():
        # A placeholder keeps the feature on the map and addressable until the data is fixed.
        placeholders = [f"{spec.id}-row{n + 1}" for n in np.flatnonzero(blank.to_numpy())]
        ids[blank] = placeholders
        issues.append(DataIssue(IssueKind.ID_MISSING, source, spec.id, tuple(placeholders)))
    duplicated = ids.duplicated(keep="first")
    if duplicated.any():
        dup_values = tuple(dict.fromkeys(ids[duplicated]))
        counter: dict[str, int] = {}
        renamed = []
        for pos in np.flatnonzero(duplicated.to_numpy()):
            base = ids.iloc[pos]
            counter[base] = counter.get(base, 1) + 1
            renamed.append(f"{base}~{counter[base]}")
        ids[duplicated] = renamed
        issues.append(
            DataIssue(
                IssueKind.ID_DUPLICATE, source, spec.id, dup_values, detail=", ".join(renamed)
            )
        )
    return ids


def _ensure_crs(
    frame: gpd.GeoDataFrame, spec: LayerSpec, source: str, issues: list[DataIssue]
) -> gpd.GeoDataFrame:
    if frame.crs is not None:
        return frame
    present = frame.geometry.notna() & ~frame.geometry.is_empty
    bounds = frame.geometry[present].total_bounds if present.any() else np.array([0, 0, 0, 0])
    guess = geo.guess_missing_crs(bounds) if present.any() else geo.STORE_CRS
    if guess is not None:
        if present.any():
            issues.append(DataIssue(IssueKind.CRS_MISSING_ASSUMED, source, spec.id, detail=guess))
        return frame.set_crs(guess)
    issues.append(
        DataIssue(
            IssueKind.CRS_MISSING_UNKNOWN,
            source,
            spec.id,
            tuple(frame["id"]),
            detail=", ".join(f"{v:.0f}" for v in bounds),
        )
    )
    # Without a CRS the shapes cannot be placed; the features stay in the table.
    frame = frame.set_geometry(gpd.GeoSeries([None] * len(frame), index=frame.index))
    return frame.set_crs(geo.STORE_CRS)


def _clean_geometries(
    frame: gpd.GeoDataFrame, spec: LayerSpec, source: str, issues: list[DataIssue]
) -> gpd.GeoDataFrame:
    """The checked shapes in the display CRS, with their areas and lengths (EPSG:4543), and
    the problems reported; shapes seen before come from memory (``geomfacts``)."""
    shapes = REMEMBERED.of(frame.geometry.to_numpy(), frame.crs, spec.geometry)
    ids = frame["id"].to_numpy().astype(str)
    for kind, mask in (
        (IssueKind.GEOMETRY_REPAIRED, shapes.repaired),
        (IssueKind.GEOMETRY_WRONG_TYPE, shapes.wrong_type),
        (IssueKind.GEOMETRY_EMPTY, shapes.empty),
    ):
        if mask.any():
            issues.append(DataIssue(kind, source, spec.id, tuple(ids[mask])))
    frame = frame.set_geometry(
        gpd.GeoSeries(shapes.geoms, index=frame.index, crs=geo.DISPLAY_CRS), crs=geo.DISPLAY_CRS
    )
    frame["area_m2"] = shapes.area_m2
    frame["area_mu"] = shapes.area_m2 / geo.SQUARE_METRES_PER_MU
    frame["length_km"] = shapes.length_km
    return frame


def _text_or_empty(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _id_text(value: object) -> str:
    text = _text_or_empty(value).strip()
    # Integer ids read from a file as floats (1.0) are shown as "1".
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text


def _iso_dates(column: pd.Series) -> pd.Series:
    """``_iso_date`` of each value; a text column (as read) is stripped in one pass, not value
    by value (0.07 s a column at 100,000 plots, five date columns, on every data version)."""
    if not pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
        return column.map(_iso_date)
    stripped = column.str.strip()
    return stripped.where(stripped != "")


def _iso_date(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    text = str(value).strip()
    return text or None


def _short(detail: object, limit: int = 300) -> str:
    text = str(detail)
    return text if len(text) <= limit else text[: limit - 1] + "…"
