"""Place names for the map: read from data/places.csv, each with its zoom range."""

from __future__ import annotations

import json

from landmap.map.places import PLACES_PATH, load_places, places_json


def test_every_place_of_the_reference_list_is_read_with_a_sane_zoom_range():
    places = load_places()
    assert len(places) == 13
    assert {"西区人民政府", "格里坪", "清香坪", "梅子箐水库"} <= {p.name_zh for p in places}
    for place in places:
        assert 26.5 < place.lat < 26.7 and 101.4 < place.lon < 101.7
        assert 10 <= place.min_zoom <= place.max_zoom <= 18
        # Estimates that may be 1–3 km off are never shown close in (data/README.md).
        if place.grade == "C":
            assert place.max_zoom <= 14


def test_labels_follow_the_language_and_bad_rows_are_skipped(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(
        PLACES_PATH.read_text(encoding="utf-8").splitlines()[0]
        + "\n格里坪,Geliping town,Geliping,26.6,101.53,C,11,14,\n"
        + "坏行,Bad,Bad,not-a-number,101.5,C,11,14,\n"
        + "<b>x</b>,X,,26.6,101.5,C,11,14,\n",
        encoding="utf-8",
    )
    places = load_places(path)
    assert [p.name_zh for p in places] == ["格里坪", "<b>x</b>"]
    assert json.loads(places_json(places, "en"))[0] == ["Geliping", 26.6, 101.53, 11, 14]
    # No English label: the Chinese name (drawn with textContent, so markup stays text).
    assert json.loads(places_json(places, "en"))[1][0] == "<b>x</b>"
