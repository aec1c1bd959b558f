"""A ledger import in words: what will change, what was left out and why (CLI and UI alike)."""

from __future__ import annotations

from landmap.layers import LAYER_BY_ID
from landmap.ledger.diff import LedgerDiff


def ledger_import_report(diff: LedgerDiff, lang: str = "zh") -> list[str]:
    """Lines to print: a summary, the changes, the rows not imported, then notices."""
    en = lang == "en"
    sep = ", " if en else "、"
    layers = sep.join(LAYER_BY_ID[layer_id].short_name.get(lang) for layer_id in diff.layers_read)
    errors = diff.errors
    warnings = diff.warnings
    if en:
        lines = [
            f"Ledger: {diff.rows_read} rows read ({layers or 'no layer sheet'}); "
            f"{len(diff.changes)} changes to {len(diff.edits)} features; "
            f"{len(errors)} problems."
        ]
    else:
        lines = [
            f"台账：读取 {diff.rows_read} 行（{layers or '没有图层工作表'}），"
            f"{len(diff.edits)} 个要素共 {len(diff.changes)} 处改动，{len(errors)} 个问题。"
        ]
    if diff.changes:
        lines.append("Changes:" if en else "改动：")
        lines += [f"  {line}" for line in diff.change_lines(lang)]
    if errors:
        lines.append("Not imported:" if en else "未导入：")
        lines += [f"  {p.text(lang)}" for p in errors]
    if warnings:
        lines.append("Notes:" if en else "提示：")
        lines += [f"  {p.text(lang)}" for p in warnings]
    return lines
