"""Map payload benchmark: landmap's map against ``GeoDataFrame.explore()``, in the same run.

For (a) the sample data and (b) a synthetic city-scale set of plots (10 000 by default) it
prints the seconds to build the map payload and the bytes it sends, beside explore() on the
same features and the same fields (id, name, status), and their ratio. Then it measures what a
user waits for on the server when a filter changes: a full Streamlit rerun (AppTest) of the
real app on the sample data, median of several runs.

    python bench/bench_map.py            # both sets, 10 000 synthetic plots
    python bench/bench_map.py --plots 500 --repeat 1 --no-rerun   # a quick smoke run

Targets (issue #2): at 10 000 plots ≥ 5× less time and ≥ 3× fewer bytes than explore();
a filter change on the sample data < 0.3 s of server time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import streamlit_folium as sf

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from landmap.config import BUNDLED_SAMPLE_PATH, DEFAULT_BOUNDARY_PATH  # noqa: E402
from landmap.dataset import load_dataset  # noqa: E402  (after the path tweak)
from landmap.map.view import base_map, bounds_of, build_feature_groups, feature_strings  # noqa: E402
from landmap.store import GpkgStore  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_plots  # noqa: E402  (bench/synthetic.py, beside this file)

SHOWN_FIELDS = ["id", "name", "status"]


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Best-of-``repeat`` wall time, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def st_folium_payload(
    fmap: folium.Map,
    groups: list[folium.FeatureGroup] | None = None,
    layer_control: folium.LayerControl | None = None,
) -> str:
    """What ``st_folium`` sends to the browser for this map, built the way it builds it.

    Uses streamlit-folium's own (private) helpers, pinned in requirements.txt, so the bytes and
    seconds are those of the app's real rerun path, not of a standalone HTML file.
    """
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    extra = "".join(
        sf._get_feature_group_string(group, map=fmap, idx=idx)
        for idx, group in enumerate(groups or [])
    )
    if layer_control is not None:
        extra += sf._get_layer_control_string(layer_control, fmap)
    return header + html + script + extra


def explore_payload(frame: gpd.GeoDataFrame) -> str:
    """explore() on the same features and fields, shown through st_folium as people do."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fmap = frame[[*SHOWN_FIELDS, "geometry"]].explore(
            column="status", tooltip=["name", "status"], tiles=None
        )
    return st_folium_payload(fmap)


def landmap_payload(
    frame: gpd.GeoDataFrame, layer_id: str, boundary: gpd.GeoDataFrame | None
) -> str:
    """Cold path (nothing cached): serialise the features, build the groups and the payload."""
    strings = {layer_id: feature_strings(frame)}
    layers = build_feature_groups(
        strings,
        {layer_id: frame.index},
        "zh",
        codes_by_layer={layer_id: tuple(frame["status"].unique())},
    )
    fmap = base_map("zh", bounds_of(boundary))
    return st_folium_payload(fmap, layers.groups, folium.LayerControl(collapsed=True))


def compare(label: str, frames: dict[str, gpd.GeoDataFrame], boundary, repeat: int) -> dict:
    """explore() vs landmap over all layers of ``frames`` (summed)."""
    t_explore = t_ours = 0.0
    b_explore = b_ours = 0
    n = 0
    for layer_id, frame in frames.items():
        if frame.empty:
            continue
        n += len(frame)
        seconds, html = timed(lambda f=frame: explore_payload(f), repeat)
        t_explore += seconds
        b_explore += len(html.encode())
        seconds, html = timed(
            lambda f=frame, lid=layer_id: landmap_payload(f, lid, boundary), repeat
        )
        t_ours += seconds
        b_ours += len(html.encode())
    row = {
        "set": label,
        "features": n,
        "explore_s": t_explore,
        "landmap_s": t_ours,
        "time_ratio": t_explore / t_ours,
        "explore_bytes": b_explore,
        "landmap_bytes": b_ours,
        "bytes_ratio": b_explore / b_ours,
    }
    print(
        f"{label:<22} {n:>6} features | build  explore {t_explore:7.3f} s  landmap "
        f"{t_ours:7.3f} s  ({row['time_ratio']:5.1f}× faster) | bytes explore "
        f"{b_explore / 1e6:7.2f} MB  landmap {b_ours / 1e6:7.2f} MB  "
        f"({row['bytes_ratio']:4.1f}× fewer)"
    )
    return row


def filter_rerun_seconds(runs: int) -> dict:
    """Server time of a full app rerun after a status-filter change, on the sample data."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=120).run()
    choices = [["listed"], ["under_construction"], ["planned", "ready"], []]
    samples = []
    for i in range(runs):
        widget = at.multiselect(key="status__idle_land")
        widget.set_value(choices[i % len(choices)])
        start = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(
        f"filter change (full rerun, sample data): median {median:.3f} s, "
        f"max {max(samples):.3f} s over {runs} runs"
    )
    return {"filter_rerun_median_s": median, "filter_rerun_max_s": max(samples)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=10_000, help="synthetic plot count")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    parser.add_argument("--reruns", type=int, default=8, help="filter changes to time")
    parser.add_argument("--no-rerun", action="store_true", help="skip the AppTest rerun timing")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    dataset = load_dataset(GpkgStore(BUNDLED_SAMPLE_PATH), DEFAULT_BOUNDARY_PATH)
    results = {
        "rows": [
            compare("(a) sample data", dataset.frames, dataset.boundary, args.repeat),
            compare(
                f"(b) synthetic {args.plots}",
                {"idle_land": synthetic_plots(args.plots)},
                dataset.boundary,
                args.repeat,
            ),
        ]
    }
    if not args.no_rerun:
        results.update(filter_rerun_seconds(args.reruns))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
