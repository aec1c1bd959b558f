"""The data page (editors only): import a file with its report, and restore a backup.

Flow: upload → check (``prepare_import`` in the sandbox) → report with the coordinate system to
confirm or change, the column and status mapping to correct → choose how to write → import
(``commit_import``: one atomic change, the previous file kept as a backup). The role is checked
when the page is drawn and again inside every write callback.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from landmap.config import Settings
from landmap.dataset import Dataset
from landmap.escaping import md_escape, md_text
from landmap.i18n import t
from landmap.ingest.limits import Limits
from landmap.ingest.plan import (
    SOURCE_COORDS,
    ImportOptions,
    ImportPlan,
    commit_import,
    prepare_import,
)
from landmap.ingest.problems import ImportRejected
from landmap.ingest.validate import ImportMode
from landmap.layers import LAYER_BY_ID, LAYERS, get_layer
from landmap.store import StoreConflict, StoreError
from landmap.store.open import open_store
from landmap.ui.auth import editor_or_none
from landmap.ui.backups_panel import render_backups
from landmap.ui.ledger_import import render_ledger_import
from landmap.ui.messages import clear_file_picker, drop_hint, file_picker, flash, show_flash
from landmap.ui.templates_panel import render_templates

UPLOAD_TYPES = ["gpkg", "geojson", "json", "zip", "kml", "kmz", "csv", "xlsx"]
_PLAN = "_import_plan"
_IMPORT_FILE = "import_file"
_RESULT = "_import_result"
_FIELD_FIX = "_import_field_fix"
_STATUS_FIX = "_import_status_fix"
_UNUSED = "-"
_AUTO_CHECK = "_import_auto_check"


@dataclass(frozen=True)
class _Checked:
    """A report and what it was made from, so an import writes exactly what was shown."""

    plan: ImportPlan
    digest: str
    options: ImportOptions


def render_data_page(settings: Settings, dataset: Dataset, lang: str) -> None:
    st.header(t("data.title", lang))
    if editor_or_none() is None:
        st.warning(t("data.editors_only", lang), icon=":material/lock:")
        return
    import_tab, ledger_tab, backups_tab = st.tabs(
        [t("data.import_tab", lang), t("data.ledger_tab", lang), t("data.backups_tab", lang)]
    )
    with import_tab:
        _render_import(settings, dataset, lang)
    with ledger_tab:
        render_ledger_import(settings, dataset, lang)
    with backups_tab:
        render_backups(settings, lang)


# --- import ----------------------------------------------------------------------------------


def _render_import(settings: Settings, dataset: Dataset, lang: str) -> None:
    show_flash(_RESULT)
    st.caption(t("data.import_intro", lang))
    render_templates(lang)
    upload = file_picker(
        t("data.file", lang),
        UPLOAD_TYPES,
        _IMPORT_FILE,
        help=t("data.file_help", lang),
        hint=drop_hint(lang),
    )
    left, right = st.columns(2)
    layer_id = left.selectbox(
        t("data.layer", lang),
        [layer.id for layer in LAYERS],
        format_func=lambda lid: LAYER_BY_ID[lid].name.get(lang),
        key="import_layer",
    )
    mode = right.radio(
        t("data.mode", lang),
        [m.value for m in ImportMode],
        format_func=lambda m: t(f"data.mode_{m}", lang),
        key="import_mode",
    )
    source_coords = left.radio(
        t("data.source_coords", lang),
        SOURCE_COORDS,
        format_func=lambda s: t(f"data.coords_{s}", lang),
        key="import_source_coords",
        help=t("data.source_coords_help", lang),
    )
    crs_text = right.text_input(
        t("data.crs", lang), key="import_crs", placeholder="4490", help=t("data.crs_help", lang)
    )
    default_status = right.selectbox(
        t("data.default_status", lang),
        ["", *LAYER_BY_ID[layer_id].status_codes],
        format_func=lambda code: (
            LAYER_BY_ID[layer_id].status_label(code, lang)
            if code
            else t("data.default_status_none", lang)
        ),
        key=f"import_default_status_{layer_id}",  # the codes are the layer's own
    )
    with st.expander(t("data.advanced", lang)):
        encoding = st.text_input(t("data.encoding", lang), key="import_encoding", placeholder="GBK")
        sheet = st.text_input(t("data.sheet", lang), key="import_sheet")
        source_layer = st.text_input(t("data.source_layer", lang), key="import_source_layer")

    if upload is None:
        st.session_state.pop(_PLAN, None)
        return
    crs, crs_error = _parse_epsg(crs_text)
    if crs_error:
        st.error(md_text(t("data.crs_invalid", lang, value=crs_text)))
        return
    data = upload.getvalue()
    options = ImportOptions(
        layer_id=layer_id,
        mode=ImportMode(mode),
        crs=crs,
        source_coords=source_coords,
        encoding=encoding.strip() or None,
        field_mapping=st.session_state.get(_FIELD_FIX) or None,
        status_mapping=st.session_state.get(_STATUS_FIX) or None,
        sheet=sheet.strip() or None,
        source_layer=source_layer.strip() or None,
        default_status=default_status or None,
    )
    digest = hashlib.sha256(data).hexdigest()
    checked: _Checked | None = st.session_state.get(_PLAN)
    if checked is None or checked.digest != digest or checked.options != options:
        st.session_state.pop(_PLAN, None)
        clicked = st.button(t("data.check", lang), type="primary", icon=":material/fact_check:")
        if clicked or st.session_state.pop(_AUTO_CHECK, False):
            _check(settings, dataset, data, upload.name, options, digest, lang)
            checked = st.session_state.get(_PLAN)
        else:
            return
    if checked is not None:
        _render_report(settings, checked.plan, lang)


def _check(
    settings: Settings,
    dataset: Dataset,
    data: bytes,
    filename: str,
    options: ImportOptions,
    digest: str,
    lang: str,
) -> None:
    district = None
    if dataset.boundary is not None and not dataset.boundary.empty:
        district = dataset.boundary.union_all()
    store = open_store(settings)
    with st.spinner(t("data.checking", lang)):
        try:
            plan = prepare_import(data, filename, options, store, district, Limits())
        except ImportRejected as exc:
            st.error(md_text(exc.problem.text(lang)))
            return
    st.session_state[_PLAN] = _Checked(plan, digest, options)


def _render_report(settings: Settings, plan: ImportPlan, lang: str) -> None:
    st.subheader(t("data.report", lang))
    for line in plan.summary_lines(lang)[:-1]:
        if line.startswith(("[ERROR]", "[错误]")):
            st.error(md_text(line), icon=":material/error:")
        elif line.startswith(("[WARNING]", "[提示]")):
            st.warning(md_text(line), icon=":material/warning:")
        else:
            st.markdown("- " + md_escape(line))
    _render_crs_choice(plan, lang)
    _render_mapping_editors(plan, lang)
    _render_preview(plan, lang)

    confirmed = True
    if plan.crs_source == "guess" and plan.crs_epsg:
        confirmed = st.checkbox(
            t("data.confirm_crs", lang, epsg=plan.crs_epsg), key="import_crs_confirmed"
        )
    if not plan.can_commit:
        st.error(t("data.cannot_import", lang), icon=":material/block:")
        return
    st.button(
        t("data.commit", lang, count=len(plan.features), mode=t(f"data.mode_{plan.mode}", lang)),
        type="primary",
        icon=":material/upload:",
        disabled=not confirmed,
        on_click=_commit,
        args=(settings, lang),
    )


def _render_crs_choice(plan: ImportPlan, lang: str) -> None:
    if not plan.crs_guesses:
        return
    with st.expander(t("data.crs_guesses", lang), expanded=plan.crs_source == "guess"):
        for guess in plan.crs_guesses:
            swapped = t("data.swapped", lang) if guess.swapped else ""
            legacy = t("data.legacy", lang) if guess.legacy_datum else ""
            st.markdown(
                "- "
                + md_escape(
                    f"{guess.label.get(lang)} — {guess.reason.get(lang)} "
                    f"({t(f'data.confidence_{guess.confidence}', lang)}){swapped}{legacy}"
                )
            )
        st.caption(t("data.crs_change_hint", lang))


def _render_mapping_editors(plan: ImportPlan, lang: str) -> None:
    layer = get_layer(plan.layer_id)
    fields = {_UNUSED: t("data.unused", lang), "id": "id", "name": "name", "status": "status"}
    fields.update({f.key: f"{f.key} · {f.label.get(lang)}" for f in layer.all_fields})
    columns = [*plan.field_mapping, *plan.unmapped_columns]
    with st.expander(t("data.mapping", lang), expanded=False):
        st.caption(t("data.mapping_help", lang))
        picked = _choice_table(
            columns,
            {c: plan.field_mapping.get(c, _UNUSED) for c in columns},
            fields,
            key="import_mapping_editor",
            titles=(t("data.source_column", lang), t("data.target_field", lang)),
            required=True,
        )
        fixes = {
            column: field or _UNUSED
            for column, field in picked.items()
            if (field or _UNUSED) != plan.field_mapping.get(column, _UNUSED)
        }
        unknown = sorted(
            {str(v) for v in plan.features["status"].dropna()} - set(layer.status_codes) - {""}
        )
        status_fixes: dict[str, str] = {}
        if unknown:
            st.caption(t("data.status_help", lang))
            picked_status = _choice_table(
                unknown,
                {},
                {s.code: f"{s.code} · {s.label.get(lang)}" for s in layer.statuses},
                key="import_status_editor",
                titles=(t("data.source_value", lang), t("data.target_status", lang)),
                required=False,
            )
            status_fixes = {value: code for value, code in picked_status.items() if code}
        if st.button(t("data.recheck", lang), icon=":material/refresh:"):
            st.session_state[_FIELD_FIX] = {
                **(st.session_state.get(_FIELD_FIX) or {}),
                **fixes,
            }
            st.session_state[_STATUS_FIX] = {
                **(st.session_state.get(_STATUS_FIX) or {}),
                **status_fixes,
            }
            st.session_state[_AUTO_CHECK] = True
            st.rerun()


def _choice_table(
    sources: list[str],
    current: dict[str, str],
    choices: dict[str, str],
    *,
    key: str,
    titles: tuple[str, str],
    required: bool,
) -> dict[str, str | None]:
    """An editable two-column table: each source value (read-only) beside a choice from
    ``choices`` (key → label, shown by label). Returns source → chosen key (None: none)."""
    table = pd.DataFrame(
        {"source": sources, "choice": [choices.get(current.get(s, "")) for s in sources]}
    )
    edited = st.data_editor(
        table,
        key=key,
        hide_index=True,
        disabled=["source"],
        column_config={
            "source": st.column_config.TextColumn(titles[0]),
            "choice": st.column_config.SelectboxColumn(
                titles[1], options=list(choices.values()), required=required
            ),
        },
    )
    by_label = {label: choice for choice, label in choices.items()}
    return {row.source: by_label.get(row.choice) for row in edited.itertuples()}


def _render_preview(plan: ImportPlan, lang: str) -> None:
    if plan.features.empty:
        return
    shown = [c for c in ("id", "name", "status") if c in plan.features.columns]
    with st.expander(t("data.preview", lang, count=len(plan.features))):
        st.dataframe(pd.DataFrame(plan.features[shown]).head(200), hide_index=True, width="stretch")


def _commit(settings: Settings, lang: str) -> None:
    account = editor_or_none()
    checked: _Checked | None = st.session_state.get(_PLAN)
    if account is None:
        flash(_RESULT, "error", t("data.editors_only", lang))
        return
    if checked is None:
        return
    try:
        store = open_store(settings)
        backup = commit_import(checked.plan, store, user=account.name)
    except ImportRejected as exc:
        flash(_RESULT, "error", exc.problem.text(lang))
        return
    except StoreConflict:
        flash(_RESULT, "error", t("data.store_moved", lang))
        st.session_state.pop(_PLAN, None)
        return
    except StoreError as exc:
        flash(_RESULT, "error", t("data.store_error", lang, detail=exc.detail))
        return
    flash(
        _RESULT,
        "ok",
        t("data.imported", lang, count=len(checked.plan.features), backup=backup.id),
    )
    _reset_import()


def _reset_import() -> None:
    for key in (_PLAN, _FIELD_FIX, _STATUS_FIX, "import_crs_confirmed"):
        st.session_state.pop(key, None)
    clear_file_picker(_IMPORT_FILE)


def _parse_epsg(text: str) -> tuple[int | None, bool]:
    text = text.strip().upper().removeprefix("EPSG:")
    if not text:
        return None, False
    if text.isdigit() and 1024 <= int(text) <= 999_999:
        return int(text), False
    return None, True
