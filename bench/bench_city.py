"""End-to-end browser benchmark at city scale: the real app against a DIY ``explore()`` app.

For each size (``--plots``, default 10 000 and 100 000 synthetic idle-land parcels, see
bench/synthetic.py) and each backend (the GeoPackage; PostGIS through
``LANDMAP_DATABASE_URL``, the store copied in with ``db copy``), it starts a real Streamlit
server of the app on a scratch state folder in the public view, warms it with one page load
(the server's caches: the first load of a session reads the store), then drives headless
Chromium (1280×800) and measures, median of ``--repeat`` fresh browser contexts:

- **first features**: from ``page.goto`` until the map iframe has drawn a feature path
  (``path.leaflet-interactive`` in the overlay pane) and no fetch is pending
  (``data-landmap-pending`` on the Leaflet container; missing = 0; where the container has
  ``data-landmap-loaded``, at least one fetch must also have finished);
- **bytes per view**: websocket frames received (CDP ``Network.webSocketFrameReceived``,
  payload length: Streamlit does not compress its websocket by default) and the HTTP bytes of
  ``landmap-view`` responses (CDP ``Network.loadingFinished`` ``encodedDataLength``: bytes
  received, compressed body and headers), for the first page until it settled, and for each
  later view change;
- **filter**: choosing 挂牌公告中 in the idle-land status filter of the sidebar, until the drawn
  paths changed, nothing is pending and Streamlit's running indicator is gone;
- **filter, large mode** (``--large-filter``, on by default): the staff view (a second server
  with ``LANDMAP_INTERNAL_WITHOUT_SIGN_IN=1``) opened on a link with two idle-land statuses
  (已摸排, 已收储: above the large-mode threshold at 10,000 plots), then adding 已开工 in the
  same filter: from the click until the map has loaded the new view's tiles
  (``data-landmap-loaded`` above its value before the click), nothing is pending, Streamlit's
  running indicator is gone and the next frame was painted. (In the public view at 10,000 plots
  any one status is below the threshold, so the filter above switches to the small map.)
  Measured on each backend;
- **filter after an edit**: the same, but just before the click another editor changes one
  shown plot's status (已摸排 → 已收储) through the store, as from another app server: the
  data version moves, so this rerun reads the layer again and builds a new view — what the
  first rerun of every open page costs after any save;
- **pan** and **zoom**: ``map.panBy`` / ``map.setZoom(+1)`` (without animation) on the iframe's
  Leaflet map (``window.map``), until nothing is pending and no rerun runs;
- **server RSS**: VmRSS summed over the server's process tree after the runs.

"Settled" means the condition held and stayed true for a grace second (a fetch or a rerun that
starts within it is waited for); the time reported is when it first held and the next frame
was painted (two animation frames in the map iframe), not the grace's end.

The baseline (bench/diy_explore_app.py, ``st_folium(gdf.explore())``) runs the same way on
the same store and the same plots (the statuses the public view shows). It loads Leaflet from
CDNs; with no internet here the browser gets Leaflet and jQuery from local copies and empty
files for the rest (bootstrap, fonts), which the benchmark does not count. It is skipped at a
size whose warm-up load does not finish within ``--explore-timeout`` seconds, and above it.

    python bench/bench_city.py --plots 2000 --repeat 1            # a quick check
    python bench/bench_city.py --json /tmp/city.json              # 10 000 and 100 000
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

import synthetic  # noqa: E402  (bench/synthetic.py, after the path tweak)
from throwaway_postgis import postgis_copy  # noqa: E402  (bench/throwaway_postgis.py)

from landmap.layers import LAYER_BY_ID  # noqa: E402
from landmap.store import GpkgStore  # noqa: E402
from landmap.store.postgis import PostgisStore  # noqa: E402
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer, running  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
STATUS_FILTER_LABEL = LAYER_BY_ID["idle_land"].name.zh  # the idle-land status multiselect
FILTER_STATUS = "listed"
FILTER_OPTION = LAYER_BY_ID["idle_land"].status(FILTER_STATUS).label.zh  # 挂牌公告中
PUBLIC_STATUSES = LAYER_BY_ID["idle_land"].offered_statuses  # what the public view shows
GRACE_S = 1.0
VIEW_ROUTE = "landmap-view"
VENDOR = REPO_ROOT / "static" / "vendor" / "leaflet"
DEBIAN_JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")

# Read in the page (the component iframe is same-origin): what is drawn and what is running.
PROBE_JS = """() => {
  const frame = document.querySelector('%s');
  const doc = frame && frame.contentDocument;
  const box = doc && doc.querySelector('.leaflet-container');
  const paths = doc ? doc.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive') : [];
  const d = (p) => (p ? (p.getAttribute('d') || '').slice(0, 60) : '');
  return {
    paths: paths.length,
    signature: paths.length + '|' + d(paths[0]) + '|' + d(paths[paths.length - 1]),
    pending: box ? Number(box.getAttribute('data-landmap-pending') || 0) : 0,
    loaded: box && box.hasAttribute('data-landmap-loaded')
      ? Number(box.getAttribute('data-landmap-loaded')) : null,
    running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  };
}""".replace("%s", MAP_IFRAME)  # (JS braces would need doubling in an f-string)

# Resolves after the next frame was painted in the map iframe (two animation frames): a path in
# the DOM is not yet a path on the screen.
PAINTED_JS = """() => new Promise((done) => {
  const frame = document.querySelector('%s');
  const win = (frame && frame.contentWindow) || window;
  win.requestAnimationFrame(() => win.requestAnimationFrame(() => done(true)));
})""".replace("%s", MAP_IFRAME)

MAP_CALL_JS = """(call) => {
  const map = document.querySelector('%s').contentWindow.map;
  if (call === 'pan') map.panBy([320, 180], {animate: false});
  else map.setZoom(map.getZoom() + 1, {animate: false});
  return map.getZoom();
}""".replace("%s", MAP_IFRAME)

# The large-mode filter change (staff view): a link with two statuses, then a third added.
LARGE_FILTER_LINK = "?status=identified,reserved"
LARGE_FILTER_STATUS = "under_construction"
LARGE_FILTER_OPTION = LAYER_BY_ID["idle_land"].status(LARGE_FILTER_STATUS).label.zh  # 已开工

TARGETS_100K = {
    "first_s": 3.0,
    "pan_s": 1.0,
    "zoom_s": 1.0,
    "view_mb_max": 1.5,
    "filter_s": 1.5,
    "large_filter_s": 1.5,
    "edit_filter_s": 1.5,
    "rss_gb": 1.5,
}
TARGETS_10K_GPKG = {"first_s": 1.5, "ws_mb": 1.0, "filter_s": 0.4, "large_filter_s": 0.4}


class Timeout(Exception):
    """A phase did not settle in time."""


# --- servers -------------------------------------------------------------------------------


class Server(StreamlitServer):
    """``streamlit run <script>`` with a scratch state folder, in the public view."""

    ready_timeout_s = 90

    def __init__(self, script: str, env_extra: dict[str, str], workdir: Path, name: str) -> None:
        state = Path(tempfile.mkdtemp(prefix=f"{name}-state-", dir=workdir))
        super().__init__(
            script,
            workdir / f"{name}.log",
            unset=("TIANDITU_KEY", "LANDMAP_DATA", "LANDMAP_DATABASE_URL", "LANDMAP_TILES"),
            env={
                "LANDMAP_STATE_DIR": str(state),
                "LANDMAP_ACCOUNTS": str(state / "accounts.json"),
                "LANDMAP_INTERNAL_WITHOUT_SIGN_IN": "0",
                **env_extra,
            },
        )

    def rss_bytes(self) -> int:
        """VmRSS of the server and all its descendants."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        total, todo = 0, [self.process.pid]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total


