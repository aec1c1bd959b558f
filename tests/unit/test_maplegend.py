"""The map's legend lists what the map draws, with counts, and is legible."""

from __future__ import annotations

import json
import re

import folium
import pytest

from landmap.dataset import load_dataset
from landmap.layers import LAYERS
from landmap.map.colours import MIN_TEXT_CONTRAST, contrast_ratio
from landmap.map.legend import (
    LEGEND_BACKGROUND,
    LEGEND_COUNT_TEXT,
    LEGEND_TEXT,
    legend_group,
    map_legend,
)
from landmap.progress.deadlines import (
    DeadlineState,
    load_milestones,
    today_shanghai,
    with_deadline_columns,
)
from landmap.query import FeatureFilter, filter_features
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG

XSS_LABEL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def sample_frames():
    store = GpkgStore(SAMPLE_GPKG)
    frames = load_dataset(store).frames
    return with_deadline_columns(frames, load_milestones(store).milestones, today_shanghai())


def rows(legend) -> dict[str, dict[str, int]]:
    return {s.title: {e.label: e.count for e in s.entries} for s in legend.sections}


def test_status_legend_lists_only_the_filtered_statuses_with_counts(sample_frames):
    shown = filter_features(sample_frames, FeatureFilter(statuses=frozenset({"listed"})))
    legend = map_legend(shown, "zh", "status")
    expected = {
        "闲置地": int((sample_frames["idle_land"]["status"] == "listed").sum()),
        "棚改地块": int((sample_frames["shantytown"]["status"] == "listed").sum()),
    }
    assert rows(legend) == {layer: {"挂牌公告中": n} for layer, n in expected.items()}
    assert legend.title == "图例"


def test_status_legend_of_everything_follows_the_registry_order(sample_frames):
    legend = map_legend(sample_frames, "en", "status")
    idle = legend.sections[0]
    assert idle.title == "Idle land"
    labels = [e.label for e in idle.entries]
    registry = [s.label.en for s in LAYERS[0].statuses]
    assert labels == [label for label in registry if label in labels]
    total = sum(e.count for s in legend.sections for e in s.entries)
    assert total == sum(len(f) for f in sample_frames.values())
    assert all("Unknown" not in e.label for s in legend.sections for e in s.entries)


def test_unknown_codes_and_shapeless_features(sample_frames):
    idle = sample_frames["idle_land"].copy()
    idle.loc[idle.index[0], "status"] = "mystery"
    idle.loc[idle.index[1], "geometry"] = None  # not drawn, so not counted
    legend = map_legend({"idle_land": idle}, "zh", "status")
    (section,) = legend.sections
    assert section.entries[-1].label == "未知状态"
    assert section.entries[-1].count == 1
    assert section.entries[-1].swatch.dashed
    assert sum(e.count for e in section.entries) == len(idle) - 1


def test_deadline_legend_counts_states_over_all_layers(sample_frames):
    legend = map_legend(sample_frames, "zh", "deadline")
    assert legend.title == "期限状态"
    (section,) = legend.sections
    counts = {}
    for frame in sample_frames.values():
        for state in frame["deadline_state"]:
            counts[state] = counts.get(state, 0) + 1
    assert {e.label: e.count for e in section.entries} == {
        DeadlineState(s).label.zh: n for s, n in counts.items()
    }
    assert section.entries[0].label == "已逾期"  # worst first
    assert section.entries[0].swatch.stroke == DeadlineState.OVERDUE.color


def test_deadline_legend_of_roads_alone_shows_lines(sample_frames):
    legend = map_legend({"roads": sample_frames["roads"]}, "zh", "deadline")
    assert all(e.swatch.line for e in legend.sections[0].entries)


def test_an_empty_filter_gives_an_empty_legend(sample_frames):
    empty = {k: f.iloc[0:0] for k, f in sample_frames.items()}
    assert map_legend(empty, "zh", "status").sections == ()
    assert map_legend(empty, "zh", "deadline").sections == ()


def test_the_legend_control_script_carries_labels_as_data_only(sample_frames):
    idle = sample_frames["idle_land"].iloc[:1].copy()
    legend = map_legend({"idle_land": idle}, "zh", "status")
    legend = type(legend)(XSS_LABEL, legend.sections)
    fmap = folium.Map(tiles=None)
    legend_group(legend).add_to(fmap)
    html = fmap.get_root().render()
    assert XSS_LABEL not in html  # "<" is escaped inside the JSON, set with textContent
    assert "innerHTML" not in html
    match = re.search(r"var legend = (\{.*?\});\n", html)
    assert json.loads(match.group(1))["title"] == XSS_LABEL


def test_legend_text_reaches_wcag_aa_on_its_box():
    assert contrast_ratio(LEGEND_TEXT, LEGEND_BACKGROUND) >= MIN_TEXT_CONTRAST
    assert contrast_ratio(LEGEND_COUNT_TEXT, LEGEND_BACKGROUND) >= MIN_TEXT_CONTRAST
