"""No CDN: every script, style sheet and image the map loads is a vendored file we serve."""

from __future__ import annotations

import re

import folium
import pytest
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin

from landmap.map.offline import (
    VENDOR_DIR,
    VENDOR_URL_PREFIX,
    OfflineFullscreen,
    OfflineMap,
    OfflineMeasureControl,
    asset_files,
    vendor_url,
)

VENDORED_PACKAGES = ("leaflet", "leaflet.fullscreen", "leaflet-measure")
REMOTE = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


def full_map() -> OfflineMap:
    fmap = OfflineMap(location=(26.612, 101.560), zoom_start=12, tiles=None, control_scale=True)
    OfflineFullscreen(position="topleft").add_to(fmap)
    OfflineMeasureControl(lang="zh").add_to(fmap)
    folium.FeatureGroup(name="地块").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def linked_urls(fmap: folium.Map) -> list[str]:
    """What streamlit-folium puts into the iframe: every JSCSSMixin's default_js/default_css."""

    def walk(elem: Element):
        if isinstance(elem, JSCSSMixin):
            yield elem
        for child in getattr(elem, "_children", {}).values():
            yield from walk(child)

    return [url for e in walk(fmap) for _, url in [*e.default_js, *e.default_css]]


def test_every_referenced_asset_exists():
    files = asset_files()
    assert len(files) >= 9  # 3 packages x (js + css + at least one image)
    missing = [str(p) for p in files if not p.is_file()]
    assert not missing, f"run `bash scripts/vendor_assets.sh`; missing: {missing}"
    assert all(p.resolve().is_relative_to(VENDOR_DIR.resolve()) for p in files)


@pytest.mark.parametrize("package", VENDORED_PACKAGES)
def test_every_vendored_folder_has_licence_and_source(package):
    folder = VENDOR_DIR / package
    assert (folder / "LICENSE").is_file()
    source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    assert f"package:   {package}\n" in source
    assert re.search(r"^integrity: sha512-\S+$", source, re.MULTILINE)
    assert "npm registry" in source
    assert not REMOTE.search(source), "SOURCE.txt must not name registry hosts"


def test_vendor_folder_has_no_unreferenced_packages():
    folders = {p.name for p in VENDOR_DIR.iterdir() if p.is_dir()}
    assert folders == set(VENDORED_PACKAGES)


def test_rendered_map_has_no_remote_url():
    html = full_map().get_root().render()
    assert not REMOTE.search(html), REMOTE.search(html)
    for name in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet.fullscreen/Control.FullScreen.js",
        "leaflet-measure/leaflet-measure.js",
    ):
        assert vendor_url(name) in html


def test_streamlit_folium_links_are_all_vendored():
    fmap = full_map()
    fmap.get_root().render()
    urls = linked_urls(fmap)
    assert urls
    assert all(u.startswith(VENDOR_URL_PREFIX + "/") for u in urls), urls
    # none of folium's extras (jQuery, Bootstrap, Font Awesome, awesome-markers)
    assert not [u for u in urls if re.search(r"jquery|bootstrap|awesome|fontawesome", u, re.I)]


def test_custom_macro_element_needs_nothing_remote():
    fmap = OfflineMap(tiles=None)

    class Hello(MacroElement):
        _template = folium.template.Template(
            "{% macro script(this, kwargs) %}console.log('hi');{% endmacro %}"
        )

    Hello().add_to(fmap)
    assert not REMOTE.search(fmap.get_root().render())


def test_vendor_url_joins_cleanly():
    assert vendor_url("leaflet/leaflet.js") == "../../app/static/vendor/leaflet/leaflet.js"
    assert vendor_url("/x.css", prefix="/app/static/vendor/") == "/app/static/vendor/x.css"


@pytest.mark.parametrize(("lang", "code"), [("zh", "cn"), ("en", "en"), ("fr", "en")])
def test_measure_control_is_metric_and_localized(lang, code):
    control = OfflineMeasureControl(lang=lang)
    assert control.options["localization"] == code
    assert control.options["primary_length_unit"] == "meters"
    assert control.options["secondary_length_unit"] == "kilometers"
    assert control.options["primary_area_unit"] == "sqmeters"
    assert control.options["secondary_area_unit"] == "hectares"


def test_keep_in_front_is_refused_because_it_needs_jquery():
    fmap = OfflineMap(tiles=None)
    with pytest.raises(NotImplementedError):
        fmap.keep_in_front(folium.FeatureGroup().add_to(fmap))