# --- the browser side ----------------------------------------------------------------------


def _cdn_from_disk(route) -> None:
    """Leaflet and jQuery from local copies, empty files for the rest of folium's CDN list."""
    url = route.request.url
    if re.search(r"/leaflet(@[\d.]+)?/dist/leaflet\.js$", url):
        route.fulfill(path=str(VENDOR / "leaflet.js"), content_type="application/javascript")
    elif re.search(r"/leaflet(@[\d.]+)?/dist/leaflet\.css$", url):
        route.fulfill(path=str(VENDOR / "leaflet.css"), content_type="text/css")
    elif "jquery" in url and url.endswith(".js") and DEBIAN_JQUERY.exists():
        route.fulfill(path=str(DEBIAN_JQUERY), content_type="application/javascript")
    elif url.endswith(".css"):
        route.fulfill(body="", content_type="text/css")
    elif url.endswith(".js"):
        route.fulfill(body="", content_type="application/javascript")
    else:
        route.abort()


@dataclass
class Traffic:
    """Bytes received since the page opened: websocket frames and landmap-view responses."""

    ws: int = 0
    route: int = 0
    _view_requests: set[str] = field(default_factory=set)

    def attach(self, cdp) -> None:
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary (Streamlit's protobuf): base64 in CDP
            self.ws += len(base64.b64decode(payload))
        else:
            self.ws += len(payload.encode())

    def _response(self, event: dict) -> None:
        if VIEW_ROUTE in event["response"]["url"]:
            self._view_requests.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        if event["requestId"] in self._view_requests:
            self.route += int(event.get("encodedDataLength", 0))

    def snapshot(self) -> tuple[int, int]:
        return self.ws, self.route


def wait_settled(
    page,
    start: float,
    done: Callable[[dict], bool],
    timeout: float,
    idle_app: bool = True,
) -> float:
    """Seconds from ``start`` until ``done(state)`` held with nothing pending (and, with
    ``idle_app``, no rerun running), and kept holding for ``GRACE_S``."""
    first_ok: float | None = None
    deadline = start + timeout
    while True:
        state = page.evaluate(PROBE_JS)
        now = time.perf_counter()
        ok = done(state) and state["pending"] == 0 and not (idle_app and state["running"])
        if ok and first_ok is None:
            page.evaluate(PAINTED_JS)
            first_ok = time.perf_counter()
        elif not ok:
            first_ok = None
        if first_ok is not None and now - first_ok >= GRACE_S:
            return first_ok - start
        if now > deadline:
            raise Timeout(f"not settled after {timeout:.0f} s (last state {state})")
        time.sleep(0.01)


def first_features(state: dict) -> bool:
    return state["paths"] > 0 and (state["loaded"] is None or state["loaded"] > 0)


@dataclass
class Visit:
    first_s: float
    first_ws: int
    first_route: int
    filter_s: float
    filter_ws: int
    filter_route: int
    pan_s: float
    pan_ws: int
    pan_route: int
    zoom_s: float
    zoom_ws: int
    zoom_route: int


def visit(browser, url: str, timeout: float) -> Visit:
    """One fresh browser context: open the map, change the filter, pan, zoom."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), _cdn_from_disk)
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.attach(context.new_cdp_session(page))
        figures: dict[str, float] = {}

        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        # First features: drawn and nothing pending (the app may still be running its script).
        first_ok = None
        while first_ok is None:
            state = page.evaluate(PROBE_JS)
            if first_features(state) and state["pending"] == 0:
                page.evaluate(PAINTED_JS)
                first_ok = time.perf_counter() - start
            elif time.perf_counter() - start > timeout:
                raise Timeout(f"no features after {timeout:.0f} s")
            else:
                time.sleep(0.01)
        figures["first_s"] = first_ok
        wait_settled(page, start, first_features, timeout)  # the whole page, for its bytes
        figures["first_ws"], figures["first_route"] = traffic.snapshot()

        before = page.evaluate(PROBE_JS)["signature"]
        widget = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has_text=STATUS_FILTER_LABEL
        )
        widget.first.click()
        option = page.get_by_role("option", name=FILTER_OPTION).first
        option.wait_for(timeout=10_000)
        ws0, route0 = traffic.snapshot()
        start = time.perf_counter()
        option.click()
        figures["filter_s"] = wait_settled(
            page, start, lambda s: s["signature"] != before and s["paths"] > 0, timeout
        )
        ws1, route1 = traffic.snapshot()
        figures["filter_ws"], figures["filter_route"] = ws1 - ws0, route1 - route0
        page.keyboard.press("Escape")
        wait_settled(page, time.perf_counter(), lambda s: True, timeout)

        for call in ("pan", "zoom"):
            ws0, route0 = traffic.snapshot()
            start = time.perf_counter()
            page.evaluate(MAP_CALL_JS, call)
            figures[f"{call}_s"] = wait_settled(page, start, lambda s: s["paths"] > 0, timeout)
            ws1, route1 = traffic.snapshot()
            figures[f"{call}_ws"], figures[f"{call}_route"] = ws1 - ws0, route1 - route0
        return Visit(**figures)
    finally:
        context.close()


def large_filter_visit(
    browser, url: str, timeout: float, before_click: Callable[[], None] | None = None
) -> tuple[float, int, int]:
    """The staff view on ``LARGE_FILTER_LINK`` (large mode), then ``LARGE_FILTER_OPTION`` added
    to the idle-land status filter: seconds from the click until the new view is loaded and
    drawn, and the websocket and route bytes of the change. ``before_click`` runs (untimed)
    once the list is open, just before the click."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.attach(context.new_cdp_session(page))
        page.goto(url + LARGE_FILTER_LINK, wait_until="commit", timeout=timeout * 1000)
        wait_settled(page, time.perf_counter(), first_features, timeout)
        before = page.evaluate(PROBE_JS)["loaded"] or 0
        widget = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has_text=STATUS_FILTER_LABEL
        )
        widget.first.locator("input").click()  # (a click on a chip would not open the list)
        option = page.get_by_role("option", name=LARGE_FILTER_OPTION).first
        option.wait_for(timeout=10_000)
        if before_click is not None:
            before_click()
        ws0, route0 = traffic.snapshot()
        start = time.perf_counter()
        option.click()
        seconds = wait_settled(
            page, start, lambda s: s["paths"] > 0 and (s["loaded"] or 0) > before, timeout
        )
        ws1, route1 = traffic.snapshot()
        page.keyboard.press("Escape")
        return seconds, ws1 - ws0, route1 - route0
    finally:
        context.close()


