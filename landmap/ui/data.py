"""Cached access to the dataset and its map payload, keyed by cheap keys (store key + version).

The store key (``store.open.store_key``) is the GeoPackage's path or the database URL. Nothing
that failed is cached: Streamlit's caches keep no exception, and a dataset read while the
database went away is raised as a StoreError instead of being kept (``_dataset``), so the next
rerun reads again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.access import Audience, project_frames
from landmap.config import Settings, load_settings
from landmap.dataset import Dataset, IssueKind, load_dataset
from landmap.map.view import boundary_collection, feature_strings
from landmap.progress.deadlines import parse_milestones, today_shanghai, with_deadline_columns
from landmap.progress.tracking import Tracking, load_tracking
from landmap.store import StoreError
from landmap.store.open import is_database_url, open_store, store_for_key, store_key


def app_settings() -> Settings:
    """The settings from the environment and ``.streamlit/secrets.toml`` (environment wins)."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets.toml is the normal case, not an error
        secrets = {}
    return load_settings(secrets=secrets)


@st.cache_resource(show_spinner=False, max_entries=4)
def _dataset(key: str, boundary_path: str, version: str) -> Dataset:
    # ``version`` is only part of the key: changed data gets a fresh load.
    store = store_for_key(key)
    dataset = load_dataset(store, Path(boundary_path))
    unreadable = [i for i in dataset.issues if i.kind is IssueKind.FILE_UNREADABLE]
    if unreadable and is_database_url(key):
        # The server went away during the read: not a fact about the data to keep until the
        # next change (a broken GeoPackage file is, and is shown as a data-quality notice).
        raise StoreError(unreadable[0].source, unreadable[0].detail)
    return dataset


def get_dataset(settings: Settings) -> Dataset:
    """The dataset, shared read-only by all sessions until the data changes.

    Raises StoreError when the database cannot be reached (never for a GeoPackage)."""
    version = open_store(settings).version()
    return _dataset(store_key(settings), str(settings.boundary_path), version)


@st.cache_resource(show_spinner=False, max_entries=4)
def _view_frames(
    key: str, boundary_path: str, version: str, today: str
) -> dict[str, gpd.GeoDataFrame]:
    dataset = _dataset(key, boundary_path, version)
    milestones = parse_milestones(_tracking(key, version).milestones).milestones
    return with_deadline_columns(dataset.frames, milestones, dt.date.fromisoformat(today))


@st.cache_resource(show_spinner=False, max_entries=4)
def _public_frames(key: str, boundary_path: str, version: str) -> dict[str, gpd.GeoDataFrame]:
    # Built from the loaded layers, never from the staff frames: no deadline columns either.
    return project_frames(_dataset(key, boundary_path, version).frames, Audience.PUBLIC)


def view_frames(
    settings: Settings, dataset: Dataset, audience: Audience
) -> dict[str, gpd.GeoDataFrame]:
    """The layers as ``audience`` may see them: what the filters, the map, the panels and the
    downloads work on.

    Staff frames carry every field and each feature's deadline state as of today (Asia/
    Shanghai), recomputed when the data or the day changes. Public frames carry only the
    registry's public fields (``access.project_frames``).
    """
    if not audience.is_staff:
        return _public_frames(store_key(settings), str(settings.boundary_path), dataset.version)
    return _view_frames(store_key(settings), str(settings.boundary_path), dataset.version, _today())


@st.cache_resource(show_spinner=False, max_entries=64)
def _layer_strings(
    key: str, boundary_path: str, version: str, today: str, layer_id: str, audience: str
) -> pd.Series:
    if audience == Audience.PUBLIC:
        frames = _public_frames(key, boundary_path, version)
    else:
        frames = _view_frames(key, boundary_path, version, today)
    return feature_strings(frames[layer_id])


def layer_strings(settings: Settings, dataset: Dataset, audience: Audience) -> dict[str, pd.Series]:
    """Per layer, each feature's map text for ``audience``: serialised once per data
    version and day. The public payload is built from public frames, so it has no deadline
    state and nothing internal."""
    today = _today()
    return {
        layer_id: _layer_strings(
            store_key(settings),
            str(settings.boundary_path),
            dataset.version,
            today,
            layer_id,
            audience.value,
        )
        for layer_id in dataset.frames
    }


def _today() -> str:
    return today_shanghai().isoformat()


def today() -> str:
    """Today in Asia/Shanghai as ISO text: part of every cache key that holds deadlines."""
    return _today()


@st.cache_resource(show_spinner=False, max_entries=4)
def _boundary_json(key: str, boundary_path: str, version: str) -> str | None:
    return boundary_collection(_dataset(key, boundary_path, version).boundary)


def boundary_json(settings: Settings, dataset: Dataset) -> str | None:
    return _boundary_json(store_key(settings), str(settings.boundary_path), dataset.version)


@st.cache_resource(show_spinner=False, max_entries=4)
def _tracking(key: str, version: str) -> Tracking:
    return load_tracking(store_for_key(key))


def get_tracking(settings: Settings, dataset: Dataset) -> Tracking:
    """History, milestones and versions, read once per data version (an edit changes it)."""
    return _tracking(store_key(settings), dataset.version)


def warm_caches(settings: Settings) -> None:
    """Load the data and serialise both audiences' map text now, not for the first visitor.

    At 100,000 plots that is ~5 s of work (reading, areas, deadlines, encoded shapes) that the
    first page after a start would otherwise wait for (issue #12). The caches are the same
    process-wide ``st.cache_resource`` entries the pages use, keyed by store key and data version,
    and a page arriving meanwhile waits for the entry being built instead of building it again.
    """
    dataset = get_dataset(settings)
    for audience in Audience:
        view_frames(settings, dataset, audience)
        layer_strings(settings, dataset, audience)
