"""The map picture for reports, as the app and the command line ask for it (pure).

Wraps ``mapprint.render_map_picture`` with what a report needs from the product: the title,
the filter sentence, the data note (source, illustrative sample), and colours by status or by
deadline state, the way the map shows them.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

from landmap.i18n import t
from landmap.progress.deadlines import DeadlineState
from landmap.reports.mapprint import PictureFormat, render_map_picture


def map_picture(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    fmt: PictureFormat,
    lang: str,
    filter_text: str,
    source_name: str,
    is_sample: bool,
    colour: str = "status",
    boundary: gpd.GeoDataFrame | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> bytes:
    """PNG or PDF of ``frames`` (filtered layers; with ``deadline_state`` to colour by it)."""
    note = t("picture.note", lang, source=source_name)
    if is_sample:
        note += t("picture.sample", lang)
    colours = legend = None
    if colour == "deadline":
        colours = {
            (layer_id, str(fid)): DeadlineState(state).color
            for layer_id, frame in frames.items()
            if "deadline_state" in frame.columns
            for fid, state in zip(frame["id"], frame["deadline_state"], strict=True)
        }
        present = {DeadlineState(c) for f in frames.values() for c in f.get("deadline_state", [])}
        legend = [(s.label.get(lang), s.color) for s in DeadlineState if s in present]
    return render_map_picture(
        frames,
        fmt=fmt,
        lang=lang,
        title=t("app.title", lang),
        subtitle=filter_text,
        data_note=note,
        bounds=bounds,
        boundary=boundary,
        colours=colours,
        legend_entries=legend,
    )
