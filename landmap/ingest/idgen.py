"""New ids for features that come without one (add mode), in the layer's own pattern.

Most real files carry no stable id: KML from 奥维 and Google Earth, bureau Shapefiles. In add
mode each such feature gets the next free id of the pattern the layer already uses
(``XQ-XZ-011`` after ``XQ-XZ-010``), never one in the store or elsewhere in the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

# The pattern of an empty layer: the sample data's (data/README.md).
DEFAULT_PREFIXES = {
    "idle_land": "XQ-XZ-",
    "shantytown": "XQ-PG-",
    "renovation": "XQ-LJ-",
    "roads": "XQ-DL-",
}
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def id_pattern(layer_id: str, ids: Iterable[str]) -> tuple[str, int, int]:
    """(prefix, digits, highest number used) of the commonest "PREFIX + number" among ``ids``."""
    numbered = [m for m in (_NUMBERED.match(i) for i in ids) if m]
    if not numbered:
        return DEFAULT_PREFIXES.get(layer_id, f"{layer_id.upper()}-"), 3, 0
    prefix = Counter(m.group(1) for m in numbered).most_common(1)[0][0]
    same = [m.group(2) for m in numbered if m.group(1) == prefix]
    return prefix, max(len(d) for d in same), max(int(d) for d in same)


def fill_missing_ids(
    ids: pd.Series, layer_id: str, existing: Iterable[str]
) -> tuple[pd.Series, list[tuple[int, str]]]:
    """``ids`` with blanks filled, and (position, new id) for each id made."""
    existing = {str(i) for i in existing}
    present = {str(v).strip() for v in ids if _filled(v)}
    prefix, digits, highest = id_pattern(layer_id, existing)
    taken = existing | present
    out, made = ids.astype(object).copy(), []
    for position, value in enumerate(ids):
        if _filled(value):
            continue
        highest += 1
        while f"{prefix}{highest:0{digits}d}" in taken:
            highest += 1
        new = f"{prefix}{highest:0{digits}d}"
        taken.add(new)
        out.iloc[position] = new
        made.append((position, new))
    return out, made


def _filled(value: object) -> bool:
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):  # a list or an array is not a blank
        pass
    return bool(str(value).strip())
