"""Where the time of a first page load goes, from navigation to the first features drawn.

Starts a real app server (public view, scratch state folder) on ``--data`` (default: a
10,000-plot synthetic store from bench/synthetic.py; ``--data data/xiqu_sample.gpkg`` for the
sample), warms it with one page load, then opens ``--repeat`` fresh browser contexts in
headless Chromium and prints, per visit and as medians, milliseconds since navigation of:

- ``html``: the page's HTML received (navigation timing ``responseEnd``);
- ``bundle``: Streamlit's main JS bundle received (resource timing, the largest script);
- ``ws_open``: the websocket handshake answered (CDP ``webSocketHandshakeResponseReceived``);
- ``ws_first`` / ``ws_map`` / ``ws_last``: the first websocket frame, the frame that carries
  the map component, the last frame before the first features (protobuf payloads, searched
  for ``streamlit_folium``);
- ``iframe_start`` / ``iframe_html`` / ``iframe_load``: the component iframe's navigation
  start, its HTML received and its ``load`` event;
- ``leaflet_js``: the last script the iframe loaded before ``load`` finished arriving;
- ``map_ready``: the Leaflet container in the iframe;
- ``tile_start`` / ``tile_end``: the first ``landmap-view`` fetch started and the last one of
  the first view finished (large mode only);
- ``loaded``: ``data-landmap-loaded`` first set above 0 on the map container;
- ``first_path``: the first ``path.leaflet-interactive`` in the overlay pane;
- ``first_features``: as bench_city.py measures it (drawn, nothing pending, painted).

With ``--again`` each context loads the page once before the measured visit: a reader coming
back (Streamlit's hashed bundles and the vendored Leaflet in the HTTP cache, a new session).

Marks inside the iframe come from a MutationObserver installed in every frame by an init
script, stamped with ``performance.timeOrigin + performance.now()`` so frames compare.

    python bench/bench_firstload.py --plots 10000 --repeat 5
    python bench/bench_firstload.py --data data/xiqu_sample.gpkg
    python bench/bench_firstload.py --data data/xiqu_sample.gpkg --script bench/bare_map_app.py
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import bench_city  # noqa: E402  (bench/bench_city.py, after the path tweak)
import synthetic  # noqa: E402

MARKS_JS = """
(() => {
  const stamp = () => performance.timeOrigin + performance.now();
  window.__landmapMarks = {};
  const marks = window.__landmapMarks;
  const mark = (name) => { if (!(name in marks)) marks[name] = stamp(); };
  const look = () => {
    const box = document.querySelector('.leaflet-container');
    if (box) {
      mark('map_ready');
      if (Number(box.getAttribute('data-landmap-loaded') || 0) > 0) mark('loaded');
    }
    const pane = '.leaflet-overlay-pane path.leaflet-interactive';
    if (document.querySelector(pane)) mark('first_path');
  };
  // A poll, not a MutationObserver: the component rewrites its document, observers die.
  const timer = setInterval(() => { look(); if ('loaded' in window.__landmapMarks &&
    'first_path' in window.__landmapMarks) clearInterval(timer); }, 4);
})();
"""

COLLECT_JS = """() => {
  const frame = document.querySelector('%s');
  const win = frame && frame.contentWindow;
  const t0 = performance.timeOrigin;
  const nav = performance.getEntriesByType('navigation')[0];
  const scripts = performance.getEntriesByType('resource')
    .filter((e) => e.initiatorType === 'script' || /\\.js($|\\?)/.test(e.name));
  const bundle = scripts.sort((a, b) => b.transferSize - a.transferSize)[0];
  const out = {html: nav.responseEnd, bundle: bundle ? bundle.responseEnd : null,
               bundle_name: bundle ? bundle.name : null, marks: {}, tiles: [], iframe_js: []};
  if (win) {
    const fo = win.performance.timeOrigin - t0;
    const fnav = win.performance.getEntriesByType('navigation')[0];
    out.iframe_start = fo;
    out.iframe_html = fo + fnav.responseEnd;
    out.iframe_load = fnav.loadEventEnd ? fo + fnav.loadEventEnd : null;
    for (const e of win.performance.getEntriesByType('resource')) {
      if (e.name.includes('landmap-view')) {
        out.tiles.push([fo + e.startTime, fo + e.responseEnd, e.transferSize, e.encodedBodySize]);
      } else {
        out.iframe_js.push([e.name.split('/').slice(-1)[0], fo + e.startTime, fo + e.responseEnd,
                            e.transferSize]);
      }
    }
    const marks = win.__landmapMarks || {};
    for (const k in marks) out.marks[k] = marks[k] - t0;
  }
  return out;
}""".replace("%s", bench_city.MAP_IFRAME)


def visit(browser, url: str, timeout: float, again: bool = False) -> dict:
    """One visit in a fresh browser context; with ``again``, the context first loads the page
    once (not measured), so the measured visit is a reader's return: HTTP cache warm, new
    session."""
    context = browser.new_context(viewport=bench_city.VIEWPORT, locale="zh-CN")
    context.add_init_script(MARKS_JS)
    # A plain folium page (``--script``) asks a CDN for Leaflet: served from disk, as in bench_city.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), bench_city._cdn_from_disk)
    try:
        if again:
            first = context.new_page()
            first.goto(url, wait_until="commit", timeout=timeout * 1000)
            bench_city.wait_settled(first, time.perf_counter(), bench_city.first_features, timeout)
            first.close()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        frames: list[tuple[float, int, bool]] = []
        ws: dict[str, float] = {}

        def created(event: dict) -> None:
            ws.setdefault("created", time.perf_counter())

        def handshake(event: dict) -> None:
            ws.setdefault("open", time.perf_counter())

        def frame(event: dict) -> None:
            payload = event["response"].get("payloadData", "")
            raw = base64.b64decode(payload) if event["response"].get("opcode") == 2 else b""
            frames.append((time.perf_counter(), len(raw), b"streamlit_folium" in raw))

        cdp.on("Network.webSocketCreated", created)
        cdp.on("Network.webSocketHandshakeResponseReceived", handshake)
        cdp.on("Network.webSocketFrameReceived", frame)
        cdp.send("Network.enable")

        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        while True:
            state = page.evaluate(bench_city.PROBE_JS)
            if bench_city.first_features(state) and state["pending"] == 0:
                page.evaluate(bench_city.PAINTED_JS)
                first = time.perf_counter() - start
                break
            if time.perf_counter() - start > timeout:
                raise bench_city.Timeout("no features")
            time.sleep(0.01)
        got = page.evaluate(COLLECT_JS)
        # The page's time origin is navigation start; perf_counter's start is just before goto.
        # Both are within a few ms; perf_counter figures are reported as is.
        ms = lambda t: (t - start) * 1000  # noqa: E731
        row = {
            "html": got["html"],
            "bundle": got["bundle"],
            "ws_open": ms(ws["open"]) if "open" in ws else None,
            "ws_first": ms(frames[0][0]) if frames else None,
            "ws_map": next((ms(t) for t, _, has in frames if has), None),
            "ws_last": ms(max((t for t, _, _ in frames if t - start <= first), default=start)),
            "iframe_start": got.get("iframe_start"),
            "iframe_html": got.get("iframe_html"),
            "iframe_load": got.get("iframe_load"),
            "leaflet_js": max((e[2] for e in got["iframe_js"]), default=None),
            "map_ready": got["marks"].get("map_ready"),
            "tile_start": min((t[0] for t in got["tiles"]), default=None),
            "tile_end": max((t[1] for t in got["tiles"]), default=None),
            "loaded": got["marks"].get("loaded"),
            "first_path": got["marks"].get("first_path"),
            "first_features": first * 1000,
            "ws_bytes_before_first": sum(n for t, n, _ in frames if t - start <= first),
            "tiles": len(got["tiles"]),
            "tile_bytes": sum(t[2] for t in got["tiles"]),
            "iframe_js": got["iframe_js"],
        }
        return row
    finally:
        context.close()


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=10_000)
    parser.add_argument("--data", type=Path, help="a store instead of synthetic plots")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--again", action="store_true", help="measure return visits (warm cache)")
    parser.add_argument("--verbose", action="store_true", help="each visit's iframe resources")
    parser.add_argument(
        "--script", default="streamlit_app.py", help="another page to compare (e.g. a bare map)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="landmap-firstload-"))
    data = args.data
    if data is None:
        data = workdir / f"city-{args.plots}.gpkg"
        synthetic.main(["--plots", str(args.plots), "--seed", str(args.seed), "-o", str(data)])

    from playwright.sync_api import sync_playwright

    rows = []
    server = bench_city.Server(args.script, {"LANDMAP_DATA": str(data.resolve())}, workdir, "app")
    with sync_playwright() as playwright, bench_city.running(server):
        browser = playwright.chromium.launch(
            executable_path=bench_city.CHROMIUM, args=bench_city.CHROMIUM_ARGS
        )
        try:
            print(f"warm-up: {bench_city.warm(browser, server.url, args.timeout):.2f} s")
            for i in range(args.repeat):
                row = visit(browser, server.url, args.timeout, again=args.again)
                rows.append(row)
                print(
                    f"visit {i + 1}: "
                    + ", ".join(
                        f"{k} {v:.0f}"
                        for k, v in row.items()
                        if isinstance(v, float | int) and k not in ("iframe_js",)
                    )
                )
                if args.verbose:
                    for name, s, e, size in row["iframe_js"]:
                        print(f"    {name[:60]:60s} {s:7.0f} {e:7.0f} {size:9d}")
        finally:
            browser.close()
    print(f"\nmedian of {len(rows)} visits, ms since navigation ({data.name}):")
    for key in rows[0]:
        values = [r[key] for r in rows if isinstance(r[key], float | int)]
        if values:
            print(f"  {key:24s} {statistics.median(values):9.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
