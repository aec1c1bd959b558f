"""Filters, summaries and the table behave the same for the map, the summary and the table."""

from __future__ import annotations

import pytest

from landmap.dataset import load_dataset
from landmap.query import FeatureFilter, describe_filter, feature_table, filter_features, summarise
from landmap.store import GpkgStore


@pytest.fixture
def frames(tiny_gpkg):
    return load_dataset(GpkgStore(tiny_gpkg)).frames


def ids(shown):
    return sorted(i for frame in shown.values() for i in frame.index)


def test_no_filter_shows_everything(frames):
    assert ids(filter_features(frames, FeatureFilter())) == [
        "D-1",
        "D-2",
        "R-1",
        "S-1",
        "T-1",
        "T-2",
        "T-3",
    ]


def test_one_status_code_selects_it_in_every_layer(frames):
    shown = filter_features(frames, FeatureFilter(statuses=frozenset({"under_construction"})))
    assert ids(shown) == ["D-1", "R-1", "T-2"]


def test_layers_subdistrict_and_text_combine(frames):
    flt = FeatureFilter(
        layers=("idle_land",), subdistricts=frozenset({"清香坪街道"}), text="大水井"
    )
    assert ids(filter_features(frames, flt)) == ["T-3"]
    assert ids(filter_features(frames, FeatureFilter(text="xq"))) == []
    assert ids(filter_features(frames, FeatureFilter(text="t-1"))) == ["T-1"]


def test_layers_off_are_absent(frames):
    shown = filter_features(frames, FeatureFilter(layers=("roads",)))
    assert list(shown) == ["roads"]


def test_summary_counts_and_areas(frames):
    table = summarise(filter_features(frames, FeatureFilter()), "zh")
    listed = table[(table["图层"] == "闲置低效用地") & (table["状态"] == "挂牌公告中")].iloc[0]
    assert listed["数量"] == 1 and listed["面积（亩）"] == pytest.approx(15.0)
    road = table[(table["图层"] == "道路工程") & (table["状态"] == "在建")].iloc[0]
    assert road["长度（km）"] == pytest.approx(1.0)
    english = summarise(filter_features(frames, FeatureFilter()), "en")
    assert "Listed for sale" in set(english["Status"])


def test_feature_table_has_no_geometry_and_is_indexed_by_id(frames):
    table = feature_table(filter_features(frames, FeatureFilter()), "zh")
    assert "geometry" not in table.columns
    assert table.loc["T-1", "名称"] == "陶家渡片区闲置地"
    assert table.loc["T-1", "状态"] == "挂牌公告中"
    assert table.loc["T-1", "面积（亩）"] == pytest.approx(15.0)


def test_filter_describes_itself(frames):
    flt = FeatureFilter(
        layers=("idle_land", "roads"),
        statuses=frozenset({"listed"}),
        subdistricts=frozenset({"格里坪镇"}),
        text="金沙",
    )
    zh = describe_filter(flt, "zh")
    assert "闲置地、道路" in zh and "挂牌公告中" in zh and "格里坪镇" in zh and "金沙" in zh
    en = describe_filter(flt, "en")
    assert "Idle land, Roads" in en and "Listed for sale" in en and "Geliping" in en
