"""The layer registry, the locale catalogues and the README agree, and stay complete."""

from __future__ import annotations

import re

from landmap.i18n import catalog, t
from landmap.layers import LAYERS, all_status_codes, get_layer, layers_with_status
from tests.conftest import REPO_ROOT

ISSUE_VOCABULARIES = {
    "idle_land": [
        "identified",
        "reserved",
        "ready",
        "promoting",
        "listed",
        "supplied",
        "under_construction",
        "revitalised",
        "on_hold",
    ],
    "shantytown": [
        "vacating",
        "vacated",
        "demolished",
        "reserved",
        "ready",
        "listed",
        "supplied",
        "on_hold",
    ],
    "renovation": [
        "planned",
        "preparing",
        "tendering",
        "under_construction",
        "works_completed",
        "accepted",
        "on_hold",
    ],
    "roads": [
        "planning",
        "preliminary",
        "land_clearance",
        "tendering",
        "under_construction",
        "open_to_traffic",
        "accepted",
        "on_hold",
    ],
}


def test_vocabularies_are_the_agreed_ones():
    assert {layer.id: list(layer.status_codes) for layer in LAYERS} == ISSUE_VOCABULARIES


def test_every_status_has_labels_and_a_colour():
    for layer in LAYERS:
        for status in layer.statuses:
            assert status.label.zh and status.label.en
            assert re.fullmatch(r"#[0-9a-f]{6}", status.color)


def test_field_keys_are_unique_snake_case():
    for layer in LAYERS:
        keys = [f.key for f in layer.all_fields]
        assert len(keys) == len(set(keys)), layer.id
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys)


def test_shared_codes_select_across_layers():
    assert [layer.id for layer in layers_with_status("under_construction")] == [
        "idle_land",
        "renovation",
        "roads",
    ]
    assert all_status_codes()[0] == "identified"


def test_unknown_layer_error_lists_known_ids():
    try:
        get_layer("idle")
    except KeyError as exc:
        assert "idle_land" in str(exc)
    else:
        raise AssertionError("expected KeyError")


def test_locales_have_the_same_keys():
    assert set(catalog("zh")) == set(catalog("en"))
    assert t("app.title", "zh") == "西区土地与项目一张图"
    assert t("app.title", "en") != t("app.title", "zh")


def test_readme_documents_every_layer_and_status_code():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for layer in LAYERS:
        assert f"`{layer.id}`" in readme, layer.id
        for code in layer.status_codes:
            assert f"`{code}`" in readme, code
    for setting in ("LANDMAP_DATA", "LANDMAP_BOUNDARY", "TIANDITU_KEY"):
        assert setting in readme


def test_nothing_outside_ui_imports_streamlit():
    package = REPO_ROOT / "landmap"
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in package.rglob("*.py")
        if "ui" not in path.relative_to(package).parts[:1]
        and re.search(r"^\s*(import streamlit|from streamlit)", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
