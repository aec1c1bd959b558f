"""Shareable links: the URL restores the view, and the view writes the same URL back."""

from __future__ import annotations

from landmap.query import FeatureFilter
from landmap.urlstate import ALL_LAYER_IDS, ViewState, parse_query, to_query


def test_plain_link_is_the_default_view():
    view = parse_query({})
    assert view == ViewState()
    assert to_query(view) == {}


def test_link_round_trip():
    params = {
        "layers": "idle_land,roads",
        "status": "listed,under_construction",
        "plot": "XQ-XZ-003",
        "subdistrict": "格里坪镇",
        "q": "金沙",
        "lang": "en",
        "basemap": "osm",
    }
    view = parse_query(params)
    assert view.filter.layers == ("idle_land", "roads")
    assert view.filter.statuses == {"listed", "under_construction"}
    assert view.plot == "XQ-XZ-003" and view.lang == "en" and view.basemap == "osm"
    assert to_query(view) == params


def test_unknown_values_are_dropped_not_fatal():
    view = parse_query(
        {
            "layers": "idle_land,nonsense",
            "status": "listed,<script>",
            "lang": "fr",
            "basemap": "javascript:alert(1)",
            "subdistrict": "x",
        }
    )
    assert view.filter.layers == ("idle_land",)
    assert view.filter.statuses == {"listed"}
    assert view.lang == "zh" and view.basemap == "none" and not view.filter.subdistricts


def test_empty_layers_means_none_shown():
    view = parse_query({"layers": ""})
    assert view.filter.layers == ()
    assert to_query(view) == {"layers": ""}


def test_layer_order_follows_the_registry():
    view = ViewState(filter=FeatureFilter(layers=("roads", "idle_land")))
    assert to_query(view)["layers"] == "idle_land,roads"
    assert ALL_LAYER_IDS == ("idle_land", "shantytown", "renovation", "roads")


def test_repeated_parameter_takes_the_last():
    assert parse_query({"plot": ["A", "B"]}).plot == "B"


def test_plot_criteria_round_trip():
    params = {
        "area": "10-50.5",
        "holder": "攀钢集团有限公司,西区土地储备中心",
        "use": "industrial_m1,logistics_w1",
        "industry": "装备制造",
    }
    view = parse_query(params)
    flt = view.filter
    assert (flt.area_min, flt.area_max) == (10, 50.5)
    assert flt.holders == {"攀钢集团有限公司", "西区土地储备中心"}
    assert flt.planned_uses == {"industrial_m1", "logistics_w1"}
    assert flt.industries == {"装备制造"}
    assert to_query(view) == params
    assert to_query(parse_query(to_query(view))) == params


def test_open_area_ranges_and_bad_values():
    assert parse_query({"area": "10-"}).filter.area_min == 10
    assert parse_query({"area": "10-"}).filter.area_max is None
    assert to_query(parse_query({"area": "-8"})) == {"area": "-8"}
    backwards = parse_query({"area": "50-10"}).filter
    assert (backwards.area_min, backwards.area_max) == (10, 50)
    for bad in ("abc", "nan-inf", "-", "10", "1e99-"):
        flt = parse_query({"area": bad}).filter
        assert flt.area_min is None and flt.area_max is None, bad
    assert parse_query({"use": "industrial_m1,<script>"}).filter.planned_uses == {"industrial_m1"}
    assert to_query(ViewState(filter=FeatureFilter(area_min=0.00001))) == {"area": "0-"}
