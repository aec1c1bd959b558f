"""The plot criteria in the sidebar: area range, holder, planned use and target industry.

Each is offered only when a layer has the field and the reader's audience may see it (the
registry's ``public`` flag); the choices come from the reader's own frames, so a public
reader is never offered the holder of a plot the public view does not show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import geopandas as gpd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landmap.access import Audience
from landmap.i18n import t
from landmap.layers import LAYERS, PLANNED_USES
from landmap.query import value_options
from landmap.ui import state

_PLACEHOLDERS = {
    "holder": "filters.all_holders",
    "planned_use": "filters.all_planned_uses",
    "industry": "filters.all_industries",
}


def offered(key: str, audience: Audience) -> bool:
    """Whether some layer has field ``key`` and ``audience`` may see it."""
    return any(f.key == key for spec in LAYERS for f in audience.fields(spec))


def render_plot_filters(
    sb: DeltaGenerator,
    frames: Mapping[str, gpd.GeoDataFrame],
    audience: Audience,
    lang: str,
) -> None:
    sb.subheader(t("filters.plot", lang))
    low, high = sb.columns(2)
    low.number_input(
        t("filters.area_min", lang),
        min_value=0.0,
        value=None,
        step=10.0,
        format="%.1f",
        key=state.AREA_MIN,
        help=t("filters.area_help", lang),
    )
    high.number_input(
        t("filters.area_max", lang),
        min_value=0.0,
        value=None,
        step=10.0,
        format="%.1f",
        key=state.AREA_MAX,
    )
    holders = value_options(frames, "owner_name")
    present = set(value_options(frames, "planned_use"))
    uses = [code for code in PLANNED_USES if code in present]  # in the registry's order
    industries = value_options(frames, "target_industry")
    _choice(sb, audience, "owner_name", state.HOLDERS, holders, "holder", lang)
    _choice(
        sb,
        audience,
        "planned_use",
        state.PLANNED_USES,
        uses,
        "planned_use",
        lang,
        format_func=lambda code: PLANNED_USES[code].get(lang),
    )
    _choice(sb, audience, "target_industry", state.INDUSTRIES, industries, "industry", lang)


def _choice(
    sb: DeltaGenerator,
    audience: Audience,
    field_key: str,
    key: str,
    options: list[str],
    label: str,
    lang: str,
    format_func: Callable[[str], str] = str,
) -> None:
    """A multiselect over ``options`` bound to session ``key``, labelled ``filters.<label>``."""
    # A value from a link that is not among the choices (a typo, a plot this reader may not
    # see) is dropped: a multiselect cannot hold it, and it would hide everything.
    allowed = offered(field_key, audience)
    chosen = [v for v in st.session_state.get(key) or [] if v in options]
    st.session_state[key] = chosen if allowed else []
    if not allowed or not options:
        return
    sb.multiselect(
        t(f"filters.{label}", lang),
        options,
        key=key,
        format_func=format_func,
        placeholder=t(_PLACEHOLDERS[label], lang),
    )
