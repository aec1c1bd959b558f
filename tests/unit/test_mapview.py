"""The map payload: small, only the shown fields, and text that can never become markup."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from streamlit_folium import _get_map_string, generate_js_hash

from landmap.dataset import load_dataset
from landmap.map.geoencode import decode_coords
from landmap.map.places import load_places
from landmap.map.view import (
    SUBDISTRICT_ORDER,
    base_map,
    bounds_of,
    build_feature_groups,
    feature_collection,
    feature_strings,
    focus_on,
)
from landmap.query import FeatureFilter, filter_features
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, layer_frame, square_4543, write_gpkg

XSS_NAME = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def dataset(tiny_gpkg):
    return load_dataset(GpkgStore(tiny_gpkg), BOUNDARY)


def render_groups(groups) -> str:
    import folium

    fmap = folium.Map(tiles=None)
    for group in groups:
        group.add_to(fmap)
    return fmap.get_root().render()


def test_features_carry_only_id_name_status_subdistrict_and_shape(dataset):
    strings = feature_strings(dataset.frames["idle_land"])
    items = json.loads(feature_collection(strings))
    assert {k: items[0][k] for k in ("id", "n", "s")} == {
        "id": "T-1",
        "n": "陶家渡片区闲置地",
        "s": "listed",
    }
    assert all(set(item) == {"id", "n", "s", "u", "g"} for item in items)
    # The subdistrict travels as a one-digit index into a list the layer script holds.
    assert SUBDISTRICT_ORDER[items[0]["u"]] == dataset.frames["idle_land"]["subdistrict"].iloc[0]


def test_an_unknown_subdistrict_is_sent_as_text_and_a_blank_one_not_at_all(dataset):
    frame = dataset.frames["idle_land"].copy()
    frame["subdistrict"] = ["某新区"] + [None] * (len(frame) - 1)
    items = json.loads(feature_collection(feature_strings(frame)))
    assert items[0]["u"] == "某新区"
    assert all("u" not in item for item in items[1:])


def test_tooltip_names_the_subdistrict_in_the_ui_language(dataset):
    strings = {"idle_land": feature_strings(dataset.frames["idle_land"])}
    ids = {"idle_land": dataset.frames["idle_land"].index}
    html_zh = render_groups(build_feature_groups(strings, ids, "zh").groups)
    html_en = render_groups(build_feature_groups(strings, ids, "en").groups)
    assert '"清香坪街道"' in html_zh and "where.textContent = place" in html_zh
    assert '"Qingxiangping"' in html_en


def test_plot_layers_get_labels_and_the_map_gets_place_names(dataset):
    strings = {"idle_land": feature_strings(dataset.frames["idle_land"])}
    ids = {"idle_land": dataset.frames["idle_land"].index}
    html = render_groups(build_feature_groups(strings, ids, "zh", places=load_places()).groups)
    assert "landmapPlotLabels(layer, 15, 48, 18, 10," in html
    assert "landmap-place-label" in html and "西区人民政府" in html
    bare = render_groups(build_feature_groups(strings, ids, "zh").groups)
    assert "landmap-place-label" not in bare


def test_shapes_survive_encoding_within_a_decimetre(dataset):
    frame = dataset.frames["idle_land"]
    items = json.loads(feature_collection(feature_strings(frame)))
    kind, rings = items[0]["g"]
    assert kind == "P"
    exterior = decode_coords(rings[0])
    original = shapely.get_coordinates(frame.loc["T-1"].geometry.exterior)[:-1]
    assert np.abs(exterior - original).max() < 1e-6  # 1e-6° ≈ 0.1 m


def test_features_without_shape_are_not_drawn():
    from landmap.dataset import normalise_layer
    from landmap.layers import LAYER_BY_ID

    spec = LAYER_BY_ID["idle_land"]
    raw = layer_frame(
        spec,
        [
            {"id": "A", "name": "a", "status": "ready", "geometry": square_4543(0, 0, 10)},
            {"id": "B", "name": "b", "status": "ready", "geometry": None},
        ],
    )
    frame, _ = normalise_layer(raw, spec, "x")
    assert list(feature_strings(frame).index) == ["A"]


def test_feature_text_is_json_as_json_dumps_writes_it():
    """The facts are written without json.dumps (speed), so check they read back exactly, for
    every character JSON must escape, and that a missing value is text, never NaN."""
    import geopandas as gpd

    names = ['a"b', "back\\slash", "ctl\x01\x1f", "line\u2028end", "</script>", "表情😀", ""]
    frame = gpd.GeoDataFrame(
        {
            "id": [f'X{i}"' for i in range(len(names))],
            "name": names,
            "status": ["listed"] * len(names),
            "subdistrict": ["清香坪街道", 'Unknown "x"', None, "", "格里坪镇", " x ", None],
            "deadline_state": ["overdue", "", "none", "due_soon", None, "x", "y"],
        },
        geometry=[shapely.Point(101.6 + i / 100, 26.5) for i in range(len(names))],
        crs="EPSG:4326",
    )
    for text, (_, row) in zip(feature_strings(frame), frame.iterrows(), strict=True):
        item = json.loads(text)
        assert (item["id"], item["n"], item["s"]) == (row["id"], row["name"], "listed")
        state = row["deadline_state"]
        assert item.get("d") == (state if isinstance(state, str) and state else None)
        head = {k: item[k] for k in item if k != "g"}
        assert text.startswith(json.dumps(head, ensure_ascii=False)[:-1] + ',"g":')
    missing = frame.assign(name=[None] * len(names))
    assert [json.loads(t)["n"] for t in feature_strings(missing)] == [""] * len(names)


def test_filtered_groups_contain_only_shown_features(dataset):
    shown = filter_features(dataset.frames, FeatureFilter(statuses=frozenset({"listed"})))
    strings = {lid: feature_strings(f) for lid, f in dataset.frames.items()}
    layers = build_feature_groups(strings, {k: v.index for k, v in shown.items()}, "zh")
    html = render_groups(layers.groups)
    assert layers.feature_count == 1
    assert '"T-1"' in html and '"T-2"' not in html and '"D-1"' not in html


def test_hidden_fields_never_reach_the_page(dataset):
    strings = {lid: feature_strings(f) for lid, f in dataset.frames.items()}
    shown = {lid: f.index for lid, f in dataset.frames.items()}
    html = render_groups(build_feature_groups(strings, shown, "zh").groups)
    assert "攀钢集团" not in html  # owner_name of T-1: in the detail panel, not in the payload
    assert "西区自然资源局" not in html


def test_hostile_names_are_data_not_markup(tmp_path):
    from landmap.layers import LAYER_BY_ID

    spec = LAYER_BY_ID["idle_land"]
    names = [
        XSS_NAME,
        "</script><script>document.title='x'</script>",
        "${document.title}",
        "`+alert(1)+`",
        "a\u2028b",
    ]
    rows = [
        {"id": f"X{i}", "name": name, "status": "ready", "geometry": square_4543(i * 100, 0, 50)}
        for i, name in enumerate(names)
    ]
    path = write_gpkg(tmp_path / "xss.gpkg", {"idle_land": layer_frame(spec, rows)})
    frame = load_dataset(GpkgStore(path)).frames["idle_land"]
    strings = {"idle_land": feature_strings(frame)}
    html = render_groups(build_feature_groups(strings, {"idle_land": frame.index}, "zh").groups)
    assert "<img" not in html and "</script><script>" not in html and "\u2028" not in html
    assert "\\u003cimg src=x" in html
    # Tooltips are built with textContent; nothing from data goes through innerHTML.
    assert "innerHTML" not in html and "textContent" in html
    # The JSON still parses back to the exact names.
    payload = re.search(r"landmapFeatures\((\[.*?\])\)\);", html, re.DOTALL).group(1)
    parsed = [item["n"] for item in json.loads(payload)]
    assert parsed == names


def test_base_map_is_identical_whatever_the_filter(dataset):
    """The map's identity must not change with the data, or the iframe remounts and the user
    loses the zoom (streamlit-folium.md §1.3)."""
    bounds = bounds_of(dataset.boundary)
    first = generate_js_hash(_get_map_string(base_map("zh", bounds)), "map", False)
    second = generate_js_hash(_get_map_string(base_map("zh", bounds)), "map", False)
    assert first == second


def test_base_map_has_no_remote_assets(dataset):
    html = base_map("zh", bounds_of(dataset.boundary)).get_root().render()
    assert not re.search(r"(src|href)=\"https?://", html)


def test_selected_feature_is_highlighted_in_its_own_group(dataset):
    strings = {lid: feature_strings(f) for lid, f in dataset.frames.items()}
    layers = build_feature_groups(strings, {"idle_land": []}, "zh", selected=("roads", "D-1"))
    html = render_groups(layers.groups)
    assert '"D-1"' in html and layers.feature_count == 0


def test_focus_zooms_in_on_small_features(dataset):
    center, zoom = focus_on(dataset.frames["idle_land"].loc["T-1"].geometry)
    assert 26.5 < center["lat"] < 26.7 and 101.4 < center["lng"] < 101.7
    assert 15 <= zoom <= 17
