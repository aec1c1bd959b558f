"""Cached access to the dataset and its map payload, keyed by cheap keys (path + file version)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.config import Settings
from landmap.dataset import Dataset, load_dataset
from landmap.deadlines import parse_milestones, today_shanghai, with_deadline_columns
from landmap.mapview import boundary_collection, feature_strings
from landmap.store import GpkgStore
from landmap.tracking import Tracking, load_tracking


@st.cache_resource(show_spinner=False, max_entries=4)
def _dataset(data_path: str, boundary_path: str, version: str) -> Dataset:
    # ``version`` is only part of the key: a changed file gets a fresh load.
    return load_dataset(GpkgStore(data_path), Path(boundary_path))


def get_dataset(settings: Settings) -> Dataset:
    """The dataset, shared read-only by all sessions until the file changes."""
    version = GpkgStore(settings.ensure_data_file()).version()
    return _dataset(str(settings.data_path), str(settings.boundary_path), version)


@st.cache_resource(show_spinner=False, max_entries=4)
def _view_frames(
    data_path: str, boundary_path: str, version: str, today: str
) -> dict[str, gpd.GeoDataFrame]:
    dataset = _dataset(data_path, boundary_path, version)
    milestones = parse_milestones(_tracking(data_path, version).milestones).milestones
    return with_deadline_columns(dataset.frames, milestones, dt.date.fromisoformat(today))


def view_frames(settings: Settings, dataset: Dataset) -> dict[str, gpd.GeoDataFrame]:
    """The layers with each feature's deadline state as of today (Asia/Shanghai): what the
    filters, the map and the dashboard work on. Recomputed when the data or the day changes."""
    return _view_frames(
        str(settings.data_path), str(settings.boundary_path), dataset.version, _today()
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _layer_strings(
    data_path: str, boundary_path: str, version: str, today: str, layer_id: str
) -> pd.Series:
    return feature_strings(_view_frames(data_path, boundary_path, version, today)[layer_id])


def layer_strings(settings: Settings, dataset: Dataset) -> dict[str, pd.Series]:
    """Per layer, each feature's GeoJSON text: serialised once per data version and day."""
    today = _today()
    return {
        layer_id: _layer_strings(
            str(settings.data_path), str(settings.boundary_path), dataset.version, today, layer_id
        )
        for layer_id in dataset.frames
    }


def _today() -> str:
    return today_shanghai().isoformat()


@st.cache_resource(show_spinner=False, max_entries=4)
def _boundary_json(data_path: str, boundary_path: str, version: str) -> str | None:
    return boundary_collection(_dataset(data_path, boundary_path, version).boundary)


def boundary_json(settings: Settings, dataset: Dataset) -> str | None:
    return _boundary_json(str(settings.data_path), str(settings.boundary_path), dataset.version)


@st.cache_resource(show_spinner=False, max_entries=4)
def _tracking(data_path: str, version: str) -> Tracking:
    return load_tracking(GpkgStore(data_path))


def get_tracking(settings: Settings, dataset: Dataset) -> Tracking:
    """History, milestones and versions, read once per data version (an edit changes it)."""
    return _tracking(str(settings.data_path), dataset.version)
