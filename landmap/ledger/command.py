"""What ``python -m landmap ledger-export`` and ``ledger-import`` run.

Exit status as in ``landmap.cli.main``: 0 done (every row imported), 1 something was left out or
could not be written, 2 a layer or status code the registry does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from landmap.dataset import load_dataset
from landmap.export.command import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, write_file_atomically
from landmap.ingest.problems import ImportRejected
from landmap.layers import LAYER_BY_ID, LAYERS
from landmap.ledger.apply import apply_ledger
from landmap.ledger.diff import read_ledger
from landmap.ledger.report import ledger_import_report
from landmap.ledger.writer import ledger_workbook
from landmap.query import FeatureFilter, count_features, describe_filter, filter_features
from landmap.store.base import EditConflict, StoreConflict, StoreError, TrackingStore


def run_ledger_export(
    store: TrackingStore,
    layer_ids: Iterable[str],
    statuses: Iterable[str],
    out_path: Path,
    lang: str = "zh",
) -> int:
    """Write the 台账 of ``layer_ids`` (all if empty), ``statuses`` only (all if empty)."""
    en = lang == "en"
    layers = tuple(dict.fromkeys(layer_ids)) or tuple(layer.id for layer in LAYERS)
    codes = frozenset(c.strip() for item in statuses for c in item.split(",") if c.strip())
    unknown = [x for x in layers if x not in LAYER_BY_ID]
    unknown += sorted(
        codes - {c for x in layers if x in LAYER_BY_ID for c in LAYER_BY_ID[x].status_codes}
    )
    if unknown:
        print(f"Unknown: {', '.join(unknown)}" if en else f"无法识别：{'、'.join(unknown)}")
        return EXIT_USAGE
    dataset = load_dataset(store, layers=[LAYER_BY_ID[x] for x in layers])
    if any(issue.is_error and issue.layer_id is None for issue in dataset.issues):
        print("\n".join(i.message(lang) for i in dataset.issues if i.layer_id is None))
        return EXIT_PROBLEMS
    flt = FeatureFilter(layers=layers, statuses=codes)
    shown = filter_features(dataset.frames, flt)
    versions = store.versions_by_layer(shown)
    sentence = describe_filter(flt, lang)
    data = ledger_workbook(shown, lang, versions, filter_text=sentence)
    try:
        write_file_atomically(Path(out_path), data)
    except OSError as exc:
        print(f"{out_path}: {exc.strerror or exc}")
        return EXIT_PROBLEMS
    count = count_features(shown)
    print(
        f"Ledger of {count} features written to {out_path} ({sentence})"
        if en
        else f"已导出 {count} 个要素的台账到 {out_path}（{sentence}）"
    )
    return EXIT_OK


def run_ledger_import(
    store: TrackingStore, path: Path, user: str, *, dry_run: bool = False, lang: str = "zh"
) -> int:
    """Read the ledger at ``path``, print what it changes, and apply it unless ``dry_run``."""
    en = lang == "en"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        print(f"{path}: {exc.strerror or exc}")
        return EXIT_PROBLEMS
    dataset = load_dataset(store)
    if any(issue.is_error and issue.layer_id is None for issue in dataset.issues):
        print("\n".join(i.message(lang) for i in dataset.issues if i.layer_id is None))
        return EXIT_PROBLEMS
    versions = store.versions_by_layer(layer.id for layer in LAYERS)
    try:
        diff = read_ledger(data, dataset.frames, versions)
    except ImportRejected as exc:
        print(exc.problem.text(lang))
        return EXIT_PROBLEMS
    print("\n".join(ledger_import_report(diff, lang)))
    status = EXIT_PROBLEMS if diff.errors else EXIT_OK
    if dry_run or not diff.edits:
        if dry_run:
            print("Dry run: nothing was written." if en else "试运行：未写入任何内容。")
        return status
    try:
        applied = apply_ledger(store, diff, user, Path(path).name)
    except EditConflict as exc:
        ids = ", ".join(c.feature_id for c in exc.conflicts)
        print(
            f"Changed by someone else meanwhile: {ids}. Nothing was written; run again."
            if en
            else f"以下要素刚被他人修改：{ids}。本次未写入任何内容，请重新运行。"
        )
        return EXIT_PROBLEMS
    except (StoreConflict, StoreError) as exc:
        print(f"Could not write: {exc}" if en else f"写入失败：{exc}")
        return EXIT_PROBLEMS
    print(
        f"Written: {len(applied.change_ids)} features, {applied.history_rows} history rows "
        f"by {user}."
        if en
        else f"已写入 {len(applied.change_ids)} 个要素，历史记录 {applied.history_rows} 条"
        f"（填报人：{user}）。"
    )
    return status
