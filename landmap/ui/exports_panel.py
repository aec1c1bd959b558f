"""Downloads of what is shown: data files, the 台账, and the map picture for reports.

Each button builds its file only when clicked (Streamlit's deferred download data), from the
frames of this run, so the page stays fast and a download always matches the filter above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import geopandas as gpd
import streamlit as st

from landmap.access import Audience
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import md_escape
from landmap.export import ExportFormat, export_features
from landmap.i18n import t
from landmap.ledger import ledger_workbook
from landmap.progress.deadlines import today_shanghai
from landmap.query import find_feature
from landmap.reports.picture import map_picture
from landmap.store import TrackingStore
from landmap.store.open import open_store

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PICTURE_MIME = {"png": "image/png", "pdf": "application/pdf"}


def render_exports(
    settings: Settings,
    dataset: Dataset,
    shown: Mapping[str, gpd.GeoDataFrame],
    filter_text: str,
    lang: str,
    colour: str,
    selected_id: str | None,
    audience: Audience,
    visible: dict[str, gpd.GeoDataFrame],
) -> None:
    """The downloads of ``shown`` (``audience``'s frames) for ``audience``: public readers
    get the public form of every file and no 台账 (it carries versions and internal fields).
    ``visible`` are the audience's unfiltered frames, where the selected feature is found."""
    st.caption(t("export.intro", lang, filter=md_escape(filter_text)))
    stamp = today_shanghai().strftime("%Y%m%d")
    stem = f"{t('export.stem', lang)}_{stamp}"
    frames = dict(shown)

    st.markdown(f"**{t('export.data_title', lang)}**")
    columns = st.columns(3)
    for i, fmt in enumerate(ExportFormat):
        columns[i % 3].download_button(
            t(f"export.fmt_{fmt.value}", lang),
            data=partial(_export, frames, fmt, lang, filter_text, stem, audience),
            file_name=f"{stem}{fmt.extension}",
            mime=fmt.mime_type,
            on_click="ignore",
            key=f"export_{fmt.value}",
            icon=":material/download:",
            width="stretch",
        )

    store = open_store(settings)
    if audience.is_staff:
        st.markdown(f"**{t('export.ledger_title', lang)}**")
        st.caption(t("export.ledger_help", lang))
        st.download_button(
            t("export.ledger", lang),
            data=partial(_ledger, store, frames, lang, filter_text),
            file_name=f"{t('export.ledger_stem', lang)}_{stamp}.xlsx",
            mime=_XLSX,
            on_click="ignore",
            key="export_ledger",
            icon=":material/table_view:",
        )

    st.markdown(f"**{t('export.picture_title', lang)}**")
    extent = "all"
    # The selected feature as this audience sees it (a hidden plot gives no picture extent).
    found = find_feature(visible, selected_id)
    if found is not None:
        extent = st.radio(
            t("export.extent", lang),
            ["all", "selected"],
            format_func=lambda e: t(f"export.extent_{e}", lang),
            horizontal=True,
            key="export_extent",
        )
    bounds = None
    shape = found[1].geometry if found is not None else None
    if extent == "selected" and shape is not None and not shape.is_empty:
        west, south, east, north = shape.bounds
        pad = max(north - south, east - west, 0.004) * 0.6  # show the surroundings too
        bounds = (west - pad, south - pad, east + pad, north + pad)
    picture = partial(
        map_picture,
        frames,
        lang=lang,
        filter_text=filter_text,
        source_name=store.source_name,
        is_sample=settings.is_sample_data,
        colour=colour if audience.is_staff else "status",
        boundary=dataset.boundary,
        bounds=bounds,
    )
    left, right = st.columns(2)
    for column, fmt in ((left, "png"), (right, "pdf")):
        column.download_button(
            t(f"export.picture_{fmt}", lang),
            data=partial(picture, fmt=fmt),
            file_name=f"{stem}.{fmt}",
            mime=_PICTURE_MIME[fmt],
            on_click="ignore",
            key=f"export_picture_{fmt}",
            icon=":material/map:",
            width="stretch",
        )


def _export(
    frames: Mapping[str, gpd.GeoDataFrame],
    fmt: ExportFormat,
    lang: str,
    filter_text: str,
    stem: str,
    audience: Audience,
) -> bytes:
    return export_features(
        frames, fmt, lang=lang, filter_text=filter_text, audience=audience, file_stem=stem
    ).data


def _ledger(
    store: TrackingStore, frames: Mapping[str, gpd.GeoDataFrame], lang: str, filter_text: str
) -> bytes:
    versions = store.versions_by_layer(frames)
    return ledger_workbook(frames, lang, versions, filter_text=filter_text)
