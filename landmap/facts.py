"""The facts of one feature as labelled rows, for the detail panel (pure, no Streamlit).

Which rows exist depends on the audience: a public reader gets the registry's public fields
only, so an internal field is not shown as "—" either (its label alone would say that the
district records disputes for this plot).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from landmap.access import Audience
from landmap.i18n import mark_chinese, t
from landmap.layers import (
    COMMON_FIELDS,
    SELLING_FIELD_KEYS,
    FieldKind,
    FieldSpec,
    LayerSpec,
    subdistrict_label,
)

Row = tuple[str, str]


@dataclass(frozen=True)
class FeatureFacts:
    """Label/value rows in three groups, each value already text."""

    basic: list[Row]
    dates: list[Row]
    layer_fields: list[Row]

    def all_rows(self) -> list[Row]:
        return [*self.basic, *self.dates, *self.layer_fields]


def feature_facts(spec: LayerSpec, row: pd.Series, audience: Audience, lang: str) -> FeatureFacts:
    """The rows of the detail panel for ``row`` of layer ``spec``, as ``audience`` may see."""
    allowed = {f.key for f in audience.fields(spec)}

    def text(fspec: FieldSpec, value: object) -> str:
        shown = fspec.display(value, lang)
        # Coded values come translated from the registry; free text is marked as Chinese.
        return mark_chinese(shown, lang) if fspec.kind is FieldKind.TEXT else shown

    basic = [(t("col.id", lang), str(row["id"])), (t("col.layer", lang), spec.name.get(lang))]
    for fspec in COMMON_FIELDS:
        if fspec.key not in allowed:
            continue
        value = row.get(fspec.key)
        if fspec.key == "subdistrict" and isinstance(value, str):
            value = subdistrict_label(value, lang)
        basic.append((fspec.label.get(lang), text(fspec, value)))
    dates = [
        (f.label.get(lang), f.display(row.get(f.key), lang))
        for f in spec.date_fields
        if f.key in allowed
    ]
    # An offered plot's selling facts have a section of their own (ui/promotion_panel.py).
    skip = SELLING_FIELD_KEYS if spec.offered_statuses else frozenset()
    own = [
        (f.label.get(lang), text(f, row.get(f.key)))
        for f in spec.fields
        if f.kind is not FieldKind.DATE and f.key in allowed and f.key not in skip
    ]
    return FeatureFacts(basic, dates, own)
