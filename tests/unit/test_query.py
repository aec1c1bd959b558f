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


def test_area_range_keeps_plots_in_it_and_no_roads(frames):
    # T-1 is 15 亩, T-2 60 亩, T-3 3.75 亩 (squares of 100, 200 and 50 m).
    assert ids(filter_features(frames, FeatureFilter(area_min=10, area_max=20))) == ["T-1"]
    at_least = ids(filter_features(frames, FeatureFilter(area_min=15)))
    assert "T-1" in at_least and "T-2" in at_least and "T-3" not in at_least
    assert not [i for i in at_least if i.startswith("D-")]
    assert ids(filter_features(frames, FeatureFilter(area_max=5))) == ["T-3"]


def test_holder_planned_use_and_industry_filters(frames):
    frames["idle_land"].loc["T-2", "planned_use"] = "industrial_m2"
    frames["idle_land"].loc["T-2", "target_industry"] = "钒钛精深加工"
    holder = FeatureFilter(holders=frozenset({"攀钢集团"}))
    assert ids(filter_features(frames, holder)) == ["T-1"]
    use = FeatureFilter(planned_uses=frozenset({"industrial_m2"}))
    assert ids(filter_features(frames, use)) == ["T-2"]
    industry = FeatureFilter(industries=frozenset({"钒钛精深加工"}))
    assert ids(filter_features(frames, industry)) == ["T-2"]
    both = FeatureFilter(holders=frozenset({"攀钢集团"}), planned_uses=frozenset({"industrial_m2"}))
    assert ids(filter_features(frames, both)) == []


def test_plot_criteria_describe_themselves(frames):
    flt = FeatureFilter(
        area_min=10,
        area_max=50.5,
        holders=frozenset({"攀钢集团"}),
        planned_uses=frozenset({"industrial_m1"}),
        industries=frozenset({"装备制造"}),
    )
    zh = describe_filter(flt, "zh")
    assert "面积 10–50.5 亩" in zh and "权属单位：攀钢集团" in zh
    assert "规划用途：一类工业用地（M1）" in zh and "招商方向：装备制造" in zh
    en = describe_filter(flt, "en")
    assert "area 10–50.5 mu" in en and "Class-1 industrial (M1)" in en
    assert "面积 ≥ 10 亩" in describe_filter(FeatureFilter(area_min=10), "zh")
    assert "面积 ≤ 8 亩" in describe_filter(FeatureFilter(area_max=8), "zh")


def test_table_gives_each_layer_its_measure_and_the_land_columns(frames):
    table = feature_table(filter_features(frames, FeatureFilter()), "zh")
    assert table.loc["T-1", "权属单位"] == "攀钢集团"
    assert table.loc["T-1", "面积（亩）"] == pytest.approx(15.0)
    assert table.loc["D-1", "长度（km）"] == pytest.approx(1.0)
    assert table["面积（亩）"].isna().loc[["D-1", "D-2"]].all()
    assert table["长度（km）"].isna().loc[["T-1", "R-1", "S-1"]].all()
    assert "期限状态" not in table.columns  # these frames carry no deadline state
    land = feature_table(filter_features(frames, FeatureFilter(layers=("idle_land",))), "zh")
    assert "长度（km）" not in land.columns and "面积（亩）" in land.columns


def test_table_names_the_planned_use_and_the_deadline_state(frames):
    idle = frames["idle_land"].copy()
    idle["planned_use"] = ["industrial_m1", None, None]
    idle["planned_use_text"] = [None, "仓储用地（自填）", None]
    idle["deadline_state"] = ["overdue", "none", "due_soon"]
    table = feature_table({"idle_land": idle}, "zh")
    assert list(table["规划用途"].fillna("")) == ["一类工业用地（M1）", "仓储用地（自填）", ""]
    assert list(table["期限状态"].fillna("")) == ["已逾期", "", "即将到期"]
    english = feature_table({"idle_land": idle}, "en")
    assert english.loc["T-1", "Planned use"] == "Class-1 industrial (M1)"
    assert english.loc["T-1", "Deadline"] == "Overdue"
