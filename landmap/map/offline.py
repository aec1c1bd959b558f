"""folium without a CDN: Leaflet and the plugins we use are loaded from ``static/vendor/``.

Why: the app must work on an intranet with no internet access, and a CDN is also a privacy leak
(every map view would tell a third party who looked at the map). folium's classes hard-code
jsDelivr/cdnjs URLs in ``default_js``/``default_css``; these subclasses point them at copies that
Streamlit serves itself (``[server] enableStaticServing = true``: ``static/`` beside
``streamlit_app.py`` is served at ``<base>/app/static/``). ``scripts/vendor_assets.sh`` refreshes
the copies from the npm registry; ``static/vendor/README.md`` lists versions and licences.

Only Leaflet is loaded for the map itself: none of folium's jQuery, Bootstrap, Font Awesome or
awesome-markers. What that rules out (not used by this app): ``folium.Popup`` (its template calls
``$``), ``folium.Icon``/awesome markers, ``Map.keep_in_front`` (``$(document).ready``) and
``GeoJson(embed=False)`` (``$.ajax``). Tile layers, FeatureGroups, LayerControl, plain
MacroElements, the fullscreen and the measure controls all work without jQuery.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import folium
from folium.plugins import Fullscreen, MeasureControl
from folium.template import Template

__all__ = [
    "MEASURE_LOCALIZATION",
    "VENDOR_DIR",
    "VENDOR_URL_PREFIX",
    "OfflineFullscreen",
    "OfflineMap",
    "OfflineMeasureControl",
    "asset_files",
    "vendor_url",
]

VENDOR_DIR: Path = Path(__file__).resolve().parents[2] / "static" / "vendor"
"""Where ``scripts/vendor_assets.sh`` puts the files (repo checkout layout)."""

VENDOR_URL_PREFIX = "../../app/static/vendor"
"""Relative on purpose: streamlit-folium renders the map in a component iframe at
``<base>/component/streamlit_folium.st_folium/index.html`` and adds a ``<script src>``/``<link>``
for each URL, so ``../../`` climbs back to ``<base>/`` whatever ``server.baseUrlPath`` is (an
absolute ``/app/static/...`` would break behind a reverse proxy sub-path)."""

MEASURE_LOCALIZATION: dict[str, str] = {"zh": "cn", "en": "en"}
"""UI language → leaflet-measure ``localization`` code (2.1.7 bundles every language in one file;
its Simplified Chinese strings are under ``cn``)."""

_LEAFLET_JS = "leaflet/leaflet.js"
_LEAFLET_CSS = "leaflet/leaflet.css"
_FULLSCREEN_JS = "leaflet.fullscreen/Control.FullScreen.js"
_FULLSCREEN_CSS = "leaflet.fullscreen/Control.FullScreen.css"
_MEASURE_JS = "leaflet-measure/leaflet-measure.js"
_MEASURE_CSS = "leaflet-measure/leaflet-measure.css"

_Links = list[tuple[str, str]]  # folium's (name, url) pairs

_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")


def vendor_url(relpath: str, prefix: str = VENDOR_URL_PREFIX) -> str:
    """URL of a file under ``static/vendor/`` as the map iframe must request it."""
    return f"{prefix.rstrip('/')}/{relpath.lstrip('/')}"


class OfflineMap(folium.Map):
    """``folium.Map`` that loads only the vendored Leaflet (no CDN, no jQuery/Bootstrap/icons)."""

    default_js: ClassVar[_Links] = [("leaflet", vendor_url(_LEAFLET_JS))]
    default_css: ClassVar[_Links] = [("leaflet_css", vendor_url(_LEAFLET_CSS))]

    def keep_in_front(self, *args: Any) -> None:
        """Refused: folium's implementation calls jQuery, which is deliberately not loaded."""
        raise NotImplementedError(
            "OfflineMap does not load jQuery, which folium's keep_in_front needs; "
            "add the layers in the wanted order or call bringToFront() from a MacroElement."
        )


class OfflineFullscreen(Fullscreen):
    """Fullscreen button from vendored leaflet.fullscreen 3.0.0.

    The npm tarball has no ``Control.FullScreen.min.js`` (which folium names), so the unminified
    file is served.
    """

    default_js: ClassVar[_Links] = [("Control.Fullscreen.js", vendor_url(_FULLSCREEN_JS))]
    default_css: ClassVar[_Links] = [("Control.FullScreen.css", vendor_url(_FULLSCREEN_CSS))]


