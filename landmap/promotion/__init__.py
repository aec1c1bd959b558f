"""Investor mode (招商展示): the selling facts of offered plots and their comparison."""

from landmap.promotion.compare import MAX_SHORTLIST, Comparison, compare
from landmap.promotion.facts import RoadLink, SellingFacts, road_links, selling_facts

__all__ = [
    "MAX_SHORTLIST",
    "Comparison",
    "RoadLink",
    "SellingFacts",
    "compare",
    "road_links",
    "selling_facts",
]
