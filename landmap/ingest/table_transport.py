"""Carrying a CSV/Excel read from the sandboxed child to the server, as data only.

Cells keep the types Excel gave them (text, numbers, dates, booleans), so each row travels as
JSON with dates tagged; shapes travel as WKB. Problems carry their zh/en text (the reader's
messages name headers and rows), which the parent caps in length and shows as text only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pyarrow as pa

from landmap.ingest.problems import ImportProblem, Severity
from landmap.layers import Label

SOURCE_ROW = "__source_row__"
CELLS = "__cells__"
MAX_TEXT_CHARS = 2000
MAX_VALUE_CHARS = 500


def encode_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def decode_cell(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("$datetime"), str):
            return dt.datetime.fromisoformat(value["$datetime"])
        if isinstance(value.get("$date"), str):
            return dt.date.fromisoformat(value["$date"])
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def rows_table(source_rows: list[int], rows: list[list[Any]], wkb: list[bytes | None]) -> pa.Table:
    cells = [json.dumps([encode_cell(v) for v in row], ensure_ascii=False) for row in rows]
    return pa.table(
        {
            SOURCE_ROW: pa.array(source_rows, pa.int64()),
            CELLS: pa.array(cells, pa.string()),
            "geometry": pa.array(wkb, pa.binary()),
        }
    )


def problem_to_json(problem: ImportProblem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "zh": problem.message.zh,
        "en": problem.message.en,
        "severity": str(problem.severity),
        "feature_ids": list(problem.feature_ids),
        "values": dict(problem.values),
    }


def problem_from_json(item: object) -> ImportProblem | None:
    """A problem sent by the child, or None when it is malformed (the caller reports that)."""
    if not isinstance(item, dict):
        return None
    texts = [item.get("code"), item.get("zh"), item.get("en")]
    if not all(isinstance(t, str) for t in texts):
        return None
    values = item.get("values") if isinstance(item.get("values"), dict) else {}
    ids = item.get("feature_ids") if isinstance(item.get("feature_ids"), list) else []
    built = ImportProblem(
        code=item["code"][:60],
        message=Label(item["zh"][:MAX_TEXT_CHARS], item["en"][:MAX_TEXT_CHARS]),
        severity=Severity.WARNING if item.get("severity") == "warning" else Severity.ERROR,
        feature_ids=tuple(str(i)[:100] for i in ids[:100_000]),
        values=tuple(
            (str(k), str(v)[:MAX_VALUE_CHARS])
            for k, v in values.items()
            if isinstance(k, str) and k.isidentifier()
        ),
    )
    try:
        built.text("zh"), built.text("en")
    except (KeyError, IndexError, ValueError):
        return None
    return built
