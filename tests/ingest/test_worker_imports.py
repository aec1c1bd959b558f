"""The child's modules must not load GDAL before ``harden_gdal`` has run (security.md §3.2).

GDAL registers its drivers when pyogrio is imported; ``GDAL_SKIP`` set afterwards changes
nothing. ``python -m landmap.ingest.worker`` imports all of these modules before ``main``
hardens GDAL, so none of them may import pyogrio, osgeo or geopandas at module level.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CHILD_MODULES = [
    "landmap.ingest.messages",
    "landmap.ingest.gdal_hardening",
    "landmap.ingest.sniff",
    "landmap.ingest.textencoding",
    "landmap.ingest.zipcheck",
    "landmap.ingest.prepare",
    "landmap.ingest.gdal_read",
    "landmap.ingest.worker",
]
GDAL_MODULES = ("pyogrio", "osgeo", "geopandas")


def _loaded_after_importing(module: str) -> list[str]:
    """The GDAL modules in sys.modules of a fresh interpreter that imported only ``module``."""
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps([m for m in {GDAL_MODULES!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", CHILD_MODULES)
def test_importing_a_child_module_does_not_load_gdal(module: str) -> None:
    assert _loaded_after_importing(module) == []


def test_worker_can_harden_gdal_after_all_its_imports() -> None:
    """The child's real order: every module imported, then hardening, then pyogrio."""
    code = (
        "import landmap.ingest.worker\n"
        "from landmap.ingest import gdal_hardening\n"
        "gdal_hardening.harden_gdal()\n"
        "import pyogrio\n"
        "gdal_hardening.check_registered_drivers(pyogrio)\n"
        "print('HARDENED')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "HARDENED"
