"""Large mode in the page (issue #12): above the threshold the map carries a view token, not
the features, and the table shows its first rows with a note."""

from __future__ import annotations

import pytest

from landmap.ui.tables import TABLE_ROW_LIMIT
from landmap.viewport import REGISTRY
from tests.app.test_app import feature_table
from tests.synthetic_plots import SECRET_HOLDER, write_synthetic_gpkg

PLOTS = 5_000  # the public sees 3 statuses of 7: still above the threshold
TINY = 7  # the features of tests.conftest.tiny_tables


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return write_synthetic_gpkg(tmp_path_factory.mktemp("grid") / "grid.gpkg", PLOTS)


def map_script(at) -> str:
    return at.get("component_instance")[0].proto.json_args


def test_large_map_carries_a_view_token_not_the_features(make_app, grid):
    at = make_app(grid, staff=True)
    script = map_script(at)
    assert "landmap-view/" in script
    assert "G-000001" not in script and "网格地块1" not in script
    assert len(script) < 200_000
    token = script.split("landmap-view/")[1].split("/")[0]
    view = REGISTRY.get(token)
    assert view is not None and view.feature_count == PLOTS + TINY
    # a rerun that does not change the filter reuses the view
    at.run()
    assert f"landmap-view/{token}/" in map_script(at)
    # a filter change registers another one
    at.multiselect(key="status__idle_land").select("listed").run()
    assert f"landmap-view/{token}/" not in map_script(at)


def test_public_large_view_holds_only_public_strings(make_app, grid):
    at = make_app(grid)
    script = map_script(at)
    token = script.split("landmap-view/")[1].split("/")[0]
    view = REGISTRY.get(token)
    strings = "".join(s for layer in view.layers for s in layer.strings)
    assert SECRET_HOLDER not in strings
    assert '"d":' not in strings
    assert view.feature_count < PLOTS


def test_small_map_still_carries_its_features(make_app):
    script = map_script(make_app(staff=True))
    assert "landmap-view/" not in script
    assert "XQ-XZ-001" in script


def test_table_shows_its_first_rows_and_says_so(make_app, grid):
    at = make_app(grid, staff=True)
    assert len(feature_table(at)) == TABLE_ROW_LIMIT
    note = " ".join(w.value for w in at.warning)
    assert f"{TABLE_ROW_LIMIT:,}" in note and f"{PLOTS + TINY:,}" in note
    assert "导出" in note and "export" in note


def test_plot_link_in_large_mode_outlines_and_details_it(make_app, grid):
    at = make_app(grid, query={"plot": "G-000123"}, staff=True)
    script = map_script(at)
    assert "landmap-view/" in script
    # the highlight carries that one plot (the other plots come by view)
    assert "G-000123" in script and "G-000124" not in script
    assert at.session_state["selected_id"] == "G-000123"
    text = " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)
    assert "网格地块123" in text


def test_warm_caches_serialises_both_audiences_before_any_page(grid, monkeypatch):
    from landmap.access import Audience
    from landmap.config import load_settings
    from landmap.ui import data

    monkeypatch.setenv("LANDMAP_DATA", str(grid))
    settings = load_settings()
    calls = []
    real = data.feature_strings
    monkeypatch.setattr(data, "feature_strings", lambda frame: calls.append(1) or real(frame))
    data._layer_strings.clear()
    data.warm_caches(settings)
    assert len(calls) == 2 * 4  # two audiences, four layers
    dataset = data.get_dataset(settings)
    for audience in Audience:
        data.layer_strings(settings, dataset, audience)
    assert len(calls) == 8  # the pages find them cached
