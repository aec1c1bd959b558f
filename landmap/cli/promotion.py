"""The investor commands of ``python -m landmap``: ``brochure``.

A brochure is public output: it is built from the public view of the store (offered plots,
public fields), whoever runs the command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from landmap.access import Audience, project_frames
from landmap.cli.progress import write_output
from landmap.clock import SHANGHAI
from landmap.config import load_settings, secrets_from_files
from landmap.dataset import load_dataset
from landmap.i18n import t
from landmap.promotion.brochure import LANGS, PlotNotOffered, make_brochure, public_photos
from landmap.store import GpkgStore
from landmap.store.open import AnyStore

EXIT_OK, EXIT_PROBLEMS = 0, 1


def add_promotion_commands(
    sub: argparse._SubParsersAction, store_for: Callable[[argparse.Namespace], AnyStore]
) -> None:
    brochure = sub.add_parser(
        "brochure", help="write the A4 brochure (PDF) of one offered plot, or of a shortlist"
    )
    brochure.add_argument("plots", nargs="+", metavar="PLOT_ID", help="1 to 4 plot ids")
    brochure.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    brochure.add_argument(
        "--brochure-lang",
        "--in",
        dest="brochure_lang",
        choices=LANGS,
        default="zh",
        help="the brochure's language: zh, en or both (Chinese and English on the page)",
    )
    brochure.set_defaults(
        handler=lambda args: run_brochure(
            store_for(args), args.plots, args.output, args.brochure_lang, args.lang
        )
    )


def run_brochure(
    store: AnyStore, plot_ids: list[str], output: Path, brochure_lang: str, lang: str = "zh"
) -> int:
    """Write the brochure of ``plot_ids`` to ``output``; print where it went."""
    settings = load_settings(secrets=secrets_from_files())
    dataset = load_dataset(store, settings.boundary_path)
    public = project_frames(dataset.frames, Audience.PUBLIC)
    try:
        pdf = make_brochure(
            plot_ids[:4],
            public,
            lang=brochure_lang,
            base_url=settings.public_url,
            contact=settings.promotion_contact,
            boundary=dataset.boundary,
            as_of=datetime.now(SHANGHAI),
            is_sample=settings.is_sample_data
            and isinstance(store, GpkgStore)
            and store.path == settings.data_path,
            photos=public_photos(store),
        )
    except PlotNotOffered as exc:
        print(t("brochure.not_offered", lang, id=exc.feature_id), file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK if write_output(output, pdf, lang) else EXIT_PROBLEMS
