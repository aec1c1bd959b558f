"""Keeping GDAL to local files of the formats we read (security.md §3.2).

GDAL registers its drivers when pyogrio is imported, so ``harden_gdal`` must run before the
first ``import pyogrio`` (or geopandas, which imports it) in the child process. Hence this
module, and every module the worker imports before hardening, imports neither at module level.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

# Drivers GDAL may keep (security.md §3.2); MEM is used internally by other drivers. Esri JSON
# (ArcGIS REST exports) and TopoJSON read local JSON only, like GeoJSON: links in them are
# never followed, since a URL is never what GDAL is asked to open and HTTP goes nowhere.
ALLOWED_DRIVERS = frozenset(
    {"GPKG", "GeoJSON", "ESRIJSON", "TopoJSON", "ESRI Shapefile", "KML", "LIBKML", "MEM"}
)

LIST_DRIVERS_CODE = "import json, pyogrio; print(json.dumps(sorted(pyogrio.list_drivers())))"


def list_vector_drivers(python: str = sys.executable) -> list[str]:
    """Every vector driver this GDAL build registers, asked of a throw-away process.

    Registering drivers is what makes GDAL dangerous; listing them in another process leaves
    this one clean, so ``GDAL_SKIP`` can still take effect here (security.md §3.2).
    """
    out = subprocess.run(
        [python, "-c", LIST_DRIVERS_CODE],
        capture_output=True,
        check=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in ("GDAL_SKIP", "OGR_SKIP")},
    )
    return [str(d) for d in json.loads(out.stdout)]


def hardening_env(all_drivers: list[str]) -> dict[str, str]:
    """Configuration that keeps GDAL to local files of the allowed formats (security.md §3.2)."""
    skip = ",".join(d for d in all_drivers if d not in ALLOWED_DRIVERS)
    return {
        # I1–I3: VRT, WFS, GDALG, CSV… are never registered, so no content can reach them.
        "GDAL_SKIP": skip,
        # I1/I4: /vsicurl/ refuses every URL; any HTTP that slips through gives up at once.
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".__none__",
        # Other HTTP GDAL makes (a GeoJSON "crs" link is fetched with CPLHTTPFetch, not
        # /vsicurl/) goes to a proxy on a closed local port, i.e. nowhere.
        "GDAL_HTTP_PROXY": "127.0.0.1:1",
        "GDAL_HTTPS_PROXY": "127.0.0.1:1",
        "GDAL_HTTP_TIMEOUT": "1",
        "GDAL_HTTP_CONNECTTIMEOUT": "1",
        "GDAL_HTTP_MAX_RETRY": "0",
        "PROJ_NETWORK": "OFF",
        # GPKG/SQLite: no SQL functions that open other datasets (gdal_get_pixel_value…).
        "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
        # GDAL's own security page: no plugins, no Python inside VRT.
        "GDAL_DRIVER_PATH": "disable",
        "GDAL_VRT_ENABLE_PYTHON": "NO",
        # LIBKML: never fetch styles or icons named in the file (§2.2 I5).
        "LIBKML_RESOLVE_STYLE": "NO",
        "LIBKML_EXTERNAL_STYLE": "NO",
        # No .aux.xml side files next to the upload.
        "GDAL_PAM_ENABLED": "NO",
    }


def harden_gdal(all_drivers: list[str] | None = None) -> None:
    """Set the hardening environment; must run before pyogrio (or geopandas) is imported."""
    if "pyogrio" in sys.modules or "osgeo" in sys.modules:
        raise RuntimeError("GDAL was imported before it was hardened")
    os.environ.update(hardening_env(all_drivers or list_vector_drivers()))


def check_registered_drivers(pyogrio: Any) -> None:
    """Fail closed if a driver outside the allowlist is still registered (a stale skip list)."""
    extra = set(pyogrio.list_drivers()) - ALLOWED_DRIVERS
    if extra:
        raise RuntimeError(f"drivers left registered: {sorted(extra)}")
