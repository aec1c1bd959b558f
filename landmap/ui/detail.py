"""The detail panel of the selected feature: everything the registry says about it."""

from __future__ import annotations

import math
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.access import Audience
from landmap.escaping import html_text, md_escape
from landmap.facts import feature_facts
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, UNKNOWN_STATUS_STYLE, GeometryKind, LayerSpec
from landmap.map.colours import readable_text_colour
from landmap.query import find_feature
from landmap.ui import state


def render_detail(
    frames: dict[str, gpd.GeoDataFrame],
    feature_id: str | None,
    audience: Audience,
    lang: str,
    after_headline: Callable[[LayerSpec, pd.Series], None] | None = None,
) -> tuple[LayerSpec, pd.Series] | None:
    """The selected feature's facts as ``audience`` may see them; returns its layer and row
    (None if nothing is shown). ``frames`` are that audience's frames (``view_frames``)."""
    if not feature_id:
        st.info(t("detail.none_selected", lang))
        return None
    found = find_feature(frames, feature_id)
    if found is None:
        st.warning(t("detail.not_found", lang, id=md_escape(feature_id)))
        return None
    layer_id, row = found
    spec = LAYER_BY_ID[layer_id]
    title_col, button_col = st.columns([5, 1], vertical_alignment="center")
    name = str(row["name"] or feature_id)
    # In English, an offered plot's English name (when the office has given one) leads.
    name_en = row.get("name_en") if lang == "en" else None
    if isinstance(name_en, str) and name_en.strip():
        title_col.markdown(f"#### {md_escape(name_en.strip())}")
        title_col.caption(md_escape(name))
    else:
        title_col.markdown(f"#### {md_escape(name)}")
    button_col.button(
        "✕",
        key="clear_selection",
        help=t("detail.clear", lang),
        on_click=state.select,
        args=(None,),
    )
    st.caption(
        f"{md_escape(spec.name.get(lang))} · {md_escape(feature_id)}"
        + (
            f" · {t('detail.illustrative', lang)}"
            if row.get("coord_quality") == "illustrative"
            else ""
        )
    )
    status = spec.status(str(row["status"]))
    st.html(
        _headline_html(
            spec.status_label(str(row["status"]), lang),
            status.color if status else UNKNOWN_STATUS_STYLE.color,
            measures(spec, row, lang),
        )
    )
    if row.get("geometry") is None:
        st.warning(t("detail.no_geometry", lang))

    if after_headline is not None:  # e.g. an offered plot's 招商要点, before the records
        after_headline(spec, row)
    facts = feature_facts(spec, row, audience, lang)
    _facts_table(t("detail.basic", lang), facts.basic)
    _facts_table(t("detail.dates", lang), facts.dates)
    _facts_table(
        t("detail.layer_fields", lang, layer=spec.short_name.get(lang)), facts.layer_fields
    )
    return spec, row


def measures(spec: LayerSpec, row: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Area in 亩 and m² for land, length in km for roads (computed in EPSG:4543)."""
    if spec.geometry is GeometryKind.LINE:
        return [(t("col.length_km", lang), _number(row.get("length_km"), 2))]
    return [
        (t("col.area_mu", lang), _number(row.get("area_mu"), 2)),
        (t("col.area_m2", lang), _number(row.get("area_m2"), 0)),
    ]


def _headline_html(status_label: str, color: str, figures: list[tuple[str, str]]) -> str:
    """Status pill and area/length figures. Every text is escaped; st.html also sanitises."""
    cells = "".join(
        f'<div style="margin-right:1.6rem"><div style="font-size:.8rem;color:#666">'
        f'{html_text(label)}</div><div style="font-size:1.35rem;font-weight:600">'
        f"{html_text(value)}</div></div>"
        for label, value in figures
    )
    # Dark or white text, whichever reads at 4.5:1 or better on this status colour (WCAG AA).
    pill = (
        f'<span style="display:inline-block;padding:.2rem .7rem;border-radius:1rem;'
        f"background:{html_text(color)};color:{readable_text_colour(color)};font-weight:600;"
        f'border:1px solid rgba(0,0,0,.25)">{html_text(status_label)}</span>'
    )
    return (
        f'<div style="display:flex;align-items:flex-end;flex-wrap:wrap;gap:.4rem 0">'
        f'<div style="margin-right:1.6rem">{pill}</div>{cells}</div>'
    )


def _facts_table(title: str, rows: list[tuple[str, str]]) -> None:
    """A two-column table of facts, as escaped HTML (compact, and no grid scrollbars)."""
    if not rows:
        return
    body = "".join(
        f'<tr><th style="text-align:left;font-weight:400;color:#555;padding:3px 12px 3px 0;'
        f'width:7.5em;vertical-align:top">{html_text(label)}</th>'
        f'<td style="padding:3px 0">{html_text(value)}</td></tr>'
        for label, value in rows
    )
    st.html(
        f'<div style="font-weight:600;margin:.6rem 0 .2rem">{html_text(title)}</div>'
        f'<table style="border-collapse:collapse;font-size:.9rem;width:100%">{body}</table>'
    )


def _number(value: object, decimals: int) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(number):
        return "—"
    return f"{number:,.{decimals}f}"
