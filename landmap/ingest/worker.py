"""The child process that parses one upload: ``python -m landmap.ingest.worker <workdir>``.

``sandbox.read_geodata`` starts it under rlimits in a private temp directory holding
``request.json`` and the upload under a name *we* chose. It writes one Arrow IPC file per layer
(attributes as columns, geometry as WKB, facts in the schema metadata) and ``result.json`` with
the problems as codes and values. Nothing is pickled: a child compromised by a hostile file must
not be able to run code in the parent (security.md §2.2 I7), and the parent renders GDAL's
problems from its own catalogue (``messages.MESSAGES``), never from text the child wrote.

``sandbox.read_table`` (mode "table": a CSV or Excel table with coordinates) and
``sandbox.read_workbook_cells`` (mode "workbook": every cell of a 台账) use the same child. Their
readers word problems themselves (naming headers, rows, sheets), so those travel with their
zh/en text (``table_transport``), which the parent caps in length and shows as text only.

This module is the child's main flow only: harden GDAL, prepare the upload, read its layers,
write the result. The steps live in modules of their own:

- ``gdal_hardening``: the driver allowlist and the GDAL environment that enforces it;
- ``prepare``: what GDAL will open, after ``sniff`` (content against extension, GeoJSON
  ``crs``), ``zipcheck`` (zip entries, safe extraction) and ``textencoding`` (GBK or UTF-8);
- ``gdal_read``: the layers, read with pyogrio into Arrow tables;
- ``messages``: the catalogue that turns codes into ``ImportProblem`` values.

Order matters: the GDAL hardening (``harden_gdal``) runs before pyogrio is imported, because
drivers are registered at import (security.md §3.2). So none of the modules above imports
pyogrio or geopandas at module level; ``gdal_read`` imports pyogrio inside ``read_layers``
(tests/ingest/test_worker_imports.py checks this). Everything GDAL opens has first been
checked with plain Python: the content is sniffed, zips are checked entry by entry and
extracted under our own names, KML is refused if it declares a DOCTYPE.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from landmap.ingest.gdal_hardening import harden_gdal
from landmap.ingest.gdal_read import LayerOut, read_layers
from landmap.ingest.limits import Limits
from landmap.ingest.messages import format_mb, is_out_of_memory, make_problem
from landmap.ingest.prepare import prepare
from landmap.ingest.problems import ImportProblem, ImportRejected
from landmap.ingest.sniff import EXTENSION_KINDS

if TYPE_CHECKING:
    import pyarrow as pa

# -- Output ----------------------------------------------------------------------------------

RESULT_FILE = "result.json"
REQUEST_FILE = "request.json"


def problem_json(p: ImportProblem) -> dict:
    return {
        "code": p.code,
        "severity": str(p.severity),
        "feature_ids": list(p.feature_ids),
        "values": dict(p.values),
    }


def write_layers(workdir: Path, layers: list[LayerOut]) -> list[dict]:
    import pyarrow as pa

    entries = []
    for i, layer in enumerate(layers):
        name = f"layer-{i:03d}.arrow"
        meta = {f"landmap.{k}".encode(): v.encode("utf-8") for k, v in layer.metadata.items()}
        table = layer.table.replace_schema_metadata(meta)
        with (
            pa.OSFile(str(workdir / name), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        entries.append({"file": name, "problems": [problem_json(p) for p in layer.problems]})
    return entries


def write_result(workdir: Path, result: dict) -> None:
    tmp = workdir / (RESULT_FILE + ".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    tmp.rename(workdir / RESULT_FILE)  # the parent never sees half a result


def run(workdir: Path, request: dict) -> dict:
    limits = Limits(**request["limits"])
    if request.get("mode") == "table":
        return run_table(workdir, request, limits)
    if request.get("mode") == "workbook":
        return run_workbook(workdir, request, limits)
    kind = EXTENSION_KINDS[request["ext"]]
    source = prepare(workdir / request["upload"], kind, request, limits)
    layers, file_problems = read_layers(source, limits)
    return {
        "status": "ok",
        "layers": write_layers(workdir, layers),
        "problems": [problem_json(p) for p in file_problems],
    }


def run_table(workdir: Path, request: dict, limits: Limits) -> dict:
    """A CSV or Excel upload: read by ``tabular`` here, in the child, under the same limits."""
    import shapely

    from landmap.ingest import table_transport, tabular

    data = (workdir / request["upload"]).read_bytes()
    read = tabular.read_table_bytes(
        data,
        "upload" + request["ext"],
        encoding=request.get("encoding"),
        sheet=request.get("sheet"),
        max_rows=limits.max_features,
    )
    frame = read.frame
    columns = [c for c in frame.columns if c != frame.geometry.name]
    geoms = frame.geometry.to_numpy()
    wkb = [None if g is None else shapely.to_wkb(g) for g in geoms]
    table = table_transport.rows_table(
        [int(i) for i in frame.index], frame[columns].to_numpy(dtype=object).tolist(), wkb
    )
    meta = {
        "columns": json.dumps(columns, ensure_ascii=False),
        "coordinate_columns": json.dumps(list(read.coordinate_columns), ensure_ascii=False),
        "kind": str(read.kind),
        "encoding": read.encoding or "",
        "sheet": read.sheet or "",
        "index_name": str(frame.index.name or ""),
    }
    table = table.replace_schema_metadata(
        {f"landmap.{k}".encode(): v.encode("utf-8") for k, v in meta.items()}
    )
    write_arrow(workdir / "table-000.arrow", table)
    return {
        "status": "ok",
        "table": "table-000.arrow",
        "problems": [table_transport.problem_to_json(p) for p in read.problems],
    }


def run_workbook(workdir: Path, request: dict, limits: Limits) -> dict:
    """A 台账: every sheet's cells, formulas as formulas, read here under the child's limits."""
    from landmap.ingest import table_transport, table_xlsx

    data = (workdir / request["upload"]).read_bytes()
    sheets = table_xlsx.workbook_cells(data, max_unpacked_bytes=limits.max_unzipped_bytes)
    write_arrow(workdir / table_transport.WORKBOOK_FILE, table_transport.workbook_table(sheets))
    return {"status": "ok", "workbook": table_transport.WORKBOOK_FILE}


def write_arrow(path: Path, table: pa.Table) -> None:
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def main(argv: list[str]) -> int:
    workdir = Path(argv[1])
    request = json.loads((workdir / REQUEST_FILE).read_text(encoding="utf-8"))
    harden_gdal(request.get("drivers"))
    try:
        result = run(workdir, request)
    except ImportRejected as exc:
        result = {"status": "rejected", "problem": _rejection_json(exc.problem, request)}
    except Exception as exc:
        traceback.print_exc()  # to the log file in the workdir; the parent logs its tail
        result = {"status": "rejected", "problem": problem_json(_unexpected(exc, request))}
    write_result(workdir, result)
    return 0


def _rejection_json(p: ImportProblem, request: dict) -> dict:
    # Table readers word their own refusals (naming headers, rows, sheets): the text goes too,
    # and the parent caps it. GDAL refusals are codes of the parent's catalogue only.
    if request.get("mode") in ("table", "workbook"):
        from landmap.ingest.table_transport import problem_to_json

        return problem_to_json(p)
    return problem_json(p)


def _unexpected(exc: Exception, request: dict) -> ImportProblem:
    if is_out_of_memory(exc):
        return make_problem("memory", limit_mb=format_mb(request["limits"]["child_memory_bytes"]))
    return make_problem("internal_error")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
