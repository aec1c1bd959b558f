"""Investor mode in the page: a plot's selling facts, the shortlist button and the comparison.

Audience: public and staff alike. Everything here is built from the audience's frames and the
registry's public fields (``promotion.facts``); the contact is the promotion office's.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.access import Audience
from landmap.clock import SHANGHAI
from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import html_text
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, LayerSpec
from landmap.progress.deadlines import today_shanghai
from landmap.promotion import MAX_SHORTLIST, compare, selling_facts
from landmap.promotion.brochure import LANGS, make_brochure, public_photos
from landmap.promotion.facts import SellingFacts
from landmap.query import find_feature
from landmap.store.open import open_store
from landmap.ui import state
from landmap.ui.data import view_frames

BROCHURE_LANG = "brochure_lang"


def render_selling_facts(
    spec: LayerSpec,
    row: pd.Series,
    frames: dict[str, gpd.GeoDataFrame],
    settings: Settings,
    dataset: Dataset,
    lang: str,
) -> None:
    """The 招商要点 of an offered layer's plot, with its shortlist button and brochure."""
    if not spec.offered_statuses:
        return
    facts = selling_facts(spec, row, frames.get("roads"), lang, settings.promotion_contact)
    st.markdown(f"**{html_text(t('facts.title', lang))}**")
    offered = str(row.get("status")) in spec.offered_statuses
    if not offered:  # only staff get here
        st.caption(t("facts.not_offered", lang, status=facts.status))
    left, right = st.columns(2, vertical_alignment="bottom")
    with left:
        _shortlist_button(facts.feature_id, lang)
    if offered:
        with right:
            _brochure_button([facts.feature_id], settings, dataset, lang, "brochure.download")
    rows = [(label, value) for _, label, value in facts.rows]
    st.html(_facts_html(rows) + _utilities_html(facts, lang) + _roads_html(facts, lang))


def _shortlist_button(feature_id: str, lang: str) -> None:
    ids = state.shortlist()
    inside = feature_id in ids
    full = not inside and len(ids) >= MAX_SHORTLIST
    st.button(
        t("compare.remove" if inside else "compare.add", lang),
        key=f"shortlist_{feature_id}",
        icon=":material/star:" if inside else ":material/star_border:",
        on_click=state.toggle_shortlist,
        args=(feature_id,),
        disabled=full,
        help=t("compare.full", lang, count=MAX_SHORTLIST) if full else None,
    )


def _facts_html(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><th style="text-align:left;font-weight:400;color:#555;padding:3px 12px 3px 0;'
        f'width:8.5em;vertical-align:top">{html_text(label)}</th>'
        f'<td style="padding:3px 0">{html_text(value)}</td></tr>'
        for label, value in rows
    )
    return f'<table style="border-collapse:collapse;font-size:.9rem;width:100%">{body}</table>'


def _chip(text: str, ready: bool) -> str:
    # Dark text on light fills: well above 4.5:1 either way.
    colours = "background:#c8e6c9;color:#1b5e20" if ready else "background:#fff3e0;color:#8a4b00"
    mark = "✓" if ready else "…"
    return (
        f'<span style="display:inline-block;margin:2px 4px 2px 0;padding:1px 8px;'
        f'border-radius:10px;font-size:.85rem;{colours}">{mark} {html_text(text)}</span>'
    )


def _utilities_html(facts: SellingFacts, lang: str) -> str:
    chips = [_chip(u, True) for u in facts.utilities_ready]
    chips += [_chip(u, False) for u in facts.utilities_planned]
    if not chips:
        return ""
    legend = f"✓ {t('facts.utilities_ready', lang)} · … {t('facts.utilities_planned', lang)}"
    return (
        f'<div style="margin:.6rem 0 .2rem;font-weight:600">{html_text(t("facts.utilities", lang))}'
        f'<span style="font-weight:400;color:#555;font-size:.8rem;margin-left:.6rem">'
        f"{html_text(legend)}</span></div><div>{''.join(chips)}</div>"
    )


def _roads_html(facts: SellingFacts, lang: str) -> str:
    title = html_text(t("facts.serving_roads", lang))
    if not facts.serving_roads:
        items = f"<li>{html_text(t('facts.no_roads', lang))}</li>"
    else:
        items = "".join(
            "<li>"
            + html_text(
                t(
                    "facts.road_line",
                    lang,
                    name=road.name,
                    road_class=road.road_class,
                    stage=road.stage,
                    finish=t("facts.finish", lang, date=road.planned_finish[:7])
                    if road.planned_finish
                    else "",
                    metres=f"{road.distance_m:,.0f}",
                )
            )
            + "</li>"
            for road in facts.serving_roads
        )
    return (
        f'<div style="margin:.6rem 0 .2rem;font-weight:600">{title}</div>'
        f'<ul style="margin:0 0 0 1.1rem;padding:0;font-size:.9rem">{items}</ul>'
    )