class OtherEditor:
    """Another editor, saving through the store as another app server would: each call moves
    one more shown plot from 已摸排 to 已收储 (one history row, the data version bumped)."""

    def __init__(self, store) -> None:
        self.store = store
        table = store.read_table("idle_land")
        self.ids = iter(table.loc[table["status"] == "identified", "id"].astype(str).tolist())

    def __call__(self) -> None:
        from landmap.progress.edits import FeatureEdit, FieldChange

        change = FieldChange("status", "identified", "reserved")
        edit = FeatureEdit("idle_land", next(self.ids), 0, (change,))
        self.store.apply_edits([edit], user="bench", note="另一位编辑", source="app")


def measure_large_filter(
    browser, server: Server, label: str, store, repeat: int, timeout: float
) -> dict:
    """The large-mode filter change, then the same right after another editor's save."""
    warm(browser, server.url + LARGE_FILTER_LINK, timeout)
    figures: dict = {}
    for key, before_click in (("large_filter", None), ("edit_filter", OtherEditor(store))):
        runs = []
        for i in range(repeat):
            runs.append(large_filter_visit(browser, server.url, timeout, before_click))
            print(
                f"  {label} (staff): run {i + 1}: {key.replace('_', ' ')} {runs[-1][0]:.2f} s, "
                f"ws {runs[-1][1] / 1e6:.3f} MB, route {runs[-1][2] / 1e6:.3f} MB"
            )
        figures[f"{key}_s"] = statistics.median(r[0] for r in runs)
        figures[f"{key}_ws"] = statistics.median(r[1] for r in runs)
        figures[f"{key}_route"] = statistics.median(r[2] for r in runs)
        figures[f"{key}_runs"] = runs
    return figures


