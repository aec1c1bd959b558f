"""The store alone at city scale: 10⁶ synthetic parcels in PostGIS and in the GeoPackage.

Generates ``--plots`` idle-land parcels (bench/synthetic.py, default 1 000 000), writes the
store GeoPackage, loads it into a throw-away PostgreSQL 15 + PostGIS cluster with the app's own
commands (``python -m landmap db init`` and ``db copy``: the load an operator runs), then
measures:

- ``read_table("idle_land")`` of each store (the whole layer, as the app loads it today;
  ``--read-repeat``, default 1, because it is slow at 10⁶);
- (median of ``--repeat``) a viewport query for a district-sized window (10 × 8 km) and a
  street-sized one (500 m): PostGIS ``geom && ST_MakeEnvelope(…, 4490)`` and the same with
  ``ST_Intersects``, and the GeoPackage with pyogrio ``read_dataframe(bbox=…)`` (its R-tree),
  each returning the columns a map needs (id, name, status, subdistrict, geometry) and
  decoding the geometries; PostGIS on one open connection (as a pooled endpoint would), the
  GeoPackage opened per query.

It also says whether PostGIS uses a GiST index for the window (``EXPLAIN``), and whether the
layer table has one at all.

    python bench/bench_store.py                       # 1 000 000 parcels
    python bench/bench_store.py --plots 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyogrio
import shapely
from pyproj import Transformer

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402  (bench/synthetic.py, after the path tweak)
from throwaway_postgis import postgis_copy  # noqa: E402  (bench/throwaway_postgis.py)

from landmap import geo  # noqa: E402
from landmap.store import GpkgStore  # noqa: E402
from landmap.store.postgis import PostgisStore  # noqa: E402
from tests.postgis_server import postgis_installed  # noqa: E402

LAYER = synthetic.LAYER_ID
MAP_COLUMNS = ["id", "name", "status", "subdistrict"]
# (name, width m, height m) of the windows, centred on the parcels' centre.
WINDOWS = [("district 10×8 km", 10_000.0, 8_000.0), ("street 500×500 m", 500.0, 500.0)]


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time over ``repeat`` runs, and the last result."""
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def window_bounds(center: tuple[float, float], width: float, height: float) -> tuple:
    """(west, south, east, north) in EPSG:4490 degrees of a metric window around ``center``."""
    to_store = Transformer.from_crs(geo.METRIC_CRS, geo.STORE_CRS, always_xy=True)
    x, y = center
    west, south, east, north = to_store.transform_bounds(
        x - width / 2, y - height / 2, x + width / 2, y + height / 2
    )
    return west, south, east, north


def postgis_window(con: psycopg.Connection, bounds: tuple, predicate: str) -> int:
    """Rows of the window, geometries decoded, on an open connection (as a map endpoint with a
    connection pool would)."""
    where = {
        "&&": "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4490)",
        "ST_Intersects": "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4490))",
    }[predicate]
    query = f"SELECT id, name, status, subdistrict, ST_AsBinary(geom) FROM {LAYER} WHERE {where}"
    rows = con.execute(query, bounds).fetchall()  # constant SQL; the bounds are parameters
    shapely.from_wkb([bytes(r[4]) for r in rows])
    return len(rows)


def postgis_plan(url: str, bounds: tuple) -> str:
    query = f"EXPLAIN SELECT id FROM {LAYER} WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4490)"
    with psycopg.connect(url) as con:
        return "\n".join(r[0] for r in con.execute(query, bounds).fetchall())


def gist_indexes(url: str) -> list[str]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexdef ILIKE '%%using gist%%'",
            (LAYER,),
        ).fetchall()
    return [f"{name}: {definition}" for name, definition in rows]


def gpkg_window(path: Path, bounds: tuple) -> int:
    frame = pyogrio.read_dataframe(path, layer=LAYER, bbox=bounds, columns=MAP_COLUMNS)
    return len(frame)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="median of N, viewport queries")
    parser.add_argument(
        "--read-repeat", type=int, default=1, help="median of N, whole-layer reads (slow at 10⁶)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="where the GeoPackage goes (default: temp)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="landmap-store-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {"plots": args.plots, "repeat": args.repeat, "read_repeat": args.read_repeat}

    start = time.perf_counter()
    parcels = synthetic.synthetic_parcels(args.plots, args.seed)
    results["generate_s"] = time.perf_counter() - start
    centroids = shapely.get_coordinates(
        shapely.centroid(parcels.geometry.to_crs(geo.METRIC_CRS).array)
    )
    center = tuple(float(v) for v in (centroids.min(axis=0) + centroids.max(axis=0)) / 2)
    start = time.perf_counter()
    gpkg = synthetic.write_store(parcels, workdir / f"store-{args.plots}.gpkg")
    results["gpkg_write_s"] = time.perf_counter() - start
    results["gpkg_mb"] = gpkg.stat().st_size / 1e6
    del parcels
    print(
        f"{args.plots} parcels: generated in {results['generate_s']:.1f} s, GeoPackage written "
        f"in {results['gpkg_write_s']:.1f} s ({results['gpkg_mb']:.0f} MB)"
    )
    windows = {name: window_bounds(center, w, h) for name, w, h in WINDOWS}

    rows = []
    seconds, frame = timed(lambda: GpkgStore(gpkg).read_table(LAYER), args.read_repeat)
    rows.append(("GeoPackage", "read_table (whole layer)", seconds, len(frame)))
    del frame
    for name, bounds in windows.items():
        seconds, count = timed(lambda b=bounds: gpkg_window(gpkg, b), args.repeat)
        rows.append(("GeoPackage", f"{name}: read_dataframe(bbox=…)", seconds, count))

    if not postgis_installed():
        print("PostGIS: skipped: PostgreSQL 15 with PostGIS is not installed")
    else:
        with postgis_copy(gpkg) as (url, copy_s):
            results["postgis_load_s"] = copy_s
            print(f"PostGIS load (landmap db copy): {results['postgis_load_s']:.1f} s")
            results["gist_indexes"] = gist_indexes(url)
            print("GiST indexes on the layer table:", results["gist_indexes"] or "none")
            results["plans"] = {n: postgis_plan(url, b) for n, b in windows.items()}
            for name, plan in results["plans"].items():
                print(f"EXPLAIN {name} (no ANALYZE run after the load):\n{plan}")
            seconds, frame = timed(lambda: PostgisStore(url).read_table(LAYER), args.read_repeat)
            rows.append(("PostGIS", "read_table (whole layer)", seconds, len(frame)))
            del frame
            with psycopg.connect(url) as con:
                for name, bounds in windows.items():
                    for predicate in ("&&", "ST_Intersects"):
                        seconds, count = timed(
                            lambda b=bounds, p=predicate: postgis_window(con, b, p), args.repeat
                        )
                        rows.append(("PostGIS", f"{name}: {predicate}", seconds, count))

    results["rows"] = [{"store": s, "query": q, "seconds": t, "features": n} for s, q, t, n in rows]
    print()
    print(
        f"{args.plots:,} parcels; viewport queries median of {args.repeat}, whole-layer reads "
        f"median of {args.read_repeat}:"
    )
    print("| store | query | features | ms |")
    print("|---|---|---|---|")
    for store, query, seconds, count in rows:
        print(f"| {store} | {query} | {count:,} | {seconds * 1000:.1f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return results


if __name__ == "__main__":
    main()
