"""The progress commands of ``python -m landmap``: overdue, brief, history (and, beside them in
``landmap.export``/``landmap.ledger``, export and the ledger round trip).

Each prints what the app shows, in Chinese (``--lang en`` for English); exit status 0 only on
success, 1 when something could not be done, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from landmap.dataset import Dataset, load_dataset
from landmap.export import ExportFormat, run_export
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID
from landmap.ledger import run_ledger_export, run_ledger_import
from landmap.progress.deadlines import (
    DEFAULT_DUE_SOON_DAYS,
    format_overdue_lines,
    load_milestones,
    overdue_and_due_soon,
    overdue_headline,
    today_shanghai,
)
from landmap.progress.edits import describe_changes
from landmap.progress.followup import STALE_WEEKS_ENV, parse_stale_weeks, stale_weeks_setting
from landmap.progress.history import timeline
from landmap.progress.tracking import load_tracking
from landmap.reports.brief import make_brief
from landmap.store import StoreError
from landmap.store.open import AnyStore

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
StoreFor = Callable[[argparse.Namespace], AnyStore]


def add_progress_commands(sub: argparse._SubParsersAction, store_for: StoreFor) -> None:
    overdue = sub.add_parser("overdue", help="list overdue work and work due soon")
    overdue.add_argument(
        "--within",
        type=int,
        default=DEFAULT_DUE_SOON_DAYS,
        metavar="DAYS",
        help=f"also list what is due within DAYS days (default {DEFAULT_DUE_SOON_DAYS})",
    )
    overdue.set_defaults(handler=lambda args: run_overdue(store_for(args), args.within, args.lang))

    brief = sub.add_parser(
        "brief", help="write the one-page 督办 brief (PDF): late and stale work by unit"
    )
    brief.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    brief.add_argument(
        "--stale-weeks",
        default=None,
        metavar="WEEKS",
        help=f"weeks without an update before a feature is listed, e.g. 6 or "
        f"roads=2,idle_land=12 (default: {STALE_WEEKS_ENV} or each layer's own)",
    )
    brief.set_defaults(
        handler=lambda args: run_brief(store_for(args), args.output, args.stale_weeks, args.lang)
    )

    export = sub.add_parser("export", help="write the (filtered) features to a file")
    export.add_argument("--layer", action="append", default=[], choices=sorted(LAYER_BY_ID))
    export.add_argument("--status", action="append", default=[], metavar="CODES")
    export.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(
        handler=lambda args: run_export(
            store_for(args), args.layer, args.status, args.format, args.output, args.lang
        )
    )

    ledger_export = sub.add_parser("ledger-export", help="write an Excel ledger (台账)")
    ledger_export.add_argument("--layer", action="append", default=[], choices=sorted(LAYER_BY_ID))
    ledger_export.add_argument("--status", action="append", default=[], metavar="CODES")
    ledger_export.add_argument("-o", "--output", type=Path, required=True)
    ledger_export.set_defaults(
        handler=lambda args: run_ledger_export(
            store_for(args), args.layer, args.status, args.output, args.lang
        )
    )

    ledger_import = sub.add_parser(
        "ledger-import", help="apply an edited ledger: changed cells become status updates"
    )
    ledger_import.add_argument("file", type=Path)
    ledger_import.add_argument("--user", default=None, help="recorded as the author")
    ledger_import.add_argument("--dry-run", action="store_true", help="list the changes only")
    ledger_import.set_defaults(
        handler=lambda args: run_ledger_import(
            store_for(args),
            args.file,
            args.user or getpass.getuser(),
            dry_run=args.dry_run,
            lang=args.lang,
        )
    )

    history = sub.add_parser("history", help="the change history of one feature")
    history.add_argument("feature_id")
    history.set_defaults(
        handler=lambda args: run_history(store_for(args), args.feature_id, args.lang)
    )


def _readable_dataset(store: AnyStore, lang: str) -> Dataset | None:
    """The store's layers, or None after printing why the store as a whole cannot be read."""
    dataset = load_dataset(store)
    fatal = [i for i in dataset.issues if i.is_error and i.layer_id is None]
    if fatal:
        print("\n".join(i.message(lang) for i in fatal))
        return None
    return dataset


def run_overdue(store: AnyStore, within_days: int, lang: str = "zh") -> int:
    """Print the late list (most overdue first); 0 when it could be made, even if not empty."""
    if within_days < 0:
        print("--within must be 0 or more" if lang == "en" else "--within 不能为负数")
        return EXIT_USAGE
    dataset = _readable_dataset(store, lang)
    if dataset is None:
        return EXIT_PROBLEMS
    reading = load_milestones(store)
    today = today_shanghai()
    rows = overdue_and_due_soon(dataset.frames, reading.milestones, today, lang, within_days)
    print(overdue_headline(rows, today, lang, within_days))
    for line in format_overdue_lines(rows, lang):
        print(line)
    for skipped in reading.skipped:
        print(skipped.message(lang), file=sys.stderr)
    return EXIT_OK


def run_brief(
    store: AnyStore, output: Path, stale_weeks: str | None = None, lang: str = "zh"
) -> int:
    """Write the brief of every feature (no filter) to ``output``; print where it went."""
    try:
        weeks = stale_weeks_setting()
        if stale_weeks is not None:
            weeks = parse_stale_weeks(stale_weeks, weeks)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    dataset = _readable_dataset(store, lang)
    if dataset is None:
        return EXIT_PROBLEMS
    reading = load_milestones(store)
    tracking = load_tracking(store)
    note = t("picture.note", lang, source=store.source_name)
    pdf = make_brief(
        dataset.frames,
        tracking.history,
        reading.milestones,
        today_shanghai(),
        weeks,
        lang,
        scope=t("brief.scope_all", lang),
        data_note=note,
    )
    if not write_output(output, pdf, lang):
        return EXIT_PROBLEMS
    for skipped in reading.skipped:
        print(skipped.message(lang), file=sys.stderr)
    return EXIT_OK


def write_output(output: Path, data: bytes, lang: str = "zh") -> bool:
    """Write a made file where the user asked; print where it went, or why it could not."""
    try:
        output.write_bytes(data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        print(t("cli.cannot_write", lang, path=output, reason=reason), file=sys.stderr)
        return False
    print(output)
    return True


def run_history(store: AnyStore, feature_id: str, lang: str = "zh") -> int:
    """Print every recorded change of ``feature_id``, oldest first."""
    dataset = load_dataset(store)
    found = dataset.feature(feature_id)
    try:
        rows = store.history(feature_id)
    except StoreError as exc:
        print(exc)
        return EXIT_PROBLEMS
    if found is None and rows.empty:
        print(f"No feature {feature_id}" if lang == "en" else f"找不到编号为 {feature_id} 的要素")
        return EXIT_PROBLEMS
    if found is not None:
        spec, row = found
        print(f"{row['name']} ({spec.name.get(lang)}, {feature_id})")
    entries = timeline(rows)
    if not entries:
        print("No changes recorded." if lang == "en" else "尚无变更记录。")
        return EXIT_OK
    layer = found[0] if found is not None else None
    for entry in entries:
        note = f" — {entry.note}" if entry.note else ""
        print(f"{entry.when}  {entry.changed_by}  [{entry.source}]{note}")
        for label, old, new in (
            describe_changes(layer, entry.changes, lang)
            if layer is not None
            else [(c.field, c.old or "—", c.new or "—") for c in entry.changes]
        ):
            print(f"    {label}: {old} → {new}")
    return EXIT_OK