class OfflineMeasureControl(MeasureControl):
    """Distance/area measuring tool from vendored leaflet-measure 2.1.7, in metric units.

    ``lang`` is the app's UI language (``"zh"`` or ``"en"``); it selects leaflet-measure's built-in
    translation (``localization``), unknown languages fall back to English. Units default to
    metres/kilometres and m²/hectares because land parcels are measured that way in China.
    Extra keyword arguments go to ``L.Control.Measure`` (an explicit ``localization`` wins).
    The unminified bundle is served because the minified one drops the licence notices of the
    libraries bundled into it.
    """

    # folium's template minus its comment with a GitHub URL (keeps "no URL in the page" checkable):
    # the include is folium's workaround for leaflet-measure issue 171 on Leaflet >= 1.8 (the
    # huge capture marker must not autopan on focus, or the map jumps when measuring starts).
    # The script is loaded once the map is up, not before it like the other default_js: it is
    # 237 kB (unminified, see above) that streamlit-folium would otherwise fetch and run before
    # the map is even created, for a tool few readers open. The button appears a moment later.
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                function add() {
                    L.Control.Measure.include({
                        _setCaptureMarkerIcon: function () {
                            this._captureMarker.options.autoPanOnFocus = false;
                            this._captureMarker.setIcon(
                                L.divIcon({iconSize: this._map.getSize().multiplyBy(2)})
                            );
                        },
                    });
                    map.addControl(new L.Control.Measure({{ this.options|tojavascript }}));
                }
                if (L.Control.Measure) { add(); return; }
                var script = document.createElement("script");
                script.src = {{ this.script_url|tojson }};
                script.onload = add;
                document.head.appendChild(script);
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    # Not in default_js: loaded by the script above (``lazy_js``, so asset checks still see it).
    default_js: ClassVar[_Links] = []
    lazy_js: ClassVar[_Links] = [("leaflet_measure_js", vendor_url(_MEASURE_JS))]
    script_url: ClassVar[str] = vendor_url(_MEASURE_JS)
    default_css: ClassVar[_Links] = [("leaflet_measure_css", vendor_url(_MEASURE_CSS))]

    def __init__(
        self,
        position: str = "topright",
        lang: str = "zh",
        primary_length_unit: str = "meters",
        secondary_length_unit: str = "kilometers",
        primary_area_unit: str = "sqmeters",
        secondary_area_unit: str = "hectares",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("localization", MEASURE_LOCALIZATION.get(lang, "en"))
        super().__init__(
            position=position,
            primary_length_unit=primary_length_unit,
            secondary_length_unit=secondary_length_unit,
            primary_area_unit=primary_area_unit,
            secondary_area_unit=secondary_area_unit,
            **kwargs,
        )


_OFFLINE_CLASSES = (OfflineMap, OfflineFullscreen, OfflineMeasureControl)

# Loaded by leaflet.js itself (L.Icon.Default derives their folder from leaflet.css), not by a CSS
# url(): listed so a refresh that drops them is caught.
_LEAFLET_JS_IMAGES = ("leaflet/images/marker-icon-2x.png", "leaflet/images/marker-shadow.png")


def asset_files() -> list[Path]:
    """Every vendored file the classes make the browser load, as absolute paths.

    That is each ``default_js``/``default_css`` file (and ``lazy_js``, loaded by a class's own
    script once the map is up), every local ``url(...)`` in those CSS files
    (control icons, layer-switcher images) and Leaflet's default marker images, so a test can
    prove none is missing. Files that
    do not exist are still listed (that is what the test is for).
    """
    prefix = VENDOR_URL_PREFIX.rstrip("/") + "/"
    found: dict[Path, None] = {}
    for cls in _OFFLINE_CLASSES:
        for _, url in [*cls.default_js, *getattr(cls, "lazy_js", []), *cls.default_css]:
            if not url.startswith(prefix):
                raise ValueError(f"{cls.__name__} references a non-vendored URL: {url}")
            path = VENDOR_DIR / url[len(prefix) :]
            found[path] = None
            if path.suffix == ".css" and path.is_file():
                for ref in _CSS_URL.findall(path.read_text(encoding="utf-8")):
                    if ref.startswith(("data:", "#")):
                        continue  # inline image / IE's url(#default#VML) behaviour
                    found[(path.parent / ref).resolve()] = None
    for rel in _LEAFLET_JS_IMAGES:
        found[VENDOR_DIR / rel] = None
    return list(found)
