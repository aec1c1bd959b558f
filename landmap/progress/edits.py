"""Status updates as values: what an editor (or a ledger row) wants to change, and whether it may.

An edit names the feature, the version the editor saw, and per field the value they saw and the
value they want. The store applies it in one transaction with its history rows, and refuses it
when the version (or a value) moved in between. Everything here is pure, so the detail panel,
the ledger import and the command line check edits the same way.

Values travel as canonical text, the form the history table keeps: a status code, a number
without trailing zeros ("40", "12.5"), a date "YYYY-MM-DD", or None for empty.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from landmap.layers import DATE_ORDER, FieldKind, FieldSpec, Label, LayerSpec

STATUS_FIELD = "status"
MILESTONE_PREFIX = "milestone:"
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class FieldChange:
    field: str  # "status", a tracked field key, or "milestone:<target status>"
    old: str | None  # what the editor saw (canonical text)
    new: str | None


@dataclass(frozen=True)
class FeatureEdit:
    layer_id: str
    feature_id: str
    expected_version: int  # the feature's version when the editor read it
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class EditProblem:
    """Why (part of) an edit is refused, for the editor; ``field`` is None for the whole edit."""

    feature_id: str
    field: str | None
    message: Label

    def text(self, lang: str) -> str:
        return self.message.get(lang)


def editable_fields(layer: LayerSpec) -> tuple[str, ...]:
    """The field keys an editor may change on this layer, status first."""
    return (STATUS_FIELD, *(f.key for f in layer.tracked_fields))


def milestone_field(target_status: str) -> str:
    return f"{MILESTONE_PREFIX}{target_status}"


def canonical_value(layer: LayerSpec, field: str, raw: object) -> str | None:
    """The stored text for ``raw`` typed into ``field``; ValueError (zh/en) when unreadable.

    Blank means "no value". Dates accept date objects and "YYYY-MM-DD"; numbers accept ints,
    floats and their text.
    """
    if _is_blank(raw):
        return None
    if field == STATUS_FIELD:
        return str(raw).strip()
    if field.startswith(MILESTONE_PREFIX):
        return _canonical_date(raw)
    spec = layer.field_spec(field)
    if spec is None or not spec.tracked:
        raise ValueError(_problem_text("字段不可编辑", "This field cannot be edited"))
    if spec.kind is FieldKind.DATE:
        return _canonical_date(raw)
    if spec.kind in (FieldKind.PERCENT, FieldKind.MONEY_WAN, FieldKind.FLOAT, FieldKind.INT):
        return _canonical_number(raw, whole=spec.kind is FieldKind.INT)
    if spec.kind is FieldKind.CHOICE and spec.choices:
        return _canonical_choice(spec, raw)
    return str(raw).strip()


def _canonical_choice(spec: FieldSpec, raw: object) -> str:
    """A choice's code, from its code or its zh/en label (a ledger cell may hold either)."""
    text = str(raw).strip()
    for code, label in (spec.choices or {}).items():
        if text.casefold() in (code.casefold(), label.zh.casefold(), label.en.casefold()):
            return code
    options = "、".join(label.zh for label in (spec.choices or {}).values())
    raise ValueError(
        _problem_text(
            f"“{text}”不是{spec.label.zh}的选项（可选：{options}）",
            f"“{text}” is not an option of {spec.label.en}",
        )
    )


def stored_text(layer: LayerSpec, field: str, value: object) -> str | None:
    """A value as the app holds it (a frame cell) in canonical text; never raises."""
    try:
        return canonical_value(layer, field, value)
    except ValueError:
        return None if _is_blank(value) else str(value)


def check_edit(
    layer: LayerSpec,
    edit: FeatureEdit,
    current: Mapping[str, str | None],
    note: str,
    *,
    require_note: bool = True,
) -> list[EditProblem]:
    """Every reason to refuse ``edit``, given the feature's ``current`` values (canonical text).

    Checks the rules of the data, not concurrency (the store does that under its lock): the
    status is in the layer's vocabulary, percentages are 0–100, amounts are not negative, a
    finish is not before its start, milestones name a status of the layer, and a note is given.
    """
    fid = edit.feature_id
    problems: list[EditProblem] = []
    if require_note and not note.strip():
        problems.append(
            EditProblem(fid, None, Label("请填写变更说明。", "Please give a note for this change."))
        )
    if len(note) > MAX_NOTE_CHARS:
        problems.append(
            EditProblem(
                fid,
                None,
                Label(
                    f"变更说明最多 {MAX_NOTE_CHARS} 字。",
                    f"The note may have at most {MAX_NOTE_CHARS} characters.",
                ),
            )
        )
    if not edit.changes:
        problems.append(EditProblem(fid, None, Label("没有任何改动。", "Nothing was changed.")))
    allowed = set(editable_fields(layer))
    after = dict(current)
    for change in edit.changes:
        after[change.field] = change.new
        problem = _check_change(layer, change, allowed)
        if problem is not None:
            problems.append(EditProblem(fid, change.field, problem))
    problems.extend(_check_date_order(layer, fid, after))
    return problems


def changed_fields(
    layer: LayerSpec, current: Mapping[str, str | None], wanted: Mapping[str, object]
) -> tuple[FieldChange, ...]:
    """The changes from ``current`` to the raw ``wanted`` values; ValueError for unreadable ones.

    Fields whose canonical value is unchanged are left out, so saving an untouched form (or
    re-importing an unedited ledger) changes nothing and writes no history.
    """
    changes = []
    for field, raw in wanted.items():
        new = canonical_value(layer, field, raw)
        old = current.get(field)
        if new != old:
            changes.append(FieldChange(field, old, new))
    return tuple(changes)


