"""Plots side by side: facts in rows, plots in columns, the best value marked (pure).

"Best" only where better is clear to any investor: a larger plot, a lower price (in all and
per 亩), more utilities in place, a main road nearer. Other rows (land use, FAR, term) are
facts to weigh, not to rank.
"""

from __future__ import annotations

from dataclasses import dataclass

from landmap.i18n import t
from landmap.promotion.facts import SellingFacts
from landmap.urlstate import MAX_SHORTLIST

# Figure key → whether a higher value is better.
_BETTER_IS_HIGHER = {
    "area_mu": True,
    "start_price_wan": False,
    "price_per_mu_wan": False,
    "utilities_ready": True,
    "main_road_m": False,
}


@dataclass(frozen=True)
class Comparison:
    columns: list[str]  # plot titles
    feature_ids: list[str]
    rows: list[tuple[str, list[str]]]  # (label, one value per plot)
    best: set[tuple[int, int]]  # (row index, column index) of best values

    def is_best(self, row: int, column: int) -> bool:
        return (row, column) in self.best


def compare(plots: list[SellingFacts], lang: str) -> Comparison:
    """The comparison of ``plots`` (at most ``MAX_SHORTLIST``) in ``lang``."""
    plots = plots[:MAX_SHORTLIST]
    rows: list[tuple[str, list[str]]] = []
    keys: list[str] = []
    rows.append((t("compare.status", lang), [p.status for p in plots]))
    keys.append("status")
    if plots:
        for index, (key, label, _) in enumerate(plots[0].rows):
            rows.append((label, [p.rows[index][2] for p in plots]))
            keys.append(key)
    rows.append(
        (t("facts.utilities_ready", lang), [_joined(p.utilities_ready, lang) for p in plots])
    )
    keys.append("utilities_ready")
    best = set()
    if len(plots) > 1:
        for row_index, key in enumerate(keys):
            if key not in _BETTER_IS_HIGHER:
                continue
            values = [p.numbers.get(key) for p in plots]
            known = [v for v in values if v is not None]
            if len(known) < 2 or len(set(known)) == 1:
                continue  # nothing to choose between
            target = max(known) if _BETTER_IS_HIGHER[key] else min(known)
            best |= {(row_index, c) for c, v in enumerate(values) if v == target}
    return Comparison(
        columns=[p.title(lang) for p in plots],
        feature_ids=[p.feature_id for p in plots],
        rows=rows,
        best=best,
    )


def _joined(labels: list[str], lang: str) -> str:
    return ("、" if lang != "en" else ", ").join(labels) or "—"
