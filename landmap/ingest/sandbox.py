"""Read an uploaded geodata file safely: from its bytes, in a child process with limits.

GDAL parses hostile files in C; a crafted upload can read server files, make web requests,
hang forever or exhaust memory (security.md §1 items 4–5, §2.2 I1–I7). So the parsing happens
in ``landmap.ingest.worker``, run as a separate process that:

- gets only a private temp directory holding the bytes under a name we chose (never the
  user's file name or a path or URL they typed, §2.2 I4);
- runs with RLIMIT_AS / RLIMIT_CPU / RLIMIT_FSIZE, no core dumps, a minimal environment and a
  wall-clock timeout after which its whole process group is killed (§3.2, §4.2 item 23);
- answers with Arrow IPC files and a JSON file of problem codes, never pickle, so a child
  taken over by a hostile file cannot run code here; messages come from our own catalogue.

Usage::

    raw = read_geodata(uploaded.getvalue(), uploaded.name)   # may raise ImportRejected
    for layer in raw.layers:
        layer.frame, layer.problems

CSV and Excel tables (``read_table``) and a 台账 workbook read cell by cell
(``read_workbook_cells``) go through the same child and the same limits.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyproj
import shapely

from landmap.ingest import gdal_hardening, messages, sniff, table_transport, tabular, worker
from landmap.ingest.limits import MIB, Limits
from landmap.ingest.problems import ImportProblem, ImportRejected
from landmap.ingest.table_xlsx import WorkbookSheet

log = logging.getLogger(__name__)
T = TypeVar("T")

# The directory that holds the ``landmap`` package, for the child's PYTHONPATH.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
# What the child may write besides the layers: result.json is small; more is not trusted.
MAX_RESULT_JSON_BYTES = 8 * MIB
MAX_VALUE_CHARS = 2000
MAX_FEATURE_IDS = 1_000_000
_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")
_STDERR_TAIL = 4000


@dataclass(frozen=True)
class RawLayer:
    """One layer as read from the file, before any field mapping or validation.

    ``format`` is "GeoPackage", "GeoJSON", "Shapefile", "KML" or "KMZ"; ``encoding`` is the text
    encoding the attributes were decoded from ("UTF-8", "GB18030", …); ``prj_text`` is the raw
    .prj of a shapefile (domain-china.md §1.2), None for other formats or when it had none.
    """

    name: str
    frame: gpd.GeoDataFrame
    format: str
    encoding: str
    prj_text: str | None = None
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class RawRead:
    """Every layer read from one upload.

    Problems about the file's text (encoding guessed, no .prj) are on every layer, since any
    layer may be the one imported; ``problems`` holds the rest: layers skipped or left out.
    """

    layers: list[RawLayer]
    problems: list[ImportProblem] = field(default_factory=list)


def read_geodata(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, never mutated
) -> RawRead:
    """Parse an uploaded GeoPackage, GeoJSON, zipped Shapefile, KML or KMZ from its bytes.

    ``filename`` is used only for its extension (and a display name); ``encoding`` overrides
    the text encoding of a Shapefile, GeoJSON or KML. Raises ``ImportRejected`` with a zh/en
    message when the file is refused, unreadable, or exceeds ``limits``.
    """
    ext = check_upload(data, filename, limits)
    return _in_child(_collect, data, ext, filename, encoding, limits)


TABLE_EXTENSIONS = (".csv", ".xlsx")


def read_table(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, never mutated
) -> tabular.TabularRead:
    """Parse an uploaded CSV or Excel file in the child process, under the same limits.

    An .xlsx is a zip of XML that can be made to exhaust memory or time like any other upload,
    so it is never parsed in the server process either.
    """
    check_size(data, limits)
    ext = upload_extension(filename)
    if ext not in TABLE_EXTENSIONS:
        raise messages.reject("unsupported_type", ext=ext or filename[-40:])
    return _in_child(
        _collect_table, data, ext, filename, encoding, limits, mode="table", sheet=sheet
    )


# A 台账 is small: a ledger of the whole district is well under 1 MB (the sheet, row and column
# caps are ``table_xlsx.MAX_WORKBOOK_*``).
WORKBOOK_LIMITS = Limits(max_upload_bytes=20 * MIB, max_unzipped_bytes=100 * MIB)


def read_workbook_cells(
    data: bytes,
    *,
    limits: Limits = WORKBOOK_LIMITS,
) -> list[WorkbookSheet]:
    """Every sheet's cells of an uploaded .xlsx, read in the child process under ``limits``.

    Formulas come back as formulas (``WorkbookCell.formula``, the formula's text as the value),
    never as the result Excel cached; numbers shown as percentages are flagged. Blank rows are
    left out and each row keeps the number Excel shows. Raises ``ImportRejected`` with a zh/en
    message when the file is refused: not an .xlsx, a DTD or entity bomb, too many sheets or
    rows, too large unpacked, or stopped by the child's memory, CPU or time limits.
    """
    check_size(data, limits)
    return _in_child(
        _collect_workbook, data, ".xlsx", "workbook.xlsx", None, limits, mode="workbook"
    )


def _in_child(
    collect: Callable[[Path], T],
    data: bytes,
    ext: str,
    filename: str,
    encoding: str | None,
    limits: Limits,
    **request: str | None,
) -> T:
    """Run the worker on ``data`` in a private folder, collect its answer, always clean up."""
    workdir = Path(tempfile.mkdtemp(prefix="landmap-import-"))  # mode 0700, ours alone
    # Every log line of this read carries it; a last-resort message shows it to the user.
    reference = workdir.name.removeprefix("landmap-import-")
    try:
        _write_request(workdir, data, ext, filename, encoding, limits, **request)
        _run_child(workdir, limits, reference)
        return collect(workdir)
    except ImportRejected as exc:
        if exc.problem.code in messages.LAST_RESORT_CODES:
            log.warning("import %s refused as %s", reference, exc.problem.code)
            raise ImportRejected(messages.with_reference(exc.problem, reference)) from None
        raise
    except Exception as exc:  # our own failure (no process slots, disk full…), still in words
        log.exception("import %s: sandbox failed", reference)
        problem = messages.with_reference(messages.make_problem("internal_error"), reference)
        raise ImportRejected(problem) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _collect_workbook(workdir: Path) -> list[WorkbookSheet]:
    result = _load_result(workdir)
    if result.get("status") == "rejected":
        raise _table_rejection(result.get("problem"))
    if result.get("status") != "ok" or result.get("workbook") != table_transport.WORKBOOK_FILE:
        raise messages.reject("crashed")
    path = workdir / table_transport.WORKBOOK_FILE
    # The child refuses more than this itself; a file beyond it was not written by our code.
    if path.stat().st_size > table_transport.MAX_WORKBOOK_CELL_BYTES + MIB:
        raise messages.reject("crashed")
    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        table.validate(full=True)
        return table_transport.sheets_from_table(table)
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        raise messages.reject("crashed") from None


def _table_rejection(item: object) -> ImportRejected:
    """A table reader's refusal: the catalogue's words for its codes, else the reader's own."""
    if isinstance(item, dict) and item.get("code") in messages.MESSAGES:
        return ImportRejected(_problem(item))
    built = table_transport.problem_from_json(item)
    return ImportRejected(built if built is not None else messages.make_problem("internal_error"))


def _collect_table(workdir: Path) -> tabular.TabularRead:
    result = _load_result(workdir)
    if result.get("status") == "rejected":
        raise _table_rejection(result.get("problem"))
    if result.get("status") != "ok" or result.get("table") != "table-000.arrow":
        raise messages.reject("crashed")
    try:
        with pa.memory_map(str(workdir / "table-000.arrow")) as source:
            table = pa.ipc.open_file(source).read_all()
        table.validate(full=True)
        meta = {
            k.decode("utf-8"): v.decode("utf-8") for k, v in (table.schema.metadata or {}).items()
        }
        columns = [str(c)[:200] for c in json.loads(meta["landmap.columns"])]
        coordinate_columns = tuple(str(c) for c in json.loads(meta["landmap.coordinate_columns"]))
        rows = [
            [table_transport.decode_cell(v) for v in json.loads(cells)]
            for cells in table.column(table_transport.CELLS).to_pylist()
        ]
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        raise messages.reject("crashed") from None
    if any(len(row) != len(columns) for row in rows):
        raise messages.reject("crashed")
    wkb = table.column("geometry").to_numpy(zero_copy_only=False)
    index = pd.Index(
        table.column(table_transport.SOURCE_ROW).to_pylist(),
        name=meta.get("landmap.index_name") or None,
    )
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=columns, index=index, dtype=object),
        geometry=gpd.GeoSeries(shapely.from_wkb(wkb, on_invalid="ignore"), index=index),
    )
    problems = []
    for item in result.get("problems") or []:
        built = table_transport.problem_from_json(item)
        problems.append(built if built is not None else messages.make_problem("internal_error"))
    kind = meta.get("landmap.kind", "lonlat")
    return tabular.TabularRead(
        frame=frame,
        coordinate_columns=coordinate_columns,
        kind=kind if kind in ("lonlat", "xy", "wkt") else "lonlat",
        encoding=meta.get("landmap.encoding") or None,
        sheet=meta.get("landmap.sheet") or None,
        problems=problems,
    )