def warm(browser, url: str, timeout: float) -> float:
    """One page load that fills the server's caches; its seconds to first features."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), _cdn_from_disk)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        return wait_settled(page, start, first_features, timeout)
    finally:
        context.close()


# --- one row of the table ------------------------------------------------------------------


def measure_app(browser, server: Server, label: str, repeat: int, timeout: float) -> dict:
    row: dict = {"app": label}
    warm_s = warm(browser, server.url, timeout)
    print(f"  {label}: warm-up load (fills the server's caches, not counted) {warm_s:.2f} s")
    row["warmup_s"] = warm_s
    visits = []
    for i in range(repeat):
        one = visit(browser, server.url, timeout)
        visits.append(one)
        print(
            f"  {label}: run {i + 1}: first {one.first_s:.2f} s, "
            f"ws {one.first_ws / 1e6:.2f} MB, route {one.first_route / 1e6:.2f} MB, "
            f"filter {one.filter_s:.2f} s, pan {one.pan_s:.2f} s, zoom {one.zoom_s:.2f} s"
        )
    for key in Visit.__dataclass_fields__:
        row[key] = statistics.median(getattr(v, key) for v in visits)
    row["runs"] = [v.__dict__ for v in visits]
    row["view_mb_max"] = (
        max(row[f"{view}_ws"] + row[f"{view}_route"] for view in ("first", "filter", "pan", "zoom"))
        / 1e6
    )
    row["ws_mb"] = row["first_ws"] / 1e6
    row["route_mb"] = row["first_route"] / 1e6
    row["rss_gb"] = server.rss_bytes() / 1e9
    return row


def run_size(browser, plots: int, args, workdir: Path, explore_ok: bool) -> tuple[list, bool]:
    rows = []
    gpkg = workdir / f"city-{plots}.gpkg"
    start = time.perf_counter()
    synthetic.main(["--plots", str(plots), "--seed", str(args.seed), "-o", str(gpkg)])
    print(f"{plots} plots: store written in {time.perf_counter() - start:.1f} s")

    if "gpkg" in args.backends:
        server = Server("streamlit_app.py", {"LANDMAP_DATA": str(gpkg)}, workdir, f"app-{plots}")
        with running(server):
            rows.append(
                {"plots": plots, **measure_app(browser, server, "landmap (GeoPackage)",
                                               args.repeat, args.timeout)}
            )  # fmt: skip
        if args.large_filter:
            # The edits land in a copy: the public runs above and the next sizes keep theirs.
            edited = workdir / f"city-{plots}-edited.gpkg"
            shutil.copyfile(gpkg, edited)
            env = {"LANDMAP_DATA": str(edited), "LANDMAP_INTERNAL_WITHOUT_SIGN_IN": "1"}
            server = Server("streamlit_app.py", env, workdir, f"app-staff-{plots}")
            with running(server):
                rows[-1].update(
                    measure_large_filter(browser, server, "landmap (GeoPackage)",
                                         GpkgStore(edited), args.repeat, args.timeout)
                )  # fmt: skip
    if "postgis" in args.backends:
        with postgis_copy(gpkg) as (url, copy_s):
            print(f"  landmap (PostGIS): db copy of the store took {copy_s:.1f} s")
            env = {"LANDMAP_DATABASE_URL": url}
            server = Server("streamlit_app.py", env, workdir, f"app-pg-{plots}")
            with running(server):
                row = measure_app(browser, server, "landmap (PostGIS)", args.repeat,
                                  args.timeout)  # fmt: skip
                rows.append({"plots": plots, "db_copy_s": copy_s, **row})
            if args.large_filter:
                env = {"LANDMAP_DATABASE_URL": url, "LANDMAP_INTERNAL_WITHOUT_SIGN_IN": "1"}
                server = Server("streamlit_app.py", env, workdir, f"app-pg-staff-{plots}")
                with running(server):
                    rows[-1].update(
                        measure_large_filter(browser, server, "landmap (PostGIS)",
                                             PostgisStore(url), args.repeat, args.timeout)
                    )  # fmt: skip

    if args.no_explore:
        return rows, explore_ok
    if not explore_ok:
        print(f"  explore() baseline: skipped at {plots} (it timed out at a smaller size)")
        return rows, False
    env = {"LANDMAP_DATA": str(gpkg), "DIY_STATUSES": ",".join(PUBLIC_STATUSES)}
    server = Server("bench/diy_explore_app.py", env, workdir, f"diy-{plots}")
    with running(server):
        try:
            row = measure_app(browser, server, "DIY explore()", args.repeat, args.explore_timeout)
        except Timeout as exc:
            print(f"  DIY explore(): timed out ({args.explore_timeout:.0f} s): {exc}")
            rows.append({"plots": plots, "app": "DIY explore()", "timed_out": True,
                         "rss_gb": server.rss_bytes() / 1e9})  # fmt: skip
            return rows, False
        rows.append({"plots": plots, **row})
    return rows, True


# --- the report ----------------------------------------------------------------------------


def _mark(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def targets_for(row: dict) -> dict[str, float]:
    if not row["app"].startswith("landmap") or row.get("timed_out"):
        return {}
    if row["plots"] >= 100_000:
        return TARGETS_100K
    if row["plots"] == 10_000 and "GeoPackage" in row["app"]:
        return TARGETS_10K_GPKG
    return {}


STAFF_KEYS = ("large_filter_s", "edit_filter_s")


def report(rows: list[dict]) -> str:
    head = (
        "| plots | app | first features s | websocket MB | route MB | ws+route MB "
        "| filter s | large-mode filter s (staff) | the same after an edit s "
        "| pan s | zoom s | max MB per view | RSS GB |"
    )
    lines = [head, "|" + "---|" * 13]
    for row in rows:
        if row.get("timed_out"):
            lines.append(
                f"| {row['plots']:,} | {row['app']} | timed out | – | – | – | – | – | – | – "
                f"| – | – | {row['rss_gb']:.2f} |"
            )
            continue
        staff = [f"{row[key]:.2f}" if key in row else "–" for key in STAFF_KEYS]
        lines.append(
            f"| {row['plots']:,} | {row['app']} | {row['first_s']:.2f} | {row['ws_mb']:.2f} "
            f"| {row['route_mb']:.2f} | {row['ws_mb'] + row['route_mb']:.2f} "
            f"| {row['filter_s']:.2f} | {' | '.join(staff)} | {row['pan_s']:.2f} "
            f"| {row['zoom_s']:.2f} | {row['view_mb_max']:.2f} | {row['rss_gb']:.2f} |"
        )
    lines += ["", "| plots | app | figure | measured | target | |", "|---|---|---|---|---|---|"]
    names = {
        "first_s": "first features (s)",
        "ws_mb": "websocket, whole first page (MB)",
        "view_mb_max": "bytes per view, worst of first/filter/pan/zoom (MB)",
        "filter_s": "filter change (s)",
        "large_filter_s": "filter change in large mode, staff view (s)",
        "edit_filter_s": "the same right after another editor's save (s)",
        "pan_s": "pan (s)",
        "zoom_s": "zoom (s)",
        "rss_gb": "server RSS (GB)",
    }
    for row in rows:
        for key, target in targets_for(row).items():
            if key not in row:
                continue
            lines.append(
                f"| {row['plots']:,} | {row['app']} | {names[key]} | {row[key]:.2f} "
                f"| ≤ {target:g} | {_mark(row[key], target)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="median of N fresh visits")
    parser.add_argument("--backends", nargs="+", default=["gpkg", "postgis"],
                        choices=["gpkg", "postgis"])  # fmt: skip
    parser.add_argument("--timeout", type=float, default=300, help="per phase, the real app")
    parser.add_argument("--explore-timeout", type=float, default=120, help="per phase, DIY")
    parser.add_argument("--no-explore", action="store_true", help="skip the explore() baseline")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-large-filter", dest="large_filter", action="store_false",
                        help="skip the large-mode filter (staff view)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="stores and server logs (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="landmap-city-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work folder (stores, server logs): {workdir}")

    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    begun = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            explore_ok = True
            for plots in sorted(args.plots):
                size_rows, explore_ok = run_size(browser, plots, args, workdir, explore_ok)
                rows += size_rows
        finally:
            browser.close()
    print()
    print(
        f"Median of {args.repeat} fresh visits per app after one warm-up load; public view "
        f"(idle land shows {', '.join(PUBLIC_STATUSES)} only, in both apps); "
        f"{time.perf_counter() - begun:.0f} s in all."
    )
    print(report(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return rows


if __name__ == "__main__":
    main()