def shortlisted_facts(
    frames: dict[str, gpd.GeoDataFrame], settings: Settings, lang: str
) -> list[SellingFacts]:
    """The shortlisted plots this audience may see, in the order they were added."""
    facts = []
    for feature_id in state.shortlist():
        found = find_feature(frames, feature_id)
        if found is None:  # not visible to this reader, or gone from the data
            continue
        spec = LAYER_BY_ID[found[0]]
        if spec.offered_statuses:
            roads = frames.get("roads")
            facts.append(selling_facts(spec, found[1], roads, lang, settings.promotion_contact))
    return facts


def _start_presentation() -> None:
    st.session_state[state.VIEW] = "present"
    st.session_state.pop("present_index", None)


def _brochure_button(
    feature_ids: list[str], settings: Settings, dataset: Dataset, lang: str, label: str
) -> None:
    """A download of the brochure, built when clicked, in the language chosen beside it.

    Public output whoever clicks: made from the public frames (``make_brochure``).
    """
    choice = st.session_state.get(BROCHURE_LANG, lang)
    stamp = today_shanghai().strftime("%Y%m%d")
    name = feature_ids[0] if len(feature_ids) == 1 else t("brochure.shortlist_title", lang)
    st.download_button(
        t(label, lang),
        data=partial(_brochure_pdf, tuple(feature_ids), settings, dataset, choice),
        file_name=f"{name}_{stamp}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"brochure_{label}_{'_'.join(feature_ids)}",
        icon=":material/picture_as_pdf:",
    )


def _brochure_pdf(
    feature_ids: tuple[str, ...], settings: Settings, dataset: Dataset, brochure_lang: str
) -> bytes:
    store = open_store(settings)
    return make_brochure(
        feature_ids,
        view_frames(settings, dataset, Audience.PUBLIC),
        lang=brochure_lang,
        base_url=settings.public_url,
        contact=settings.promotion_contact,
        boundary=dataset.boundary,
        as_of=datetime.now(SHANGHAI),
        is_sample=settings.is_sample_data,
        photos=public_photos(store),
    )


def render_brochure_language(lang: str) -> None:
    """The brochures' language (zh, en or both), one choice for every brochure button."""
    if BROCHURE_LANG not in st.session_state:
        st.session_state[BROCHURE_LANG] = lang
    st.radio(
        t("brochure.language", lang),
        list(LANGS),
        key=BROCHURE_LANG,
        format_func=lambda code: t(f"brochure.lang_{code}", lang),
        horizontal=True,
    )


def render_comparison(
    facts: list[SellingFacts], settings: Settings, dataset: Dataset, lang: str
) -> None:
    """The shortlist side by side, best values starred; each plot can be opened or removed."""
    if not facts:
        st.info(t("compare.empty", lang, count=MAX_SHORTLIST))
        return
    table = compare(facts, lang)
    head = "".join(
        f'<th style="text-align:left;padding:6px 10px;border-bottom:2px solid #999;'
        f'vertical-align:bottom">{html_text(name)}<div style="font-weight:400;color:#666;'
        f'font-size:.8rem">{html_text(fid)}</div></th>'
        for name, fid in zip(table.columns, table.feature_ids, strict=True)
    )
    body = []
    for r, (label, values) in enumerate(table.rows):
        cells = "".join(
            '<td style="padding:5px 10px;border-bottom:1px solid #e0e0e0;vertical-align:top'
            + (";font-weight:700;background:#fff8e1" if table.is_best(r, c) else "")
            + f'">{"★ " if table.is_best(r, c) else ""}{html_text(value)}</td>'
            for c, value in enumerate(values)
        )
        body.append(
            f'<tr><th style="text-align:left;font-weight:400;color:#555;padding:5px 10px 5px 0;'
            f'border-bottom:1px solid #e0e0e0;vertical-align:top;white-space:nowrap">'
            f"{html_text(label)}</th>{cells}</tr>"
        )
    st.html(
        '<div style="overflow-x:auto"><table style="border-collapse:collapse;font-size:.9rem;'
        f'min-width:100%"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    st.caption(t("compare.best", lang))
    st.button(
        t("present.start", lang),
        key="present_start",
        on_click=_start_presentation,
        icon=":material/slideshow:",
        type="primary",
    )
    render_brochure_language(lang)
    _brochure_button(
        [f.feature_id for f in facts], settings, dataset, lang, "brochure.download_shortlist"
    )
    columns = st.columns(len(facts) + 1)
    for column, plot in zip(columns, facts, strict=False):
        column.button(
            t("compare.remove", lang) + f" · {plot.feature_id}",
            key=f"shortlist_remove_{plot.feature_id}",
            on_click=state.toggle_shortlist,
            args=(plot.feature_id,),
            icon=":material/star:",
        )
    columns[-1].button(
        t("compare.clear", lang), key="shortlist_clear", on_click=state.clear_shortlist
    )