def _check_change(layer: LayerSpec, change: FieldChange, allowed: set[str]) -> Label | None:
    field, new = change.field, change.new
    if field.startswith(MILESTONE_PREFIX):
        target = field.removeprefix(MILESTONE_PREFIX)
        if target not in layer.status_codes:
            return Label(
                f"目标状态“{target}”不是本图层的状态。",
                f"The target status “{target}” is not a status of this layer.",
            )
        return None if new is None or _is_iso_date(new) else _BAD_DATE
    if field not in allowed:
        return Label(f"字段“{field}”不可编辑。", f"The field “{field}” cannot be edited.")
    if field == STATUS_FIELD:
        if new is None or new not in layer.status_codes:
            codes = "、".join(s.label.zh for s in layer.statuses)
            return Label(
                f"状态“{new or ''}”不在本图层的状态表中（可选：{codes}）。",
                f"Status “{new or ''}” is not one of this layer's statuses.",
            )
        return None
    spec = layer.field_spec(field)
    assert spec is not None  # allowed fields come from the registry
    if new is None:
        return None
    if spec.kind is FieldKind.DATE:
        return None if _is_iso_date(new) else _BAD_DATE
    if spec.kind is FieldKind.CHOICE:
        ok = spec.choices is not None and new in spec.choices
        return None if ok else Label(f"“{new}”不是可选值。", f"“{new}” is not an option.")
    number = float(new)
    if spec.kind is FieldKind.PERCENT and not 0 <= number <= 100:
        return Label(
            f"{spec.label.zh}应在 0 到 100 之间（填写的是 {new}）。",
            f"{spec.label.en} must be between 0 and 100 (given: {new}).",
        )
    if number < 0:
        return Label(
            f"{spec.label.zh}不能为负数（填写的是 {new}）。",
            f"{spec.label.en} cannot be negative (given: {new}).",
        )
    return None


def _check_date_order(
    layer: LayerSpec, feature_id: str, values: Mapping[str, str | None]
) -> list[EditProblem]:
    problems = []
    for start_key, finish_key in DATE_ORDER:
        start_spec, finish_spec = layer.field_spec(start_key), layer.field_spec(finish_key)
        start, finish = values.get(start_key), values.get(finish_key)
        if start_spec is None or finish_spec is None or not start or not finish:
            continue
        if _is_iso_date(start) and _is_iso_date(finish) and finish < start:
            problems.append(
                EditProblem(
                    feature_id,
                    finish_key,
                    Label(
                        f"{finish_spec.label.zh}（{finish}）早于{start_spec.label.zh}（{start}）。",
                        f"{finish_spec.label.en} ({finish}) is before "
                        f"{start_spec.label.en.lower()} ({start}).",
                    ),
                )
            )
    return problems


_BAD_DATE = Label(
    "日期应为 年-月-日，例如 2026-11-30。", "Dates are year-month-day, e.g. 2026-11-30."
)


def _canonical_date(raw: object) -> str:
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = str(raw).strip()[:10]
    if not _is_iso_date(text):
        raise ValueError(_problem_text(_BAD_DATE.zh, _BAD_DATE.en))
    return text


def _canonical_number(raw: object, *, whole: bool) -> str:
    try:
        number = float(str(raw).strip().replace(",", "")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ValueError(_problem_text("应填写数字", "A number is expected")) from None
    if not math.isfinite(number):
        raise ValueError(_problem_text("应填写数字", "A number is expected"))
    if whole and number != int(number):
        raise ValueError(_problem_text("应填写整数", "A whole number is expected"))
    return f"{number:.6f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def _is_iso_date(text: str) -> bool:
    try:
        return dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _problem_text(zh: str, en: str) -> str:
    # ValueError carries both languages; callers that have a language pick with ``split_text``.
    return f"{zh}\n{en}"


def split_text(error: ValueError, lang: str) -> str:
    """The part of an error from this module in ``lang``."""
    zh, _, en = str(error).partition("\n")
    return en if lang == "en" and en else zh


def current_values(layer: LayerSpec, row: Mapping[str, object]) -> dict[str, str | None]:
    """A feature row's editable values in canonical text, for forms and conflict checks."""
    return {field: stored_text(layer, field, row.get(field)) for field in editable_fields(layer)}


def describe_changes(
    layer: LayerSpec, changes: Sequence[FieldChange], lang: str
) -> list[tuple[str, str, str]]:
    """(field label, old, new) per change, with status codes shown as labels."""
    rows = []
    for change in changes:
        rows.append(
            (
                field_label(layer, change.field, lang),
                value_label(layer, change.field, change.old, lang),
                value_label(layer, change.field, change.new, lang),
            )
        )
    return rows


def field_label(layer: LayerSpec, field: str, lang: str) -> str:
    if field == STATUS_FIELD:
        return "状态" if lang != "en" else "Status"
    if field.startswith(MILESTONE_PREFIX):
        target = layer.status_label(field.removeprefix(MILESTONE_PREFIX), lang)
        return f"期限：{target}" if lang != "en" else f"Deadline: {target}"
    spec: FieldSpec | None = layer.field_spec(field)
    return spec.label.get(lang) if spec else field


def value_label(layer: LayerSpec, field: str, value: str | None, lang: str) -> str:
    if value is None:
        return "—"
    if field == STATUS_FIELD:
        return layer.status_label(value, lang)
    spec = layer.field_spec(field)
    return spec.display(value, lang) if spec else value
