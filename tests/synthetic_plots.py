"""Many idle-land plots in a grid, written in code (the benchmark's generator lives in bench/;
this one is only big enough to cross the large-mode threshold quickly)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from landmap.layers import LAYER_BY_ID
from tests.conftest import layer_frame, square_4543, tiny_tables, write_gpkg

# Statuses in turn: every fourth plot is offered to the public (ready, promoting, listed).
STATUS_CYCLE = ("identified", "reserved", "ready", "promoting", "listed", "supplied", "revitalised")
SECRET_HOLDER = "内部持有人秘密QZX9"


def idle_plots(count: int, columns: int = 80, pitch_m: float = 60.0, side_m: float = 40.0):
    """``count`` square plots of ``side_m`` metres, ``pitch_m`` apart, ``columns`` to a row;
    each has an internal contact no public output may carry."""
    spec = LAYER_BY_ID["idle_land"]
    rows = [
        {
            "id": f"G-{i:06d}",
            "name": f"网格地块{i}",
            "status": STATUS_CYCLE[i % len(STATUS_CYCLE)],
            "subdistrict": "清香坪街道",
            "geometry": square_4543(
                (i % columns) * pitch_m, 2_000 + (i // columns) * pitch_m, side_m
            ),
            "contact": f"{SECRET_HOLDER}-{i}",
        }
        for i in range(count)
    ]
    return layer_frame(spec, rows)


def synthetic_tables(count: int) -> dict[str, gpd.GeoDataFrame]:
    """The tiny tables with ``count`` grid plots added to the idle land."""
    import pandas as pd

    tables = tiny_tables()
    tables["idle_land"] = gpd.GeoDataFrame(
        pd.concat([tables["idle_land"], idle_plots(count)], ignore_index=True),
        crs=tables["idle_land"].crs,
    )
    return tables


def write_synthetic_gpkg(path: Path, count: int) -> Path:
    return write_gpkg(path, synthetic_tables(count))