def check_upload(data: bytes, filename: str, limits: Limits) -> str:
    """The upload's extension, once size and type are acceptable; before any process starts."""
    check_size(data, limits)
    ext = upload_extension(filename)
    if ext in sniff.SHAPEFILE_PARTS:
        raise messages.reject("shapefile_not_zipped", ext=ext)
    if ext not in sniff.EXTENSION_KINDS:
        raise messages.reject("unsupported_type", ext=ext or filename[-40:])
    return ext


def check_size(data: bytes, limits: Limits) -> None:
    """Refuse an empty or over-large upload before any process starts."""
    if not data:
        raise messages.reject("empty_file")
    if len(data) > limits.max_upload_bytes:
        raise messages.reject(
            "too_large",
            size_mb=messages.format_mb(len(data)),
            limit_mb=messages.format_mb(limits.max_upload_bytes),
        )


def upload_extension(filename: str) -> str:
    """Lower-case extension of the client's file name; "" if it is not a plain one."""
    base = re.split(r"[/\\]", filename)[-1]
    ext = os.path.splitext(base)[1].lower()
    return ext if _EXTENSION.fullmatch(ext) else ""


def display_name(filename: str) -> str:
    """The file's base name without extension, for naming a single-layer upload on screen."""
    base = os.path.splitext(re.split(r"[/\\]", filename)[-1])[0]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:100] or "layer"


