"""What ``python -m landmap export`` runs: read the store, filter, write one file.

Exit status as in ``landmap.cli.main``: 0 done, 1 the store could not be read or the file not
written, 2 a layer or status code the registry does not know. Messages go to standard output
in the chosen language.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from landmap.dataset import load_dataset
from landmap.export.features import export_features
from landmap.export.formats import Audience, ExportFormat
from landmap.layers import LAYER_BY_ID, LAYERS
from landmap.query import FeatureFilter, count_features, describe_filter, filter_features
from landmap.store.base import FeatureStore

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def run_export(
    store: FeatureStore,
    layer_ids: Iterable[str],
    statuses: Iterable[str],
    fmt: ExportFormat | str,
    out_path: Path,
    lang: str = "zh",
    *,
    audience: Audience = Audience.STAFF,
) -> int:
    """Export the features of ``layer_ids`` (all layers if empty) with ``statuses`` (all if
    empty; "listed,supplied" is split at commas) to ``out_path``; returns the exit status."""
    en = lang == "en"
    layers = tuple(dict.fromkeys(layer_ids)) or tuple(layer.id for layer in LAYERS)
    unknown_layers = [layer_id for layer_id in layers if layer_id not in LAYER_BY_ID]
    if unknown_layers:
        known = ", ".join(LAYER_BY_ID)
        print(
            f"Unknown layer: {', '.join(unknown_layers)} (known: {known})"
            if en
            else f"没有这个图层：{'、'.join(unknown_layers)}（可选：{known}）"
        )
        return EXIT_USAGE
    codes = frozenset(c.strip() for item in statuses for c in item.split(",") if c.strip())
    known_codes = {code for layer_id in layers for code in LAYER_BY_ID[layer_id].status_codes}
    unknown_codes = sorted(codes - known_codes)
    if unknown_codes:
        known = ", ".join(sorted(known_codes))
        print(
            f"Unknown status code: {', '.join(unknown_codes)} (known: {known})"
            if en
            else f"所选图层没有这些状态代码：{'、'.join(unknown_codes)}（可选：{known}）"
        )
        return EXIT_USAGE
    dataset = load_dataset(store, layers=[LAYER_BY_ID[layer_id] for layer_id in layers])
    errors = [issue for issue in dataset.issues if issue.is_error and issue.layer_id is None]
    if errors:  # the file itself is missing or unreadable: an empty export would mislead
        print("\n".join(issue.message(lang) for issue in errors))
        return EXIT_PROBLEMS
    flt = FeatureFilter(layers=layers, statuses=codes)
    shown = filter_features(dataset.frames, flt)
    sentence = describe_filter(flt, lang)
    exported = export_features(shown, fmt, lang=lang, filter_text=sentence, audience=audience)
    try:
        write_file_atomically(Path(out_path), exported.data)
    except OSError as exc:
        print(f"{out_path}: {exc.strerror or exc}")
        return EXIT_PROBLEMS
    count = count_features(shown)
    print(
        f"Exported {count} features to {out_path} ({sentence})"
        if en
        else f"已导出 {count} 个要素到 {out_path}（{sentence}）"
    )
    return EXIT_OK


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        scratch.write_bytes(data)
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
