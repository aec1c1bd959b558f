"""Blank import templates to download on the data page."""

from __future__ import annotations

import streamlit as st

from landmap.i18n import t
from landmap.ingest.templates import template_csv, template_file_name, template_xlsx
from landmap.layers import LAYERS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=16)
def _xlsx(layer_id: str) -> bytes:
    return template_xlsx(next(layer for layer in LAYERS if layer.id == layer_id))


def render_templates(lang: str) -> None:
    """Per layer, an Excel and a CSV template whose headers the importer maps by itself."""
    with st.expander(t("data.templates", lang), icon=":material/download:"):
        st.caption(t("data.templates_intro", lang))
        for layer in LAYERS:
            name = layer.name.get(lang)
            excel, text = st.columns(2)
            excel.download_button(
                t("data.template_xlsx", lang, layer=name),
                data=_xlsx(layer.id),
                file_name=template_file_name(layer, "xlsx"),
                mime=XLSX_MIME,
                key=f"template_xlsx_{layer.id}",
                on_click="ignore",
                icon=":material/table_view:",
            )
            text.download_button(
                t("data.template_csv", lang, layer=name),
                data=template_csv(layer),
                file_name=template_file_name(layer, "csv"),
                mime="text/csv",
                key=f"template_csv_{layer.id}",
                on_click="ignore",
                icon=":material/description:",
            )