def _write_request(
    workdir: Path,
    data: bytes,
    ext: str,
    filename: str,
    encoding: str | None,
    limits: Limits,
    *,
    mode: str = "geodata",
    sheet: str | None = None,
) -> None:
    (workdir / "tmp").mkdir()
    upload = f"upload{ext}"  # only the sanitised extension of the user's name survives
    (workdir / upload).write_bytes(data)
    request = {
        "upload": upload,
        "ext": ext,
        "display_name": display_name(filename),
        "encoding": encoding,
        "limits": limits.as_json(),
        "drivers": vector_drivers(),
        "mode": mode,
        "sheet": sheet,
    }
    (workdir / worker.REQUEST_FILE).write_text(json.dumps(request), encoding="utf-8")


@functools.cache
def vector_drivers() -> tuple[str, ...]:
    """GDAL's driver list, asked once per server process (the child then skips all but ours)."""
    return tuple(gdal_hardening.list_vector_drivers())


# -- The child process -----------------------------------------------------------------------


def child_env(workdir: Path) -> dict[str, str]:
    """A minimal environment: no credentials, proxies or GDAL settings leak from the server."""
    env = {
        "PATH": os.defpath,
        "PYTHONPATH": str(PACKAGE_ROOT),
        "HOME": str(workdir),
        "TMPDIR": str(workdir / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # Thread pools reserve address space that RLIMIT_AS counts.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    # Where GDAL/PROJ find their data files, if the server set it (not secrets).
    for name in ("GDAL_DATA", "PROJ_DATA", "PROJ_LIB"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def rlimits(limits: Limits) -> dict[int, tuple[int, int]]:
    """Kernel limits (soft, hard) of the child (security.md §2.2 I7); it cannot raise them.

    RLIMIT_NPROC is not set: it counts every process and thread of the server's user, so a
    value low enough to matter would also fail GDAL's own threads at random.
    """
    cpu = max(1, int(limits.child_cpu_seconds))
    return {
        resource.RLIMIT_AS: (int(limits.child_memory_bytes),) * 2,
        # SIGXCPU at the soft limit names the cause; SIGKILL 2 s later if it is ignored.
        resource.RLIMIT_CPU: (cpu, cpu + 2),
        # Extracted zip entries and the Arrow result are the only files it writes.
        resource.RLIMIT_FSIZE: (int(limits.max_unzipped_bytes + limits.max_upload_bytes),) * 2,
        resource.RLIMIT_CORE: (0, 0),  # a crashing GDAL must not dump memory to disk
    }


def _preexec(limits: dict[int, tuple[int, int]]) -> Callable[[], None]:
    # Runs between fork and exec: only setrlimit calls, nothing that takes a lock, since the
    # server has other threads (the reason subprocess warns about preexec_fn).
    def apply() -> None:
        for which, soft_hard in limits.items():
            resource.setrlimit(which, soft_hard)

    return apply


def _run_child(workdir: Path, limits: Limits, reference: str = "") -> None:
    """Run the worker; return when it wrote a result, raise ImportRejected otherwise."""
    log_path = workdir / "child.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            # -P: the work directory is not put on sys.path; -s: no user site-packages.
            [sys.executable, "-P", "-s", "-B", "-m", "landmap.ingest.worker", str(workdir)],
            cwd=workdir,
            env=child_env(workdir),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # its own process group, killed as a whole below
            preexec_fn=_preexec(rlimits(limits)),
            close_fds=True,
        )
        try:
            finished = _wait_unreaped(proc.pid, limits.wall_seconds)
        finally:
            # Kill the group while the child is at worst a zombie: its group id cannot have
            # been reused yet, and grandchildren it started go too.
            _kill_group(proc.pid)
            returncode, cpu_seconds = _reap(proc)
    if not finished:
        log.warning("import %s: child timed out after %s s", reference, limits.wall_seconds)
        raise messages.reject("timeout", seconds=messages.format_number(limits.wall_seconds))
    tail = _tail(log_path)
    if returncode != 0 or not (workdir / worker.RESULT_FILE).exists():
        log.warning("import %s: child failed (exit %s): %s", reference, returncode, tail)
        raise _failure(returncode, cpu_seconds, tail, limits)
    if "Traceback" in tail or "landmap worker:" in tail:  # caught errors, kept for the admin
        log.warning("import %s: child reported: %s", reference, tail)


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait until the child exits (True) or ``timeout`` passes (False), without reaping it."""
    deadline = time.monotonic() + timeout
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _reap(proc: subprocess.Popen) -> tuple[int, float]:
    """Exit code and CPU seconds used: RLIMIT_CPU ends a child with SIGXCPU or SIGKILL."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - _STDERR_TAIL))
        return f.read().decode("utf-8", "replace")


def _failure(returncode: int, cpu_seconds: float, tail: str, limits: Limits) -> ImportRejected:
    """Why the child died, in the user's words."""
    out_of_cpu = returncode == -signal.SIGKILL and cpu_seconds >= limits.child_cpu_seconds - 0.5
    if returncode == -signal.SIGXCPU or out_of_cpu:
        return messages.reject("cpu_limit", seconds=limits.child_cpu_seconds)
    if returncode == -signal.SIGXFSZ:
        return messages.reject("output_too_large")
    # SIGKILL with CPU to spare: the kernel's out-of-memory killer.
    if returncode == -signal.SIGKILL or messages.is_out_of_memory(tail):
        return messages.reject("memory", limit_mb=messages.format_mb(limits.child_memory_bytes))
    return messages.reject("crashed")


# -- Reading the child's answer (untrusted: checked, never executed) --------------------------


def _collect(workdir: Path) -> RawRead:
    result = _load_result(workdir)
    if result.get("status") == "rejected":
        raise ImportRejected(_problem(result.get("problem")))
    if result.get("status") != "ok" or not isinstance(result.get("layers"), list):
        raise messages.reject("crashed")
    layers = [_load_layer(workdir, entry) for entry in result["layers"]]
    return RawRead(layers, _problems(result.get("problems")))


def _load_result(workdir: Path) -> dict:
    path = workdir / worker.RESULT_FILE
    if path.stat().st_size > MAX_RESULT_JSON_BYTES:
        raise messages.reject("crashed")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise messages.reject("crashed") from None
    if not isinstance(result, dict):
        raise messages.reject("crashed")
    return result


def _problems(items: object) -> list[ImportProblem]:
    return [_problem(item) for item in items] if isinstance(items, list) else []


def _problem(item: object) -> ImportProblem:
    """Rebuild a problem from a code and values; the text is always our catalogue's."""
    if not isinstance(item, dict) or item.get("code") not in messages.MESSAGES:
        return messages.make_problem("internal_error")
    values = item.get("values") if isinstance(item.get("values"), dict) else {}
    clean = {
        str(k): str(v)[:MAX_VALUE_CHARS]
        for k, v in values.items()
        if isinstance(k, str) and k.isidentifier()
    }
    ids = item.get("feature_ids") if isinstance(item.get("feature_ids"), list) else []
    built = messages.make_problem(
        item["code"], feature_ids=[str(i)[:100] for i in ids[:MAX_FEATURE_IDS]], **clean
    )
    try:
        built.text("zh"), built.text("en")  # a missing placeholder must fail here, not in the UI
    except (KeyError, IndexError, ValueError):
        return messages.make_problem("internal_error")
    return built


_FILE_NAME = re.compile(r"layer-\d{3}\.arrow")


def _load_layer(workdir: Path, entry: object) -> RawLayer:
    if not isinstance(entry, dict) or not _FILE_NAME.fullmatch(str(entry.get("file"))):
        raise messages.reject("crashed")
    try:
        with pa.memory_map(str(workdir / entry["file"])) as source:
            table = pa.ipc.open_file(source).read_all()
        table.validate(full=True)
    except (OSError, pa.ArrowException):
        raise messages.reject("crashed") from None
    meta = {
        k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
        for k, v in (table.schema.metadata or {}).items()
    }
    frame = _frame(table, _crs(meta))
    return RawLayer(
        name=meta.get("landmap.layer", "")[:200] or "layer",
        frame=frame,
        format=meta.get("landmap.format", "")[:40],
        encoding=meta.get("landmap.encoding", "")[:40],
        prj_text=meta.get("landmap.prj_text") or None,
        problems=_problems(entry.get("problems")),
    )


def _crs(meta: dict[str, str]) -> pyproj.CRS | None:
    """The layer's CRS from PROJJSON, else WKT: parsers only, never a path, URL or "+init"."""
    projjson, wkt = meta.get("landmap.crs_projjson", ""), meta.get("landmap.crs_wkt", "")
    try:
        if projjson:
            return pyproj.CRS.from_json(projjson)
        if wkt:
            return pyproj.CRS.from_wkt(wkt)
    except pyproj.exceptions.CRSError:
        pass
    return None


def _frame(table: pa.Table, crs: pyproj.CRS | None) -> gpd.GeoDataFrame:
    if "geometry" not in table.column_names or not pa.types.is_binary(
        table.schema.field("geometry").type
    ):
        raise messages.reject("crashed")
    wkb = table.column("geometry").to_numpy(zero_copy_only=False)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    attrs = table.drop_columns(["geometry"]).replace_schema_metadata(None).to_pandas()
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
