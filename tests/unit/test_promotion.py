"""Investor mode: a plot's selling facts, distances in EPSG:4543, the comparison, the link."""

from __future__ import annotations

import shapely

from landmap.dataset import normalise_layer
from landmap.layers import LAYER_BY_ID
from landmap.promotion import compare, selling_facts
from landmap.urlstate import ViewState, parse_query, to_query
from tests.conftest import ORIGIN_4543, layer_frame, square_4543

IDLE = LAYER_BY_ID["idle_land"]
ROADS = LAYER_BY_ID["roads"]


def frame(spec, rows):
    out, _ = normalise_layer(layer_frame(spec, rows), spec, "test")
    return out


def plot(fid="P-1", side=100.0, dx=0.0, **fields):
    # 100 m × 100 m = 10 000 m² = 15 亩 = 1 ha, measured in EPSG:4543.
    return {
        "id": fid,
        "name": f"地块{fid}",
        "status": "ready",
        "geometry": square_4543(dx, 0, side),
        **fields,
    }


def road(fid, offset_m, road_class="主干路", status="under_construction", name="新飞路"):
    """A road running east–west ``offset_m`` metres south of the plot's lower edge."""
    x, y = ORIGIN_4543
    line = shapely.LineString([(x - 500, y - offset_m), (x + 600, y - offset_m)])
    return {
        "id": fid,
        "name": name,
        "status": status,
        "road_class": road_class,
        "planned_finish": "2027-06-30",
        "geometry": line,
    }


def facts_of(rows, roads=(), lang="zh", contact="西区投资促进局 0812-0000000", index=0):
    plots = frame(IDLE, rows)
    road_frame = frame(ROADS, list(roads)) if roads else None
    return selling_facts(IDLE, plots.iloc[index], road_frame, lang, contact)


def values(facts) -> dict[str, str]:
    return {key: value for key, _, value in facts.rows}


def test_area_is_given_in_mu_square_metres_and_hectares():
    shown = values(facts_of([plot()]))
    assert shown["area_mu"] == "15.00 亩（10,000 m²，1.00 公顷）"
    english = values(facts_of([plot()], lang="en"))
    assert english["area_mu"] == "15.00 mu (10,000 m², 1.00 ha)"


def test_facts_the_data_does_not_hold_are_dashes_never_numbers():
    shown = values(facts_of([plot()]))
    for key in ("start_price_wan", "price_per_mu_wan", "deposit_wan", "far", "planned_use"):
        assert shown[key] == "—", key
    assert shown["main_road_m"] == "—"  # no road layer at all


def test_price_far_and_utilities_come_from_the_registry_fields():
    row = plot(
        start_price_wan=1500.0,
        deposit_wan=300.0,
        far_min=0.8,
        far_max=1.5,
        planned_use="industrial_m2",
        utilities_ready="road,power,levelled",
        utilities_planned="water,power",
    )
    facts = facts_of([row])
    shown = values(facts)
    assert shown["start_price_wan"] == "1,500.0 万元"
    assert shown["price_per_mu_wan"] == "100.0 万元/亩"  # 1500 万元 over 15 亩
    assert shown["far"] == "0.8 – 1.5"
    assert shown["planned_use"] == "二类工业用地（M2）"
    assert facts.utilities_ready == ["通路", "通电", "场地平整"]
    assert facts.utilities_planned == ["通给水"]  # power is in already: not "coming" too


def test_roads_are_measured_in_metres_and_the_nearest_main_road_named():
    roads = [road("R-far", 900, name="远处主干路"), road("R-near", 300, road_class="支路")]
    roads.append(road("R-main", 450, name="新飞路"))
    facts = facts_of([plot()], roads)
    assert facts.nearest_main_road is not None
    assert facts.nearest_main_road.name == "新飞路"
    assert abs(facts.nearest_main_road.distance_m - 450) < 1
    assert [r.feature_id for r in facts.serving_roads] == ["R-near", "R-main"]  # within 500 m
    assert "距 450 m" in values(facts)["main_road_m"] and "在建" in values(facts)["main_road_m"]


def test_the_contact_is_the_promotion_office_never_the_record_contact():
    row = plot(contact="内部联系人张某")
    shown = values(facts_of([row], contact="西区投资促进局"))
    assert shown["contact"] == "西区投资促进局"
    assert "张某" not in repr(facts_of([row]).rows)


def test_the_english_title_is_the_english_name_where_there_is_one():
    facts = facts_of([plot(name_en="Dashuijing Plot 1")], lang="en")
    assert facts.title("en") == "Dashuijing Plot 1" and facts.title("zh") == "地块P-1"


def test_the_comparison_stars_the_larger_cheaper_better_serviced_plot():
    rows = [
        plot("A", side=100, start_price_wan=2000.0, utilities_ready="road,power"),
        plot("B", side=200, dx=400, start_price_wan=3000.0, utilities_ready="road"),
    ]
    plots = [facts_of(rows, index=i) for i in range(2)]
    table = compare(plots, "zh")
    assert table.feature_ids == ["A", "B"]
    labels = [label for label, _ in table.rows]

    def best(label):
        return {c for c in range(2) if table.is_best(labels.index(label), c)}

    assert best("面积") == {1}  # 60 亩 against 15
    assert best("起始价") == {0}
    assert best("亩均起始价") == {1}  # 50 万元/亩 against 133
    assert best("已通") == {0}
    assert best("用地性质") == set()  # not a row where better is clear


def test_one_plot_or_equal_values_star_nothing():
    one = compare([facts_of([plot("A", start_price_wan=100.0)])], "zh")
    assert not one.best
    twins = [plot("A"), plot("B", dx=400)]
    same = compare([facts_of(twins, index=i) for i in range(2)], "zh")
    labels = [label for label, _ in same.rows]
    assert not any(same.is_best(labels.index("面积"), c) for c in range(2))


def test_the_shortlist_lives_in_the_link_at_most_four_without_repeats():
    state = parse_query({"short": "A,B,A,C,D,E"})
    assert state.shortlist == ("A", "B", "C", "D")
    assert to_query(ViewState(shortlist=("A", "B")))["short"] == "A,B"
    assert "short" not in to_query(ViewState())


def test_english_mode_translates_codes_and_marks_free_text_as_chinese():
    row = plot(planned_use="logistics_w1", target_industry="现代物流")
    shown = values(facts_of([row], lang="en"))
    assert shown["planned_use"] == "Logistics & warehousing (W1)"
    assert shown["target_industry"] == "现代物流 (in Chinese)"
    assert values(facts_of([row]))["target_industry"] == "现代物流"  # no mark in Chinese mode
