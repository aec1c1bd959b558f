"""Progress in the detail panel: the edit form (editors only, drawn right under the
headline by the caller), deadlines and the timeline.

Every save goes through ``landmap.progress.edits`` (the rules) and the store's ``apply_edits`` (one
transaction with its history). The role is re-read inside the save handler itself, so hiding
the form is not what protects the data (security.md §2.5 A3).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from landmap.config import Settings
from landmap.escaping import md_escape, md_text
from landmap.i18n import plural, t
from landmap.layers import FieldKind, FieldSpec, LayerSpec
from landmap.progress.deadlines import Milestone, milestone_state, today_shanghai
from landmap.progress.edits import (
    STATUS_FIELD,
    FeatureEdit,
    FieldChange,
    changed_fields,
    check_edit,
    describe_changes,
    milestone_field,
    split_text,
)
from landmap.progress.history import TimelineEntry, restore_changes, timeline
from landmap.progress.tracking import Tracking
from landmap.store import EditConflict, FeatureNotFound, StoreError
from landmap.store.open import open_store
from landmap.ui.auth import editor_or_none
from landmap.ui.messages import flash, show_flash

_FLASH = "_progress_flash"  # (kind, text) shown once after a save
_MIN_DATE, _MAX_DATE = dt.date(1980, 1, 1), dt.date(2100, 12, 31)
_NO_TARGET = ""


def render_progress(
    settings: Settings,
    spec: LayerSpec,
    row: pd.Series,
    tracking: Tracking,
    lang: str,
    can_edit: bool,
) -> None:
    """Deadlines and the timeline, below the facts. The edit form is ``render_edit_form``."""
    feature_id = str(row["id"])
    if not can_edit:  # for editors, the form shows the outcome of their save
        show_flash(_FLASH)
    _render_milestones(spec, row, tracking.feature_milestones(spec.id, feature_id), lang)
    _render_timeline(settings, spec, row, tracking, lang, can_edit)


def _render_milestones(
    spec: LayerSpec, row: pd.Series, milestones: dict[str, str], lang: str
) -> None:
    if not milestones:
        return
    st.markdown(f"**{t('progress.milestones', lang)}**")
    today = today_shanghai()
    for target, due in milestones.items():
        milestone = Milestone(spec.id, str(row["id"]), target, dt.date.fromisoformat(due))
        judged = milestone_state(spec, str(row["status"]), milestone, today)
        line = t("progress.milestone_line", lang, target=spec.status_label(target, lang), due=due)
        colour = {"overdue": "red", "due_soon": "orange", "met": "green"}.get(judged.value, "gray")
        # The badge text is ours (a state label); the line carries data, so it is escaped.
        st.markdown(f":{colour}-badge[{judged.label.get(lang)}] " + md_escape(line))


# --- editing ---------------------------------------------------------------------------------


def render_edit_form(
    settings: Settings, spec: LayerSpec, row: pd.Series, tracking: Tracking, lang: str
) -> None:
    """The 更新进度 form (a closed expander), with the outcome of the last save above it.

    The caller checks the role for drawing it; the save handler checks it again."""
    show_flash(_FLASH)
    feature_id = str(row["id"])
    base = _edit_base(spec, row, tracking)
    version, current, generation = base["version"], base["current"], base["generation"]
    prefix = f"edit_{spec.id}_{feature_id}_{generation}"
    milestones = {
        field.removeprefix("milestone:"): due
        for field, due in current.items()
        if field.startswith("milestone:") and due
    }
    with st.expander(t("progress.edit", lang), icon=":material/edit:"):
        with st.form(prefix, border=False):
            wanted: dict[str, object] = {}
            # An unknown stored status is offered as it is, so an untouched form changes nothing.
            stored = current.get(STATUS_FIELD) or ""
            codes = (
                spec.status_codes if stored in spec.status_codes else (stored, *spec.status_codes)
            )
            wanted[STATUS_FIELD] = st.selectbox(
                t("col.status", lang),
                codes,
                index=codes.index(stored) if stored in codes else 0,
                format_func=lambda code: spec.status_label(code, lang),
                key=f"{prefix}_status",
            )
            columns = st.columns(2)
            for i, field in enumerate(spec.tracked_fields):
                with columns[i % 2]:
                    wanted[field.key] = _field_input(
                        field, current.get(field.key), lang, f"{prefix}_{field.key}"
                    )
            st.markdown(f"**{t('progress.milestones', lang)}**")
            for target, due in milestones.items():
                wanted[milestone_field(target)] = st.date_input(
                    t("progress.due_for", lang, target=spec.status_label(target, lang)),
                    value=dt.date.fromisoformat(due),
                    min_value=_MIN_DATE,
                    max_value=_MAX_DATE,
                    key=f"{prefix}_milestone_{target}",
                )
            left, right = st.columns(2)
            new_target = left.selectbox(
                t("progress.new_milestone", lang),
                [_NO_TARGET, *spec.status_codes],
                format_func=lambda c: spec.status_label(c, lang) if c else "—",
                key=f"{prefix}_new_target",
            )
            new_due = right.date_input(
                t("progress.new_due", lang),
                value=None,
                min_value=_MIN_DATE,
                max_value=_MAX_DATE,
                key=f"{prefix}_new_due",
            )
            if new_target and new_due is not None:
                wanted[milestone_field(new_target)] = new_due
            note = st.text_area(
                t("progress.note", lang), max_chars=500, height=68, key=f"{prefix}_note"
            )
            submitted = st.form_submit_button(t("progress.save", lang), type="primary")
        if submitted:
            _save(settings, spec, feature_id, version, current, wanted, note, lang)


def _edit_base(spec: LayerSpec, row: pd.Series, tracking: Tracking) -> dict:
    """The values (and version) the editor started from, kept until their save or conflict.

    The form is drawn from these, not from the live data: if someone else saves meanwhile, the
    editor's typing is not wiped by a rerun, and their save is checked against what they saw
    (and refused as a conflict) instead of silently applying to values they never saw.
    """
    feature_id = str(row["id"])
    key = _base_key(spec.id, feature_id)
    base = st.session_state.get(key)
    if base is None:
        generation = st.session_state.get(f"{key}_generation", 0)
        base = {
            "version": tracking.version(spec.id, feature_id),
            "current": tracking.editable_values(spec, row),
            "generation": generation,
        }
        st.session_state[key] = base
    return base


def _base_key(layer_id: str, feature_id: str) -> str:
    return f"_edit_base_{layer_id}_{feature_id}"


def _forget_base(layer_id: str, feature_id: str) -> None:
    """After a save (or a conflict) the next form starts from the data as it is now."""
    key = _base_key(layer_id, feature_id)
    st.session_state.pop(key, None)
    st.session_state[f"{key}_generation"] = st.session_state.get(f"{key}_generation", 0) + 1


def _field_input(field: FieldSpec, value: str | None, lang: str, key: str) -> object:
    label = field.label.get(lang)
    if field.kind is FieldKind.DATE:
        return st.date_input(
            label,
            value=dt.date.fromisoformat(value) if value else None,
            min_value=_MIN_DATE,
            max_value=_MAX_DATE,
            key=key,
        )
    if field.kind is FieldKind.CHOICE and field.choices:
        # None: no choice made (for 招商推介, "by status").
        options = [None, *field.choices]
        return st.selectbox(
            label,
            options,
            index=options.index(value) if value in options else 0,
            format_func=lambda code: (
                field.choices[code].get(lang) if code else t("progress.choice_default", lang)
            ),
            key=key,
        )
    number = float(value) if value is not None else None
    if field.kind is FieldKind.PERCENT:
        return st.number_input(label, 0.0, 100.0, value=number, step=5.0, format="%.0f", key=key)
    if field.kind is FieldKind.INT:
        whole = int(number) if number is not None else None
        return st.number_input(label, 0, value=whole, key=key)
    return st.number_input(label, 0.0, value=number, step=10.0, format="%.2f", key=key)


def _save(
    settings: Settings,
    spec: LayerSpec,
    feature_id: str,
    version: int,
    current: dict[str, str | None],
    wanted: dict[str, object],
    note: str,
    lang: str,
) -> None:
    account = editor_or_none()  # re-read now: a demoted account may not save
    if account is None:
        st.error(t("progress.not_allowed", lang))
        return
    try:
        changes = changed_fields(spec, current, wanted)
    except ValueError as exc:
        st.error(md_text(split_text(exc, lang)))
        return
    if not changes:  # the note is beside the point then: one message, not two
        st.warning(t("progress.nothing_changed", lang))
        return
    edit = FeatureEdit(spec.id, feature_id, version, changes)
    problems = check_edit(spec, edit, current, note)
    if problems:  # every reason in one message
        texts = [problem.text(lang) for problem in problems]
        st.error(
            md_text(texts[0]) if len(texts) == 1 else "\n".join("- " + md_text(x) for x in texts)
        )
        return
    _apply(settings, spec, edit, account.name, note.strip(), "app", lang)


def _apply(
    settings: Settings,
    spec: LayerSpec,
    edit: FeatureEdit,
    user: str,
    note: str,
    source: str,
    lang: str,
) -> None:
    store = open_store(settings)
    try:
        store.apply_edits([edit], user=user, note=note, source=source)
    except EditConflict as exc:
        flash(_FLASH, "conflict", _conflict_text(spec, exc, lang))
        _forget_base(spec.id, edit.feature_id)
        st.rerun()
    except FeatureNotFound:
        st.error(md_text(t("progress.not_found", lang, id=edit.feature_id)))
        return
    except StoreError as exc:
        st.error(md_text(t("progress.store_error", lang, detail=exc.detail)))
        return
    rows = describe_changes(spec, edit.changes, lang)
    summary = t("progress.joiner", lang).join(
        t("progress.change_line", lang, label=label, old=old, new=new) for label, old, new in rows
    )
    flash(_FLASH, "ok", t("progress.saved", lang, changes=summary))
    _forget_base(spec.id, edit.feature_id)
    st.rerun()


def _conflict_text(spec: LayerSpec, exc: EditConflict, lang: str) -> str:
    conflict = exc.conflicts[0]
    values = [
        t("progress.value_line", lang, label=label, value=value)
        for label, _old, value in describe_changes(
            spec,
            [FieldChange(k, None, v) for k, v in conflict.current.items() if v is not None],
            lang,
        )
    ]
    return t(
        "progress.conflict",
        lang,
        who=conflict.changed_by or "—",
        when=conflict.changed_at[:16].replace("T", " ") or "—",
        values=t("progress.joiner", lang).join(values),
    )


# --- timeline --------------------------------------------------------------------------------


def _render_timeline(
    settings: Settings,
    spec: LayerSpec,
    row: pd.Series,
    tracking: Tracking,
    lang: str,
    can_edit: bool,
) -> None:
    feature_id = str(row["id"])
    entries = timeline(tracking.feature_history(feature_id))
    with st.expander(plural("progress.timeline", len(entries), lang), icon=":material/history:"):
        if not entries:
            st.caption(t("progress.no_history", lang))
            return
        for entry in reversed(entries):
            _render_entry(settings, spec, row, tracking, entries, entry, lang, can_edit)


def _render_entry(
    settings: Settings,
    spec: LayerSpec,
    row: pd.Series,
    tracking: Tracking,
    entries: list[TimelineEntry],
    entry: TimelineEntry,
    lang: str,
    can_edit: bool,
) -> None:
    source = t(f"progress.source_{entry.source}", lang) if entry.source else ""
    st.markdown(
        f"**{md_escape(entry.when)}** · {md_escape(entry.changed_by)}"
        + (f" · {md_escape(source)}" if source else "")
    )
    lines = [
        t("progress.change_line", lang, label=label, old=old, new=new)
        for label, old, new in describe_changes(spec, entry.changes, lang)
    ]
    if entry.note:
        lines.append(t("progress.note_line", lang, note=entry.note))
    st.markdown("\n".join("- " + md_escape(line) for line in lines))
    if not can_edit:
        return
    if st.button(
        t("progress.restore", lang),
        key=f"restore_{entry.change_id}",
        icon=":material/undo:",
        help=t("progress.restore_help", lang),
    ):
        feature_id = str(row["id"])
        current = tracking.editable_values(spec, row)
        changes = restore_changes(entries, entry.change_id, current)
        if not changes:
            st.info(t("progress.already_there", lang))
            return
        account = editor_or_none()
        if account is None:
            st.error(t("progress.not_allowed", lang))
            return
        edit = FeatureEdit(spec.id, feature_id, tracking.version(spec.id, feature_id), changes)
        note = t("progress.restore_note", lang, when=entry.when, who=entry.changed_by)
        _apply(settings, spec, edit, account.name, note, "restore", lang)
