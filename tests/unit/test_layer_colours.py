"""On a map of every layer, a colour tells one status: checked over the registry, as drawn."""

from __future__ import annotations

import itertools

from landmap.layers import LAYERS, UNKNOWN_STATUS_STYLE, LayerSpec, StatusSpec
from landmap.map.colours import delta_e
from landmap.map.view import drawn_colour, status_style

# CIE76 ΔE below which two fills side by side read as one colour at map scale.
MIN_DISTANCE = 10.0


def _looks() -> list[tuple[LayerSpec, StatusSpec]]:
    every = [(layer, status) for layer in LAYERS for status in layer.statuses]
    return every + [(layer, UNKNOWN_STATUS_STYLE) for layer in LAYERS]


def _same_status(first: StatusSpec, second: StatusSpec) -> bool:
    """One status in several layers: the same code, or the same Chinese name (前期工作)."""
    return first.code == second.code or first.label.zh == second.label.zh


def _told_apart_by_outline(first: dict, second: dict) -> bool:
    return ("dashArray" in first) != ("dashArray" in second)


def test_a_colour_names_one_status_across_all_layers():
    users: dict[str, list[StatusSpec]] = {}
    for _layer, status in _looks():
        users.setdefault(status.color, []).append(status)
    for colour, statuses in users.items():
        for first, second in itertools.combinations(statuses, 2):
            assert _same_status(first, second), (colour, first.label.zh, second.label.zh)


def test_the_issues_clashes_are_gone():
    by_name = {s.label.zh: s.color for _layer, s in _looks()}
    assert by_name["招商推介中"] != by_name["在建"]
    assert by_name["招商推介中"] != by_name["在建（已开工）"]
    assert by_name["已收储"] != by_name["已纳入年度计划"]


def test_different_statuses_look_different_as_drawn():
    """Half-transparent fills over the paper background, strokes of lines: what the eye gets."""
    looks = [(layer, status, status_style(layer, status)) for layer, status in _looks()]
    close = []
    for (la, a, style_a), (lb, b, style_b) in itertools.combinations(looks, 2):
        if _same_status(a, b) or _told_apart_by_outline(style_a, style_b):
            continue
        distance = delta_e(drawn_colour(style_a), drawn_colour(style_b))
        if distance < MIN_DISTANCE:
            close.append((la.id, a.code, lb.id, b.code, round(distance, 1)))
    assert close == []
